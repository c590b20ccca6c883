package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/scimkit/scim/internal/jsonw"
	"github.com/scimkit/scim/internal/literal"
)

// Peakon custom attribute types.
const (
	CustomOption   = "option"   // text, at most 256 characters
	CustomDate     = "date"     // a calendar date; accepts 2019-04-01 and ISO 8601 date-times
	CustomNumber   = "number"   // an integer; numeric strings accepted
	CustomEmployee = "employee" // another employee of the company, by email or id
)

// CustomAttribute defines one of a company's Peakon custom attributes,
// carried in the urn:ietf:params:scim:schemas:extension:peakon:2.0:User
// object under its display name.
type CustomAttribute struct {
	// Name is the display name; it may contain spaces ("Employed Since").
	Name string
	// Type is one of [CustomOption], [CustomDate], [CustomNumber], [CustomEmployee].
	Type string
	// Aliases are names for clients that cannot send spaces ("Employed_Since").
	Aliases []string
}

// customTypes maps the type names an administrator may write, in any case,
// to the canonical type. "text" is Peakon's other name for Option.
var customTypes = map[string]string{
	"option":   CustomOption,
	"text":     CustomOption,
	"date":     CustomDate,
	"number":   CustomNumber,
	"employee": CustomEmployee,
}

// maxCustomName bounds display names and aliases, as it bounds values.
const maxCustomName = 256

// ValidateCustomAttributes checks a company's custom attribute definitions
// and returns them in canonical form: names and aliases trimmed, types in
// lower case ("Option" and "text" become [CustomOption]), aliases that merely
// repeat the attribute's own name dropped. A definition is rejected when
// its name or an alias is empty, longer than 256 characters, contains a
// dot or a control character (a dot separates sub-attributes in SCIM paths,
// so such a name could not be addressed), or equals, ignoring case, the
// name or an alias of another attribute (a client's key would be
// ambiguous); and when its type is unknown. The input is not modified.
func ValidateCustomAttributes(attrs []CustomAttribute) ([]CustomAttribute, error) {
	var out []CustomAttribute
	owner := make(map[string]string, len(attrs)) // folded name or alias → display name
	claim := func(name, display string) error {
		if err := checkCustomName(name); err != nil {
			return err
		}
		key := strings.ToLower(name)
		if prev, ok := owner[key]; ok {
			if prev == display {
				return errSameName
			}
			return fmt.Errorf("scim: custom attribute %q: %q is already the name or an alias of %q", display, name, prev)
		}
		owner[key] = display
		return nil
	}
	for _, c := range attrs {
		name := strings.TrimSpace(c.Name)
		typ, ok := customTypes[strings.ToLower(strings.TrimSpace(c.Type))]
		if !ok {
			return nil, fmt.Errorf("scim: custom attribute %q: unknown type %q (want option, text, date, number or employee)", name, c.Type)
		}
		if err := claim(name, name); err != nil {
			if err == errSameName {
				err = fmt.Errorf("scim: custom attribute %q is defined twice", name)
			}
			return nil, err
		}
		d := CustomAttribute{Name: name, Type: typ}
		for _, alias := range c.Aliases {
			alias = strings.TrimSpace(alias)
			switch err := claim(alias, name); {
			case err == errSameName:
				continue // repeats the name or an earlier alias: harmless
			case err != nil:
				return nil, err
			}
			d.Aliases = append(d.Aliases, alias)
		}
		out = append(out, d)
	}
	return out, nil
}

var errSameName = errors.New("same name")

func checkCustomName(name string) error {
	switch {
	case name == "":
		return errors.New("scim: a custom attribute name or alias is empty")
	case utf8.RuneCountInString(name) > maxCustomName:
		return fmt.Errorf("scim: custom attribute name %.32q… is longer than %d characters", name, maxCustomName)
	case strings.ContainsRune(name, '.'):
		return fmt.Errorf("scim: custom attribute name %q contains a dot, which SCIM paths read as a sub-attribute", name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("scim: custom attribute name %q contains a control character", name)
	}
	return nil
}

func (c CustomAttribute) attribute() *Attribute {
	typ := customTypes[strings.ToLower(strings.TrimSpace(c.Type))]
	a := &Attribute{
		Name:       c.Name,
		Mutability: ReadWrite,
		Returned:   ReturnedDefault,
		Uniqueness: UniquenessNone,
		Schema:     SchemaPeakonUser,
		Aliases:    c.Aliases,
		Custom:     true,
		CustomType: typ,
		key:        jsonw.Quote(c.Name),
	}
	switch typ {
	case CustomDate:
		a.Type = TypeDateTime
		a.Description = "Date (YYYY-MM-DD; ISO 8601 date-times accepted)"
	case CustomNumber:
		a.Type = TypeInteger
		a.Description = "Number (integer)"
	case CustomEmployee:
		a.Type = TypeReference
		a.ReferenceTypes = []string{"User"}
		a.Description = "Employee (the email or id of another employee, who must be provisioned first)"
	default:
		a.Type = TypeString
		a.CustomType = CustomOption // an unknown type, which validation rejects, degrades to text
		a.Description = "Option (text of at most 256 characters)"
	}
	if len(c.Aliases) > 0 {
		// /Schemas has no field for aliases; the description tells the
		// administrator mapping attributes in Okta which names work.
		a.Description += "; also accepted as " + strings.Join(c.Aliases, ", ")
	}
	return a
}

// maxText is Peakon's limit on option values and on core string attributes.
const maxText = 256

// canonicalCustomValue validates a client's JSON value for a custom
// attribute and returns its canonical stored form (see User.Custom). An
// empty result means the value clears the attribute.
func canonicalCustomValue(a *Attribute, v any) (string, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = strings.TrimSpace(x)
	case json.Number:
		s = x.String()
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if a.CustomType != CustomOption {
			return "", badCustom(a, v)
		}
		s = strconv.FormatBool(x)
	default:
		return "", badCustom(a, v)
	}
	if s == "" {
		return "", nil
	}
	switch a.CustomType {
	case CustomDate:
		d, ok := literal.Date(s)
		if !ok {
			return "", badCustom(a, v)
		}
		return d, nil
	case CustomNumber:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			// Accept integral decimals such as 42.0 that spreadsheets produce.
			f, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil || f != float64(int64(f)) {
				return "", badCustom(a, v)
			}
			n = int64(f)
		}
		return strconv.FormatInt(n, 10), nil
	default:
		if utf8.RuneCountInString(s) > maxText {
			return "", Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s:%s must be at most %d characters", SchemaPeakonUser, a.Name, maxText)
		}
		return s, nil
	}
}

func badCustom(a *Attribute, v any) error {
	var want string
	switch a.CustomType {
	case CustomDate:
		want = "a date such as 2019-04-01 or an ISO 8601 date-time such as 2019-04-01T00:00:00Z"
	case CustomNumber:
		want = "an integer such as 42"
	case CustomEmployee:
		want = "the email or id of an employee"
	default:
		want = "a string of at most 256 characters"
	}
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s:%s must be %s, not %s", SchemaPeakonUser, a.Name, want, describe(v))
}
