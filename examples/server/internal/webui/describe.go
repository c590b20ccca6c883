package webui

import (
	"maps"
	"slices"
	"strings"

	"github.com/scimkit/scim"
)

// Describe says in words what a change did to a user: "created
// jane@example.com", "deactivated jane@example.com", "jane@example.com:
// department: Sales → Marketing".
func Describe(e scim.Event) string {
	switch e.Type {
	case scim.EventCreated:
		return "created " + e.After.UserName
	case scim.EventDeleted:
		return "deleted " + e.Before.UserName
	}
	diffs := strings.Join(Diff(e.Before, e.After), ", ")
	switch e.Type {
	case scim.EventDeactivated, scim.EventReactivated:
		s := string(e.Type) + " " + e.After.UserName
		if diffs != "" {
			s += "; " + diffs
		}
		return s
	}
	if diffs == "" {
		return "updated " + e.After.UserName
	}
	return e.After.UserName + ": " + diffs
}

// field is an attribute Diff compares, by its SCIM name.
type field struct {
	name string
	get  func(u *scim.User) string
}

var fields = []field{
	{"userName", func(u *scim.User) string { return u.UserName }},
	{"externalId", func(u *scim.User) string { return u.ExternalID }},
	{"name.givenName", func(u *scim.User) string { return u.Name.GivenName }},
	{"name.familyName", func(u *scim.User) string { return u.Name.FamilyName }},
	{"displayName", func(u *scim.User) string { return u.DisplayName }},
	{"email", func(u *scim.User) string { return u.PrimaryEmail() }},
	{"title", func(u *scim.User) string { return u.Title }},
	{"locale", func(u *scim.User) string { return u.Locale }},
	{"timezone", func(u *scim.User) string { return u.Timezone }},
	{"preferredLanguage", func(u *scim.User) string { return u.PreferredLanguage }},
	{"employeeNumber", func(u *scim.User) string { return u.Enterprise.EmployeeNumber }},
	{"department", func(u *scim.User) string { return u.Enterprise.Department }},
	{"division", func(u *scim.User) string { return u.Enterprise.Division }},
	{"costCenter", func(u *scim.User) string { return u.Enterprise.CostCenter }},
	{"organization", func(u *scim.User) string { return u.Enterprise.Organization }},
	{"manager", func(u *scim.User) string { return u.Enterprise.Manager.Value }},
}

// Diff lists the attributes that differ between two versions of a user,
// as "name: before → after", custom attributes by their display name;
// active is left to the event's type.
func Diff(before, after *scim.User) []string {
	var out []string
	add := func(name, a, b string) {
		if a != b {
			out = append(out, name+": "+orNone(a)+" → "+orNone(b))
		}
	}
	for _, f := range fields {
		add(f.name, f.get(before), f.get(after))
	}
	keys := slices.Collect(maps.Keys(before.Custom))
	for k := range after.Custom {
		if _, ok := before.Custom[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		add(k, before.Custom[k], after.Custom[k])
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
