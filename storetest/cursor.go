package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim"
)

// cursorQuery is a list query: filter, sortBy and sortOrder.
type cursorQuery struct{ filter, sortBy, order string }

// lister lists one page of a query of one resource type (users or groups)
// in one company: by cursor after the position after ("": the first page)
// when cursor is set, else by index from the first; count at most. It
// returns the ids on the page, the next position and the total.
type lister func(q cursorQuery, count int, cursor bool, after string) (ids []string, next string, total int, err error)

// userLister lists the users of tenant.
func userLister(st scim.Store, m *scim.Model, tenant string) lister {
	return func(qq cursorQuery, count int, cursor bool, after string) ([]string, string, int, error) {
		q, err := m.NewQuery(qq.filter, qq.sortBy, qq.order, 1, count)
		if err != nil {
			return nil, "", 0, err
		}
		q.Cursor, q.After = cursor, after
		p, err := st.ListUsers(context.Background(), tenant, q)
		if err != nil {
			return nil, "", 0, err
		}
		return userIDs(p.Users), p.Next, p.Total, nil
	}
}

// groupLister lists the groups of tenant (groupIDs: a group listed with
// its members shows as an extra id).
func groupLister(gs scim.GroupStore, tenant string) lister {
	return func(qq cursorQuery, count int, cursor bool, after string) ([]string, string, int, error) {
		q, err := scim.NewGroupQuery(qq.filter, qq.sortBy, qq.order, 1, count)
		if err != nil {
			return nil, "", 0, err
		}
		q.Cursor, q.After = cursor, after
		p, err := gs.ListGroups(context.Background(), tenant, q)
		if err != nil {
			return nil, "", 0, err
		}
		return groupIDs(p), p.Next, p.Total, nil
	}
}

// walk lists q by cursor, count a page, and returns the ids in the order
// seen and the last page's total. between runs before each page after the
// first.
func walk(t *testing.T, list lister, q cursorQuery, count int, between func()) (ids []string, total int) {
	t.Helper()
	after := ""
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("%+v: the walk does not end", q)
		}
		page, next, pageTotal, err := list(q, count, true, after)
		if err != nil {
			t.Fatalf("%+v after %q: %v", q, after, err)
		}
		if len(page) > count {
			t.Fatalf("a page of %d, count %d", len(page), count)
		}
		if next != "" && len(page) == 0 {
			t.Fatalf("an empty page with a next position")
		}
		ids, total = append(ids, page...), pageTotal
		if next == "" {
			return ids, total
		}
		after = next
		if between != nil {
			between()
		}
	}
}

// testCursorAsIndex checks that a walk by cursor, for each of counts a
// page, lists what one index page lists for each query: in the same order
// when sorted, as sets in the store's own order.
func testCursorAsIndex(t *testing.T, list lister, queries []cursorQuery, counts ...int) {
	for _, q := range queries {
		want, _, wantTotal, err := list(q, 1000, false, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, count := range counts {
			got, total := walk(t, list, q, count, nil)
			if q.sortBy == "" { // the store's own order: as sets
				want, got = slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got))
			}
			if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" || total != wantTotal {
				t.Errorf("filter %q sortBy %q %s, count %d: by cursor (-index +cursor):\n%s\ntotal %d, want %d", q.filter, q.sortBy, q.order, count, d, total, wantTotal)
			}
		}
	}
}

// testBadPositions checks that positions the store cannot read are
// ErrInvalidPosition, for each query.
func testBadPositions(t *testing.T, list lister, queries []cursorQuery) {
	for _, q := range queries {
		for _, after := range []string{"garbage", "{", "[", `{"i":1}`, `[["x","y"]]`, `[["s","a"],["s","b"],["s","c"],["s","d"]]`, `{"i":"a","k":"q"}`, `{"i":"a","k":"t","v":"yesterday"}`} {
			if _, _, _, err := list(q, 10, true, after); !errors.Is(err, scim.ErrInvalidPosition) {
				t.Errorf("filter %q sortBy %q, After %q: error %v, want ErrInvalidPosition", q.filter, q.sortBy, after, err)
			}
		}
	}
}

// testCursorUnderWrites walks q by cursor, 7 a page, while a writer
// creates items and deletes others between (and, in parallel, during)
// pages, and checks that every item present throughout is seen once, and
// none twice. create makes item id: the i-th of the n there before the
// walk, or with added the i-th added during it; remove deletes one.
func testCursorUnderWrites(t *testing.T, list lister, q cursorQuery, n int, create func(id string, i int, added bool) error, remove func(id string) error) {
	stable := map[string]bool{}
	var doomed []string
	for i := range n {
		id := fmt.Sprintf("c%03d", (i*37)%n)
		if err := create(id, i, false); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			doomed = append(doomed, id)
		} else {
			stable[id] = true
		}
	}
	var mu sync.Mutex
	created := 0
	write := func() {
		mu.Lock()
		defer mu.Unlock()
		for range 3 {
			created++
			if err := create(fmt.Sprintf("n%03d", (created*71)%1000), created, true); err != nil && !errors.Is(err, scim.ErrConflict) {
				t.Error(err)
			}
			if len(doomed) > 0 {
				if err := remove(doomed[0]); err != nil {
					t.Error(err)
				}
				doomed = doomed[1:]
			}
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				write()
			}
		}
	})
	seen, _ := walk(t, list, q, 7, write)
	close(stop)
	wg.Wait()
	count := map[string]int{}
	for _, id := range seen {
		count[id]++
		if count[id] == 2 {
			t.Errorf("%+v: %s seen twice", q, id)
		}
	}
	for id := range stable {
		if count[id] == 0 {
			t.Errorf("%+v: %s, present throughout, not seen", q, id)
		}
	}
}

// cursorResponse is what the HTTP cursor tests read of a list response or
// an error.
type cursorResponse struct {
	TotalResults int
	StartIndex   *int
	NextCursor   string
	ScimType     string
	Resources    []struct{ ID string }
}

// cursorClient returns a function that sends a request to h under
// /scim/v2/ with a bearer token and a SCIM body (if any), fails the test
// unless the response has status, and decodes it.
func cursorClient(t *testing.T, h http.Handler) func(token, method, path, body string, status int) cursorResponse {
	return func(token, method, path, body string, status int) cursorResponse {
		t.Helper()
		req := httptest.NewRequest(method, "/scim/v2/"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/scim+json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != status {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, rec.Code, status, rec.Body)
		}
		var r cursorResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
}

// walkHTTP follows nextCursor from page("") on, 10 pages at most, and
// returns the ids listed and the cursors returned.
func walkHTTP(page func(cursor string) cursorResponse) (ids, cursors []string) {
	cursor := ""
	for range 10 {
		r := page(cursor)
		for _, res := range r.Resources {
			ids = append(ids, res.ID)
		}
		if r.NextCursor == "" {
			break
		}
		cursor = r.NextCursor
		cursors = append(cursors, cursor)
	}
	return ids, cursors
}

// cursorRefusal is a GET of path that must fail with 400 and scimType,
// later after the one before.
type cursorRefusal struct {
	name, token, path string
	later             time.Duration
	scimType          string
}

// testCursorRefusals sends each GET, moving *now on by its later first.
func testCursorRefusals(t *testing.T, do func(token, method, path, body string, status int) cursorResponse, now *time.Time, refusals []cursorRefusal) {
	for _, c := range refusals {
		*now = now.Add(c.later)
		if r := do(c.token, "GET", c.path, "", http.StatusBadRequest); r.ScimType != c.scimType {
			t.Errorf("%s: scimType %q, want %q", c.name, r.ScimType, c.scimType)
		}
	}
}

// testCursor checks cursor paging of users: a walk by cursor lists what
// one index page lists, in the same order when sorted, for the shared
// filter and sort tables; positions the store cannot read are
// ErrInvalidPosition; a walk under concurrent creates and deletes sees
// every user that exists throughout exactly once, and none twice.
func testCursor(t *testing.T, st scim.Store) {
	const tenant = "cursor"
	ctx := context.Background()
	m := FixtureModel()
	for _, u := range FixtureUsers() {
		if err := st.CreateUser(ctx, tenant, u.Clone()); err != nil {
			t.Fatalf("CreateUser(%s): %v", u.ID, err)
		}
	}
	list := userLister(st, m, tenant)
	t.Run("AsIndex", func(t *testing.T) {
		queries := []cursorQuery{{}, {sortBy: "userName"}, {sortBy: "userName", order: "descending"}}
		for _, c := range SortCases {
			queries = append(queries, cursorQuery{c.Filter, c.SortBy, c.SortOrder})
		}
		for _, c := range FilterCases {
			if c.WantErr == "" {
				queries = append(queries, cursorQuery{filter: c.Filter})
			}
		}
		testCursorAsIndex(t, list, queries, 1, 3)
	})
	t.Run("BadPosition", func(t *testing.T) {
		testBadPositions(t, list, []cursorQuery{{}, {sortBy: "userName"}, {sortBy: "meta.created"}, {sortBy: "name.familyName"}})
	})
	t.Run("Concurrent", func(t *testing.T) { testCursorConcurrent(t, st, m) })
	t.Run("HTTP", func(t *testing.T) { testCursorHTTP(t, st) })
}

// testCursorConcurrent walks users while a writer creates users and
// deletes others.
func testCursorConcurrent(t *testing.T, st scim.Store, m *scim.Model) {
	ctx := context.Background()
	for _, sortBy := range []string{"", "userName", "name.familyName"} {
		tenant := "cursor-concurrent-" + sortBy
		const n = 120
		create := func(id string, i int, added bool) error {
			u := &scim.User{ID: id, UserName: fmt.Sprintf("user%03d@example.com", (i*53)%n), Active: true,
				Name: scim.Name{FamilyName: fmt.Sprintf("F%02d", i%10)}}
			if added {
				u.UserName = fmt.Sprintf("new%03d@example.com", (i*29)%1000)
			} else {
				u.Meta.Created, u.Meta.LastModified = time.Unix(int64(i), 0), time.Unix(int64(i), 0)
			}
			return st.CreateUser(ctx, tenant, u)
		}
		remove := func(id string) error { return st.DeleteUser(ctx, tenant, id, "") }
		testCursorUnderWrites(t, userLister(st, m, tenant), cursorQuery{sortBy: sortBy}, n, create, remove)
	}
}

// testCursorHTTP walks /Users by cursor through a Handler over the store,
// and checks the cursors it refuses.
func testCursorHTTP(t *testing.T, st scim.Store) {
	ctx := context.Background()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	h := &scim.Handler{Store: st, Auth: scim.StaticTokens{"cursor-token": "cursor-http", "foreign-token": "cursor-foreign"},
		Now: func() time.Time { return now }}
	for _, tenant := range []string{"cursor-http", "cursor-foreign"} {
		for i := range 9 {
			u := &scim.User{ID: fmt.Sprintf("h%02d", i), UserName: fmt.Sprintf("h%02d@example.com", 8-i), Active: true}
			if err := st.CreateUser(ctx, tenant, u); err != nil {
				t.Fatal(err)
			}
		}
	}
	do := cursorClient(t, h)
	const query = "Users?filter=active+eq+true&sortBy=userName&count=4&cursor="
	got, cursors := walkHTTP(func(cursor string) cursorResponse {
		return do("cursor-token", "GET", query+url.QueryEscape(cursor), "", http.StatusOK)
	})
	want := []string{"h08", "h07", "h06", "h05", "h04", "h03", "h02", "h01", "h00"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("walk by cursor over HTTP (-want +got):\n%s", d)
	}
	testCursorRefusals(t, do, &now, []cursorRefusal{
		{"bad", "cursor-token", query + "AAAA", 0, scim.SCIMTypeInvalidCursor},
		{"foreign company", "foreign-token", query + cursors[0], 0, scim.SCIMTypeInvalidCursor},
		{"other query", "cursor-token", "Users?sortBy=userName&count=4&cursor=" + cursors[0], 0, scim.SCIMTypeInvalidCursor},
		{"expired", "cursor-token", query + cursors[0], scim.DefaultCursorTimeout + time.Minute, scim.SCIMTypeExpiredCursor},
	})
}

// testGroupCursor checks cursor paging of groups: a walk by cursor lists
// what one index page lists (in the same order when sorted) for filters
// and sorts; positions the store cannot read are ErrInvalidPosition; a
// walk under concurrent creates and deletes sees every group that exists
// throughout exactly once; and through a Handler, the cursors refused.
func testGroupCursor(t *testing.T, st scim.Store, gs scim.GroupStore) {
	ctx := context.Background()
	loadGroupFixture(t, st, tenant)
	names := []string{"Sales", "admins", "Engineering", "sales", "Zeta", "beta", "Alpha", "alpha"}
	for i := range 11 {
		g := group(fmt.Sprintf("g%02d", (i*7)%11), names[i%len(names)], (i*5)%11)
		if i%3 == 0 {
			g.ExternalID = fmt.Sprintf("ext-%d", 10-i)
		}
		if i%2 == 0 {
			g.Members = []scim.Member{{Value: "u1"}}
		}
		if err := gs.CreateGroup(ctx, tenant, g); err != nil {
			t.Fatal(err)
		}
	}
	list := groupLister(gs, tenant)
	t.Run("AsIndex", func(t *testing.T) {
		testCursorAsIndex(t, list, []cursorQuery{
			{}, {order: "descending"}, {sortBy: "id"}, {sortBy: "id", order: "descending"},
			{sortBy: "displayName"}, {sortBy: "displayName", order: "descending"},
			{sortBy: "externalId"}, {sortBy: "externalId", order: "descending"},
			{sortBy: "meta.created"}, {sortBy: "meta.lastModified", order: "descending"},
			{filter: `displayName sw "a"`}, {filter: `displayName sw "a"`, sortBy: "displayName"},
			{filter: `members eq "u1"`}, {filter: `members eq "u1"`, sortBy: "meta.created", order: "descending"},
			{filter: `externalId pr`, sortBy: "externalId"}, {filter: `displayName eq "nobody"`},
		}, 1, 3, 100)
	})
	t.Run("CountZero", func(t *testing.T) {
		ids, next, total, err := list(cursorQuery{}, 0, true, "")
		if err != nil || len(ids) != 0 || next != "" || total != 11 {
			t.Errorf("count 0: %d groups, next %q, total %d, error %v; want none, none, 11", len(ids), next, total, err)
		}
	})
	t.Run("BadPosition", func(t *testing.T) {
		testBadPositions(t, list, []cursorQuery{{}, {sortBy: "displayName"}, {sortBy: "meta.created"}, {filter: `members eq "u1"`}})
	})
	t.Run("Concurrent", func(t *testing.T) { testGroupCursorConcurrent(t, gs) })
	t.Run("HTTP", func(t *testing.T) { testGroupCursorHTTP(t, st, gs) })
}

// testGroupCursorConcurrent walks groups while a writer creates groups and
// deletes others.
func testGroupCursorConcurrent(t *testing.T, gs scim.GroupStore) {
	ctx := context.Background()
	for _, q := range []cursorQuery{
		{}, {order: "descending"}, {sortBy: "displayName"}, {sortBy: "meta.created", order: "descending"}, {filter: `displayName sw "team"`, sortBy: "displayName"},
	} {
		tenant := "group-cursor-concurrent-" + q.sortBy + q.order
		if q.filter != "" {
			tenant += "-filtered"
		}
		const n = 90
		create := func(id string, i int, added bool) error {
			minutes := i
			if added {
				minutes = i % n
			}
			return gs.CreateGroup(ctx, tenant, group(id, fmt.Sprintf("Team %02d", i%10), minutes))
		}
		remove := func(id string) error { return gs.DeleteGroup(ctx, tenant, id, "") }
		testCursorUnderWrites(t, groupLister(gs, tenant), q, n, create, remove)
	}
}

// testGroupCursorHTTP walks /Groups and /Groups/.search by cursor through
// a Handler over the store, and checks the cursors it refuses: bad, of
// another company, of /Users, of another query, expired.
func testGroupCursorHTTP(t *testing.T, st scim.Store, gs scim.GroupStore) {
	ctx := context.Background()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	h := &scim.Handler{Store: st, Groups: gs, Auth: scim.StaticTokens{"group-token": "group-cursor-http", "foreign-token": "group-cursor-foreign"},
		Now: func() time.Time { return now }}
	for _, tenant := range []string{"group-cursor-http", "group-cursor-foreign"} {
		for i := range 9 {
			if err := gs.CreateGroup(ctx, tenant, group(fmt.Sprintf("h%02d", i), fmt.Sprintf("Group %02d", 8-i), i)); err != nil {
				t.Fatal(err)
			}
			if err := st.CreateUser(ctx, tenant, fixtureUser(fmt.Sprintf("hu%02d", i), fmt.Sprintf("h%02d@example.com", i), i, nil)); err != nil {
				t.Fatal(err)
			}
		}
	}
	do := cursorClient(t, h)
	const query = "Groups?filter=displayName+sw+%22group%22&sortBy=displayName&count=4&cursor="
	want := []string{"h08", "h07", "h06", "h05", "h04", "h03", "h02", "h01", "h00"}
	got, cursors := walkHTTP(func(cursor string) cursorResponse {
		r := do("group-token", "GET", query+url.QueryEscape(cursor), "", http.StatusOK)
		if r.StartIndex != nil || r.TotalResults != 9 {
			t.Errorf("a cursor page with startIndex %v, totalResults %d (want none, 9)", r.StartIndex, r.TotalResults)
		}
		return r
	})
	if d := cmp.Diff(want, got); d != "" || len(cursors) != 2 {
		t.Errorf("GET /Groups by cursor, %d pages (-want +got):\n%s", len(cursors)+1, d)
	}
	got, _ = walkHTTP(func(cursor string) cursorResponse {
		body := fmt.Sprintf(`{"schemas":[%q],"filter":"displayName sw \"group\"","sortBy":"displayName","sortOrder":"descending","count":4,"cursor":%q}`, scim.MessageSearchRequest, cursor)
		return do("group-token", "POST", "Groups/.search", body, http.StatusOK)
	})
	if d := cmp.Diff(reversed(want), got); d != "" {
		t.Errorf("POST /Groups/.search by cursor (-want +got):\n%s", d)
	}
	// By index, as before: startIndex, no nextCursor.
	if r := do("group-token", "GET", "Groups?sortBy=displayName&count=4&startIndex=5", "", http.StatusOK); r.StartIndex == nil || *r.StartIndex != 5 || r.NextCursor != "" || len(r.Resources) != 4 || r.Resources[0].ID != "h04" {
		t.Errorf("by index: %+v", r)
	}
	usersNext := do("group-token", "GET", "Users?count=4&cursor=", "", http.StatusOK).NextCursor
	groupsNext := do("group-token", "GET", "Groups?count=4&cursor=", "", http.StatusOK).NextCursor
	if usersNext == "" || groupsNext == "" {
		t.Fatalf("no nextCursor: /Users %q, /Groups %q", usersNext, groupsNext)
	}
	testCursorRefusals(t, do, &now, []cursorRefusal{
		{"bad", "group-token", query + "AAAA", 0, scim.SCIMTypeInvalidCursor},
		{"foreign company", "foreign-token", query + cursors[0], 0, scim.SCIMTypeInvalidCursor},
		{"other query", "group-token", "Groups?sortBy=displayName&count=4&cursor=" + cursors[0], 0, scim.SCIMTypeInvalidCursor},
		{"other count", "group-token", "Groups?count=5&cursor=" + groupsNext, 0, scim.SCIMTypeInvalidCount},
		{"a /Users cursor on /Groups", "group-token", "Groups?count=4&cursor=" + usersNext, 0, scim.SCIMTypeInvalidCursor},
		{"a /Groups cursor on /Users", "group-token", "Users?count=4&cursor=" + groupsNext, 0, scim.SCIMTypeInvalidCursor},
		{"expired", "group-token", query + cursors[0], scim.DefaultCursorTimeout + time.Minute, scim.SCIMTypeExpiredCursor},
	})
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

// testSharedKeys: a KeyStore makes a key once, of 32 bytes, for callers
// that ask together as for those after; each name has its own.
func testSharedKeys(t *testing.T, ks scim.KeyStore) {
	ctx := context.Background()
	keys := make([][]byte, 8)
	for i, err := range race(len(keys), func(i int) error {
		var err error
		keys[i], err = ks.SharedKey(ctx, "cursor")
		return err
	}) {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	for i, k := range keys {
		if len(k) != 32 || !slices.Equal(k, keys[0]) {
			t.Fatalf("caller %d got %x, want the 32 bytes caller 0 got, %x", i, k, keys[0])
		}
	}
	if again, err := ks.SharedKey(ctx, "cursor"); err != nil || !slices.Equal(again, keys[0]) {
		t.Errorf("asked again: %x, %v; want %x", again, err, keys[0])
	}
	if other, err := ks.SharedKey(ctx, "other"); err != nil || len(other) != 32 || slices.Equal(other, keys[0]) {
		t.Errorf("another name: %x, %v; want 32 bytes of its own", other, err)
	}
}
