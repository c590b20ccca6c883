package scim

import (
	"cmp"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/internal/fold"
	"github.com/scimkit/scim/internal/literal"
)

// Matcher reports whether a user satisfies a compiled filter. It is safe
// for concurrent use.
type Matcher func(*User) bool

// CompileFilter resolves the filter's attribute paths against the model
// (in a copy, leaving f as it is) and returns a [Matcher]
// that evaluates it on a [*User] directly: no encoding, and no allocation
// per user. Unknown attributes, and operators or literals that do not
// apply to an attribute's type, are 400 invalidFilter. A nil filter
// matches every user.
//
// The semantics, which every [Store] must reproduce:
//
//   - Strings compare as the attribute's caseExact says (userName, name.*,
//     emails.value ignore case; id, externalId, meta.version do not).
//     An absent or empty string satisfies no comparison but ne.
//   - dateTime attributes compare as instants; literals are RFC 3339
//     date-times, quoted or not, or bare dates (midnight UTC). Peakon date
//     attributes compare as calendar dates.
//   - Numbers compare as numbers; a quoted numeric literal is accepted.
//   - Booleans take only eq, ne and pr.
//   - pr is false for an absent value, an empty string and an empty array.
//     "eq null" is "not pr", "ne null" is "pr".
//   - A comparison on a multi-valued attribute matches when any element
//     matches; a complex attribute without a sub-attribute ("emails") means
//     its value sub-attribute. All conditions inside one value path must
//     hold on the same element.
//   - "ne" matches absent attributes. On a multi-valued attribute it
//     follows RFC 7644 §3.4.2.2 like every operator: it matches when some
//     element differs (an element without the sub-attribute differs), or
//     when there is no element. "Has no work email" is
//     "not (emails.type eq "work")".
func (m *Model) CompileFilter(f Filter) (Matcher, error) {
	_, match, err := m.compileFilter(f)
	return match, err
}

// compileFilter is CompileFilter, returning the resolved copy of f too.
func (m *Model) compileFilter(f Filter) (Filter, Matcher, error) {
	if f == nil {
		return nil, func(*User) bool { return true }, nil
	}
	r, err := m.resolveFilter(f)
	if err != nil {
		return nil, nil, err
	}
	if e, ok := r.(*AttrExpr); ok {
		if match := stringEquality(e); match != nil {
			return r, match, nil
		}
	}
	ev, err := m.compile(r, nil)
	if err != nil {
		return nil, nil, err
	}
	return r, func(u *User) bool { return ev(reflect.ValueOf(u).Elem()) }, nil
}

// stringEquality compiles, as one closure, a resolved equality of a
// single-valued string attribute with a literal (userName eq "x", the
// lookup identity providers make before every create), or returns nil for
// any other comparison. It tests what compile's general path tests (see
// compileCompare and compileLeaf), without its layers of closures.
func stringEquality(e *AttrExpr) Matcher {
	a := e.Path.Attr
	if e.Op != OpEqual || e.Value == nil || a == nil || e.Path.SubAttr != nil || a.Custom || a.MultiValued ||
		a.Mutability == WriteOnly || a.Returned == ReturnedNever || a.field == nil {
		return nil
	}
	switch a.Type {
	case TypeString, TypeReference, TypeBinary:
	default:
		return nil
	}
	lit, ok := literal.Text(e.Value)
	if !ok {
		return nil
	}
	idx := a.field
	if a.CaseExact {
		return func(u *User) bool {
			v := reflect.ValueOf(u).Elem().FieldByIndex(idx).String()
			return v != "" && v == lit
		}
	}
	return func(u *User) bool {
		v := reflect.ValueOf(u).Elem().FieldByIndex(idx).String()
		return v != "" && fold.Equal(v, lit)
	}
}

// NewFilterQuery builds the query of an unsorted page of the users
// matching f, a filter built as a value rather than parsed from a client's
// text: such a filter is not bound by the parser's limits, so a program can
// ask for many users at once (id eq "a" or id eq "b" or ...), which stores
// answer as one lookup per attribute. The query holds a resolved copy of
// f; f itself is left as it is.
func (m *Model) NewFilterQuery(f Filter, startIndex, count int) (*Query, error) {
	r, match, err := m.compileFilter(f)
	if err != nil {
		return nil, err
	}
	return &Query{Filter: r, StartIndex: max(startIndex, 1), Count: max(count, 0), match: match}, nil
}

// evaluator tests a context value: the [User] struct, or an element of a
// multi-valued attribute inside a value path.
type evaluator func(reflect.Value) bool

// compile compiles a filter resolved by resolveFilter (inside the value
// filter of parent, when set).
func (m *Model) compile(f Filter, parent *Attribute) (evaluator, error) {
	switch n := f.(type) {
	case *LogicalExpr:
		if n.Op == "or" {
			return m.compileOr(n, parent)
		}
		l, err := m.compile(n.Left, parent)
		if err != nil {
			return nil, err
		}
		r, err := m.compile(n.Right, parent)
		if err != nil {
			return nil, err
		}
		if n.Op == "and" {
			return func(v reflect.Value) bool { return l(v) && r(v) }, nil
		}
		return nil, invalidFilter("unknown logical operator %q", n.Op)
	case *NotExpr:
		e, err := m.compile(n.Filter, parent)
		if err != nil {
			return nil, err
		}
		return func(v reflect.Value) bool { return !e(v) }, nil
	case *ValuePathExpr:
		a := n.Path.Attr
		inner, err := m.compile(n.Filter, a)
		if err != nil {
			return nil, err
		}
		idx := a.field
		if !a.MultiValued {
			return func(v reflect.Value) bool { return inner(v.FieldByIndex(idx)) }, nil
		}
		return func(v reflect.Value) bool { return anyElem(v.FieldByIndex(idx), nil, inner) }, nil
	case *AttrExpr:
		return m.compileCompare(n, parent)
	}
	return nil, invalidFilter("unsupported expression %T", f)
}

// compileOr compiles a chain of "or" flat, and its equalities of one
// string attribute as one set lookup. A long chain, such as the lookup of
// a page's references (id eq a or id eq b or ...), then neither nests
// closures as deep as it is long nor compares each user with every
// literal: a store that evaluates it in Go pays a few map lookups per user.
func (m *Model) compileOr(n *LogicalExpr, parent *Attribute) (evaluator, error) {
	var terms []Filter
	for stack := []Filter{n}; len(stack) > 0; {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x, ok := f.(*LogicalExpr); ok && x.Op == "or" {
			stack = append(stack, x.Right, x.Left)
			continue
		}
		terms = append(terms, f)
	}
	type set struct {
		first int // index of the first equality in terms
		eqs   []*AttrExpr
	}
	sets := map[[2]*Attribute]*set{}
	in := make([]*set, len(terms)) // the set of each equality
	for i, f := range terms {
		e, ok := f.(*AttrExpr)
		if !ok || e.Op != OpEqual {
			continue
		}
		if _, ok := literal.Text(e.Value); !ok || e.Value == nil {
			continue
		}
		if setLeaf(e.Path.Attr, e.Path.SubAttr) == nil {
			continue
		}
		k := [2]*Attribute{e.Path.Attr, e.Path.SubAttr}
		if sets[k] == nil {
			sets[k] = &set{first: i}
		}
		sets[k].eqs = append(sets[k].eqs, e)
		in[i] = sets[k]
	}
	var evs []evaluator
	for i, f := range terms {
		if st := in[i]; st != nil && len(st.eqs) > 1 {
			if st.first == i {
				e := st.eqs[0]
				evs = append(evs, equalsOneOf(e.Path.Attr, e.Path.SubAttr, parent, st.eqs))
			}
			continue
		}
		ev, err := m.compile(f, parent)
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	if len(evs) == 1 {
		return evs[0], nil
	}
	return func(v reflect.Value) bool {
		for _, ev := range evs {
			if ev(v) {
				return true
			}
		}
		return false
	}, nil
}

// setLeaf returns the string attribute an equality on a (and sub) compares,
// when compileOr may test it as a set, or nil.
func setLeaf(a, sub *Attribute) *Attribute {
	if a == nil || a.Custom || a.Mutability == WriteOnly || a.Returned == ReturnedNever {
		return nil
	}
	leaf := a.Leaf(sub)
	if leaf == nil || leaf.field == nil {
		return nil
	}
	switch leaf.Type {
	case TypeString, TypeReference, TypeBinary:
		return leaf
	}
	return nil
}

// equalsOneOf compiles an "or" of equalities of one string attribute (as
// setLeaf allows) with the literals of eqs: compileCompare's rules, with
// one map lookup per value.
func equalsOneOf(a, sub, parent *Attribute, eqs []*AttrExpr) evaluator {
	leaf := setLeaf(a, sub)
	foldCase := !leaf.CaseExact
	set := make(map[string]bool, len(eqs))
	for _, e := range eqs {
		s, _ := literal.Text(e.Value)
		if foldCase {
			s = fold.Key(s)
		}
		set[s] = true
	}
	has := func(f reflect.Value) bool {
		s := f.String()
		if s == "" {
			return false // an empty value is absent, never equal
		}
		if !foldCase {
			return set[s]
		}
		var buf [64]byte
		return set[string(fold.AppendKey(buf[:0], s))]
	}
	idx := a.field
	switch {
	case parent != nil: // inside a value path: v is the element
		return func(v reflect.Value) bool { return has(v.FieldByIndex(idx)) }
	case a.MultiValued:
		sidx := leaf.field
		return func(v reflect.Value) bool { return anyElem(v.FieldByIndex(idx), sidx, has) }
	case leaf != a:
		sidx := leaf.field
		return func(v reflect.Value) bool { return has(v.FieldByIndex(idx).FieldByIndex(sidx)) }
	}
	return func(v reflect.Value) bool { return has(v.FieldByIndex(idx)) }
}

// scalarTest tests one scalar struct field (string, bool or time.Time).
type scalarTest func(reflect.Value) bool

// customTest tests a present custom attribute's canonical string.
type customTest func(string) bool

func (m *Model) compileCompare(e *AttrExpr, parent *Attribute) (evaluator, error) {
	a, sub := e.Path.Attr, e.Path.SubAttr
	if a.Mutability == WriteOnly || a.Returned == ReturnedNever {
		return nil, invalidFilter("%s cannot be filtered on", a.Path())
	}
	switch e.Op {
	case OpPresent:
		return presence(a, sub, parent), nil
	case OpEqual, OpNotEqual, OpContains, OpStartsWith, OpEndsWith,
		OpGreater, OpGreaterOrEqual, OpLess, OpLessOrEqual:
	default:
		return nil, invalidFilter("unknown operator %q", e.Op)
	}
	if e.Value == nil {
		pr := presence(a, sub, parent)
		switch e.Op {
		case OpEqual:
			return func(v reflect.Value) bool { return !pr(v) }, nil
		case OpNotEqual:
			return pr, nil
		}
		return nil, invalidFilter("%s %s null: only eq and ne compare with null", e.Path.String(), e.Op)
	}
	// "emails co x", "manager eq id": compare the value sub-attribute.
	leaf := a.Leaf(sub)
	if leaf == nil {
		return nil, invalidFilter("%s is complex; compare one of its sub-attributes, such as %s.%s", a.Path(), a.Path(), a.SubAttributes[0].Name)
	}
	if a.Type == TypeComplex {
		sub = leaf
	}
	op := e.Op
	if op == OpNotEqual {
		// ne is not eq on each value: absent values match. On a
		// multi-valued attribute the negation is per element (below).
		op = OpEqual
	}
	st, ct, err := compileLeaf(leaf, op, e.Value, e.Path.String())
	if err != nil {
		return nil, err
	}
	var ev evaluator
	switch {
	case a.Custom:
		name := a.Name
		ev = func(v reflect.Value) bool {
			s := customValue(v, name)
			return s != "" && ct(s)
		}
	case parent != nil: // inside a value path: v is the element
		idx := a.field
		ev = func(v reflect.Value) bool { return st(v.FieldByIndex(idx)) }
	case a.MultiValued && e.Op == OpNotEqual:
		// Some element differs, or there is none.
		idx, sidx := a.field, sub.field
		return func(v reflect.Value) bool {
			s := v.FieldByIndex(idx)
			if s.Len() == 0 {
				return true
			}
			for i := range s.Len() {
				if !st(s.Index(i).FieldByIndex(sidx)) {
					return true
				}
			}
			return false
		}, nil
	case a.MultiValued:
		idx, sidx := a.field, sub.field
		ev = func(v reflect.Value) bool { return anyElem(v.FieldByIndex(idx), sidx, st) }
	case sub != nil:
		idx, sidx := a.field, sub.field
		ev = func(v reflect.Value) bool { return st(v.FieldByIndex(idx).FieldByIndex(sidx)) }
	default:
		idx := a.field
		ev = func(v reflect.Value) bool { return st(v.FieldByIndex(idx)) }
	}
	if e.Op == OpNotEqual {
		return func(v reflect.Value) bool { return !ev(v) }, nil
	}
	return ev, nil
}

var customField = func() []int { f, _ := userType.FieldByName("Custom"); return f.Index }()

// customValue reads a custom attribute from the [User] struct without
// allocating.
func customValue(v reflect.Value, name string) string {
	c, _ := reflect.TypeAssert[map[string]string](v.FieldByIndex(customField))
	return c[name]
}

// present reports whether a scalar field holds a value: a non-empty string,
// a non-zero time. A boolean always has one.
func present(f reflect.Value) bool {
	if f.Kind() == reflect.Bool {
		return true
	}
	return !f.IsZero()
}

// presence compiles "pr": false for absent values, empty strings and empty
// arrays.
func presence(a, sub *Attribute, parent *Attribute) evaluator {
	idx := a.field
	switch {
	case a.Custom:
		name := a.Name
		return func(v reflect.Value) bool { return customValue(v, name) != "" }
	case parent != nil:
		return func(v reflect.Value) bool { return present(v.FieldByIndex(idx)) }
	case a.MultiValued && sub != nil:
		sidx := sub.field
		return func(v reflect.Value) bool { return anyElem(v.FieldByIndex(idx), sidx, present) }
	case a.MultiValued:
		return func(v reflect.Value) bool { return v.FieldByIndex(idx).Len() > 0 }
	case sub != nil:
		sidx := sub.field
		return func(v reflect.Value) bool { return present(v.FieldByIndex(idx).FieldByIndex(sidx)) }
	case a.Type == TypeComplex:
		return func(v reflect.Value) bool { return !v.FieldByIndex(idx).IsZero() }
	}
	return func(v reflect.Value) bool { return present(v.FieldByIndex(idx)) }
}

// compileLeaf compiles the comparison of one scalar attribute with a
// non-null literal (op is never ne: the caller negates eq). It returns a
// test for struct fields, or for custom attributes' canonical strings.
func compileLeaf(a *Attribute, op CompareOp, lit any, path string) (scalarTest, customTest, error) {
	switch a.Type {
	case TypeBoolean:
		if op != OpEqual {
			return nil, nil, invalidFilter("%s is a boolean; only eq, ne and pr apply, not %s", path, op)
		}
		want, ok := parseBool(lit)
		if !ok {
			return nil, nil, invalidFilter("%s is a boolean; compare it with true or false, not %s", path, formatValue(lit))
		}
		return func(f reflect.Value) bool { return f.Bool() == want }, nil, nil
	case TypeDateTime:
		if !orderedOp(op) {
			return nil, nil, invalidFilter("%s is a date-time; use eq, ne, gt, ge, lt, le or pr, not %s", path, op)
		}
		s, ok := lit.(string)
		if !ok {
			return nil, nil, invalidFilter("%s is a date-time; compare it with a date-time such as \"2015-10-10T14:38:21Z\", not %s", path, formatValue(lit))
		}
		if a.Custom { // canonical YYYY-MM-DD strings order as dates
			d, ok := literal.Date(s)
			if !ok {
				return nil, nil, invalidFilter("%s is a date; compare it with a date such as \"2020-01-01\", not %q", path, s)
			}
			return nil, func(v string) bool { return ordered(op, strings.Compare(v, d)) }, nil
		}
		t, ok := parseDateTime(s)
		if !ok {
			return nil, nil, invalidFilter("%s is a date-time; %q is not an RFC 3339 date-time such as \"2015-10-10T14:38:21Z\"", path, s)
		}
		return func(f reflect.Value) bool {
			v, _ := reflect.TypeAssert[time.Time](f)
			return !v.IsZero() && ordered(op, v.Compare(t))
		}, nil, nil
	case TypeInteger, TypeDecimal:
		if !orderedOp(op) {
			return nil, nil, invalidFilter("%s is a number; use eq, ne, gt, ge, lt, le or pr, not %s", path, op)
		}
		var s string
		switch x := lit.(type) {
		case json.Number:
			s = x.String()
		case string:
			s = strings.TrimSpace(x)
		default:
			return nil, nil, invalidFilter("%s is a number; compare it with a number, not %s", path, formatValue(lit))
		}
		n, ok := parseNumber(s)
		if !ok {
			return nil, nil, invalidFilter("%s is a number; %q is not a number", path, s)
		}
		return func(f reflect.Value) bool {
				var v number
				switch f.Kind() {
				case reflect.Int, reflect.Int64, reflect.Int32:
					v = number{i: f.Int(), f: float64(f.Int()), isInt: true}
				case reflect.Float64, reflect.Float32:
					v = number{f: f.Float()}
				default:
					return false
				}
				return ordered(op, v.compare(n))
			}, func(s string) bool {
				v, ok := parseNumber(s)
				return ok && ordered(op, v.compare(n))
			}, nil
	}
	s, ok := literal.Text(lit)
	if !ok { // only hand-built trees hold other types
		return nil, nil, invalidFilter("%s: unsupported literal of type %T", path, lit)
	}
	cmp := stringTest(op, s, !a.CaseExact)
	return func(f reflect.Value) bool { v := f.String(); return v != "" && cmp(v) }, cmp, nil
}

// parseDateTime reads an RFC 3339 date-time; without an offset, or as a bare
// date, it is UTC.
func parseDateTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// number is a parsed numeric value: exact when both sides are integers.
type number struct {
	i     int64
	f     float64
	isInt bool
}

func parseNumber(s string) (number, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return number{i: i, f: float64(i), isInt: true}, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f { // NaN orders with nothing
		return number{}, false
	}
	return number{f: f}, true
}

func (n number) compare(m number) int {
	if n.isInt && m.isInt {
		return cmp.Compare(n.i, m.i)
	}
	return cmp.Compare(n.f, m.f)
}

func orderedOp(op CompareOp) bool {
	switch op {
	case OpEqual, OpNotEqual, OpGreater, OpGreaterOrEqual, OpLess, OpLessOrEqual:
		return true
	}
	return false
}

func ordered(op CompareOp, c int) bool {
	switch op {
	case OpEqual:
		return c == 0
	case OpNotEqual:
		return c != 0
	case OpGreater:
		return c > 0
	case OpGreaterOrEqual:
		return c >= 0
	case OpLess:
		return c < 0
	case OpLessOrEqual:
		return c <= 0
	}
	return false
}

// stringTest compiles a comparison of a present string value; foldCase
// selects case-insensitive comparison (caseExact false), done without
// allocating. Ordering is by code point, after case folding when foldCase.
func stringTest(op CompareOp, lit string, foldCase bool) func(string) bool {
	if !foldCase {
		switch op {
		case OpEqual:
			return func(s string) bool { return s == lit }
		case OpNotEqual:
			return func(s string) bool { return s != lit }
		case OpContains:
			return func(s string) bool { return strings.Contains(s, lit) }
		case OpStartsWith:
			return func(s string) bool { return strings.HasPrefix(s, lit) }
		case OpEndsWith:
			return func(s string) bool { return strings.HasSuffix(s, lit) }
		}
		return func(s string) bool { return ordered(op, strings.Compare(s, lit)) }
	}
	switch op {
	case OpEqual:
		return func(s string) bool { return fold.Equal(s, lit) }
	case OpNotEqual:
		return func(s string) bool { return !fold.Equal(s, lit) }
	case OpContains:
		return func(s string) bool { return fold.Contains(s, lit) }
	case OpStartsWith:
		return func(s string) bool { return fold.HasPrefix(s, lit) }
	case OpEndsWith:
		return func(s string) bool { return fold.HasSuffix(s, lit) }
	}
	return func(s string) bool { return ordered(op, fold.Compare(s, lit)) }
}

// resolveFilter returns a copy of f whose attribute paths are resolved
// against the model: [AttrPath.Attr] and [AttrPath.SubAttr] are set, as a
// [Store] that pushes [Query.Filter] down expects. f itself is never
// modified, so a parsed [Filter] may be kept, shared between goroutines
// and resolved against the models of several companies. Unknown attributes
// and incomplete trees are 400 invalidFilter. A nil filter resolves to
// nil.
func (m *Model) resolveFilter(f Filter) (Filter, error) {
	if f == nil {
		return nil, nil
	}
	return m.resolveFilterIn(f, nil)
}

// resolveFilterIn is resolveFilter inside the value filter of parent (nil at
// the top level), where names are parent's sub-attributes.
func (m *Model) resolveFilterIn(f Filter, parent *Attribute) (Filter, error) {
	switch n := f.(type) {
	case *LogicalExpr:
		if n == nil || n.Left == nil || n.Right == nil {
			return nil, invalidFilter("incomplete %q expression", "and/or")
		}
		l, err := m.resolveFilterIn(n.Left, parent)
		if err != nil {
			return nil, err
		}
		r, err := m.resolveFilterIn(n.Right, parent)
		if err != nil {
			return nil, err
		}
		return &LogicalExpr{Op: n.Op, Left: l, Right: r}, nil
	case *NotExpr:
		if n == nil || n.Filter == nil {
			return nil, invalidFilter("incomplete \"not\" expression")
		}
		inner, err := m.resolveFilterIn(n.Filter, parent)
		if err != nil {
			return nil, err
		}
		return &NotExpr{Filter: inner}, nil
	case *ValuePathExpr:
		if n == nil || n.Filter == nil {
			return nil, invalidFilter("incomplete value filter")
		}
		if parent != nil {
			return nil, invalidFilter("value filters cannot nest (%s inside %s[...])", n.Path.String(), parent.Name)
		}
		c := &ValuePathExpr{Path: n.Path}
		if err := m.resolvePath(&c.Path); err != nil {
			return nil, err
		}
		a := c.Path.Attr
		if c.Path.SubAttr != nil || a.Type != TypeComplex || a.Custom {
			return nil, invalidFilter("%s is not a complex attribute and takes no value filter", n.Path.String())
		}
		inner, err := m.resolveFilterIn(n.Filter, a)
		if err != nil {
			return nil, err
		}
		c.Filter = inner
		return c, nil
	case *AttrExpr:
		if n == nil {
			return nil, invalidFilter("incomplete comparison")
		}
		c := *n
		if err := m.resolve(&c.Path, parent); err != nil {
			return nil, err
		}
		return &c, nil
	}
	return nil, invalidFilter("unsupported expression %T", f)
}

// resolve fills in p.Attr and p.SubAttr. Inside a value path (parent set),
// names are sub-attributes of parent.
func (m *Model) resolve(p *AttrPath, parent *Attribute) error {
	if parent != nil {
		if p.URN != "" || p.Sub != "" {
			return invalidFilter("%q inside %s[...] must be a sub-attribute name", p.String(), parent.Name)
		}
		if p.Attr = parent.Sub(p.Name); p.Attr == nil {
			return invalidFilter("%s has no sub-attribute %q", parent.Path(), p.Name)
		}
		p.SubAttr = nil
		return nil
	}
	return m.resolvePath(p)
}

// resolvePath resolves a top-level path against the model; a name without
// a URN is resolved by unqualified. An unknown attribute is 400
// invalidFilter.
func (m *Model) resolvePath(p *AttrPath) error {
	var a *Attribute
	if p.URN != "" {
		s := m.schemaByURN(p.URN)
		if s == nil {
			return invalidFilter("unknown schema %q in %q", p.URN, p.String())
		}
		a = s.Attribute(p.Name)
	} else {
		a = m.unqualified(p.Name)
	}
	if a == nil {
		return invalidFilter("unknown attribute %q", p.String())
	}
	p.Attr, p.SubAttr = a, nil
	if p.Sub != "" {
		if p.SubAttr = a.Sub(p.Sub); p.SubAttr == nil {
			return invalidFilter("%s has no sub-attribute %q", a.Path(), p.Sub)
		}
	}
	return nil
}

// anyElem reports whether ok holds for some element of the slice s, or for
// its field at sidx when sidx is not nil.
func anyElem(s reflect.Value, sidx []int, ok func(reflect.Value) bool) bool {
	for i := range s.Len() {
		e := s.Index(i)
		if sidx != nil {
			e = e.FieldByIndex(sidx)
		}
		if ok(e) {
			return true
		}
	}
	return false
}
