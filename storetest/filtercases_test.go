package storetest

import (
	"strings"
	"testing"
)

// The table must be usable by any store: ids that exist, no duplicate
// filters, fixture users a store can create side by side.
func TestTableIsConsistent(t *testing.T) {
	users := FixtureUsers()
	known := map[string]bool{}
	userNames := map[string]string{}
	externalIDs := map[string]string{}
	for _, u := range users {
		if known[u.ID] {
			t.Errorf("duplicate id %s", u.ID)
		}
		known[u.ID] = true
		if u.UserName == "" || u.Meta.Version == "" || u.Meta.Created.IsZero() || u.Meta.LastModified.Before(u.Meta.Created) {
			t.Errorf("%s: incomplete user", u.ID)
		}
		if other, ok := userNames[strings.ToLower(u.UserName)]; ok {
			t.Errorf("%s and %s share a userName ignoring case", u.ID, other)
		}
		userNames[strings.ToLower(u.UserName)] = u.ID
		if u.ExternalID != "" {
			if other, ok := externalIDs[u.ExternalID]; ok {
				t.Errorf("%s and %s share an externalId", u.ID, other)
			}
			externalIDs[u.ExternalID] = u.ID
		}
	}
	if len(users) < 30 {
		t.Errorf("%d fixture users, want at least 30", len(users))
	}
	m := FixtureModel()
	for _, u := range users {
		for name := range u.Custom {
			if a := m.CustomAttribute(name); a == nil || a.Name != name {
				t.Errorf("%s: custom attribute %q is not a display name of the model", u.ID, name)
			}
		}
	}
	seen := map[string]bool{}
	check := func(kind, filter string, want []string) {
		if seen[kind+filter] {
			t.Errorf("duplicate %s case %q", kind, filter)
		}
		seen[kind+filter] = true
		ids := map[string]bool{}
		for _, id := range want {
			if !known[id] || ids[id] {
				t.Errorf("%s case %q: unknown or repeated id %s", kind, filter, id)
			}
			ids[id] = true
		}
	}
	for _, c := range FilterCases {
		if c.WantErr != "" && c.Want != nil {
			t.Errorf("%q has both Want and WantErr", c.Filter)
		}
		check("filter", c.Filter, c.Want)
	}
	for _, c := range SortCases {
		check("sort", c.Filter+"|"+c.SortBy+"|"+c.SortOrder, c.Want)
	}
}

// FixtureUsers returns fresh users: a store may keep what it is given.
func TestFixtureUsersAreFresh(t *testing.T) {
	a, b := FixtureUsers(), FixtureUsers()
	a[0].Emails[0].Value = "changed"
	a[0].Custom["Department"] = "changed"
	if b[0].Emails[0].Value == "changed" || b[0].Custom["Department"] == "changed" {
		t.Error("FixtureUsers shares state between calls")
	}
}
