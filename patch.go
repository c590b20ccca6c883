package scim

import (
	"net/http"
	"strings"
)

// PatchOperation is one operation of a PatchOp request (RFC 7644 §3.5.2).
type PatchOperation struct {
	Op    string // "add", "replace" or "remove", lower case
	Path  string
	Value any // generic JSON; numbers as json.Number
}

// PatchRequest is a parsed PatchOp request.
type PatchRequest struct {
	Operations []PatchOperation
}

// ParsePatch parses a PatchOp request body.
func ParsePatch(data []byte) (*PatchRequest, error) {
	v, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, Errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "a PatchOp request must be a JSON object")
	}
	ops, _ := memberFold(obj, "Operations").([]any)
	if len(ops) == 0 {
		return nil, Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "a PatchOp request needs a non-empty Operations array")
	}
	req := &PatchRequest{}
	for i, o := range ops {
		om, ok := o.(map[string]any)
		if !ok {
			return nil, Errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "Operations[%d] must be an object", i)
		}
		op := strings.ToLower(stringMember(om, "op"))
		if op != "add" && op != "replace" && op != "remove" {
			return nil, Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "Operations[%d].op must be add, replace or remove", i)
		}
		req.Operations = append(req.Operations, PatchOperation{Op: op, Path: stringMember(om, "path"), Value: memberFold(om, "value")})
	}
	return req, nil
}

// ApplyPatch applies the request to a copy of u and returns it; u is not
// modified. This version handles attribute paths without value filters.
func (m *Model) ApplyPatch(u *User, req *PatchRequest, opts DecodeOptions) (*User, error) {
	out := u.Clone()
	rv := reflectUser(out)
	for i, op := range req.Operations {
		if op.Op == "remove" {
			if op.Path == "" {
				return nil, Errorf(http.StatusBadRequest, ScimTypeNoTarget, "Operations[%d]: remove needs a path", i)
			}
			if err := m.setTop(out, rv, op.Path, nil, opts, false); err != nil {
				return nil, err
			}
			continue
		}
		if op.Path == "" {
			obj, ok := op.Value.(map[string]any)
			if !ok {
				return nil, Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "Operations[%d]: without a path the value must be an object", i)
			}
			for k, v := range obj {
				if strings.EqualFold(k, "id") {
					continue
				}
				if err := m.setTop(out, rv, k, v, opts, op.Op == "add"); err != nil {
					return nil, err
				}
			}
			continue
		}
		if a, _ := m.Lookup(op.Path); a == nil && m.SchemaByURN(op.Path) == nil {
			return nil, Errorf(http.StatusBadRequest, ScimTypeInvalidPath, "Operations[%d]: unknown path %q", i, op.Path)
		}
		if err := m.setTop(out, rv, op.Path, op.Value, opts, op.Op == "add"); err != nil {
			return nil, err
		}
	}
	return out, nil
}
