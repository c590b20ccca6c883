package scim

import (
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/scimkit/scim/internal/fold"
)

// compileSort resolves a sortBy attribute and returns a comparator. A
// multi-valued attribute sorts by its primary element, else its first
// (RFC 7644 §3.4.2.3); a complex attribute by its value sub-attribute.
// Strings collate by code point, after case folding unless caseExact;
// dates as instants, numbers as numbers, false before true. Users without a
// value sort after those with one in ascending order (so before them in
// descending order, as SQL's NULLS LAST / NULLS FIRST defaults do). The
// comparator reports ties; [Query.Compare] breaks them by id.
//
// Unlike a filter, sortBy may name a Peakon custom attribute by a display
// name with spaces ("urn:...:peakon:2.0:User:Employed Since").
func (m *Model) compileSort(sortBy string) (*AttrPath, func(a, b *User) int, error) {
	p, ok := splitPath(sortBy)
	if !ok {
		if a, rest := m.Lookup(sortBy); a != nil && a.Custom && rest == "" {
			p, ok = AttrPath{URN: SchemaPeakonUser, Name: a.Name}, true
		}
	}
	if !ok {
		return nil, nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "sortBy %q is not an attribute path", sortBy)
	}
	if err := m.resolvePath(&p); err != nil {
		return nil, nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "sortBy: unknown attribute %q", sortBy)
	}
	a, sub := p.Attr, p.SubAttr
	if a.Returned == ReturnedNever {
		return nil, nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "sortBy: %s cannot be sorted on", a.Path())
	}
	if a.Type == TypeComplex {
		if sub = a.Leaf(sub); sub == nil {
			return nil, nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "sortBy: %s is complex; name one of its sub-attributes", a.Path())
		}
	}
	if a.Custom {
		name := a.Name
		var cmp func(x, y string) int
		switch a.CustomType {
		case CustomNumber:
			cmp = func(x, y string) int {
				a, _ := parseNumber(x)
				b, _ := parseNumber(y)
				return a.compare(b)
			}
		case CustomDate:
			cmp = strings.Compare
		default:
			cmp = fold.Compare
		}
		return &p, func(x, y *User) int {
			xv, yv := x.Custom[name], y.Custom[name]
			if c, done := absentLast(xv != "", yv != ""); done {
				return c
			}
			return cmp(xv, yv)
		}, nil
	}
	cmp := fieldCompare(a, sub)
	return &p, func(x, y *User) int {
		return cmp(reflect.ValueOf(x).Elem(), reflect.ValueOf(y).Elem())
	}, nil
}

// fieldCompare returns the comparator compileSort describes for a
// resolved attribute (sub nil, or its sub-attribute) held in a struct
// field: it takes the structs that hold it, a [User] or a [Group], and
// reports ties.
func fieldCompare(a, sub *Attribute) func(x, y reflect.Value) int {
	leaf := a
	if sub != nil {
		leaf = sub
	}
	get := sortValue(a, sub)
	var cmp func(x, y reflect.Value) int
	switch leaf.Type {
	case TypeBoolean:
		cmp = func(x, y reflect.Value) int { return cmpBool(x.Bool(), y.Bool()) }
	case TypeDateTime:
		cmp = func(x, y reflect.Value) int {
			xt, _ := reflect.TypeAssert[time.Time](x)
			yt, _ := reflect.TypeAssert[time.Time](y)
			return xt.Compare(yt)
		}
	default:
		if leaf.CaseExact {
			cmp = func(x, y reflect.Value) int { return strings.Compare(x.String(), y.String()) }
		} else {
			cmp = func(x, y reflect.Value) int { return fold.Compare(x.String(), y.String()) }
		}
	}
	return func(x, y reflect.Value) int {
		xv, xok := get(x)
		yv, yok := get(y)
		if c, done := absentLast(xok, yok); done {
			return c
		}
		return cmp(xv, yv)
	}
}

// sortValue returns an accessor for the sort key and whether it is present.
func sortValue(a, sub *Attribute) func(reflect.Value) (reflect.Value, bool) {
	idx := a.field
	if a.MultiValued {
		sidx := sub.field
		pi := primaryIndex(userType.FieldByIndex(idx).Type.Elem())
		return func(u reflect.Value) (reflect.Value, bool) {
			s := u.FieldByIndex(idx)
			if s.Len() == 0 {
				return reflect.Value{}, false
			}
			el := s.Index(0)
			if pi >= 0 {
				for i := range s.Len() {
					if s.Index(i).Field(pi).Bool() {
						el = s.Index(i)
						break
					}
				}
			}
			v := el.FieldByIndex(sidx)
			return v, !v.IsZero() || v.Kind() == reflect.Bool
		}
	}
	if sub != nil {
		sidx := sub.field
		return func(u reflect.Value) (reflect.Value, bool) {
			v := u.FieldByIndex(idx).FieldByIndex(sidx)
			return v, !v.IsZero() || v.Kind() == reflect.Bool
		}
	}
	return func(u reflect.Value) (reflect.Value, bool) {
		v := u.FieldByIndex(idx)
		return v, !v.IsZero() || v.Kind() == reflect.Bool
	}
}

func absentLast(x, y bool) (int, bool) {
	switch {
	case x && y:
		return 0, false
	case x:
		return -1, true
	case y:
		return 1, true
	}
	return 0, true
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
