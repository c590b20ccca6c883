package scim

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

// TestGroupsOnTheModel pins that a group's plain attributes are read
// through groupSchema: every non-member leaf the schema describes filters
// and sorts, with the model's semantics (caseExact, dates as instants,
// absent values last), and the names come from the schema, URN or not.
func TestGroupsOnTheModel(t *testing.T) {
	var names []string
	for n := range groupSorts {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{"displayName", "externalId", "id", "meta.created", "meta.lastModified", "meta.resourceType", "meta.version"}
	if !slices.Equal(names, want) {
		t.Errorf("sortable group attributes from groupSchema: %v, want %v", names, want)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := &Group{ID: "a", DisplayName: "Sales", ExternalID: "x", Meta: Meta{Created: t0, Version: `W/"1"`}}
	b := &Group{ID: "b", DisplayName: "sales team", Meta: Meta{Created: t0.Add(time.Hour), Version: `W/"2"`}}
	none := func(string) bool { return false }
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{`displayName eq "SALES"`, []string{"a"}},
		{`urn:ietf:params:scim:schemas:core:2.0:Group:displayName sw "sales"`, []string{"a", "b"}},
		{`id eq "A"`, nil}, // caseExact
		{`meta.created gt "2026-01-02T03:30:00Z"`, []string{"b"}},
		{`meta.version eq "W/\"2\""`, []string{"b"}},
		{`externalId pr`, []string{"a"}},
		{`not (externalId pr) and displayName co "TEAM"`, []string{"b"}},
	} {
		q, err := NewGroupQuery(c.filter, "", "", 1, 10)
		if err != nil {
			t.Errorf("%s: %v", c.filter, err)
			continue
		}
		var got []string
		for _, g := range []*Group{a, b} {
			if q.Matches(g, none) {
				got = append(got, g.ID)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.filter, got, c.want)
		}
	}
	for _, bad := range []string{`meta eq "x"`, `meta.location pr`, `members.display eq "x"`, `name eq "x"`} {
		if _, err := NewGroupQuery(bad, "", "", 1, 10); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	q, err := NewGroupQuery("", "urn:ietf:params:scim:schemas:core:2.0:Group:externalId", "DESCENDING", 1, 10)
	if err != nil || q.SortBy != "externalId" || !q.Descending {
		t.Fatalf("sortBy with URN: %+v, %v", q, err)
	}
	q.Descending = false
	if q.Compare(b, a) <= 0 {
		t.Error("a group without externalId sorts before one with it: absent values sort last")
	}
	// decode reads the schema: read-only attributes are the server's.
	g, _, err := decodeGroup([]byte(`{"id":"mine","DISPLAYNAME":"N","externalId":"e","meta":{"version":"v"},"members":[{"VALUE":"u1","$ref":"x","Type":"User"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := (&Group{DisplayName: "N", ExternalID: "e", Members: []Member{{Value: "u1", Type: "User"}}}); !reflect.DeepEqual(g, want) {
		t.Errorf("decoded %+v, want %+v", g, want)
	}
}
