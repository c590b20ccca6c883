package scim_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	scim "github.com/scimkit/scim"
	"github.com/scimkit/scim/storetest"
)

const tenant = "acme"

func fixtureStore(t testing.TB) *scim.MemoryStore {
	t.Helper()
	s := scim.NewMemoryStore()
	for _, u := range storetest.FixtureUsers() {
		if err := s.CreateUser(context.Background(), tenant, u); err != nil {
			t.Fatalf("CreateUser(%s): %v", u.ID, err)
		}
	}
	// Another tenant's users must never show up.
	for _, u := range storetest.FixtureUsers()[:3] {
		if err := s.CreateUser(context.Background(), "other", u); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func listIDs(t *testing.T, s scim.Store, q *scim.Query) ([]string, int) {
	t.Helper()
	page, err := s.ListUsers(context.Background(), tenant, q)
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	got := []string{}
	for _, u := range page.Users {
		got = append(got, u.ID)
	}
	return got, page.Total
}

func TestMemoryStoreFilterCases(t *testing.T) {
	m := storetest.FixtureModel()
	s := fixtureStore(t)
	users := storetest.FixtureUsers()
	matching := 0
	for _, c := range storetest.FilterCases {
		t.Run(c.Filter, func(t *testing.T) {
			q, err := m.NewQuery(c.Filter, "", "", 1, 1000)
			if c.WantErr != "" {
				var e *scim.Error
				if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.SCIMType != c.WantErr {
					t.Fatalf("NewQuery(%q) = %v, want a 400 %s error", c.Filter, err, c.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewQuery(%q): %v", c.Filter, err)
			}
			matching++
			want := slices.Sorted(slices.Values(c.Want))
			got, total := listIDs(t, s, q)
			slices.Sort(got)
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ListUsers(%q) ids (-want +got):\n%s", c.Filter, diff)
			}
			if total != len(want) {
				t.Errorf("ListUsers(%q).Total = %d, want %d", c.Filter, total, len(want))
			}
			// The matcher alone must agree with the store, which answers
			// some filters from its indexes.
			var scanned []string
			for _, u := range users {
				if q.Matches(u) {
					scanned = append(scanned, u.ID)
				}
			}
			if diff := cmp.Diff(want, scanned, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Query.Matches(%q) ids (-want +got):\n%s", c.Filter, diff)
			}
		})
	}
	if matching < 150 {
		t.Errorf("only %d matching filter cases; the table promises at least 150", matching)
	}
}

func TestMemoryStoreSortCases(t *testing.T) {
	m := storetest.FixtureModel()
	s := fixtureStore(t)
	for _, c := range storetest.SortCases {
		t.Run(c.SortBy+" "+c.SortOrder+" "+c.Filter, func(t *testing.T) {
			q, err := m.NewQuery(c.Filter, c.SortBy, c.SortOrder, 1, 1000)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := listIDs(t, s, q)
			if diff := cmp.Diff(c.Want, got); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			// Paging two at a time gives the same order.
			var paged []string
			for start := 1; start <= len(c.Want); start += 2 {
				q, err := m.NewQuery(c.Filter, c.SortBy, c.SortOrder, start, 2)
				if err != nil {
					t.Fatal(err)
				}
				ids, total := listIDs(t, s, q)
				if total != len(c.Want) {
					t.Fatalf("page at %d: Total = %d, want %d", start, total, len(c.Want))
				}
				paged = append(paged, ids...)
			}
			if diff := cmp.Diff(c.Want, paged); diff != "" {
				t.Errorf("paged order (-want +got):\n%s", diff)
			}
		})
	}
}
