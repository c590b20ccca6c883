package scim

import "reflect"

// Value returns the attribute's value in u as u holds it: a string, bool
// or time.Time; for a complex attribute its struct (Name, Meta...); for a
// multi-valued one the slice of its elements ([]MultiValue for emails).
// A store that keeps attributes in columns of their own reads them
// through it, walking the model instead of listing User's fields. ok is
// false for attributes User has no field for: password, Peakon custom
// attributes (in User.Custom by Name) and sub-attributes of multi-valued
// attributes, whose values are per element.
func (a *Attribute) Value(u *User) (v any, ok bool) {
	if a == nil || u == nil || a.field == nil {
		return nil, false
	}
	rv := reflect.ValueOf(u).Elem()
	if p := a.parent; p != nil {
		if p.MultiValued || p.field == nil {
			return nil, false
		}
		rv = rv.FieldByIndex(p.field)
	}
	f := rv.FieldByIndex(a.field)
	switch f.Kind() {
	case reflect.String:
		return f.String(), true // boxes "" without allocating
	case reflect.Bool:
		return f.Bool(), true
	}
	return f.Interface(), true
}
