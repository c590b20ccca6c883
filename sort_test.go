package scim_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	scim "github.com/scimkit/scim"
	"github.com/scimkit/scim/storetest"
)

func TestSortByErrors(t *testing.T) {
	m := storetest.FixtureModel()
	for _, sortBy := range []string{"nonexistent", "name", "password", "name.bogus", "emails[type eq \"work\"].value", "urn:x:y", storetest.PeakonURN + "Bogus"} {
		_, err := m.NewQuery("", sortBy, "", 1, 10)
		var e *scim.Error
		if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.SCIMType != scim.SCIMTypeInvalidValue {
			t.Errorf("sortBy=%q: %v, want 400 invalidValue", sortBy, err)
		}
	}
	if _, err := m.NewQuery("", "userName", "sideways", 1, 10); err == nil {
		t.Error("sortOrder=sideways accepted")
	}
}

// Query.Compare is a total order consistent with the table: sorting the
// fixture with it directly gives what the store gives.
func TestQueryCompare(t *testing.T) {
	m := storetest.FixtureModel()
	for _, c := range storetest.SortCases {
		q, err := m.NewQuery(c.Filter, c.SortBy, c.SortOrder, 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		users := slices.DeleteFunc(storetest.FixtureUsers(), func(u *scim.User) bool { return !q.Matches(u) })
		slices.SortFunc(users, q.Compare)
		for _, u := range users {
			got = append(got, u.ID)
		}
		if diff := cmp.Diff(c.Want, got); diff != "" {
			t.Errorf("sortBy=%s %s filter=%s (-want +got):\n%s", c.SortBy, c.SortOrder, c.Filter, diff)
		}
		for _, a := range users {
			if q.Compare(a, a) != 0 {
				t.Errorf("Compare(%s, %s) != 0", a.ID, a.ID)
			}
			for _, b := range users {
				if a != b && q.Compare(a, b) != -q.Compare(b, a) {
					t.Errorf("sortBy=%s: Compare(%s, %s) is not antisymmetric", c.SortBy, a.ID, b.ID)
				}
			}
		}
	}
}

func TestSortByComplexMeansValue(t *testing.T) {
	m := storetest.FixtureModel()
	q, err := m.NewQuery("", storetest.EnterpriseURN+"manager", "", 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if q.SortBy == nil || q.SortBy.Attr == nil || q.SortBy.Attr.Name != "manager" {
		t.Fatalf("SortBy = %+v, want the resolved manager attribute", q.SortBy)
	}
	users := storetest.FixtureUsers()
	a, b := users[2], users[0] // managers u02 and u05
	if q.Compare(a, b) >= 0 {
		t.Errorf("manager u02 does not sort before manager u05")
	}
}

func TestSortByDisplayNameWithSpaces(t *testing.T) {
	m := storetest.FixtureModel()
	byName := mustQuery(t, m, "", storetest.PeakonURN+"employed since", "", 1, 100)
	byAlias := mustQuery(t, m, "", storetest.PeakonURN+"Employed_Since", "", 1, 100)
	if byName.SortBy.Attr != byAlias.SortBy.Attr || byName.SortBy.Attr.Name != "Employed Since" {
		t.Fatalf("sortBy display name resolved to %v, alias to %v", byName.SortBy.Attr, byAlias.SortBy.Attr)
	}
	users := storetest.FixtureUsers()
	for _, a := range users {
		for _, b := range users {
			if byName.Compare(a, b) != byAlias.Compare(a, b) {
				t.Fatalf("display name and alias order %s and %s differently", a.ID, b.ID)
			}
		}
	}
}

// TestSortByUnqualifiedExtension: sortBy resolves names as filters do.
func TestSortByUnqualifiedExtension(t *testing.T) {
	m := storetest.FixtureModel()
	for unqualified, qualified := range map[string]string{
		"employeeNumber": storetest.EnterpriseURN + "employeeNumber",
		"Department":     storetest.EnterpriseURN + "department", // the enterprise one, not the custom one
		"manager":        storetest.EnterpriseURN + "manager",
		"Employed Since": storetest.PeakonURN + "Employed Since",
		"salary":         storetest.PeakonURN + "Salary",
	} {
		q, err := m.NewQuery("", unqualified, "", 1, 100)
		if err != nil {
			t.Errorf("sortBy=%s: %v", unqualified, err)
			continue
		}
		want := mustQuery(t, m, "", qualified, "", 1, 100)
		if q.SortBy.Attr != want.SortBy.Attr {
			t.Errorf("sortBy=%s resolved to %s, want %s", unqualified, q.SortBy.Attr.Path(), want.SortBy.Attr.Path())
		}
	}
}
