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
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim"
)

// walk lists a query by cursor (scim.Query.Cursor), count users a page,
// and returns the ids in the order seen. between runs before each page
// after the first.
func walk(t *testing.T, st scim.Store, m *scim.Model, tenant, filter, sortBy, order string, count int, between func()) (ids []string, total int) {
	t.Helper()
	ctx := context.Background()
	after := ""
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("filter %q sortBy %q: the walk does not end", filter, sortBy)
		}
		q, err := m.NewQuery(filter, sortBy, order, 1, count)
		if err != nil {
			t.Fatal(err)
		}
		q.Cursor, q.After = true, after
		p, err := st.ListUsers(ctx, tenant, q)
		if err != nil {
			t.Fatalf("filter %q sortBy %q after %q: %v", filter, sortBy, after, err)
		}
		if len(p.Users) > count {
			t.Fatalf("a page of %d users, count %d", len(p.Users), count)
		}
		if p.Next != "" && len(p.Users) == 0 {
			t.Fatalf("an empty page with a next position")
		}
		ids = append(ids, userIDs(p.Users)...)
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

// testCursor checks cursor paging: a walk by cursor lists what one index
// page lists, in the same order when sorted, for the shared filter and sort
// tables; positions the store cannot read are ErrInvalidPosition; a walk
// under concurrent creates and deletes sees every user that exists
// throughout exactly once, and none twice.
func testCursor(t *testing.T, st scim.Store) {
	const tenant = "cursor"
	ctx := context.Background()
	m := FixtureModel()
	for _, u := range FixtureUsers() {
		if err := st.CreateUser(ctx, tenant, u.Clone()); err != nil {
			t.Fatalf("CreateUser(%s): %v", u.ID, err)
		}
	}
	t.Run("AsIndex", func(t *testing.T) {
		type query struct{ filter, sortBy, order string }
		queries := []query{{}, {sortBy: "userName"}, {sortBy: "userName", order: "descending"}}
		for _, c := range SortCases {
			queries = append(queries, query{c.Filter, c.SortBy, c.SortOrder})
		}
		for _, c := range FilterCases {
			if c.WantErr == "" {
				queries = append(queries, query{filter: c.Filter})
			}
		}
		for _, qq := range queries {
			q, err := m.NewQuery(qq.filter, qq.sortBy, qq.order, 1, 1000)
			if err != nil {
				t.Fatal(err)
			}
			all, err := st.ListUsers(ctx, tenant, q)
			if err != nil {
				t.Fatal(err)
			}
			want := userIDs(all.Users)
			for _, count := range []int{1, 3} {
				got, total := walk(t, st, m, tenant, qq.filter, qq.sortBy, qq.order, count, nil)
				if qq.sortBy == "" { // the store's own order: as sets
					slices.Sort(want)
					slices.Sort(got)
				}
				if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" || total != all.Total {
					t.Errorf("filter %q sortBy %q %s, count %d: by cursor (-index +cursor):\n%s\ntotal %d, want %d", qq.filter, qq.sortBy, qq.order, count, d, total, all.Total)
				}
			}
		}
	})
	t.Run("BadPosition", func(t *testing.T) {
		for _, sortBy := range []string{"", "userName", "meta.created", "name.familyName"} {
			for _, after := range []string{"garbage", "{", "[", `{"i":1}`, `[["x","y"]]`, `[["s","a"],["s","b"],["s","c"],["s","d"]]`, `{"i":"a","k":"q"}`} {
				q, err := m.NewQuery("", sortBy, "", 1, 10)
				if err != nil {
					t.Fatal(err)
				}
				q.Cursor, q.After = true, after
				if _, err := st.ListUsers(ctx, tenant, q); !errors.Is(err, scim.ErrInvalidPosition) {
					t.Errorf("sortBy %q, After %q: error %v, want ErrInvalidPosition", sortBy, after, err)
				}
			}
		}
	})
	t.Run("Concurrent", func(t *testing.T) { testCursorConcurrent(t, st, m) })
	t.Run("HTTP", func(t *testing.T) { testCursorHTTP(t, st) })
}

// testCursorConcurrent walks while a writer creates users and deletes
// others between (and during) pages.
func testCursorConcurrent(t *testing.T, st scim.Store, m *scim.Model) {
	ctx := context.Background()
	for _, sortBy := range []string{"", "userName", "name.familyName"} {
		tenant := "cursor-concurrent-" + sortBy
		const n = 120
		stable := map[string]bool{}
		var doomed []string
		for i := range n {
			u := &scim.User{ID: fmt.Sprintf("c%03d", (i*37)%n), UserName: fmt.Sprintf("user%03d@example.com", (i*53)%n), Active: true,
				Name: scim.Name{FamilyName: fmt.Sprintf("F%02d", i%10)}}
			u.Meta.Created, u.Meta.LastModified = time.Unix(int64(i), 0), time.Unix(int64(i), 0)
			if err := st.CreateUser(ctx, tenant, u); err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				doomed = append(doomed, u.ID)
			} else {
				stable[u.ID] = true
			}
		}
		var mu sync.Mutex
		created := 0
		write := func() {
			mu.Lock()
			defer mu.Unlock()
			for range 3 {
				created++
				u := &scim.User{ID: fmt.Sprintf("n%03d", (created*71)%1000), UserName: fmt.Sprintf("new%03d@example.com", (created*29)%1000), Active: true,
					Name: scim.Name{FamilyName: fmt.Sprintf("F%02d", created%10)}}
				if err := st.CreateUser(ctx, tenant, u); err != nil && !errors.Is(err, scim.ErrConflict) {
					t.Error(err)
				}
				if len(doomed) > 0 {
					if err := st.DeleteUser(ctx, tenant, doomed[0], ""); err != nil {
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
		seen, _ := walk(t, st, m, tenant, "", sortBy, "", 7, write)
		close(stop)
		wg.Wait()
		count := map[string]int{}
		for _, id := range seen {
			count[id]++
			if count[id] == 2 {
				t.Errorf("sortBy %q: %s seen twice", sortBy, id)
			}
		}
		for id := range stable {
			if count[id] == 0 {
				t.Errorf("sortBy %q: %s, present throughout, not seen", sortBy, id)
			}
		}
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
	type listResponse struct {
		NextCursor string
		ScimType   string
		Resources  []struct{ ID string }
	}
	get := func(token, query string, status int) listResponse {
		t.Helper()
		req := httptest.NewRequest("GET", "/scim/v2/Users?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != status {
			t.Fatalf("GET /Users?%s: %d, want %d: %s", query, rec.Code, status, rec.Body)
		}
		var r listResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	const query = "filter=active+eq+true&sortBy=userName&count=4&cursor="
	var got []string
	cursor, cursors := "", []string{}
	for range 10 {
		r := get("cursor-token", query+url.QueryEscape(cursor), http.StatusOK)
		for _, u := range r.Resources {
			got = append(got, u.ID)
		}
		if r.NextCursor == "" {
			break
		}
		cursor = r.NextCursor
		cursors = append(cursors, cursor)
	}
	want := []string{"h08", "h07", "h06", "h05", "h04", "h03", "h02", "h01", "h00"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("walk by cursor over HTTP (-want +got):\n%s", d)
	}
	for _, c := range []struct {
		name, token, query string
		later              time.Duration
		scimType           string
	}{
		{"bad", "cursor-token", query + "AAAA", 0, scim.SCIMTypeInvalidCursor},
		{"foreign company", "foreign-token", query + cursors[0], 0, scim.SCIMTypeInvalidCursor},
		{"other query", "cursor-token", "sortBy=userName&count=4&cursor=" + cursors[0], 0, scim.SCIMTypeInvalidCursor},
		{"expired", "cursor-token", query + cursors[0], scim.DefaultCursorTimeout + time.Minute, scim.SCIMTypeExpiredCursor},
	} {
		now = now.Add(c.later)
		if r := get(c.token, c.query, http.StatusBadRequest); r.ScimType != c.scimType {
			t.Errorf("%s: scimType %q, want %q", c.name, r.ScimType, c.scimType)
		}
	}
}
