package scim

import (
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/scimkit/scim/internal/fold"
)

// ApplyPatch applies the request's operations in order to a copy of u and
// returns it; u is never modified. If an operation fails, ApplyPatch returns
// that operation's *Error (its detail names the operation's index and path)
// and no user: a PATCH is all or nothing (RFC 7644 §3.5.2).
//
// Semantics, beyond RFC 7644 §3.5.2, chosen for the clients Peakon serves:
//
//   - add sets a singular attribute, merges the sub-attributes of a complex
//     one, and appends to a multi-valued one, skipping an element with the
//     type and value of an existing one (an element so skipped that is sent
//     as primary marks the existing one primary).
//   - replace sets a singular attribute, merges the sub-attributes of a
//     complex one (RFC 7644: sub-attributes not given are left unchanged),
//     replaces a multi-valued attribute's whole list, and with a value filter
//     replaces the matching elements (or their sub-attribute). Setting the
//     manager to a new value drops its stale $ref and displayName.
//   - Without a path, add and replace apply each member of the value object
//     as its own operation; a member's name may itself be a path
//     ("name.givenName", "urn:...:enterprise:2.0:User:employeeNumber") or a
//     whole extension object. Members naming unknown core attributes are
//     ignored, as in resource bodies; "schemas" and "meta" are ignored; "id"
//     and "groups" are accepted when they echo the stored values (Okta sends
//     the whole user).
//   - A value filter type eq "V" that matches no element, on add or
//     replace, creates the element with type V when V is one of the
//     canonical values of the attribute's type sub-attribute (emails: work,
//     home, other; phoneNumbers: work, home, mobile, fax, pager, other; ...;
//     see /Schemas): Entra provisions a first work email or mobile phone
//     this way. Any other filter that matches nothing is 400 noTarget
//     (RFC 7644 §3.5.2.3), on remove too.
//   - replace with a value filter and no sub-attribute replaces each
//     matching element whole (RFC 7644 §3.5.2.3); add merges into them.
//   - remove without a path is 400 noTarget. With a value, remove on a
//     multi-valued attribute removes the elements matching the given ones
//     (Entra: {"op":"Remove","path":"emails","value":[{"value":"a@x"}]}):
//     every sub-attribute a given element sets must match (caseExact aside);
//     given elements that match nothing are no error. On other attributes
//     a remove's value is ignored.
//   - An element left without content by a sub-attribute change (an email
//     whose value was removed) is dropped. At most one element of a
//     multi-valued attribute is primary: the one most recently set. No two
//     elements have the same type and value (see Model.DecodeUser): a
//     change that makes an element repeat an earlier one drops it, and the
//     earlier one keeps its primary flag or takes the dropped one's.
//   - active is a boolean that is always present: removing it, or setting it
//     to null, sets it to false (the employee leaves surveys), never to the
//     create-time default true.
//   - null sets an attribute to unassigned, as remove does; a null for a
//     filter that could create an element but matches nothing creates
//     nothing and is no error.
//   - A one-element array is accepted for a singular attribute (Entra's
//     manager: [{"$ref":"...","value":"id"}]). An empty array clears a
//     multi-valued attribute; for a singular one it is 400 invalidValue, as
//     on POST and PUT, except for the enterprise manager, which Entra may
//     clear with [].
//   - With opts.MaxValues set, an operation that leaves a multi-valued
//     attribute with more values than that, and more than it had before
//     the request, is 400 invalidValue; the request stops there.
//   - URN-qualified paths name the enterprise and Peakon extensions, custom
//     attributes by display name or alias, case-insensitively. An
//     unqualified name is a core attribute, else an extension attribute as
//     unqualified resolves it ("manager", "employeeNumber").
//   - Read-only attributes (id, meta, groups, manager.displayName) are 400
//     mutability; removing or emptying userName is 400 mutability or
//     invalidValue; unknown paths are 400 invalidPath; a value of the wrong
//     type is 400 invalidValue; an unknown Peakon custom attribute is 400
//     invalidValue unless opts.IgnoreUnknownAttributes.
//
// The result is not validated as a whole nor is its meta set: the caller
// does both ([Model.Validate] with u as before).
func (m *Model) ApplyPatch(u *User, req *PatchRequest, opts DecodeOptions) (*User, error) {
	c := u.Clone()
	if req == nil {
		return c, nil
	}
	p := patcher{m: m, u: c, rv: reflectUser(c), orig: reflectUser(u), opts: opts}
	for i := range req.Operations {
		op := &req.Operations[i]
		var pp *PatchPath
		if i < len(req.paths) && req.paths[i] != nil && req.paths[i].raw == op.Path {
			pp = req.paths[i]
		} else if strings.TrimSpace(op.Path) != "" {
			parsed, err := ParsePatchPath(op.Path)
			if err != nil {
				return nil, opError(i, op, err)
			}
			pp = &parsed
		}
		kind := op.Op
		switch kind {
		case "add", "replace", "remove":
		default:
			kind = strings.ToLower(strings.TrimSpace(kind))
		}
		var err error
		switch kind {
		case "add", "replace":
			err = p.set(kind == "replace", pp, op.Value)
		case "remove":
			err = p.remove(pp, op.Value)
		default:
			err = Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "op must be \"add\", \"replace\" or \"remove\", not %s", quote(op.Op))
		}
		if err != nil {
			return nil, opError(i, op, err)
		}
	}
	return c, nil
}

// patcher applies operations to the copy it owns.
type patcher struct {
	m    *Model
	u    *User
	rv   reflect.Value
	orig reflect.Value // the user as it was before the request
	opts DecodeOptions
}

// checkValues enforces opts.MaxValues on a multi-valued attribute an
// operation has changed. An attribute that already held more values before
// the request (the limit was lowered since) may keep them but not grow.
func (p *patcher) checkValues(a *Attribute, f reflect.Value) error {
	limit := p.opts.MaxValues
	if limit <= 0 || f.Len() <= limit || f.Len() <= p.orig.FieldByIndex(a.field).Len() {
		return nil
	}
	return tooManyValues(a, f.Len(), limit)
}

type targetKind int

const (
	targetAttr    targetKind = iota
	targetSchema             // a whole extension (or the core schema)
	targetIgnored            // nothing to do (password, an unknown custom attribute allowed by opts)
	targetUnknown            // no such attribute
)

// target is a resolved [PatchPath].
type target struct {
	kind   targetKind
	schema *Schema
	attr   *Attribute
	// sub is the sub-attribute named: of attr's value (name.givenName), of
	// every element (emails.value) or of the matching elements
	// (emails[type eq "work"].value).
	sub    *Attribute
	filter evaluator // elements selected by attr[filter], or nil
	// create is V when the filter is `type eq V` with V a canonical value
	// of attr's type sub-attribute, as the schema spells it: a filter that
	// matches nothing then creates the element. "" otherwise.
	create string
	why    string // for targetUnknown: what is unknown
}

// resolve resolves a path against the model.
func (p *patcher) resolve(pp *PatchPath) (target, error) {
	m := p.m
	ap := &pp.Attr
	if ap.Name == "" {
		s := m.schemaByURN(ap.URN)
		if s == nil {
			return target{kind: targetUnknown, why: "unknown schema " + quote(ap.URN)}, nil
		}
		return target{kind: targetSchema, schema: s}, nil
	}
	var a *Attribute
	switch {
	case ap.URN == "":
		// A core attribute, else an extension's (Entra's bare "manager").
		a = m.unqualified(ap.Name)
	default:
		s := m.schemaByURN(ap.URN)
		switch {
		case s == nil:
			return target{kind: targetUnknown, why: "unknown schema " + quote(ap.URN)}, nil
		case s == m.peakon:
			if a = m.CustomAttribute(ap.Name); a == nil {
				if p.opts.IgnoreUnknownAttributes {
					return target{kind: targetIgnored}, nil
				}
				return target{}, unknownCustom(ap.Name, m)
			}
		default:
			a = s.Attribute(ap.Name)
		}
	}
	if a == nil {
		return target{kind: targetUnknown, why: "no attribute " + quote(ap.String()) + " in the User schemas"}, nil
	}
	t := target{kind: targetAttr, attr: a}
	if ap.Sub != "" {
		if a.Type != TypeComplex || a.Custom {
			return target{kind: targetUnknown, why: a.Path() + " has no sub-attributes"}, nil
		}
		if t.sub = a.Sub(ap.Sub); t.sub == nil {
			return target{kind: targetUnknown, why: a.Path() + " has no sub-attribute " + quote(ap.Sub)}, nil
		}
	}
	if pp.Filter != nil {
		if !a.MultiValued {
			return target{kind: targetUnknown, why: a.Path() + " is not multi-valued and takes no value filter"}, nil
		}
		f, err := m.resolveFilterIn(pp.Filter, a)
		var ev evaluator
		if err == nil {
			ev, err = m.compile(f, a)
		}
		if err != nil {
			e := *err.(*Error)
			e.SCIMType = SCIMTypeInvalidPath
			return target{}, &e
		}
		t.filter = ev
		t.create = canonicalType(a, f)
		if pp.Sub != "" {
			if t.sub = a.Sub(pp.Sub); t.sub == nil {
				return target{kind: targetUnknown, why: a.Path() + " has no sub-attribute " + quote(pp.Sub)}, nil
			}
		}
	}
	if a.field == nil && !a.Custom { // password: accepted, never stored
		return target{kind: targetIgnored}, nil
	}
	return t, nil
}

// canonicalType returns V when the compiled value filter f of the
// multi-valued attribute a is `type eq V` and V is one of the canonical
// values of a's type sub-attribute (compared ignoring case, as type is not
// caseExact), spelt as the schema spells it; otherwise "". Entra creates a
// first work email or mobile phone with such a filter; RFC 7644 §3.5.2.3
// wants 400 noTarget for a filter that matches nothing, which every other
// filter gets.
func canonicalType(a *Attribute, f Filter) string {
	ae, ok := f.(*AttrExpr)
	if !ok || ae.Op != OpEqual || ae.Path.Attr == nil || ae.Path.Attr.parent != a || ae.Path.Attr.Name != "type" {
		return ""
	}
	v, ok := ae.Value.(string)
	if !ok {
		return ""
	}
	for _, c := range ae.Path.Attr.CanonicalValues {
		if strings.EqualFold(c, v) {
			return c
		}
	}
	return ""
}

func readOnlyError(a *Attribute) *Error {
	return Errorf(http.StatusBadRequest, SCIMTypeMutability, "%s is read-only; the server sets it", a.Path())
}

func invalidPathError(t target) *Error {
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "%s", t.why)
}

// nonAttr handles a target that names no attribute, for set and remove
// alike: an ignored one needs nothing, an unknown one is an invalid path,
// and a whole schema goes to onSchema.
func (t target) nonAttr(onSchema func(*Schema) error) error {
	switch t.kind {
	case targetIgnored:
		return nil
	case targetUnknown:
		return invalidPathError(t)
	}
	return onSchema(t.schema)
}

// set applies add (replace false) or replace.
func (p *patcher) set(replace bool, pp *PatchPath, val any) error {
	if pp == nil {
		return p.setObject(replace, val)
	}
	t, err := p.resolve(pp)
	if err != nil {
		return err
	}
	return p.setTarget(replace, t, val, false)
}

// setObject applies a path-less add or replace: each member of the object
// is an operation of its own.
func (p *patcher) setObject(replace bool, val any) error {
	if arr, ok := val.([]any); ok && len(arr) == 1 {
		val = arr[0] // [{"active":false}]
	}
	obj, ok := val.(map[string]any)
	if !ok {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "without a path the value must be an object of attributes, not %s", jsonKind(val))
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		// Parents before their sub-paths ("name" before "name.givenName",
		// an extension object before its URN-qualified attributes), and a
		// deterministic order throughout.
		slices.SortFunc(keys, fold.Compare)
	}
	for _, k := range keys {
		if strings.EqualFold(k, "schemas") || strings.EqualFold(k, "meta") {
			continue
		}
		pp, err := ParsePatchPath(k)
		if err != nil {
			continue // not an attribute name: ignored as unknown attributes are
		}
		t, err := p.resolve(&pp)
		if err != nil {
			return memberError(k, err)
		}
		if t.kind == targetUnknown {
			continue
		}
		if t.kind == targetSchema && t.schema == p.m.core {
			continue // the core URN as a member: nothing sensible to do
		}
		if err := p.setTarget(replace, t, obj[k], true); err != nil {
			return memberError(k, err)
		}
	}
	return nil
}

func memberError(k string, err error) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	c := *e
	c.Detail = "member " + quote(k) + ": " + e.Detail
	return &c
}

func (p *patcher) setTarget(replace bool, t target, val any, pathless bool) error {
	if t.kind != targetAttr {
		return t.nonAttr(func(s *Schema) error { return p.setSchema(replace, s, val) })
	}
	a := t.attr
	if a.Mutability == ReadOnly {
		if t.sub == nil && t.filter == nil && p.echoes(a, val, pathless) {
			return nil
		}
		return readOnlyError(a)
	}
	if t.sub != nil && t.sub.Mutability == ReadOnly {
		return readOnlyError(t.sub)
	}
	switch {
	case t.filter != nil:
		return p.setFiltered(replace, t, val)
	case t.sub != nil && a.MultiValued:
		return p.setEverySub(t, val)
	case t.sub != nil:
		return p.setSub(a, p.rv.FieldByIndex(a.field), t.sub, val)
	}
	return p.setAttr(replace, a, val)
}

// echoes reports whether a value for a read-only attribute merely repeats
// what is stored, as Okta does when it sends the whole user.
func (p *patcher) echoes(a *Attribute, val any, pathless bool) bool {
	switch a.Name {
	case "id":
		s, ok := val.(string)
		return ok && s == p.u.ID
	case "groups":
		tmp := reflect.New(reflect.TypeFor[[]GroupRef]()).Elem()
		if val != nil && decodeMulti(a, tmp, val) != nil {
			return false
		}
		return reflect.DeepEqual(tmp.Interface().([]GroupRef), p.u.Groups) ||
			tmp.Len() == 0 && len(p.u.Groups) == 0
	case "meta":
		return pathless
	}
	return false
}

// setSchema applies an extension object (path urn:...:enterprise:2.0:User)
// attribute by attribute; null clears the extension.
func (p *patcher) setSchema(replace bool, s *Schema, val any) error {
	if s == p.m.core {
		return p.setObject(replace, val)
	}
	if val == nil {
		p.m.clearSchema(p.u, p.rv, s)
		return nil
	}
	obj, ok := val.(map[string]any)
	if !ok {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s must be a JSON object, not %s", s.ID, jsonKind(val))
	}
	for k, v := range obj {
		a := s.Attribute(k)
		if a == nil {
			if s == p.m.peakon && !p.opts.IgnoreUnknownAttributes {
				return unknownCustom(k, p.m)
			}
			continue
		}
		if a.Mutability == ReadOnly {
			return readOnlyError(a)
		}
		if err := p.setAttr(replace, a, v); err != nil {
			return err
		}
	}
	return nil
}

// unwrapOne accepts a one-element array for a singular attribute a, as
// Entra sends the manager: [{"$ref":"...","value":"id"}]. An empty array is
// 400 invalidValue, as it is on POST and PUT, but clears the manager.
func unwrapOne(a *Attribute, val any) (any, error) {
	arr, ok := val.([]any)
	if !ok {
		return val, nil
	}
	switch len(arr) {
	case 0:
		if isManager(a) {
			return nil, nil
		}
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s is single-valued: an empty array is not a value for it; use remove, or null, to clear it", a.Path())
	case 1:
		return arr[0], nil
	}
	return val, nil
}

// setAttr sets a whole top-level attribute.
func (p *patcher) setAttr(replace bool, a *Attribute, val any) error {
	if !a.MultiValued {
		var err error
		if val, err = unwrapOne(a, val); err != nil {
			return err
		}
	}
	if a.Custom {
		err := setCustom(p.u, a, val)
		if len(p.u.Custom) == 0 {
			p.u.Custom = nil
		}
		return err
	}
	f := p.rv.FieldByIndex(a.field)
	if val == nil {
		return p.clearAttr(a, f, false)
	}
	switch {
	case a.MultiValued:
		tmp := reflect.New(f.Type()).Elem()
		if err := decodeMulti(a, tmp, val); err != nil {
			return err
		}
		if replace {
			f.Set(tmp)
		} else {
			appendElems(a, f, tmp)
		}
		dedupe(a, f)
		return p.checkValues(a, f)
	case a.Type == TypeComplex:
		return mergeComplex(a, f, val)
	}
	var old string
	if a.Mutability == Immutable && f.Kind() == reflect.String {
		old = f.String()
	}
	if err := decodeScalar(a, f, val); err != nil {
		return err
	}
	if old != "" && f.String() != old {
		return Errorf(http.StatusBadRequest, SCIMTypeMutability, "%s is immutable: it cannot change once set", a.Path())
	}
	if a.Required && f.IsZero() {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s is required and cannot be empty", a.Path())
	}
	return nil
}

// clearAttr makes a top-level attribute unassigned (remove, or null).
func (p *patcher) clearAttr(a *Attribute, f reflect.Value, remove bool) error {
	switch {
	case a.Required:
		if remove {
			return Errorf(http.StatusBadRequest, SCIMTypeMutability, "%s is required and cannot be removed", a.Path())
		}
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s is required and cannot be null", a.Path())
	case a.Mutability == Immutable && !f.IsZero():
		return Errorf(http.StatusBadRequest, SCIMTypeMutability, "%s is immutable: it cannot be removed once set", a.Path())
	}
	// active unassigned is false: the employee leaves surveys (a bool has
	// no "absent"; the create-time default true does not apply to PATCH).
	f.SetZero()
	return nil
}

// mergeComplex merges a singular complex value into f. A new "value"
// (the manager's id) drops the sub-attributes that described the old one.
func mergeComplex(a *Attribute, f reflect.Value, val any) error {
	scratch := reflect.New(f.Type()).Elem()
	if err := decodeComplex(a, scratch, val); err != nil {
		return err
	}
	if vs := a.Sub("value"); vs != nil && valueGiven(val) {
		if scratch.FieldByIndex(vs.field).String() != f.FieldByIndex(vs.field).String() {
			f.SetZero()
		}
	}
	return decodeComplex(a, f, val)
}

func valueGiven(val any) bool {
	obj, ok := val.(map[string]any)
	if !ok {
		return true // a bare string is the value
	}
	for k := range obj {
		if strings.EqualFold(k, "value") {
			return true
		}
	}
	return false
}

// setSub sets a sub-attribute of a singular complex attribute (name.givenName).
func (p *patcher) setSub(a *Attribute, f reflect.Value, sub *Attribute, val any) error {
	val, err := unwrapOne(sub, val)
	if err != nil {
		return err
	}
	sf := f.FieldByIndex(sub.field)
	if val == nil {
		if sub.Name == "value" {
			f.SetZero() // manager.value removed: the manager is
			return nil
		}
		sf.SetZero()
		return nil
	}
	old := ""
	if sub.Name == "value" && sf.Kind() == reflect.String {
		old = sf.String()
	}
	if err := decodeScalar(sub, sf, val); err != nil {
		return err
	}
	if sub.Name == "value" && sf.Kind() == reflect.String && sf.String() != old {
		s := sf.String()
		f.SetZero()
		sf.SetString(s)
	}
	return nil
}

// setEverySub sets a sub-attribute of every element (emails.value); with no
// element, it creates one.
func (p *patcher) setEverySub(t target, val any) error {
	a, sub := t.attr, t.sub
	f := p.rv.FieldByIndex(a.field)
	val, err := unwrapOne(sub, val)
	if err != nil {
		return err
	}
	if f.Len() == 0 {
		if val == nil {
			return nil
		}
		e := reflect.New(f.Type().Elem()).Elem()
		if err := decodeScalar(sub, e.FieldByIndex(sub.field), val); err != nil {
			return err
		}
		f.Set(reflect.Append(f, e))
	} else {
		for i := 0; i < f.Len(); i++ {
			sf := f.Index(i).FieldByIndex(sub.field)
			if val == nil {
				sf.SetZero()
				continue
			}
			if err := decodeScalar(sub, sf, val); err != nil {
				return err
			}
		}
	}
	normalizePrimary(f)
	prune(a, f)
	dedupe(a, f) // every element's value set alike: same-typed ones now repeat
	return nil
}

// setFiltered applies add or replace to the elements a value filter selects.
func (p *patcher) setFiltered(replace bool, t target, val any) error {
	a := t.attr
	f := p.rv.FieldByIndex(a.field)
	elem := a // the target is one element, or a sub-attribute of it
	if t.sub != nil {
		elem = t.sub
	}
	val, err := unwrapOne(elem, val)
	if err != nil {
		return err
	}
	matched := 0
	primary := -1
	pidx := primaryIndex(f.Type().Elem())
	for i := 0; i < f.Len(); i++ {
		e := f.Index(i)
		if !t.filter(e) {
			continue
		}
		matched++
		switch {
		case t.sub != nil && val == nil:
			e.FieldByIndex(t.sub.field).SetZero()
		case t.sub != nil:
			if err := decodeScalar(t.sub, e.FieldByIndex(t.sub.field), val); err != nil {
				return err
			}
		case val == nil:
			e.SetZero() // pruned below
		case replace:
			scratch := reflect.New(e.Type()).Elem()
			if err := decodeComplex(a, scratch, val); err != nil {
				return err
			}
			e.Set(scratch)
		default:
			if err := decodeComplex(a, e, val); err != nil {
				return err
			}
		}
		if pidx >= 0 && e.Field(pidx).Bool() {
			primary = i
		}
	}
	if matched == 0 {
		if t.create == "" {
			return noTargetError(a)
		}
		if val == nil {
			return nil
		}
		e := reflect.New(f.Type().Elem()).Elem()
		e.FieldByIndex(a.Sub("type").field).SetString(t.create)
		if t.sub != nil {
			if err := decodeScalar(t.sub, e.FieldByIndex(t.sub.field), val); err != nil {
				return err
			}
		} else if err := decodeComplex(a, e, val); err != nil {
			return err
		}
		f.Set(reflect.Append(f, e))
		if pidx >= 0 && e.Field(pidx).Bool() {
			primary = f.Len() - 1
		}
		if err := p.checkValues(a, f); err != nil {
			return err
		}
	}
	if primary >= 0 {
		onlyPrimary(f, pidx, primary)
	}
	prune(a, f)
	dedupe(a, f) // a replaced element may now equal another
	return nil
}

// noTargetError is the answer to a value filter that matches no element
// and may not create one.
func noTargetError(a *Attribute) *Error {
	e := Errorf(http.StatusBadRequest, SCIMTypeNoTarget, "no element of %s matches the filter", a.Path())
	if ts := a.Sub("type"); ts != nil && len(ts.CanonicalValues) > 0 {
		e.Detail += "; a filter that matches nothing creates an element only when it is type eq one of " + quoteList(ts.CanonicalValues)
	}
	return e
}
