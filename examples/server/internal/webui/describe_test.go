package webui

import (
	"testing"

	"github.com/scimkit/scim"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	jane := &scim.User{UserName: "jane@example.com", Active: true,
		Enterprise: scim.EnterpriseUser{Department: "Sales"}, Custom: map[string]string{"Team": "Blue"}}
	with := func(f func(u *scim.User)) *scim.User {
		u := jane.Clone()
		f(u)
		return u
	}
	for _, tc := range []struct {
		name string
		e    scim.Event
		want string
	}{
		{"created", scim.Event{Type: scim.EventCreated, After: jane}, "created jane@example.com"},
		{"deleted", scim.Event{Type: scim.EventDeleted, Before: jane}, "deleted jane@example.com"},
		{"deactivated", scim.Event{Type: scim.EventDeactivated, Before: jane, After: with(func(u *scim.User) { u.Active = false })},
			"deactivated jane@example.com"},
		{"reactivated and moved", scim.Event{Type: scim.EventReactivated, Before: with(func(u *scim.User) { u.Active = false }),
			After: with(func(u *scim.User) { u.Enterprise.Department = "Marketing" })},
			"reactivated jane@example.com; department: Sales → Marketing"},
		{"department", scim.Event{Type: scim.EventUpdated, Before: jane, After: with(func(u *scim.User) { u.Enterprise.Department = "Marketing" })},
			"jane@example.com: department: Sales → Marketing"},
		{"custom set, changed and cleared", scim.Event{Type: scim.EventUpdated, Before: jane, After: with(func(u *scim.User) {
			u.Custom = map[string]string{"Level": "3"}
			u.Title = "Engineer"
		})}, "jane@example.com: title: (none) → Engineer, Level: (none) → 3, Team: Blue → (none)"},
		{"renamed", scim.Event{Type: scim.EventUpdated, Before: jane, After: with(func(u *scim.User) { u.UserName = "jane.doe@example.com" })},
			"jane.doe@example.com: userName: jane@example.com → jane.doe@example.com"},
		{"nothing visible", scim.Event{Type: scim.EventUpdated, Before: jane, After: with(func(u *scim.User) { u.NickName = "J" })},
			"updated jane@example.com"},
	} {
		if got := Describe(tc.e); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
