package scim

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
)

// newValidator returns the field validator for users. Rules live in the
// `validate` tags of User and its parts; errors name attributes by their
// SCIM names, taken from the `scim` tags.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string { return f.Tag.Get("scim") })
	return v
}

// validatedField is a field of User that carries validation rules, with the
// paths StructPartial takes to check it alone.
type validatedField struct {
	index int
	paths []string // Go field paths of its tagged leaves
	whole bool     // a slice with "dive": only a full check reaches its elements
}

// validatedFields lists them, from the struct tags.
var validatedFields = func() []validatedField {
	var out []validatedField
	for i := range userType.NumField() {
		f := userType.Field(i)
		switch {
		case f.Type.Kind() == reflect.Slice && f.Tag.Get("validate") != "":
			out = append(out, validatedField{index: i, whole: true})
		case f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[Meta]():
			var paths []string
			var walk func(t reflect.Type, prefix string)
			walk = func(t reflect.Type, prefix string) {
				for j := range t.NumField() {
					sf := t.Field(j)
					if sf.Type.Kind() == reflect.Struct {
						walk(sf.Type, prefix+sf.Name+".")
					} else if sf.Tag.Get("validate") != "" {
						paths = append(paths, prefix+sf.Name)
					}
				}
			}
			walk(f.Type, f.Name+".")
			if len(paths) > 0 {
				out = append(out, validatedField{index: i, paths: paths})
			}
		case f.Tag.Get("validate") != "":
			out = append(out, validatedField{index: i, paths: []string{f.Name}})
		}
	}
	return out
}()

var emailsField = func() int { f, _ := userType.FieldByName("Emails"); return f.Index[0] }()

// validateUser checks field rules; a failure is 400 invalidValue naming
// the attribute. With before (an update), only the fields that changed are
// checked: the others were checked when they were written, and a PATCH of
// one attribute should not pay for validating all of them.
func validateUser(v *validator.Validate, before, u *User) error {
	if u.UserName != "" && strings.TrimSpace(u.UserName) == "" {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "userName is required and must not be empty")
	}
	var err error
	checkEmails := before == nil
	if before == nil {
		err = v.Struct(u)
	} else {
		bv, uv := reflect.ValueOf(before).Elem(), reflect.ValueOf(u).Elem()
		checkEmails = !reflect.DeepEqual(bv.Field(emailsField).Interface(), uv.Field(emailsField).Interface())
		var paths []string
		full := false
		for _, f := range validatedFields {
			if reflect.DeepEqual(bv.Field(f.index).Interface(), uv.Field(f.index).Interface()) {
				continue
			}
			if f.whole {
				full = true
				break
			}
			paths = append(paths, f.paths...)
		}
		switch {
		case full:
			err = v.Struct(u)
		case len(paths) > 0:
			err = v.StructPartial(u, paths...)
		}
	}
	if err == nil && checkEmails {
		if err := validateEmails(v, u.Emails); err != nil {
			return err
		}
	}
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) || len(verrs) == 0 {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "invalid user: %v", err)
	}
	fe := verrs[0]
	name := fe.Namespace()
	name = strings.TrimPrefix(name, "User.")
	if strings.HasPrefix(name, SchemaEnterpriseUser+".") {
		name = SchemaEnterpriseUser + ":" + strings.TrimPrefix(name, SchemaEnterpriseUser+".")
	}
	switch fe.Tag() {
	case "required":
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s is required and must not be empty", name)
	case "max":
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s must be at most %s characters long", name, fe.Param())
	}
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s is invalid (%s)", name, fe.Tag())
}

// maxEmail bounds an email value, as Peakon stores it.
const maxEmail = 256

// validateEmails enforces the rule /Schemas states for emails.value
// (emailValueRule): Peakon keys employees by email, so a value that is not
// an address is 400 invalidValue naming the element and the value.
func validateEmails(v *validator.Validate, emails []MultiValue) error {
	for i, e := range emails {
		if utf8.RuneCountInString(e.Value) > maxEmail {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "emails[%d].value %s is longer than %d characters", i, describe(e.Value), maxEmail)
		}
		if v.Var(e.Value, "required,email") != nil {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue,
				"emails[%d].value %s is not an email address: Peakon identifies employees by email, so every emails value must be an address such as jane@example.com", i, describe(e.Value))
		}
	}
	return nil
}
