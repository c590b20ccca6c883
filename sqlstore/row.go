package sqlstore

import (
	"strconv"
	"time"

	"github.com/scimkit/scim"
	ifold "github.com/scimkit/scim/internal/fold"
)

// fold maps s to the matcher's case-folding key (internal/fold.Key), so
// that comparing folded strings bytewise gives the matcher's
// case-insensitive eq, sw, ew, co and order.
func fold(s string) string { return ifold.Key(s) }

// timeLayout is fixed-width UTC with nanoseconds, so stored times order
// as strings exactly as time.Time.Compare orders them (years 0-9999).
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// nullTime is NULL for the zero time, which the matcher treats as absent.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

// multiAttrs are the multi-valued attributes whose elements are
// scim.MultiValue; their elements are rows of user_values.
var multiAttrs = []struct {
	name string
	get  func(*scim.User) []scim.MultiValue
}{
	{"emails", func(u *scim.User) []scim.MultiValue { return u.Emails }},
	{"phoneNumbers", func(u *scim.User) []scim.MultiValue { return u.PhoneNumbers }},
	{"ims", func(u *scim.User) []scim.MultiValue { return u.IMs }},
	{"photos", func(u *scim.User) []scim.MultiValue { return u.Photos }},
	{"entitlements", func(u *scim.User) []scim.MultiValue { return u.Entitlements }},
	{"roles", func(u *scim.User) []scim.MultiValue { return u.Roles }},
	{"x509Certificates", func(u *scim.User) []scim.MultiValue { return u.X509Certificates }},
}

func isMultiAttr(a *scim.Attribute) bool {
	if a == nil || a.Schema != scim.SchemaUser || a.Parent() != nil {
		return false
	}
	for _, m := range multiAttrs {
		if m.name == a.Name {
			return true
		}
	}
	return false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// customNum is a custom value as the matcher reads numbers, or NULL.
func customNum(v string) any {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return nil
	}
	return f
}

// userColumns are the typed columns of users, in insert order, after
// company and id.
const userColumns = `user_name_f, external_id, display_name_f, given_name_f, family_name_f, formatted_f, title_f, employee_number_f, department_f, manager_id, nick_name_f, user_type_f, preferred_language_f, locale_f, timezone_f, profile_url_f, middle_name_f, honorific_prefix_f, honorific_suffix_f, cost_center_f, organization_f, division_f, manager_ref_f, manager_name_f, resource_type, location, active, created, last_modified, version, doc`

func userValues(u *scim.User, doc []byte, pg bool) []any {
	var ext any
	if u.ExternalID != "" {
		ext = u.ExternalID
	}
	var d any = string(doc) // pgx encodes text into jsonb
	// PostgreSQL stores an absent manager as NULL (see its migration
	// 0002); SQLite plans without the values and keeps ''.
	var manager any = u.Enterprise.Manager.Value
	if pg && u.Enterprise.Manager.Value == "" {
		manager = nil
	}
	return []any{fold(u.UserName), ext, fold(u.DisplayName), fold(u.Name.GivenName), fold(u.Name.FamilyName),
		fold(u.Name.Formatted), fold(u.Title), fold(u.Enterprise.EmployeeNumber), fold(u.Enterprise.Department),
		manager,
		fold(u.NickName), fold(u.UserType), fold(u.PreferredLanguage), fold(u.Locale), fold(u.Timezone), fold(u.ProfileURL),
		fold(u.Name.MiddleName), fold(u.Name.HonorificPrefix), fold(u.Name.HonorificSuffix),
		fold(u.Enterprise.CostCenter), fold(u.Enterprise.Organization), fold(u.Enterprise.Division),
		fold(u.Enterprise.Manager.Ref), fold(u.Enterprise.Manager.DisplayName),
		u.Meta.ResourceType, u.Meta.Location,
		boolInt(u.Active), nullTime(u.Meta.Created), nullTime(u.Meta.LastModified),
		u.Meta.Version, d}
}
