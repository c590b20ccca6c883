package scim

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/internal/fold"
)

// Matcher reports whether a user satisfies a compiled filter. It is safe
// for concurrent use.
type Matcher func(*User) bool

// CompileFilter resolves the filter's attribute paths against the model
// (filling in AttrPath.Attr and SubAttr, so stores can push it down) and
// returns a matcher that evaluates it without encoding the user. Unknown
// attributes and operators that do not apply to an attribute's type are
// 400 invalidFilter.
func (m *Model) CompileFilter(f Filter) (Matcher, error) {
	ev, err := m.compile(f, nil)
	if err != nil {
		return nil, err
	}
	return func(u *User) bool { return ev(reflect.ValueOf(u).Elem()) }, nil
}

// evaluator tests a context value: the User struct, or an element of a
// multi-valued attribute inside a value path.
type evaluator func(reflect.Value) bool

func (m *Model) compile(f Filter, parent *Attribute) (evaluator, error) {
	switch n := f.(type) {
	case *LogicalExpr:
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
		return func(v reflect.Value) bool { return l(v) || r(v) }, nil
	case *NotExpr:
		e, err := m.compile(n.Filter, parent)
		if err != nil {
			return nil, err
		}
		return func(v reflect.Value) bool { return !e(v) }, nil
	case *ValuePathExpr:
		if parent != nil {
			return nil, Errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "filter: value filters cannot nest (%s)", n.String())
		}
		if err := m.resolve(&n.Path, nil); err != nil {
			return nil, err
		}
		a := n.Path.Attr
		if a.Type != TypeComplex || a.Custom {
			return nil, Errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "filter: %s is not a complex attribute and takes no value filter", a.Path())
		}
		inner, err := m.compile(n.Filter, a)
		if err != nil {
			return nil, err
		}
		idx := a.field
		if !a.MultiValued {
			return func(v reflect.Value) bool { return inner(v.FieldByIndex(idx)) }, nil
		}
		return func(v reflect.Value) bool {
			s := v.FieldByIndex(idx)
			for i := 0; i < s.Len(); i++ {
				if inner(s.Index(i)) {
					return true
				}
			}
			return false
		}, nil
	case *AttrExpr:
		if err := m.resolve(&n.Path, parent); err != nil {
			return nil, err
		}
		return m.compileCompare(n, parent)
	}
	return nil, Errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "filter: unsupported expression %T", f)
}

// resolve fills in p.Attr and p.SubAttr. Inside a value path (parent set),
// names are sub-attributes of parent.
func (m *Model) resolve(p *AttrPath, parent *Attribute) error {
	if parent != nil {
		if p.URN != "" || p.Sub != "" {
			return Errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "filter: %q inside %s[...] must be a sub-attribute name", p.String(), parent.Name)
		}
		if p.Attr = parent.Sub(p.Name); p.Attr == nil {
			return Errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "filter: %s has no sub-attribute %q", parent.Path(), p.Name)
		}
		return nil
	}
	return m.ResolvePath(p)
}

// ResolvePath resolves a top-level path against the model. An unknown
// attribute is 400 invalidFilter.
func (m *Model) ResolvePath(p *AttrPath) error {
	var a *Attribute
	if p.URN != "" {
		s := m.SchemaByURN(p.URN)
		if s == nil {
			// "urn:...:enterprise:2.0:User" alone names the extension.
			return Errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "filter: unknown schema %q", p.URN)
		}
		a = s.Attribute(p.Name)
	} else {
		a = m.Core.Attribute(p.Name)
	}
	if a == nil {
		return Errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "filter: unknown attribute %q", p.String())
	}
	p.Attr = a
	if p.Sub != "" {
		if p.SubAttr = a.Sub(p.Sub); p.SubAttr == nil {
			return Errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "filter: %s has no sub-attribute %q", a.Path(), p.Sub)
		}
	}
	return nil
}

// target is the attribute a comparison reads and how to reach it.
func (m *Model) compileCompare(e *AttrExpr, parent *Attribute) (evaluator, error) {
	a, sub := e.Path.Attr, e.Path.SubAttr
	if a.Mutability == WriteOnly || a.Returned == ReturnedNever {
		return nil, Errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "filter: %s cannot be filtered on", a.Path())
	}
	leaf := a
	if sub != nil {
		leaf = sub
	} else if a.Type == TypeComplex {
		// "emails co x" or "manager eq id": compare the value sub-attribute;
		// "name pr": any sub-attribute present.
		if e.Op != OpPresent {
			if leaf = a.Sub("value"); leaf == nil {
				return nil, Errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "filter: %s is complex; name one of its sub-attributes", a.Path())
			}
			sub = leaf
		}
	}
	test, err := compileLeafTest(leaf, e)
	if err != nil {
		return nil, err
	}
	if a.Custom {
		name := a.Name
		customIdx := customField
		return func(v reflect.Value) bool {
			c, _ := v.FieldByIndex(customIdx).Interface().(map[string]string)
			s, ok := c[name]
			return test.str(s, ok)
		}, nil
	}
	idx := a.field
	if parent != nil { // inside a value path: v is the element
		return func(v reflect.Value) bool { return test.value(v.FieldByIndex(idx)) }, nil
	}
	negate := e.Op == OpNotEqual
	if negate {
		// ne matches when no value equals: absent attributes match.
		test, _ = compileLeafTest(leaf, &AttrExpr{Path: e.Path, Op: OpEqual, Value: e.Value})
	}
	var ev evaluator
	switch {
	case a.MultiValued && sub != nil:
		sidx := sub.field
		ev = func(v reflect.Value) bool {
			s := v.FieldByIndex(idx)
			for i := 0; i < s.Len(); i++ {
				if test.value(s.Index(i).FieldByIndex(sidx)) {
					return true
				}
			}
			return false
		}
	case a.MultiValued: // pr on the whole attribute
		ev = func(v reflect.Value) bool { return v.FieldByIndex(idx).Len() > 0 }
	case sub != nil:
		sidx := sub.field
		ev = func(v reflect.Value) bool { return test.value(v.FieldByIndex(idx).FieldByIndex(sidx)) }
	case a.Type == TypeComplex: // pr on a singular complex attribute
		ev = func(v reflect.Value) bool { return !v.FieldByIndex(idx).IsZero() }
	default:
		ev = func(v reflect.Value) bool { return test.value(v.FieldByIndex(idx)) }
	}
	if negate {
		return func(v reflect.Value) bool { return !ev(v) }, nil
	}
	return ev, nil
}

var customField = func() []int { f, _ := userType.FieldByName("Custom"); return f.Index }()

// leafTest compares one scalar value with the filter's literal.
type leafTest struct {
	value func(reflect.Value) bool // a struct field
	str   func(string, bool) bool  // a custom attribute's canonical string
}

func compileLeafTest(a *Attribute, e *AttrExpr) (leafTest, error) {
	op := e.Op
	if op == OpPresent {
		return leafTest{
			value: func(f reflect.Value) bool {
				if f.Kind() == reflect.Bool {
					return true // a boolean always has a value
				}
				return !f.IsZero()
			},
			str: func(s string, ok bool) bool { return ok && s != "" },
		}, nil
	}
	bad := func(format string, args ...any) (leafTest, error) {
		return leafTest{}, Errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "filter: "+format, args...)
	}
	if e.Value == nil {
		// "attr eq null" is "not present"; "ne null" is "present".
		if op != OpEqual && op != OpNotEqual {
			return bad("%s %s null: only eq and ne compare with null", a.Path(), op)
		}
		pr, _ := compileLeafTest(a, &AttrExpr{Op: OpPresent})
		if op == OpEqual {
			return leafTest{
				value: func(f reflect.Value) bool { return !pr.value(f) },
				str:   func(s string, ok bool) bool { return !pr.str(s, ok) },
			}, nil
		}
		return pr, nil
	}
	switch a.Type {
	case TypeBoolean:
		if op != OpEqual && op != OpNotEqual {
			return bad("%s is a boolean; only eq, ne and pr apply, not %s", a.Path(), op)
		}
		want, ok := parseBool(e.Value)
		if !ok {
			return bad("%s is a boolean; compare it with true or false, not %s", a.Path(), formatValue(e.Value))
		}
		if op == OpNotEqual {
			want = !want
		}
		return leafTest{value: func(f reflect.Value) bool { return f.Bool() == want }}, nil
	case TypeDateTime:
		lit, ok := e.Value.(string)
		if !ok {
			return bad("%s is a date-time; compare it with a string such as \"2015-10-10T14:38:21Z\"", a.Path())
		}
		if !orderedOp(op) {
			return bad("%s is a date-time; use eq, ne, gt, ge, lt, le or pr, not %s", a.Path(), op)
		}
		if a.Custom { // canonical YYYY-MM-DD strings order as dates
			d, ok := ParseDate(lit)
			if !ok {
				return bad("%s is a date; compare it with a date such as \"2020-01-01\", not %q", a.Path(), lit)
			}
			return leafTest{str: func(s string, present bool) bool { return present && ordered(op, strings.Compare(s, d)) }}, nil
		}
		t, err := time.Parse(time.RFC3339Nano, lit)
		if err != nil {
			return bad("%s is a date-time; %q is not an RFC 3339 date-time", a.Path(), lit)
		}
		return leafTest{value: func(f reflect.Value) bool {
			v := f.Addr().Interface().(*time.Time)
			return !v.IsZero() && ordered(op, v.Compare(t))
		}}, nil
	case TypeInteger, TypeDecimal:
		var lit string
		switch x := e.Value.(type) {
		case json.Number:
			lit = x.String()
		case string:
			lit = x
		default:
			return bad("%s is a number; compare it with a number, not %s", a.Path(), formatValue(e.Value))
		}
		n, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return bad("%s is a number; %q is not a number", a.Path(), lit)
		}
		if !orderedOp(op) {
			return bad("%s is a number; use eq, ne, gt, ge, lt, le or pr, not %s", a.Path(), op)
		}
		return leafTest{str: func(s string, present bool) bool {
			v, err := strconv.ParseFloat(s, 64)
			return present && err == nil && ordered(op, cmpFloat(v, n))
		}}, nil
	}
	var lit string
	switch x := e.Value.(type) {
	case string:
		lit = x
	case json.Number:
		lit = x.String()
	case bool:
		lit = strconv.FormatBool(x)
	}
	cmp := stringTest(op, lit, !a.CaseExact)
	return leafTest{
		value: func(f reflect.Value) bool { return cmp(f.String()) },
		str:   func(s string, ok bool) bool { return ok && cmp(s) },
	}, nil
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

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// stringTest compiles a string comparison; fold selects case-insensitive
// comparison (caseExact false), done without allocating.
func stringTest(op CompareOp, lit string, foldCase bool) func(string) bool {
	if !foldCase {
		switch op {
		case OpEqual:
			return func(s string) bool { return s == lit }
		case OpNotEqual:
			return func(s string) bool { return s != lit }
		case OpContains:
			return func(s string) bool { return s != "" && strings.Contains(s, lit) }
		case OpStartsWith:
			return func(s string) bool { return s != "" && strings.HasPrefix(s, lit) }
		case OpEndsWith:
			return func(s string) bool { return s != "" && strings.HasSuffix(s, lit) }
		}
		return func(s string) bool { return s != "" && ordered(op, strings.Compare(s, lit)) }
	}
	switch op {
	case OpEqual:
		return func(s string) bool { return strings.EqualFold(s, lit) }
	case OpNotEqual:
		return func(s string) bool { return !strings.EqualFold(s, lit) }
	case OpContains:
		return func(s string) bool { return s != "" && fold.Contains(s, lit) }
	case OpStartsWith:
		return func(s string) bool { return s != "" && fold.HasPrefix(s, lit) }
	case OpEndsWith:
		return func(s string) bool { return s != "" && fold.HasSuffix(s, lit) }
	}
	return func(s string) bool { return s != "" && ordered(op, fold.Compare(s, lit)) }
}
