package scim

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

// newValidator returns the field validator for users. Rules live in the
// `validate` tags of User and its parts; errors name attributes by their
// SCIM names, taken from the `scim` tags.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string { return f.Tag.Get("scim") })
	v.RegisterStructValidation(func(sl validator.StructLevel) {
		u := sl.Current().Addr().Interface().(*User)
		if u.UserName != "" && strings.TrimSpace(u.UserName) == "" {
			sl.ReportError(u.UserName, "userName", "UserName", "required", "")
		}
		for i, e := range u.Emails {
			if err := sl.Validator().Var(e.Value, "required,email,max=256"); err != nil {
				sl.ReportError(e.Value, fmt.Sprintf("emails[%d].value", i), "Value", "email", "")
			}
		}
	}, User{})
	return v
}

// validateUser checks field rules; a failure is 400 invalidValue naming
// the attribute.
func validateUser(v *validator.Validate, u *User) error {
	err := v.Struct(u)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) || len(verrs) == 0 {
		return Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "invalid user: %v", err)
	}
	fe := verrs[0]
	name := fe.Namespace()
	name = strings.TrimPrefix(name, "User.")
	if strings.HasPrefix(name, SchemaEnterpriseUser+".") {
		name = SchemaEnterpriseUser + ":" + strings.TrimPrefix(name, SchemaEnterpriseUser+".")
	}
	if fe.Tag() == "email" {
		name = fe.Field()
	}
	switch fe.Tag() {
	case "required":
		return Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s is required and must not be empty", name)
	case "max":
		return Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s must be at most %s characters long", name, fe.Param())
	case "email":
		return Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s must be an email address such as jane@example.com, not %q", name, fe.Value())
	}
	return Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s is invalid (%s)", name, fe.Tag())
}
