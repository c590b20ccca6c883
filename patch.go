package scim

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unsafe"

	"github.com/scimkit/scim/internal/jsonr"
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
	if req, ok := parsePatchFast(data); ok {
		return req, nil
	}
	return parsePatchGeneric(data)
}

// errPatchGeneric is how parsePatchFast's readers give up on a body:
// parsePatchGeneric then answers it.
var errPatchGeneric = errors.New("scim: PatchOp body left to the generic parser")

// parsePatchFast parses a well-formed PatchOp request with jsonr, straight
// into its operations, without the generic JSON of the whole body that
// parsePatchGeneric decodes first (most of a PATCH's allocations and a
// sixth of its CPU with encoding/json). It reports false for anything
// parsePatchGeneric would refuse, and also for a key repeated in one
// object (encoding/json keeps the last of equal keys, either of keys equal
// but for case, which streaming would have to mimic): parsePatchGeneric
// then parses the body again, so errors and those odd bodies get exactly
// its answer. When it reports true the request is the one
// parsePatchGeneric returns (FuzzParsePatchFast checks).
func parsePatchFast(data []byte) (*PatchRequest, bool) {
	if bad, _ := badText(data); bad >= 0 {
		return nil, false
	}
	// data is read in place, not copied: everything the request keeps of
	// it is copied (the values by jsonr.Reader.Value, the path here, op as a
	// constant), as TestParsePatchKeepsNoBody checks.
	r := jsonr.NewReader(unsafe.String(unsafe.SliceData(data), len(data)))
	var req PatchRequest
	var schemasSeen, opsSeen bool
	err := r.Object(func(key string) error {
		switch {
		case strings.EqualFold(key, "schemas"):
			if schemasSeen {
				return errPatchGeneric
			}
			schemasSeen = true
			return readPatchSchemas(r, errPatchGeneric)
		case strings.EqualFold(key, "Operations"):
			if opsSeen {
				return errPatchGeneric
			}
			opsSeen = true
			return r.Array(func() error {
				op, err := readPatchOperation(r, errPatchGeneric)
				req.Operations = append(req.Operations, op)
				return err
			})
		}
		return r.Skip()
	})
	if err != nil || r.End() != nil || len(req.Operations) == 0 {
		return nil, false
	}
	req.paths = make([]*PatchPath, len(req.Operations))
	for i := range req.Operations {
		if p := req.Operations[i].Path; strings.TrimSpace(p) != "" {
			pp, err := ParsePatchPath(p)
			if err != nil {
				return nil, false
			}
			req.paths[i] = &pp
		}
	}
	return &req, true
}

// readPatchSchemas reads the value of "schemas", returning bail where
// checkPatchSchemas refuses it.
func readPatchSchemas(r *jsonr.Reader, bail error) error {
	if r.Null() {
		return nil
	}
	n, found := 0, false
	err := r.Array(func() error {
		n++
		if r.Next() != '"' {
			return r.Skip()
		}
		s, err := r.String()
		found = found || strings.EqualFold(s, MessagePatchOp)
		return err
	})
	if err == nil && n > 0 && !found {
		return bail
	}
	return err
}

// readPatchOperation reads one element of "Operations", returning bail
// where ParsePatch refuses it (but for its path, parsed later).
func readPatchOperation(r *jsonr.Reader, bail error) (PatchOperation, error) {
	var op PatchOperation
	var opSeen, pathSeen, hasValue bool
	err := r.Object(func(key string) error {
		switch {
		case strings.EqualFold(key, "op"):
			if opSeen || r.Next() != '"' {
				return bail
			}
			opSeen = true
			s, err := r.String()
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "add":
				op.Op = "add"
			case "replace":
				op.Op = "replace"
			case "remove":
				op.Op = "remove"
			default:
				return bail
			}
			return err
		case strings.EqualFold(key, "path"):
			if pathSeen {
				return bail
			}
			pathSeen = true
			if r.Null() {
				return nil
			}
			if r.Next() != '"' {
				return bail
			}
			s, err := r.String()
			op.Path = strings.Clone(s) // paths' parts may be stored: hold no body
			return err
		case strings.EqualFold(key, "value"):
			if hasValue {
				return bail
			}
			hasValue = true
			var err error
			op.Value, err = r.Value()
			return err
		}
		return r.Skip()
	})
	if err == nil && (!opSeen || op.Op != "remove" && !hasValue) {
		err = bail
	}
	return op, err
}

// parsePatchGeneric is ParsePatch through generic JSON, the reference
// parsePatchFast answers like, and the wording of every refusal.
func parsePatchGeneric(data []byte) (*PatchRequest, error) {
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
