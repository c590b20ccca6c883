package scim

import (
	"net/http"
	"reflect"
	"strings"
)

// groupPatch is a group PATCH folded into its net effect: the new
// displayName and externalId, and one membership change. Folding lets a
// store apply any number of member operations in one write that touches
// only the members named, whatever the group's size.
type groupPatch struct {
	displayName, externalID *string
	replace                 bool
	state                   map[string]*memberState // by value
	order                   []string                // values in first-seen order
}

type memberState struct {
	m   Member
	add bool // the net effect is to add (else remove)
}

// change returns the membership change, Add and Remove disjoint.
func (gp *groupPatch) change() MemberChange {
	ch := MemberChange{Replace: gp.replace}
	for _, v := range gp.order {
		if s := gp.state[v]; s.add {
			ch.Add = append(ch.Add, s.m)
		} else if !gp.replace {
			ch.Remove = append(ch.Remove, v)
		}
	}
	return ch
}

func (gp *groupPatch) set(m Member, add bool) {
	if gp.state == nil {
		gp.state = make(map[string]*memberState)
	}
	s := gp.state[m.Value]
	if s == nil {
		s = &memberState{}
		gp.state[m.Value] = s
		gp.order = append(gp.order, m.Value)
	}
	s.m, s.add = m, add
}

func (gp *groupPatch) replaceAll(ms []Member) {
	gp.replace, gp.state, gp.order = true, nil, nil
	for _, m := range ms {
		gp.set(m, true)
	}
}

// foldGroupPatch folds a PatchOp request on the group id. matching returns
// the stored members a value filter selects, for a remove whose filter is
// not a plain members[value eq "..."], which needs no read.
func foldGroupPatch(p *PatchRequest, id string, matching func(Filter) ([]string, error)) (*groupPatch, error) {
	gp := &groupPatch{}
	for i := range p.Operations {
		op := &p.Operations[i]
		var err error
		if path := p.paths[i]; path == nil {
			err = gp.noPath(op, id)
		} else {
			err = gp.withPath(op, path, matching)
		}
		if err != nil {
			return nil, opError(i, op, err)
		}
	}
	return gp, nil
}

// noPath applies an operation without a path: its value is an object of
// attributes, as Okta renames ({"id":"...","displayName":"New"}).
func (gp *groupPatch) noPath(op *PatchOperation, id string) error {
	if op.Op == "remove" {
		return Errorf(http.StatusBadRequest, SCIMTypeNoTarget, "remove needs a path, such as members[value eq \"<id>\"]")
	}
	obj, ok := op.Value.(map[string]any)
	if !ok {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "without a path the value must be an object of group attributes, not %s", jsonKind(op.Value))
	}
	for k, v := range obj {
		name, _ := cutSchema(k, SchemaGroup)
		a := groupSchema.Attribute(name)
		switch {
		case a == membersAttr:
			if err := gp.members(op.Op, v); err != nil {
				return err
			}
		case a == nil && strings.EqualFold(name, "schemas"):
			// An echo of read-only data, as clients send it.
		case a == nil:
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "groups have no attribute %q", k)
		case a.Uniqueness == UniquenessServer: // id
			if s, _ := v.(string); s != id {
				return Errorf(http.StatusBadRequest, SCIMTypeMutability, "id is read-only: %s is not this group's id", describe(v))
			}
		case a.Mutability == ReadOnly:
			// meta: an echo of read-only data.
		default:
			if err := gp.setString(op.Op, a, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (gp *groupPatch) withPath(op *PatchOperation, path *PatchPath, matching func(Filter) ([]string, error)) error {
	if path.Attr.URN != "" && !strings.EqualFold(path.Attr.URN, SchemaGroup) {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "groups have no attributes of schema %s", path.Attr.URN)
	}
	a := groupSchema.Attribute(path.Attr.Name)
	switch {
	case a == membersAttr && (path.Attr.Sub != "" || path.Sub != ""):
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "a member's attributes cannot be patched: add or remove the member")
	case a == membersAttr && path.Filter != nil:
		if op.Op != "remove" {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "%s with a filter cannot %s; add members with path \"members\"", path.Attr.Name, op.Op)
		}
		values, ok := memberValues(path.Filter)
		if !ok {
			var err error
			if values, err = matching(path.Filter); err != nil {
				return err
			}
		}
		for _, v := range values {
			gp.set(Member{Value: v}, false)
		}
		return nil
	case a == membersAttr:
		if op.Op == "remove" && op.Value == nil {
			gp.replaceAll(nil)
			return nil
		}
		return gp.members(op.Op, op.Value)
	case path.Filter != nil || path.Attr.Sub != "" || path.Sub != "":
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "%s has no sub-attributes", path.Attr.Name)
	case a != nil && a.Mutability != ReadOnly:
		return gp.setString(op.Op, a, op.Value)
	case a != nil || strings.EqualFold(path.Attr.Name, "schemas"):
		return Errorf(http.StatusBadRequest, SCIMTypeMutability, "%s is read-only", path.Attr.Name)
	}
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "groups have no attribute %q", path.Attr.Name)
}

// setString sets a plain string attribute (displayName, externalId): a
// required one cannot be removed or emptied.
func (gp *groupPatch) setString(op string, a *Attribute, v any) error {
	s := ""
	if a.Required {
		var ok bool
		s, ok = v.(string)
		if op == "remove" || !ok || strings.TrimSpace(s) == "" {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s is required: replace it with a non-empty string", a.Name)
		}
	} else if op != "remove" {
		var err error
		if s, err = groupString(a.Name, v); err != nil {
			return err
		}
	}
	switch a.goField {
	case "DisplayName":
		gp.displayName = &s
	case "ExternalID":
		gp.externalID = &s
	}
	return nil
}

// members applies add, replace or remove of a list of members.
func (gp *groupPatch) members(op string, v any) error {
	ms, err := decodeMembers(v)
	if err != nil {
		return err
	}
	switch op {
	case "replace":
		gp.replaceAll(ms)
	default:
		for _, m := range ms {
			gp.set(m, op == "add")
		}
	}
	return nil
}

// memberValues returns the values of a filter that is value eq "x", or an
// "or" of such terms: the members it selects are named, not searched.
func memberValues(f Filter) ([]string, bool) {
	switch n := f.(type) {
	case *AttrExpr:
		v, ok := n.Value.(string)
		if n.Op != OpEqual || !ok || !strings.EqualFold(n.Path.Name, "value") || n.Path.Sub != "" || n.Path.URN != "" {
			return nil, false
		}
		return []string{v}, true
	case *LogicalExpr:
		if n.Op != "or" {
			return nil, false
		}
		l, lok := memberValues(n.Left)
		r, rok := memberValues(n.Right)
		return append(l, r...), lok && rok
	}
	return nil, false
}

// checkMemberFilter checks a value filter on members: it may name value,
// type and display.
func checkMemberFilter(f Filter) error {
	switch n := f.(type) {
	case *LogicalExpr:
		if err := checkMemberFilter(n.Left); err != nil {
			return err
		}
		return checkMemberFilter(n.Right)
	case *NotExpr:
		return checkMemberFilter(n.Filter)
	case *AttrExpr:
		switch strings.ToLower(n.Path.Name) {
		case "value", "type", "display":
			if n.Path.Sub != "" || n.Path.URN != "" {
				break
			}
			if _, ok := n.Value.(string); ok || n.Op == OpPresent {
				return nil
			}
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "%s compares with a string", n.Path)
		}
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "members have value, type and display; not %s", n.Path)
	}
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "the members filter %s is not supported", f)
}

// compileMemberFilter compiles a checked members filter through the
// model, on the sub-attributes of members: type and display ignore case,
// value does not (groupSchema says so).
func compileMemberFilter(f Filter) (func(Member) bool, error) {
	r, err := groupModel.resolveFilterIn(f, membersAttr)
	if err != nil {
		return nil, err
	}
	ev, err := groupModel.compile(r, membersAttr)
	if err != nil {
		return nil, err
	}
	return func(m Member) bool { return ev(reflect.ValueOf(&m).Elem()) }, nil
}

// matchMember evaluates a checked members filter on one member.
func matchMember(f Filter, m Member) bool {
	match, err := compileMemberFilter(f)
	return err == nil && match(m)
}
