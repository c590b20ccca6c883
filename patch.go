package scim

import (
	"net/http"
	"strconv"
	"strings"
)

// PatchOperation is one operation of a PatchOp request (RFC 7644 §3.5.2).
type PatchOperation struct {
	// Op is "add", "replace" or "remove", lower-cased (clients send any case).
	Op string
	// Path is the target as the client wrote it, or "" for none.
	Path string
	// Value is generic JSON: nil, bool, string, json.Number, []any or
	// map[string]any.
	Value any
}

// PatchRequest is a parsed PatchOp request. Parse it once with [ParsePatch]
// and apply it as often as a compare-and-swap loop needs with
// [Model.ApplyPatch]; a [PatchRequest] is not modified by ApplyPatch and may be
// applied from several goroutines at once.
type PatchRequest struct {
	Operations []PatchOperation

	// paths caches the parsed Path of each operation (nil for none), as
	// [ParsePatch] found it. ApplyPatch uses an entry only while the
	// operation's Path is still the text it was parsed from.
	paths []*PatchPath
}

// ParsePatch parses a PatchOp request body. It accepts what Okta and Entra
// send: "Operations" and the operation members in any case, op values in
// any case ("Add", "Replace", "Remove"), schemas missing. Paths are parsed
// (not yet resolved); errors are *Error 400: invalidSyntax for a body that
// is not a PatchOp object, invalidValue for missing or empty Operations, an
// unknown op or an add or replace without a value, invalidPath for a
// malformed path.
func ParsePatch(data []byte) (*PatchRequest, error) {
	obj, err := parseJSONObject(data, "a PatchOp request")
	if err != nil {
		return nil, err
	}
	var ops any
	found := false
	for k, x := range obj {
		switch {
		case strings.EqualFold(k, "schemas"):
			if err := checkPatchSchemas(x); err != nil {
				return nil, err
			}
		case strings.EqualFold(k, "Operations"):
			ops, found = x, true
		}
	}
	if !found {
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "a PatchOp request needs an \"Operations\" array")
	}
	list, ok := ops.([]any)
	if !ok {
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "\"Operations\" must be an array, not %s", jsonKind(ops))
	}
	if len(list) == 0 {
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "\"Operations\" is empty; a PatchOp request needs at least one operation")
	}
	req := &PatchRequest{Operations: make([]PatchOperation, len(list)), paths: make([]*PatchPath, len(list))}
	for i, x := range list {
		o, ok := x.(map[string]any)
		if !ok {
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "Operations[%d] must be an object with op, path and value, not %s", i, jsonKind(x))
		}
		var op PatchOperation
		var opSeen, hasValue bool
		for k, val := range o {
			switch {
			case strings.EqualFold(k, "op"):
				s, ok := val.(string)
				if !ok {
					return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "Operations[%d].op must be \"add\", \"replace\" or \"remove\", not %s", i, describe(val))
				}
				op.Op, opSeen = strings.ToLower(strings.TrimSpace(s)), true
			case strings.EqualFold(k, "path"):
				if val == nil {
					continue
				}
				s, ok := val.(string)
				if !ok {
					return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "Operations[%d].path must be a string, not %s", i, jsonKind(val))
				}
				op.Path = s
			case strings.EqualFold(k, "value"):
				op.Value, hasValue = val, true
			}
		}
		if !opSeen {
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "Operations[%d] has no \"op\"; use \"add\", \"replace\" or \"remove\"", i)
		}
		switch op.Op {
		case "add", "replace":
			if !hasValue {
				return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "Operations[%d] (%s %s) has no \"value\"", i, op.Op, quote(op.Path))
			}
		case "remove":
		default:
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "Operations[%d].op is %s; use \"add\", \"replace\" or \"remove\"", i, quote(op.Op))
		}
		if strings.TrimSpace(op.Path) != "" {
			pp, err := ParsePatchPath(op.Path)
			if err != nil {
				return nil, opError(i, &op, err)
			}
			req.paths[i] = &pp
		}
		req.Operations[i] = op
	}
	return req, nil
}

func checkPatchSchemas(x any) error {
	if x == nil {
		return nil
	}
	list, ok := x.([]any)
	if !ok {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "\"schemas\" must be an array holding %q, not %s", MessagePatchOp, jsonKind(x))
	}
	if len(list) == 0 {
		return nil
	}
	for _, s := range list {
		if str, ok := s.(string); ok && strings.EqualFold(str, MessagePatchOp) {
			return nil
		}
	}
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "\"schemas\" must hold %q: the body is not a PatchOp request", MessagePatchOp)
}

// opError prefixes an operation's error with its index, op and path.
func opError(i int, op *PatchOperation, err error) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	c := *e
	if op.Path != "" {
		c.Detail = "Operations[" + strconv.Itoa(i) + "] (" + op.Op + " " + quote(op.Path) + "): " + e.Detail
	} else {
		c.Detail = "Operations[" + strconv.Itoa(i) + "] (" + op.Op + " without path): " + e.Detail
	}
	return &c
}
