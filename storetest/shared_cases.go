package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim"
)

// runSharedFilterCases runs the shared filter and sort tables
// (filtercases.go) on st, in a tenant of their own, and checks every
// answer against the table and against the memory store.
func runSharedFilterCases(t *testing.T, st scim.Store) {
	const tenant = "fixture"
	ctx := context.Background()
	m := FixtureModel()
	users := FixtureUsers()
	mem := scim.NewMemoryStore()
	for _, u := range users {
		if err := st.CreateUser(ctx, tenant, u.Clone()); err != nil {
			t.Fatalf("CreateUser(%s): %v", u.ID, err)
		}
		if err := mem.CreateUser(ctx, tenant, u.Clone()); err != nil {
			t.Fatal(err)
		}
	}
	run := func(s scim.Store, filter, sortBy, order string) ([]string, int, error) {
		q, err := m.NewQuery(filter, sortBy, order, 1, 1000)
		if err != nil {
			return nil, 0, err
		}
		p, err := s.ListUsers(ctx, tenant, q)
		if err != nil {
			return nil, 0, err
		}
		return userIDs(p.Users), p.Total, nil
	}
	for _, c := range FilterCases {
		got, total, err := run(st, c.Filter, "", "")
		if c.WantErr != "" {
			var se *scim.Error
			if !errors.As(err, &se) || se.SCIMType != c.WantErr {
				t.Errorf("shared filter %q: error %v, want scimType %s", c.Filter, err, c.WantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("shared filter %q: %v", c.Filter, err)
			continue
		}
		// Without sortBy the order is the store's own: compare sets.
		memIDs, _, _ := run(mem, c.Filter, "", "")
		slices.Sort(memIDs)
		if d := cmp.Diff(memIDs, slices.Sorted(slices.Values(got)), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("shared filter %q: differs from the memory store (-memory +store):\n%s", c.Filter, d)
		}
		want := slices.Clone(c.Want)
		slices.Sort(want)
		sorted := slices.Clone(got)
		slices.Sort(sorted)
		if d := cmp.Diff(want, sorted, cmpopts.EquateEmpty()); d != "" || total != len(want) {
			t.Errorf("shared filter %q: total %d (-want +got):\n%s", c.Filter, total, d)
		}
	}
	for _, c := range SortCases {
		got, _, err := run(st, c.Filter, c.SortBy, c.SortOrder)
		if err != nil {
			t.Errorf("shared sort %q by %s %s: %v", c.Filter, c.SortBy, c.SortOrder, err)
			continue
		}
		if d := cmp.Diff(c.Want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("shared sort %q by %s %s (-want +got):\n%s", c.Filter, c.SortBy, c.SortOrder, d)
		}
	}
}
