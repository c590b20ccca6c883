package scim

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
	if diff := cmp.Diff(&Group{DisplayName: "N", ExternalID: "e", Members: []Member{{Value: "u1", Type: "User"}}}, g); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
}

// TestMatchGroupsSetQueries pins issue 23 item 6: the member tests of a
// filter, however many and under or or not, are answered by one
// memberships call per page of 500 candidates; past MaxGroupMemberTests
// tests the query is refused before any.
func TestMatchGroupsSetQueries(t *testing.T) {
	var terms []string
	for i := range 190 {
		terms = append(terms, fmt.Sprintf(`members eq "u%03d"`, i))
	}
	filter := strings.Join(terms, " or ") + ` or not (displayName sw "g")`
	q, err := NewGroupQuery(filter, "", "", 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(q.MemberTests()); n != 190 {
		t.Fatalf("MemberTests: %d, want 190", n)
	}
	var groups []*Group
	for i := range 1200 {
		groups = append(groups, &Group{ID: fmt.Sprintf("g%04d", i), DisplayName: "g"})
	}
	calls := 0
	got, err := q.MatchGroups(groups, func(ids, values []string) ([][2]string, error) {
		calls++
		if len(ids) > 500 || len(values) != 190 {
			t.Errorf("a page of %d groups and %d values", len(ids), len(values))
		}
		var out [][2]string
		for _, id := range ids {
			if id[len(id)-1] == '7' { // g...7 holds u007
				out = append(out, [2]string{id, "u007"})
			}
		}
		return out, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 3 || len(got) != 120 {
		t.Errorf("%d memberships calls (want 3, one per 500 candidates), %d matches (want 120)", calls, len(got))
	}
	many := make([]*Group, MaxGroupMemberTests/190+1)
	calls = 0
	_, err = q.MatchGroups(many, func(ids, values []string) ([][2]string, error) { calls++; return nil, nil })
	if e, ok := err.(*Error); !ok || e.Status != 400 || e.SCIMType != SCIMTypeInvalidFilter || calls != 0 {
		t.Errorf("190 tests × %d groups: %v after %d calls; want 400 invalidFilter before any", len(many), err, calls)
	}
}
