// Package storetest is a conformance suite for scim.Store implementations.
// A store's tests call Run with a constructor of empty stores; the suite
// checks CRUD, uniqueness with case folding (userName; externalId is
// shared), compare-and-swap of updates and deletes under
// concurrency, filters and sorting (the shared FilterCases and SortCases
// tables and the suite's own SQL-minded table, each answer also compared
// with the memory store's: in order when sorted, as a set without sortBy,
// where the order is each store's own), paging (the pages of one query add
// up to its whole result), cursor paging (scim.Query.Cursor: a walk lists
// what one page lists, unreadable positions are scim.ErrInvalidPosition, a
// walk under concurrent creates and deletes sees each user present
// throughout exactly once, and over HTTP bad, foreign-company, other-query
// and expired cursors are refused), tenant isolation, bulk requests through
// a scim.Handler over the store (in one transaction where the store is a
// scim.Batcher), and, when the store implements them, scim.HistoryStore,
// scim.ChangeFeed, scim.CompanyStore, scim.CompanyChangeStore (every change
// of a company or its tokens listed after the generation before it) and
// scim.GroupStore (membership, the cascade of a user's deletion, tenancy,
// cursor paging of groups as of users, and Okta's and Entra's group flows
// over HTTP) and scim.KeyStore (one key a name, made once however many ask
// together).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim"
)

// Run runs the suite. newStore returns a new, empty store for each
// subtest (subtests may run in parallel); the suite does not close it, so
// register cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) scim.Store) {
	t.Run("CRUD", func(t *testing.T) { testCRUD(t, newStore(t)) })
	t.Run("Uniqueness", func(t *testing.T) { testUniqueness(t, newStore(t)) })
	t.Run("CAS", func(t *testing.T) { testCAS(t, newStore(t)) })
	t.Run("ConditionalDelete", func(t *testing.T) { testConditionalDelete(t, newStore(t)) })
	t.Run("Filters", func(t *testing.T) { testFilters(t, newStore(t)) })
	t.Run("Sorting", func(t *testing.T) { testSorting(t, newStore(t)) })
	t.Run("Paging", func(t *testing.T) { testPaging(t, newStore(t)) })
	t.Run("PageBounds", func(t *testing.T) { testPageBounds(t, newStore(t)) })
	t.Run("Cursor", func(t *testing.T) { testCursor(t, newStore(t)) })
	t.Run("Tenants", func(t *testing.T) { testTenants(t, newStore(t)) })
	t.Run("Bulk", func(t *testing.T) { testBulk(t, newStore) })
	t.Run("History", func(t *testing.T) { testHistory(t, implemented[scim.HistoryStore](t, newStore(t))) })
	t.Run("ChangeFeed", func(t *testing.T) {
		implemented[scim.ChangeFeed](t, newStore(t))
		testChangeFeed(t, newStore)
	})
	t.Run("Companies", func(t *testing.T) { testCompanies(t, implemented[scim.CompanyStore](t, newStore(t))) })
	t.Run("CompanyChanges", func(t *testing.T) {
		testCompanyChanges(t, implemented[scim.CompanyChangeStore](t, newStore(t)))
	})
	t.Run("CompanyLifecycle", func(t *testing.T) { testCompanyLifecycle(t, newStore(t)) })
	t.Run("Erasure", func(t *testing.T) { testErasure(t, newStore(t)) })
	t.Run("Groups", func(t *testing.T) { testGroups(t, newStore) })
	t.Run("GroupFlows", func(t *testing.T) { groupFlows(t, newStore) })
	t.Run("SharedKeys", func(t *testing.T) { testSharedKeys(t, implemented[scim.KeyStore](t, newStore(t))) })
}

// userDiff compares users, treating nil and empty slices and maps alike
// and times by instant.
var userOpts = cmp.Options{cmpopts.EquateEmpty()}

const tenant = "acme"

// implemented returns st as a T, or skips the test when the store does
// not implement T.
func implemented[T any](t *testing.T, st scim.Store) T {
	t.Helper()
	x, ok := st.(T)
	if !ok {
		t.Skipf("the store does not implement %v", reflect.TypeFor[T]())
	}
	return x
}

// race calls f(0) to f(n-1) at once and returns their errors.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f(i) })
	}
	wg.Wait()
	return errs
}

// soleWinner returns the index of the one racer of a round whose error is
// nil, and fails the test when none or several won, or when a loser's
// error is none of losing.
func soleWinner(t *testing.T, round int, racer string, errs []error, losing ...error) int {
	t.Helper()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("round %d: %ss %d and %d both won", round, racer, won, i)
		case err == nil:
			won = i
		case !slices.ContainsFunc(losing, func(l error) bool { return errors.Is(err, l) }):
			t.Fatalf("round %d: %s %d: %v, want one of %v", round, racer, i, err, losing)
		}
	}
	if won < 0 {
		t.Fatalf("round %d: no %s won", round, racer)
	}
	return won
}

func load(t *testing.T, st scim.Store, tenant string, users []*scim.User) {
	t.Helper()
	for _, u := range users {
		if err := st.CreateUser(context.Background(), tenant, u.Clone()); err != nil {
			t.Fatalf("CreateUser(%s): %v", u.ID, err)
		}
	}
}

func userIDs(users []*scim.User) []string {
	out := []string{}
	for _, u := range users {
		out = append(out, u.ID)
	}
	return out
}

func list(t *testing.T, st scim.Store, m *scim.Model, tenant, filter, sortBy, order string, start, count int) (*scim.Page, error) {
	t.Helper()
	q, err := m.NewQuery(filter, sortBy, order, start, count)
	if err != nil {
		return nil, err
	}
	return st.ListUsers(context.Background(), tenant, q)
}

func testCRUD(t *testing.T, st scim.Store) {
	ctx := context.Background()
	users := sqlUsers()
	load(t, st, tenant, users)
	for _, want := range users {
		got, err := st.GetUser(ctx, tenant, want.ID)
		if err != nil {
			t.Fatalf("GetUser(%s): %v", want.ID, err)
		}
		if d := cmp.Diff(want, got, userOpts); d != "" {
			t.Errorf("GetUser(%s) after create (-want +got):\n%s", want.ID, d)
		}
	}
	if _, err := st.GetUser(ctx, tenant, "010101001010101011001010101011"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetUser(unknown) = %v, want ErrNotFound", err)
	}
	// The store keeps its own copy.
	got, _ := st.GetUser(ctx, tenant, "u01")
	got.Emails[0].Value = "changed"
	again, _ := st.GetUser(ctx, tenant, "u01")
	if again.Emails[0].Value != "alice@example.com" {
		t.Errorf("a returned user aliases the store's")
	}

	u := users[0].Clone()
	u.Name.GivenName = "Alicia"
	u.Emails = append(u.Emails, scim.MultiValue{Value: "new@example.com", Type: "other"})
	u.Custom["Level"] = "4"
	delete(u.Custom, "Business Unit")
	u.Meta.Version = `W/"2"`
	u.Meta.LastModified = u.Meta.LastModified.Add(time.Hour)
	if err := st.UpdateUser(ctx, tenant, u, `W/"1"`); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	got, err := st.GetUser(ctx, tenant, "u01")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(u, got, userOpts); d != "" {
		t.Errorf("GetUser after update (-want +got):\n%s", d)
	}
	// The update is visible to queries, and the old values are gone.
	m := sqlModel()
	for filter, want := range map[string][]string{
		`emails.value eq "new@example.com"`:                                           {"u01"},
		`name.givenName eq "alice"`:                                                   {},
		`name.givenName eq "alicia"`:                                                  {"u01"},
		`urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Level eq 4`:           {"u01"},
		`urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Business_Unit pr`:     {"u02", "u04", "u05"},
		`urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Business_Unit eq "x"`: {},
	} {
		p, err := list(t, st, m, tenant, filter, "", "", 1, 100)
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		if d := cmp.Diff(want, userIDs(p.Users)); d != "" {
			t.Errorf("after update, %s (-want +got):\n%s", filter, d)
		}
	}
	if err := st.UpdateUser(ctx, tenant, u, `W/"1"`); !errors.Is(err, scim.ErrVersionMismatch) {
		t.Errorf("UpdateUser with a stale version = %v, want ErrVersionMismatch", err)
	}
	missing := u.Clone()
	missing.ID = "nobody"
	if err := st.UpdateUser(ctx, tenant, missing, `W/"2"`); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("UpdateUser(unknown) = %v, want ErrNotFound", err)
	}
	if err := st.DeleteUser(ctx, tenant, "u01", ""); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if _, err := st.GetUser(ctx, tenant, "u01"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetUser after delete = %v, want ErrNotFound", err)
	}
	if err := st.DeleteUser(ctx, tenant, "u01", ""); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("second DeleteUser = %v, want ErrNotFound", err)
	}
	p, err := list(t, st, m, tenant, `emails.value eq "new@example.com"`, "", "", 1, 100)
	if err != nil || p.Total != 0 {
		t.Errorf("a deleted user is still found by email: %v %v", p, err)
	}
	// The userName and externalId of a deleted user are free again.
	if err := st.CreateUser(ctx, tenant, users[0].Clone()); err != nil {
		t.Errorf("re-creating a deleted user: %v", err)
	}
}

func testUniqueness(t *testing.T, st scim.Store) {
	ctx := context.Background()
	load(t, st, tenant, sqlUsers())
	try := func(name string, err error, attr string) {
		t.Helper()
		if !errors.Is(err, scim.ErrConflict) {
			t.Errorf("%s = %v, want ErrConflict", name, err)
			return
		}
		if !strings.Contains(err.Error(), attr) {
			t.Errorf("%s = %v, want the error to name %s", name, err, attr)
		}
	}
	u := fixtureUser("n1", "ALICE@EXAMPLE.COM", 10, nil)
	try("CreateUser(userName in other case)", st.CreateUser(ctx, tenant, u), "userName")
	u = fixtureUser("n1", "ärger@EXAMPLE.de", 10, nil)
	try("CreateUser(non-ASCII userName in other case)", st.CreateUser(ctx, tenant, u), "userName")
	u = fixtureUser("u01", "new", 10, nil)
	if err := st.CreateUser(ctx, tenant, u); !errors.Is(err, scim.ErrConflict) {
		t.Errorf("CreateUser(taken id) = %v, want ErrConflict", err)
	}
	// externalId is not unique (RFC 7643 §3.1): users may share one, in
	// any case, or have none.
	for i, ext := range []string{"ext-1", "ext-1", "EXT-1", "", ""} {
		u := fixtureUser(fmt.Sprintf("n%d", i), fmt.Sprintf("new%d", i), 10, func(u *scim.User) { u.ExternalID = ext })
		if err := st.CreateUser(ctx, tenant, u); err != nil {
			t.Errorf("CreateUser(externalId %q): %v", ext, err)
		}
	}
	u, _ = st.GetUser(ctx, tenant, "u02")
	old := u.Meta.Version
	u.Meta.Version = `W/"2"`
	u.UserName = "Carol"
	try("UpdateUser(to a taken userName)", st.UpdateUser(ctx, tenant, u, old), "userName")
	// Changing one's own userName's case is no conflict, nor taking
	// another user's externalId.
	u.ExternalID = "ext-4"
	u.UserName = "BOB.O'BRIEN@EXAMPLE.COM"
	if err := st.UpdateUser(ctx, tenant, u, old); err != nil {
		t.Errorf("UpdateUser(own userName in other case, a shared externalId): %v", err)
	}
	// Lookups by externalId find every holder, and follow updates and
	// deletes.
	m := sqlModel()
	byExt := func(step, ext string, want ...string) {
		t.Helper()
		p, err := list(t, st, m, tenant, `externalId eq "`+ext+`"`, "", "", 1, 10)
		if err != nil {
			t.Fatalf("%s: externalId eq %q: %v", step, ext, err)
		}
		got := userIDs(p.Users)
		slices.Sort(got)
		if d := cmp.Diff(want, got, userOpts); d != "" || p.Total != len(want) {
			t.Errorf("%s: externalId eq %q (-want +got):\n%s(total %d)", step, ext, d, p.Total)
		}
	}
	byExt("after creating", "ext-1", "n0", "n1", "u01")
	byExt("after creating", "EXT-1", "n2")
	byExt("after updating", "ext-4", "u02", "u04")
	byExt("after updating", "EXT-2")
	if err := st.DeleteUser(ctx, tenant, "n0", ""); err != nil {
		t.Fatal(err)
	}
	byExt("after deleting", "ext-1", "n1", "u01")
	p, err := list(t, st, m, tenant, `externalId eq "ext-1" and userName eq "new1"`, "", "", 1, 10)
	if err != nil || len(p.Users) != 1 || p.Users[0].ID != "n1" {
		t.Errorf("externalId eq with userName eq = %v %v, want n1", p, err)
	}
	// Another tenant may use the same names.
	if err := st.CreateUser(ctx, "other", fixtureUser("u01", "alice@example.com", 1, func(u *scim.User) { u.ExternalID = "ext-1" })); err != nil {
		t.Errorf("CreateUser in another tenant: %v", err)
	}
	byExt("after another tenant's create", "ext-1", "n1", "u01")
}

// testConditionalDelete checks DeleteUser with a version: a
// compare-and-swap, as UpdateUser is.
func testConditionalDelete(t *testing.T, st scim.Store) {
	ctx := context.Background()
	load(t, st, tenant, sqlUsers()[:2])
	m := sqlModel()
	u, err := st.GetUser(ctx, tenant, "u01")
	if err != nil {
		t.Fatal(err)
	}
	read := u.Meta.Version
	// An update after the read: the delete of the version read must fail
	// and leave the user, its values and its history as they are.
	next := u.Clone()
	next.Title = "updated"
	next.Meta.Version = `W/"2"`
	if err := st.UpdateUser(ctx, tenant, next, read); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteUser(ctx, tenant, "u01", read); !errors.Is(err, scim.ErrVersionMismatch) {
		t.Fatalf("DeleteUser(stale version) = %v, want ErrVersionMismatch", err)
	}
	got, err := st.GetUser(ctx, tenant, "u01")
	if err != nil {
		t.Fatalf("GetUser after a refused delete: %v", err)
	}
	if d := cmp.Diff(next, got, userOpts); d != "" {
		t.Errorf("after a refused delete (-want +got):\n%s", d)
	}
	if p, err := list(t, st, m, tenant, `emails.value eq "alice@example.com"`, "", "", 1, 10); err != nil || p.Total != 1 {
		t.Errorf("after a refused delete, the user's email finds %v (%v), want u01", p, err)
	}
	if hs, ok := st.(scim.HistoryStore); ok {
		if h, err := hs.Activations(ctx, tenant, "u01"); err != nil || len(h) == 0 {
			t.Errorf("after a refused delete, Activations = %v, %v", h, err)
		}
	}
	for _, c := range []struct {
		name, tenant, id, version string
		want                      error
	}{
		{"another tenant", "other", "u01", `W/"2"`, scim.ErrNotFound},
		{"unknown id", tenant, "nobody", `W/"2"`, scim.ErrNotFound},
		{"current version", tenant, "u01", `W/"2"`, nil},
		{"deleted", tenant, "u01", `W/"2"`, scim.ErrNotFound},
		{"without version", tenant, "u02", "", nil},
	} {
		if err := st.DeleteUser(ctx, c.tenant, c.id, c.version); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("DeleteUser(%s) = %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := st.GetUser(ctx, tenant, "u01"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetUser after the conditional delete = %v, want ErrNotFound", err)
	}

	// Racing: updaters and a deleter all start from one version; exactly
	// one of them wins.
	const racers = 6
	for round := range 3 {
		id := fmt.Sprintf("r%d", round)
		load(t, st, tenant, []*scim.User{fixtureUser(id, id, 1, nil)})
		cur, err := st.GetUser(ctx, tenant, id)
		if err != nil {
			t.Fatal(err)
		}
		errs := race(racers, func(i int) error {
			if i == 0 {
				return st.DeleteUser(ctx, tenant, id, cur.Meta.Version)
			}
			u := cur.Clone()
			u.Title = fmt.Sprintf("writer %d", i)
			u.Meta.Version = fmt.Sprintf(`W/"w%d"`, i)
			return st.UpdateUser(ctx, tenant, u, cur.Meta.Version)
		})
		won := soleWinner(t, round, "racer", errs, scim.ErrVersionMismatch, scim.ErrNotFound)
		_, err = st.GetUser(ctx, tenant, id)
		switch {
		case won == 0 && !errors.Is(err, scim.ErrNotFound):
			t.Errorf("round %d: the delete won, but GetUser = %v", round, err)
		case won > 0 && err != nil:
			t.Errorf("round %d: an update won, but GetUser = %v", round, err)
		}
	}
}

func testCAS(t *testing.T, st scim.Store) {
	ctx := context.Background()
	load(t, st, tenant, sqlUsers()[:1])
	const writers = 8
	for round := 1; round <= 3; round++ {
		cur, err := st.GetUser(ctx, tenant, "u01")
		if err != nil {
			t.Fatal(err)
		}
		errs := race(writers, func(i int) error {
			u := cur.Clone()
			u.Title = fmt.Sprintf("writer %d", i)
			u.Meta.Version = fmt.Sprintf(`W/"%d-%d"`, round, i)
			return st.UpdateUser(ctx, tenant, u, cur.Meta.Version)
		})
		won := soleWinner(t, round, "writer", errs, scim.ErrVersionMismatch)
		got, _ := st.GetUser(ctx, tenant, "u01")
		if want := fmt.Sprintf("writer %d", won); got.Title != want || got.Meta.Version != fmt.Sprintf(`W/"%d-%d"`, round, won) {
			t.Fatalf("round %d: stored %q %s, want the winner's %q", round, got.Title, got.Meta.Version, want)
		}
	}
}

// compareWithMemory runs a query on st and on a memory store holding the
// same users and reports differences.
func compareWithMemory(t *testing.T, st, mem scim.Store, m *scim.Model, filter, sortBy, order string, start, count int) (*scim.Page, bool) {
	t.Helper()
	got, err := list(t, st, m, tenant, filter, sortBy, order, start, count)
	if err != nil {
		t.Errorf("filter %q sortBy %q %s [%d,%d]: %v", filter, sortBy, order, start, count, err)
		return nil, false
	}
	want, err := list(t, mem, m, tenant, filter, sortBy, order, start, count)
	if err != nil {
		t.Fatalf("memory store: %v", err)
	}
	wantIDs, gotIDs := userIDs(want.Users), userIDs(got.Users)
	if sortBy == "" {
		// Without sortBy the order is each store's own (scim.Query): the
		// page must hold as many users, all matches, none twice. testPaging
		// checks that the pages of one order add up to the whole list.
		all, err := list(t, mem, m, tenant, filter, "", "", 1, want.Total)
		if err != nil {
			t.Fatalf("memory store: %v", err)
		}
		matches := userIDs(all.Users)
		seen := map[string]bool{}
		for _, id := range gotIDs {
			if seen[id] || !slices.Contains(matches, id) {
				t.Errorf("filter %q [%d,%d]: page holds %s, which does not match or is repeated; page %v, matches %v",
					filter, start, count, id, gotIDs, matches)
				return got, false
			}
			seen[id] = true
		}
		if start == 1 && count >= want.Total {
			slices.Sort(wantIDs)
			gotIDs = slices.Sorted(slices.Values(gotIDs))
		} else if len(gotIDs) == len(wantIDs) {
			gotIDs = wantIDs // same size, all matching, no repeats
		}
	}
	if d := cmp.Diff(wantIDs, gotIDs, cmpopts.EquateEmpty()); d != "" || want.Total != got.Total {
		t.Errorf("filter %q sortBy %q %s [%d,%d]: differs from the memory store: total %d, want %d; ids (-memory +store):\n%s",
			filter, sortBy, order, start, count, got.Total, want.Total, d)
		return got, false
	}
	return got, true
}

func testFilters(t *testing.T, st scim.Store) {
	m := sqlModel()
	users := sqlUsers()
	load(t, st, tenant, users)
	load(t, st, "other", users) // a second tenant must not leak into the results
	mem := scim.NewMemoryStore()
	load(t, mem, tenant, users)
	for _, c := range sqlFilterCases {
		if c.wantErr != "" {
			_, err := list(t, st, m, tenant, c.filter, "", "", 1, 100)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("filter %q: error %v, want %q", c.filter, err, c.wantErr)
			}
			continue
		}
		got, ok := compareWithMemory(t, st, mem, m, c.filter, "", "", 1, 100)
		if !ok {
			continue
		}
		want := c.want
		if want == nil {
			want = []string{}
		}
		if d := cmp.Diff(want, userIDs(got.Users)); d != "" || got.Total != len(want) {
			t.Errorf("filter %q: total %d (-want +got):\n%s", c.filter, got.Total, d)
		}
	}
	runSharedFilterCases(t, st)
}

func testSorting(t *testing.T, st scim.Store) {
	m := sqlModel()
	users := sqlUsers()
	load(t, st, tenant, users)
	mem := scim.NewMemoryStore()
	load(t, mem, tenant, users)
	for _, sortBy := range sqlSortCases {
		for _, order := range []string{"ascending", "descending"} {
			compareWithMemory(t, st, mem, m, "", sortBy, order, 1, 100)
			compareWithMemory(t, st, mem, m, "", sortBy, order, 2, 3)
			compareWithMemory(t, st, mem, m, `active eq true`, sortBy, order, 1, 2)
			compareWithMemory(t, st, mem, m, `addresses pr or userName sw "a"`, sortBy, order, 1, 100)
		}
	}
}

func testPaging(t *testing.T, st scim.Store) {
	ctx := context.Background()
	m := sqlModel()
	var users []*scim.User
	for i := range 25 {
		users = append(users, fixtureUser(fmt.Sprintf("p%02d", i), fmt.Sprintf("user%02d", (i*7)%25), i, func(u *scim.User) {
			u.Name.FamilyName = string(rune('A' + i%3))
		}))
	}
	load(t, st, tenant, users)
	mem := scim.NewMemoryStore()
	load(t, mem, tenant, users)
	for _, sortBy := range []string{"", "userName", "name.familyName", "nickName"} {
		for _, filter := range []string{"", `name.familyName sw "b"`, `nickName eq null`} {
			q, err := m.NewQuery(filter, sortBy, "", 1, 1000)
			if err != nil {
				t.Fatal(err)
			}
			all, err := st.ListUsers(ctx, tenant, q)
			if err != nil {
				t.Fatal(err)
			}
			var paged []string
			for start := 1; start <= all.Total+1; start += 4 {
				p, ok := compareWithMemory(t, st, mem, m, filter, sortBy, "", start, 4)
				if !ok {
					break
				}
				if p.Total != all.Total {
					t.Errorf("%q sorted by %q: page at %d says total %d, want %d", filter, sortBy, start, p.Total, all.Total)
				}
				paged = append(paged, userIDs(p.Users)...)
			}
			if d := cmp.Diff(userIDs(all.Users), paged, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("%q sorted by %q: pages differ from one list (-all +pages):\n%s", filter, sortBy, d)
			}
			p, ok := compareWithMemory(t, st, mem, m, filter, sortBy, "", 1, 0)
			if ok && (len(p.Users) != 0 || p.Total != all.Total) {
				t.Errorf("count=0: %d users, total %d; want none and %d", len(p.Users), p.Total, all.Total)
			}
			compareWithMemory(t, st, mem, m, filter, sortBy, "", 100, 10)
		}
	}
}

func testTenants(t *testing.T, st scim.Store) {
	ctx := context.Background()
	m := sqlModel()
	load(t, st, "a", sqlUsers())
	if _, err := st.GetUser(ctx, "b", "u01"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetUser in another tenant = %v, want ErrNotFound", err)
	}
	u := sqlUsers()[0]
	u.Meta.Version = `W/"2"`
	if err := st.UpdateUser(ctx, "b", u, `W/"1"`); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("UpdateUser in another tenant = %v, want ErrNotFound", err)
	}
	if err := st.DeleteUser(ctx, "b", "u01", ""); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("DeleteUser in another tenant = %v, want ErrNotFound", err)
	}
	for _, f := range []string{"", `userName eq "alice@example.com"`, `emails pr`, `addresses pr`, `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Level pr`} {
		p, err := list(t, st, m, "b", f, "userName", "", 1, 100)
		if err != nil || p.Total != 0 || len(p.Users) != 0 {
			t.Errorf("tenant b, filter %q: %v, %v; want nothing", f, p, err)
		}
	}
	// The same id in two tenants is two users.
	b := fixtureUser("u01", "someone.else", 1, nil)
	if err := st.CreateUser(ctx, "b", b); err != nil {
		t.Fatalf("CreateUser(b, u01): %v", err)
	}
	if err := st.DeleteUser(ctx, "b", "u01", ""); err != nil {
		t.Fatal(err)
	}
	if got, err := st.GetUser(ctx, "a", "u01"); err != nil || got.UserName != "alice@example.com" {
		t.Errorf("tenant a's u01 after deleting b's: %v, %v", got, err)
	}
	if hs, ok := st.(scim.HistoryStore); ok {
		if _, err := hs.Activations(ctx, "b", "u02"); !errors.Is(err, scim.ErrNotFound) {
			t.Errorf("Activations in another tenant = %v, want ErrNotFound", err)
		}
		if ids, err := hs.ActiveAt(ctx, "b", base.Add(time.Hour)); err != nil || len(ids) != 0 {
			t.Errorf("ActiveAt in another tenant = %v, %v; want none", ids, err)
		}
	}
}

func testHistory(t *testing.T, st scim.HistoryStore) {
	ctx := context.Background()
	load(t, st, tenant, sqlUsers()[:3]) // u01, u02 active; u03 inactive
	u, _ := st.GetUser(ctx, tenant, "u01")
	set := func(active bool, at time.Time) {
		t.Helper()
		old := u.Meta.Version
		u.Active = active
		u.Meta.LastModified = at
		u.Meta.Version = fmt.Sprintf(`W/"%d"`, at.Unix())
		if err := st.UpdateUser(ctx, tenant, u, old); err != nil {
			t.Fatal(err)
		}
	}
	t1, t2, t3 := base.Add(time.Hour), base.Add(2*time.Hour), base.Add(3*time.Hour)
	set(false, t1)
	u.Title = "no change of active"
	set(false, t1.Add(time.Minute))
	set(true, t2)
	want := []scim.Activation{{Time: base.Add(time.Minute), Active: true}, {Time: t1, Active: false}, {Time: t2, Active: true}}
	got, err := st.Activations(ctx, tenant, "u01")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Activations (-want +got):\n%s", d)
	}
	for _, c := range []struct {
		at   time.Time
		want []string
	}{
		{base, []string{}},
		{base.Add(time.Minute), []string{"u01"}},
		{base.Add(2 * time.Minute), []string{"u01", "u02"}},
		{t1, []string{"u02"}},
		{t2.Add(-time.Nanosecond), []string{"u02"}},
		{t2, []string{"u01", "u02"}},
		{t3, []string{"u01", "u02"}},
	} {
		got, err := st.ActiveAt(ctx, tenant, c.at)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(c.want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("ActiveAt(%v) (-want +got):\n%s", c.at, d)
		}
	}
	if err := st.DeleteUser(ctx, tenant, "u01", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Activations(ctx, tenant, "u01"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("Activations after delete = %v, want ErrNotFound", err)
	}
	if got, _ := st.ActiveAt(ctx, tenant, t3); slices.Contains(got, "u01") {
		t.Errorf("ActiveAt after delete still lists u01: %v", got)
	}
}
