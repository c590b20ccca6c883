package scim

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"
)

// Validate checks a user about to be written against the field rules of
// the model's attributes: [Attribute.Required], [Attribute.MaxLength] and
// [Attribute.Format], the rules /Schemas describes. A program that builds
// users with [Model.DecodeUser] or [Model.ApplyPatch] and stores them
// itself calls it before writing, as [Handler] does. before is nil for a
// new user; for an update it is the stored user, and only attributes
// whose value changed are checked: the others were checked when they
// were written, and a PATCH of one attribute should not pay for all of
// them. A failure is a 400 invalidValue [*Error] naming the attribute (and
// the element of a multi-valued one).
//
// Custom attributes are checked when decoded and patched, against their
// Peakon type.
func (m *Model) Validate(before, after *User) error {
	m.validateOnce.Do(func() { m.validate = validator.New() })
	av := reflect.ValueOf(after).Elem()
	var bv reflect.Value
	if before != nil {
		bv = reflect.ValueOf(before).Elem()
	}
	for _, a := range m.ruled {
		f := av.FieldByIndex(a.field)
		if before != nil && sameValue(bv.FieldByIndex(a.field), f) {
			continue
		}
		if err := m.validateAttr(a, f); err != nil {
			return err
		}
	}
	return nil
}

// sameValue reports whether two values of one [User] field are equal.
func sameValue(x, y reflect.Value) bool {
	if x.Kind() == reflect.Slice {
		return reflect.DeepEqual(x.Interface(), y.Interface())
	}
	return x.Equal(y)
}

// validateAttr checks the top-level attribute a, whose field is f.
func (m *Model) validateAttr(a *Attribute, f reflect.Value) error {
	switch {
	case a.MultiValued:
		for i := range f.Len() {
			e := f.Index(i)
			for _, sub := range a.SubAttributes {
				if sub.rule == "" {
					continue
				}
				if err := m.validateValue(sub, e.FieldByIndex(sub.field).String(), i); err != nil {
					return err
				}
			}
		}
	case a.Type == TypeComplex:
		for _, sub := range a.SubAttributes {
			if sub.rule == "" {
				continue
			}
			if err := m.validateValue(sub, f.FieldByIndex(sub.field).String(), -1); err != nil {
				return err
			}
		}
	case a.rule != "":
		return m.validateValue(a, f.String(), -1)
	}
	return nil
}

// formats completes the error for a value not of an [Attribute.Format]:
// "<attribute> <value> is not ...".
var formats = map[string]string{
	"email": "an email address: Peakon identifies employees by email, so every emails value must be an address such as jane@example.com",
}

// validateValue checks one string value of a (of the i-th element of a's
// parent, when i is not -1) with validator/v10, by the rule the model
// built for a.
func (m *Model) validateValue(a *Attribute, s string, i int) error {
	tag := ""
	if a.Required && strings.TrimSpace(s) == "" {
		tag = "required" // blank is empty too
	} else if err := m.validate.Var(s, a.rule); err != nil {
		if verrs, ok := err.(validator.ValidationErrors); ok && len(verrs) > 0 {
			tag = verrs[0].Tag()
		} else {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s is invalid: %v", a.Path(), err)
		}
	}
	if tag == "" {
		return nil
	}
	name := a.Path()
	if i >= 0 {
		name = a.parent.Path() + "[" + strconv.Itoa(i) + "]." + a.Name
	}
	switch {
	case tag == "required":
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s is required and must not be empty", name)
	case tag == "max" && a.Format != "":
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s %s is longer than %d characters", name, describe(s), a.MaxLength)
	case tag == "max":
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s must be at most %d characters long", name, a.MaxLength)
	case tag == a.Format:
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s %s is not %s", name, describe(s), formats[a.Format])
	}
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s is invalid (%s)", name, tag)
}
