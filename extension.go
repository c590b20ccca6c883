package scim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
	// Type is one of CustomOption, CustomDate, CustomNumber, CustomEmployee.
	Type string
	// Aliases are names for clients that cannot send spaces ("Employed_Since").
	Aliases []string
}

func (c CustomAttribute) attribute() *Attribute {
	a := &Attribute{
		Name:       c.Name,
		Mutability: ReadWrite,
		Returned:   ReturnedDefault,
		Uniqueness: UniquenessNone,
		Schema:     SchemaPeakonUser,
		Aliases:    c.Aliases,
		Custom:     true,
		CustomType: c.Type,
	}
	switch c.Type {
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
		a.Description = "Option (text of at most 256 characters)"
	}
	return a
}

// maxText is Peakon's limit on option values and on core string attributes.
const maxText = 256

// CanonicalCustomValue validates a client's JSON value for a custom
// attribute and returns its canonical stored form (see User.Custom). An
// empty result means the value clears the attribute.
func CanonicalCustomValue(a *Attribute, v any) (string, error) {
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
		d, ok := ParseDate(s)
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
			return "", Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s:%s must be at most %d characters", SchemaPeakonUser, a.Name, maxText)
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
	return Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s:%s must be %s, not %s", SchemaPeakonUser, a.Name, want, describe(v))
}

// ParseDate accepts an ISO 8601 calendar date or date-time and returns the
// calendar date as YYYY-MM-DD, in the offset the client wrote.
func ParseDate(s string) (string, bool) {
	for _, layout := range []string{"2006-01-02", time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}
