package scim

import (
	"net/http"
	"strings"
)

// execBulkGroup runs one /Groups operation of a bulk request, when groups
// are on, with its bulkId references substituted: a group's members may
// name users (or groups) created earlier in the same request. Inside a
// Batcher's batch the group writes share its transaction.
func (req *request) execBulkGroup(op *bulkOp, id string, created map[string]string, res *bulkResult) {
	data := op.Data
	if op.tree != nil {
		data = substituteBulkIDs(op.tree, created, data)
	}
	var g *Group
	var err error
	switch m := strings.ToUpper(op.Method); {
	case m == http.MethodPost:
		if id != "" {
			err = Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "POST takes the path /Groups, not %q", op.Path)
			break
		}
		if g, err = req.createGroup(data); err == nil {
			res.status = http.StatusCreated
		}
	case id == "" && (m == http.MethodPut || m == http.MethodPatch || m == http.MethodDelete):
		err = Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "%s needs the path /Groups/{id}, not %q", op.Method, op.Path)
	case m == http.MethodPut:
		g, err = req.replaceGroup(id, data, op.Version)
		res.status = http.StatusOK
	case m == http.MethodPatch:
		g, err = req.patchGroup(id, data, op.Version)
		res.status = http.StatusOK
	case m == http.MethodDelete:
		if err = req.removeGroup(id, op.Version); err == nil {
			res.status, res.location = http.StatusNoContent, req.groupLocation(id)
		}
	default:
		err = Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "method %q is not a bulk method (POST, PUT, PATCH, DELETE)", op.Method)
	}
	if err != nil {
		res.fail(err)
		return
	}
	if g != nil {
		res.location, res.version = req.groupLocation(g.ID), g.Meta.Version
	}
}
