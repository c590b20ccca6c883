package scim_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	scim "github.com/scimkit/scim"
	"github.com/scimkit/scim/storetest"
)

func mustQuery(t testing.TB, m *scim.Model, filter, sortBy, order string, start, count int) *scim.Query {
	t.Helper()
	q, err := m.NewQuery(filter, sortBy, order, start, count)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// The indexes must follow renames and deletions, and find what the matcher
// matches: userName folding as strings.EqualFold does.
func TestMemoryStoreIndexes(t *testing.T) {
	ctx := context.Background()
	m := scim.NewModel(nil)
	s := scim.NewMemoryStore()
	if err := s.CreateUser(ctx, tenant, &scim.User{ID: "1", UserName: "ſam", ExternalID: "e1", Meta: scim.Meta{Version: "1"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, tenant, &scim.User{ID: "2", UserName: "SAM"}); !errors.Is(err, scim.ErrConflict) {
		t.Errorf("creating SAM next to ſam: %v, want ErrConflict", err)
	}
	ids := func(filter string) []string {
		got, _ := listIDs(t, s, mustQuery(t, m, filter, "", "", 1, 10))
		return got
	}
	for _, f := range []string{`userName eq "sam"`, `userName eq "SAM" and id eq "1"`, `externalId eq "e1"`, `id eq "1"`, `id eq 1`} {
		if diff := cmp.Diff([]string{"1"}, ids(f)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", f, diff)
		}
	}
	if err := s.UpdateUser(ctx, tenant, &scim.User{ID: "1", UserName: "samuel", ExternalID: "e2", Meta: scim.Meta{Version: "2"}}, "1"); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string][]string{
		`userName eq "sam"`: {}, `userName eq "Samuel"`: {"1"}, `externalId eq "e1"`: {}, `externalId eq "e2"`: {"1"},
	} {
		if diff := cmp.Diff(want, ids(f)); diff != "" {
			t.Errorf("after rename, %s (-want +got):\n%s", f, diff)
		}
	}
	if err := s.DeleteUser(ctx, tenant, "1", ""); err != nil {
		t.Fatal(err)
	}
	if got := ids(`userName eq "samuel" or userName pr`); len(got) != 0 {
		t.Errorf("after delete: %v", got)
	}
}

func TestMemoryStorePaging(t *testing.T) {
	m := storetest.FixtureModel()
	s := fixtureStore(t)
	for _, sortBy := range []string{"", "userName"} {
		got, total := listIDs(t, s, mustQuery(t, m, `active eq true`, sortBy, "", 1, 0))
		if len(got) != 0 || total != 27 {
			t.Errorf("sortBy=%q count=0: %v users, total %d; want none and 27", sortBy, got, total)
		}
		got, total = listIDs(t, s, mustQuery(t, m, `active eq true`, sortBy, "", 26, 5))
		if len(got) != 2 || total != 27 {
			t.Errorf("sortBy=%q startIndex=26: %v, total %d; want 2 users of 27", sortBy, got, total)
		}
		got, total = listIDs(t, s, mustQuery(t, m, `active eq true`, sortBy, "", 100, 5))
		if len(got) != 0 || total != 27 {
			t.Errorf("sortBy=%q startIndex=100: %v, total %d", sortBy, got, total)
		}
	}
	// Another tenant sees only its own three users; an unknown tenant none.
	page, err := s.ListUsers(context.Background(), "other", mustQuery(t, m, "", "", "", 1, 100))
	if err != nil || page.Total != 3 {
		t.Errorf("other tenant: %v, %v", page, err)
	}
	page, err = s.ListUsers(context.Background(), "nobody", mustQuery(t, m, "", "", "", 1, 100))
	if err != nil || page.Total != 0 || page.Users == nil {
		t.Errorf("unknown tenant: %+v, %v; want an empty page", page, err)
	}
}

func TestMemoryStoreTooMany(t *testing.T) {
	m := storetest.FixtureModel()
	s := fixtureStore(t)
	s.MaxResults = 10
	for _, sortBy := range []string{"", "name.familyName"} {
		if _, err := s.ListUsers(context.Background(), tenant, mustQuery(t, m, `active eq true`, sortBy, "", 1, 5)); !errors.Is(err, scim.ErrTooMany) {
			t.Errorf("sortBy=%q: 27 matches over MaxResults 10: %v, want ErrTooMany", sortBy, err)
		}
		if _, total := listIDs(t, s, mustQuery(t, m, `active eq false`, sortBy, "", 1, 5)); total != 5 {
			t.Errorf("sortBy=%q: total %d, want 5", sortBy, total)
		}
	}
}

// manyUsers returns a store with n users in tenant, named so that sorting
// by name.familyName differs from creation order.
func manyUsers(tb testing.TB, n int) *scim.MemoryStore {
	tb.Helper()
	s := scim.NewMemoryStore()
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		u := &scim.User{
			ID:         fmt.Sprintf("%08d", i),
			UserName:   fmt.Sprintf("user%d@example.com", i),
			ExternalID: fmt.Sprintf("ext-%d", i),
			Name:       scim.Name{GivenName: "Given", FamilyName: fmt.Sprintf("%c%07d", 'A'+rune(i*7919%26), i*104729%1000003)},
			Active:     i%3 != 0,
			Emails:     []scim.MultiValue{{Value: fmt.Sprintf("user%d@example.com", i), Type: "work", Primary: true}},
			Custom:     map[string]string{"Department": "Engineering", "Salary": fmt.Sprint(30000 + i%100000)},
			Meta:       scim.Meta{Created: base.Add(time.Duration(i) * time.Minute), LastModified: base, Version: `W/"1"`},
		}
		if err := s.CreateUser(context.Background(), tenant, u); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

// A sorted page keeps a bounded heap of startIndex+count users: the work
// it allocates for does not grow with the number of matches.
func TestMemoryStoreSortedPageIsBounded(t *testing.T) {
	m := storetest.FixtureModel()
	allocs := func(n int) float64 {
		s := manyUsers(t, n)
		q := mustQuery(t, m, `name.familyName sw "A" or active eq true`, "name.familyName", "", 1, 5)
		return testing.AllocsPerRun(5, func() {
			if _, err := s.ListUsers(context.Background(), tenant, q); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(200), allocs(4000)
	if large != small {
		t.Errorf("a sorted page of 5 allocates %v times over 200 users and %v over 4000; want the same", small, large)
	}
}
