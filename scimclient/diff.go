package scimclient

import (
	"bytes"
	"encoding/json"
	"reflect"

	"github.com/scimkit/scim"
)

// Diff returns the PATCH operations that turn current into desired: one
// per attribute (or sub-attribute of name and manager) that differs,
// nothing for those that do not. The attributes compared, their paths and
// how their values are rendered all come from the model m: the writable
// attributes of the core, Enterprise and Peakon schemas. Multi-valued
// attributes are compared as sets (order and duplicates aside) and
// replaced whole when they differ. A $ref left unset in desired is taken
// to be the server's to fill, as are read-only attributes.
//
// Both users should be in the server's canonical form (see Sync, which
// normalises them before it compares).
func Diff(m *scim.Model, current, desired *scim.User) []scim.PatchOperation {
	return diff(m, current, desired, nil)
}

// attrSet is a set of managed attributes; nil means every attribute.
type attrSet map[*scim.Attribute]bool

func (s attrSet) has(a *scim.Attribute) bool {
	if s == nil || s[a] {
		return true
	}
	if p := a.Parent(); p != nil && s[p] {
		return true
	}
	for _, sub := range a.SubAttributes {
		if s[sub] {
			return true
		}
	}
	return false
}

func diff(m *scim.Model, current, desired *scim.User, managed attrSet) []scim.PatchOperation {
	co, do := toJSON(m, current), toJSON(m, desired)
	var ops []scim.PatchOperation
	for _, s := range m.Schemas() {
		cobj, dobj := co, do
		if s != m.Core() {
			cobj, _ = co[s.ID].(map[string]any)
			dobj, _ = do[s.ID].(map[string]any)
		}
		for _, a := range s.Attributes {
			if !writable(a) || !managed.has(a) {
				continue
			}
			cv, dv := cobj[a.Name], dobj[a.Name]
			switch {
			case a.MultiValued:
				if sameSet(cv, dv) {
					continue
				}
				if dv == nil {
					ops = append(ops, scim.PatchOperation{Op: "remove", Path: a.Path()})
				} else {
					ops = append(ops, scim.PatchOperation{Op: "replace", Path: a.Path(), Value: dedupe(dv)})
				}
			case a.Type == scim.TypeComplex:
				cm, _ := cv.(map[string]any)
				dm, _ := dv.(map[string]any)
				if len(dm) == 0 && len(cm) > 0 && (managed == nil || managed[a]) {
					ops = append(ops, scim.PatchOperation{Op: "remove", Path: a.Path()})
					continue
				}
				for _, sub := range a.SubAttributes {
					if !writable(sub) || !managed.has(sub) {
						continue
					}
					cs, ds := cm[sub.Name], dm[sub.Name]
					if ds == nil && sub.Type == scim.TypeReference {
						continue // the server's to fill ($ref)
					}
					if reflect.DeepEqual(cs, ds) {
						continue
					}
					if ds == nil {
						ops = append(ops, scim.PatchOperation{Op: "remove", Path: sub.Path()})
					} else {
						ops = append(ops, scim.PatchOperation{Op: "replace", Path: sub.Path(), Value: ds})
					}
				}
			default:
				if reflect.DeepEqual(cv, dv) {
					continue
				}
				switch {
				case dv != nil:
					ops = append(ops, scim.PatchOperation{Op: "replace", Path: a.Path(), Value: dv})
				case a.Type == scim.TypeBoolean:
					ops = append(ops, scim.PatchOperation{Op: "replace", Path: a.Path(), Value: false})
				default:
					ops = append(ops, scim.PatchOperation{Op: "remove", Path: a.Path()})
				}
			}
		}
	}
	return ops
}

// writable: a client may set the attribute (read-only ones are the
// server's; write-only ones, the password, are never returned, so they
// cannot be compared).
func writable(a *scim.Attribute) bool {
	return a.Mutability != scim.ReadOnly && a.Mutability != scim.WriteOnly
}

// toJSON renders u as the model does for a client, as generic JSON.
func toJSON(m *scim.Model, u *scim.User) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(m.EncodeUser(nil, u, nil)))
	dec.UseNumber()
	var obj map[string]any
	_ = dec.Decode(&obj) // the model's own encoding is valid JSON
	return obj
}

// dedupe drops repeated elements of a multi-valued attribute's value.
func dedupe(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, 0, len(list))
	for _, x := range list {
		if !containsJSON(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func containsJSON(list []any, x any) bool {
	for _, y := range list {
		if reflect.DeepEqual(x, y) {
			return true
		}
	}
	return false
}

// sameSet compares two multi-valued attribute values as sets of elements.
func sameSet(a, b any) bool {
	la, _ := dedupe(a).([]any)
	lb, _ := dedupe(b).([]any)
	if len(la) != len(lb) {
		return false
	}
	for _, x := range la {
		if !containsJSON(lb, x) {
			return false
		}
	}
	return true
}
