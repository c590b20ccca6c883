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

// walkGroups lists a group query by cursor (scim.GroupQuery.Cursor), count
// groups a page, and returns the ids in the order seen and the last
// page's total. between runs before each page after the first.
func walkGroups(t *testing.T, gs scim.GroupStore, tenant, filter, sortBy, order string, count int, between func()) (ids []string, total int) {
	t.Helper()
	ctx := context.Background()
	after := ""
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("filter %q sortBy %q: the walk does not end", filter, sortBy)
		}
		q, err := scim.NewGroupQuery(filter, sortBy, order, 1, count)
		if err != nil {
			t.Fatal(err)
		}
		q.Cursor, q.After = true, after
		p, err := gs.ListGroups(ctx, tenant, q)
		if err != nil {
			t.Fatalf("filter %q sortBy %q after %q: %v", filter, sortBy, after, err)
		}
		if len(p.Groups) > count {
			t.Fatalf("a page of %d groups, count %d", len(p.Groups), count)
		}
		if p.Next != "" && len(p.Groups) == 0 {
			t.Fatalf("an empty page with a next position")
		}
		ids = append(ids, groupIDs(p)...)
		total = p.Total
		if p.Next == "" {
			return ids, total
		}
		after = p.Next
		if between != nil {
			between()
		}
	}
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
	t.Run("AsIndex", func(t *testing.T) {
		type query struct{ filter, sortBy, order string }
		for _, qq := range []query{
			{}, {order: "descending"}, {sortBy: "id"}, {sortBy: "id", order: "descending"},
			{sortBy: "displayName"}, {sortBy: "displayName", order: "descending"},
			{sortBy: "externalId"}, {sortBy: "externalId", order: "descending"},
			{sortBy: "meta.created"}, {sortBy: "meta.lastModified", order: "descending"},
			{filter: `displayName sw "a"`}, {filter: `displayName sw "a"`, sortBy: "displayName"},
			{filter: `members eq "u1"`}, {filter: `members eq "u1"`, sortBy: "meta.created", order: "descending"},
			{filter: `externalId pr`, sortBy: "externalId"}, {filter: `displayName eq "nobody"`},
		} {
			q, err := scim.NewGroupQuery(qq.filter, qq.sortBy, qq.order, 1, 1000)
			if err != nil {
				t.Fatal(err)
			}
			all, err := gs.ListGroups(ctx, tenant, q)
			if err != nil {
				t.Fatal(err)
			}
			want := groupIDs(all)
			for _, count := range []int{1, 3, 100} {
				got, total := walkGroups(t, gs, tenant, qq.filter, qq.sortBy, qq.order, count, nil)
				if qq.sortBy == "" { // the store's own order: as sets
					want, got = slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got))
				}
				if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" || total != all.Total {
					t.Errorf("filter %q sortBy %q %s, count %d: by cursor (-index +cursor):\n%s\ntotal %d, want %d", qq.filter, qq.sortBy, qq.order, count, d, total, all.Total)
				}
			}
		}
	})
	t.Run("CountZero", func(t *testing.T) {
		q, err := scim.NewGroupQuery("", "", "", 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		q.Cursor = true
		p, err := gs.ListGroups(ctx, tenant, q)
		if err != nil || len(p.Groups) != 0 || p.Next != "" || p.Total != 11 {
			t.Errorf("count 0: %d groups, next %q, total %d, error %v; want none, none, 11", len(p.Groups), p.Next, p.Total, err)
		}
	})
	t.Run("BadPosition", func(t *testing.T) {
		for _, qq := range []struct{ filter, sortBy string }{{}, {sortBy: "displayName"}, {sortBy: "meta.created"}, {filter: `members eq "u1"`}} {
			for _, after := range []string{"garbage", "{", "[", `{"i":1}`, `[["x","y"]]`, `[["s","a"],["s","b"],["s","c"],["s","d"]]`, `{"i":"a","k":"q"}`, `{"i":"a","k":"t","v":"yesterday"}`} {
				q, err := scim.NewGroupQuery(qq.filter, qq.sortBy, "", 1, 10)
				if err != nil {
					t.Fatal(err)
				}
				q.Cursor, q.After = true, after
				if _, err := gs.ListGroups(ctx, tenant, q); !errors.Is(err, scim.ErrInvalidPosition) {
					t.Errorf("filter %q sortBy %q, After %q: error %v, want ErrInvalidPosition", qq.filter, qq.sortBy, after, err)
				}
			}
		}
	})
	t.Run("Concurrent", func(t *testing.T) { testGroupCursorConcurrent(t, st, gs) })
	t.Run("HTTP", func(t *testing.T) { testGroupCursorHTTP(t, st, gs) })
}

// testGroupCursorConcurrent walks groups while a writer creates groups and
// deletes others between (and during) pages.
func testGroupCursorConcurrent(t *testing.T, st scim.Store, gs scim.GroupStore) {
	ctx := context.Background()
	for _, qq := range []struct{ filter, sortBy, order string }{
		{}, {order: "descending"}, {sortBy: "displayName"}, {sortBy: "meta.created", order: "descending"}, {filter: `displayName sw "team"`, sortBy: "displayName"},
	} {
		tenant := "group-cursor-concurrent-" + qq.sortBy + qq.order
		if qq.filter != "" {
			tenant += "-filtered"
		}
		const n = 90
		stable := map[string]bool{}
		var doomed []string
		for i := range n {
			g := group(fmt.Sprintf("c%03d", (i*37)%n), fmt.Sprintf("Team %02d", i%10), i)
			if err := gs.CreateGroup(ctx, tenant, g); err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				doomed = append(doomed, g.ID)
			} else {
				stable[g.ID] = true
			}
		}
		var mu sync.Mutex
		created := 0
		write := func() {
			mu.Lock()
			defer mu.Unlock()
			for range 3 {
				created++
				g := group(fmt.Sprintf("n%03d", (created*71)%1000), fmt.Sprintf("Team %02d", created%10), created%n)
				if err := gs.CreateGroup(ctx, tenant, g); err != nil && !errors.Is(err, scim.ErrConflict) {
					t.Error(err)
				}
				if len(doomed) > 0 {
					if err := gs.DeleteGroup(ctx, tenant, doomed[0], ""); err != nil {
						t.Error(err)
					}
					doomed = doomed[1:]
				}
			}
		}
		// A writer in parallel too, so that writes also land during a page.
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
		seen, _ := walkGroups(t, gs, tenant, qq.filter, qq.sortBy, qq.order, 7, write)
		close(stop)
		wg.Wait()
		count := map[string]int{}
		for _, id := range seen {
			count[id]++
			if count[id] == 2 {
				t.Errorf("%+v: %s seen twice", qq, id)
			}
		}
		for id := range stable {
			if count[id] == 0 {
				t.Errorf("%+v: %s, present throughout, not seen", qq, id)
			}
		}
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
	type listResponse struct {
		TotalResults int
		StartIndex   *int
		NextCursor   string
		ScimType     string
		Resources    []struct{ ID string }
	}
	do := func(token, method, path, body string, status int) listResponse {
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
		var r listResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	const query = "filter=displayName+sw+%22group%22&sortBy=displayName&count=4&cursor="
	want := []string{"h08", "h07", "h06", "h05", "h04", "h03", "h02", "h01", "h00"}
	var got, cursors []string
	for cursor := ""; ; {
		r := do("group-token", "GET", "Groups?"+query+url.QueryEscape(cursor), "", http.StatusOK)
		if r.StartIndex != nil || r.TotalResults != 9 {
			t.Errorf("a cursor page with startIndex %v, totalResults %d (want none, 9)", r.StartIndex, r.TotalResults)
		}
		for _, g := range r.Resources {
			got = append(got, g.ID)
		}
		if r.NextCursor == "" || len(cursors) > 10 {
			break
		}
		cursor = r.NextCursor
		cursors = append(cursors, cursor)
	}
	if d := cmp.Diff(want, got); d != "" || len(cursors) != 2 {
		t.Errorf("GET /Groups by cursor, %d pages (-want +got):\n%s", len(cursors)+1, d)
	}
	got = nil
	for cursor := ""; ; {
		body := fmt.Sprintf(`{"schemas":[%q],"filter":"displayName sw \"group\"","sortBy":"displayName","sortOrder":"descending","count":4,"cursor":%q}`, scim.MessageSearchRequest, cursor)
		r := do("group-token", "POST", "Groups/.search", body, http.StatusOK)
		for _, g := range r.Resources {
			got = append(got, g.ID)
		}
		if r.NextCursor == "" || len(got) > 20 {
			break
		}
		cursor = r.NextCursor
	}
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
	for _, c := range []struct {
		name, token, path string
		later             time.Duration
		scimType          string
	}{
		{"bad", "group-token", "Groups?" + query + "AAAA", 0, scim.SCIMTypeInvalidCursor},
		{"foreign company", "foreign-token", "Groups?" + query + cursors[0], 0, scim.SCIMTypeInvalidCursor},
		{"other query", "group-token", "Groups?sortBy=displayName&count=4&cursor=" + cursors[0], 0, scim.SCIMTypeInvalidCursor},
		{"other count", "group-token", "Groups?count=5&cursor=" + groupsNext, 0, scim.SCIMTypeInvalidCount},
		{"a /Users cursor on /Groups", "group-token", "Groups?count=4&cursor=" + usersNext, 0, scim.SCIMTypeInvalidCursor},
		{"a /Groups cursor on /Users", "group-token", "Users?count=4&cursor=" + groupsNext, 0, scim.SCIMTypeInvalidCursor},
		{"expired", "group-token", "Groups?" + query + cursors[0], scim.DefaultCursorTimeout + time.Minute, scim.SCIMTypeExpiredCursor},
	} {
		now = now.Add(c.later)
		if r := do(c.token, "GET", c.path, "", http.StatusBadRequest); r.ScimType != c.scimType {
			t.Errorf("%s: scimType %q, want %q", c.name, r.ScimType, c.scimType)
		}
	}
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}
