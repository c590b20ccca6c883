package scim

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// walk pages endpoint (Users or Groups) by cursor, a GET with query (a
// query string, which must not name a cursor or count) or, with search, a
// POST to .search with query (SearchRequest members, each followed by a
// comma); it returns the attribute attr of each resource in the order seen
// and the pages. Every page must have totalResults, no startIndex and a
// nextCursor of RFC 3986 unreserved characters.
func (s *testServer) walk(endpoint, attr string, search bool, query string, count int) (values []string, pages int) {
	s.t.Helper()
	cursor := ""
	for {
		var r response
		if search {
			r = s.do("POST", "/scim/v2/"+endpoint+"/.search", fmt.Sprintf(`{"schemas":[%q],%s"count":%d,"cursor":%q}`, MessageSearchRequest, query, count, cursor))
		} else {
			r = s.do("GET", fmt.Sprintf("/scim/v2/%s?%scount=%d&cursor=%s", endpoint, query, count, url.QueryEscape(cursor)), "")
		}
		m := s.expect(r, http.StatusOK)
		pages++
		if _, ok := m["startIndex"]; ok || m["totalResults"] == nil {
			s.t.Errorf("a cursor page with startIndex or without totalResults: %s", r.body)
		}
		for _, res := range m["Resources"].([]any) {
			values = append(values, res.(map[string]any)[attr].(string))
		}
		next, ok := m["nextCursor"].(string)
		if !ok {
			return values, pages
		}
		if strings.Trim(next, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") != "" {
			s.t.Fatalf("nextCursor %q has characters outside RFC 3986's unreserved set", next)
		}
		if pages > 1000 {
			s.t.Fatal("walk does not end")
		}
		cursor = next
	}
}

func TestCursorWalk(t *testing.T) {
	s := newTestServer(t)
	var want []string
	for i := range 25 {
		s.expect(s.do("POST", "/scim/v2/Users", oktaUser(i)), http.StatusCreated)
		want = append(want, fmt.Sprintf("user%03d@example.com", i))
	}
	tests := []struct {
		name, query string
		count       int
		want        []string
		pages       int
	}{
		{"all by id", "", 10, nil, 3},
		{"exact pages", "", 5, nil, 5}, // the last full page has no nextCursor: no empty page follows
		{"one page", "", 100, nil, 1},
		{"sorted", "sortBy=userName&", 7, want, 4},
		{"sorted descending", "sortBy=name.familyName&sortOrder=descending&", 7, reversed(want), 4},
		{"filtered", "filter=" + url.QueryEscape(`userName sw "user01"`) + "&sortBy=userName&", 3, want[10:20], 4},
		{"by primary email", "sortBy=emails.value&", 10, want, 3},
		{"by created", "sortBy=meta.created&", 10, want, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			got, pages := s.walk("Users", "userName", false, tt.query, tt.count)
			w := tt.want
			if w == nil { // id order: compare as sets, and check no repeats
				w = want
				slices.Sort(got)
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("walk (-want +got):\n%s", diff)
			}
			if pages != tt.pages {
				t.Errorf("%d pages, want %d", pages, tt.pages)
			}
		})
	}
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

// TestCursorListShape pins the list response by cursor: totalResults and
// itemsPerPage as by index, nextCursor instead of startIndex, none on the
// last page; and by index, no cursor attribute at all.
func TestCursorListShape(t *testing.T) {
	s := newTestServer(t)
	for i := range 3 {
		s.expect(s.do("POST", "/scim/v2/Users", oktaUser(i)), http.StatusCreated)
	}
	m := s.expect(s.do("GET", "/scim/v2/Users?cursor&count=2&attributes=userName", ""), http.StatusOK)
	next, _ := m["nextCursor"].(string)
	delete(m, "nextCursor")
	delete(m, "Resources")
	want := map[string]any{"schemas": []any{MessageListResponse}, "totalResults": 3.0, "itemsPerPage": 2.0}
	if diff := cmp.Diff(want, m); diff != "" || next == "" {
		t.Errorf("first page (-want +got):\n%s\nnextCursor %q", diff, next)
	}
	m = s.expect(s.do("GET", "/scim/v2/Users?count=2&attributes=userName&cursor="+next, ""), http.StatusOK)
	delete(m, "Resources")
	want["itemsPerPage"] = 1.0
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("last page (-want +got):\n%s", diff)
	}
	// count=0 by cursor: the total only, nothing to page.
	m = s.expect(s.do("GET", "/scim/v2/Users?cursor=&count=0", ""), http.StatusOK)
	if m["totalResults"] != 3.0 || m["nextCursor"] != nil || len(m["Resources"].([]any)) != 0 {
		t.Errorf("count=0: %v", m)
	}
	// By index, nothing changes.
	m = s.expect(s.do("GET", "/scim/v2/Users?count=2", ""), http.StatusOK)
	if m["startIndex"] != 1.0 || m["nextCursor"] != nil {
		t.Errorf("index page: %v", m)
	}
}

func TestCursorSearch(t *testing.T) {
	s := newTestServer(t)
	for i := range 5 {
		s.expect(s.do("POST", "/scim/v2/Users", oktaUser(i)), http.StatusCreated)
	}
	got, pages := s.walk("Users", "userName", true, `"filter":"active eq true","sortBy":"userName",`, 2)
	want := []string{"user000@example.com", "user001@example.com", "user002@example.com", "user003@example.com", "user004@example.com"}
	if diff := cmp.Diff(want, got); diff != "" || pages != 3 {
		t.Errorf(".search walk, %d pages (-want +got):\n%s", pages, diff)
	}
}

// TestCursorErrors checks each way a cursor request is refused, RFC 9865
// §2.1's scimType for each.
func TestCursorErrors(t *testing.T) {
	s := newTestServer(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.h.Now = func() time.Time { return now }
	for i := range 4 {
		s.expect(s.do("POST", "/scim/v2/Users", oktaUser(i)), http.StatusCreated)
	}
	first := s.expect(s.do("GET", "/scim/v2/Users?cursor&count=2&sortBy=userName", ""), http.StatusOK)
	next := first["nextCursor"].(string)
	tampered := []byte(next)
	tampered[len(tampered)/2] ^= 1
	if tampered[len(tampered)/2] == '-' || tampered[len(tampered)/2] == '_' {
		tampered[len(tampered)/2] = 'A'
	}
	// The same cursor from another handler (another key), for the other company's token.
	other := newTestServer(t)
	other.h.Now = s.h.Now
	for i := range 4 {
		other.expect(other.do("POST", "/scim/v2/Users", oktaUser(i)), http.StatusCreated)
	}
	otherNext := other.expect(other.do("GET", "/scim/v2/Users?cursor&count=2&sortBy=userName", ""), http.StatusOK)["nextCursor"].(string)

	tests := []struct {
		name, path string
		hdr        []string
		later      time.Duration
		status     int
		scimType   string
	}{
		{"garbage", "/scim/v2/Users?count=2&sortBy=userName&cursor=notacursor", nil, 0, 400, SCIMTypeInvalidCursor},
		{"tampered", "/scim/v2/Users?count=2&sortBy=userName&cursor=" + string(tampered), nil, 0, 400, SCIMTypeInvalidCursor},
		{"another key", "/scim/v2/Users?count=2&sortBy=userName&cursor=" + otherNext, nil, 0, 400, SCIMTypeInvalidCursor},
		{"another company", "/scim/v2/Users?count=2&sortBy=userName&cursor=" + next, []string{"Authorization", "Bearer other-token"}, 0, 400, SCIMTypeInvalidCursor},
		{"another sort", "/scim/v2/Users?count=2&sortBy=displayName&cursor=" + next, nil, 0, 400, SCIMTypeInvalidCursor},
		{"another filter", "/scim/v2/Users?count=2&sortBy=userName&filter=active+eq+true&cursor=" + next, nil, 0, 400, SCIMTypeInvalidCursor},
		{"another projection", "/scim/v2/Users?count=2&sortBy=userName&attributes=userName&cursor=" + next, nil, 0, 400, SCIMTypeInvalidCursor},
		{"another count", "/scim/v2/Users?count=3&sortBy=userName&cursor=" + next, nil, 0, 400, SCIMTypeInvalidCount},
		{"count past max", "/scim/v2/Users?count=100000&cursor=", nil, 0, 400, SCIMTypeInvalidCount},
		{"with startIndex", "/scim/v2/Users?count=2&startIndex=1&cursor=", nil, 0, 400, SCIMTypeInvalidValue},
		{"expired", "/scim/v2/Users?count=2&sortBy=userName&cursor=" + next, nil, DefaultCursorTimeout + time.Second, 400, SCIMTypeExpiredCursor},
		{"not yet expired", "/scim/v2/Users?count=2&sortBy=userName&cursor=" + next, nil, DefaultCursorTimeout, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(tt.later)
			m := s.expect(s.do("GET", tt.path, "", tt.hdr...), tt.status)
			if got, _ := m["scimType"].(string); got != tt.scimType {
				t.Errorf("scimType %q, want %q: %v", got, tt.scimType, m)
			}
		})
	}
}

// TestCursorKeyShared: handlers sharing CursorKey accept each other's
// cursors, as instances behind one load balancer must.
func TestCursorKeyShared(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	a, b := newTestServer(t), newTestServer(t)
	a.h.CursorKey, b.h.CursorKey = key, key
	b.h.Store = a.store
	for i := range 3 {
		a.expect(a.do("POST", "/scim/v2/Users", oktaUser(i)), http.StatusCreated)
	}
	next := a.expect(a.do("GET", "/scim/v2/Users?cursor&count=2", ""), http.StatusOK)["nextCursor"].(string)
	m := b.expect(b.do("GET", "/scim/v2/Users?count=2&cursor="+next, ""), http.StatusOK)
	if n := len(m["Resources"].([]any)); n != 1 {
		t.Errorf("second page on the other instance has %d users, want 1", n)
	}
}

// TestCursorKeyFromStore: handlers without a CursorKey over a KeyStore
// sign with its key, read once: another instance, or a restarted one,
// continues the walk. A store that cannot give the key fails the list
// (503) rather than let the handler sign with a key of its own, and is
// asked again by the next list; a CursorKey overrides the store's.
func TestCursorKeyFromStore(t *testing.T) {
	a, b, restarted := newTestServer(t), newTestServer(t), newTestServer(t)
	ks := &keyStore{MemoryStore: a.store, keys: map[string][]byte{}}
	a.h.Store, b.h.Store, restarted.h.Store = ks, ks, ks
	for i := range 5 {
		a.expect(a.do("POST", "/scim/v2/Users", oktaUser(i)), http.StatusCreated)
	}
	next := a.expect(a.do("GET", "/scim/v2/Users?cursor&count=2", ""), http.StatusOK)["nextCursor"].(string)
	next = b.expect(b.do("GET", "/scim/v2/Users?count=2&cursor="+next, ""), http.StatusOK)["nextCursor"].(string)
	m := restarted.expect(restarted.do("GET", "/scim/v2/Users?count=2&cursor="+next, ""), http.StatusOK)
	if n := len(m["Resources"].([]any)); n != 1 || m["nextCursor"] != nil {
		t.Errorf("the last page, on a third handler: %d users, nextCursor %v; want 1 and none", n, m["nextCursor"])
	}
	a.expect(a.do("GET", "/scim/v2/Users?cursor&count=2", ""), http.StatusOK)
	if ks.asks != 3 {
		t.Errorf("the store was asked for the key %d times, want once per handler (3)", ks.asks)
	}

	ks.down = true
	late := newTestServer(t)
	late.h.Store = ks
	late.expect(late.do("GET", "/scim/v2/Users?cursor&count=2", ""), http.StatusServiceUnavailable)
	ks.down = false
	late.expect(late.do("GET", "/scim/v2/Users?count=2&cursor="+next, ""), http.StatusOK)

	own := newTestServer(t)
	own.h.Store, own.h.CursorKey = ks, []byte("a key of its own, 32 bytes long.")
	if m := own.expect(own.do("GET", "/scim/v2/Users?count=2&cursor="+next, ""), http.StatusBadRequest); m["scimType"] != SCIMTypeInvalidCursor {
		t.Errorf("a handler with a CursorKey of its own: %v, want invalidCursor", m)
	}
}

func TestServiceProviderConfigPagination(t *testing.T) {
	s := newTestServer(t)
	s.h.CursorTimeout = 10 * time.Minute
	m := s.expect(s.do("GET", "/scim/v2/ServiceProviderConfig", ""), http.StatusOK)
	want := map[string]any{"cursor": true, "index": true, "defaultPaginationMethod": "index",
		"defaultPageSize": 100.0, "maxPageSize": 1000.0, "cursorTimeout": 600.0}
	if diff := cmp.Diff(want, m["pagination"]); diff != "" {
		t.Errorf("pagination (-want +got):\n%s", diff)
	}
}

// FuzzDecodeCursor: no cursor a client sends panics the handler, only one
// it issued is accepted, and a position the store reads back is either
// ErrInvalidPosition or a user the query can compare.
func FuzzDecodeCursor(f *testing.F) {
	h := &Handler{CursorKey: []byte("fuzz key")}
	h.init()
	now := time.Unix(1_800_000_000, 0)
	sc := &cursorScope{tenant: "acme", endpoint: "Users", sortBy: "userName", key: h.cursorKey}
	f.Add(h.encodeCursor(sc, 10, `{"i":"a","k":"s","v":"x"}`, now), `{"i":"a","k":"s","v":"x"}`)
	f.Add("", "")
	f.Add("AQ", `{"i":"a"}`)
	f.Add("notacursor", `{"i":"a","k":"t","v":"2026-01-01T00:00:00Z"}`)
	m := defaultModel
	q, err := m.NewQuery("", "userName", "", 1, 10)
	if err != nil {
		f.Fatal(err)
	}
	qt, err := m.NewQuery("", "meta.created", "", 1, 10)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, cursor, position string) {
		if pos, err := h.decodeCursor(sc, cursor, 10, now); err == nil {
			if _, err := q.positionUser(pos); err != nil && err != ErrInvalidPosition {
				t.Fatalf("positionUser(%q): %v", pos, err)
			}
		}
		c := h.encodeCursor(sc, 10, position, now)
		got, err := h.decodeCursor(sc, c, 10, now)
		if err != nil || got != position {
			t.Fatalf("round trip of %q: %q, %v", position, got, err)
		}
		for _, q := range []*Query{q, qt} {
			if u, err := q.positionUser(position); err == nil {
				q.Compare(u, &User{ID: "b", UserName: "y"})
			}
		}
	})
}

// TestPagerCursor: a cursor Pager, users offered in Query.Compare's order
// or in any order, yields the same pages, with Next on all but the last and
// Total counting every match.
func TestPagerCursor(t *testing.T) {
	var users []*User
	for i := range 10 {
		users = append(users, &User{ID: fmt.Sprintf("id%02d", i), UserName: fmt.Sprintf("u%02d", (i*3)%10), Active: i%2 == 0})
	}
	shuffled := slices.Clone(users)
	slices.Reverse(shuffled)
	tests := []struct {
		filter, sortBy string
		count          int
		want           [][]string
	}{
		{"", "", 4, [][]string{{"id00", "id01", "id02", "id03"}, {"id04", "id05", "id06", "id07"}, {"id08", "id09"}}},
		{"", "", 5, [][]string{{"id00", "id01", "id02", "id03", "id04"}, {"id05", "id06", "id07", "id08", "id09"}}},
		{"active eq true", "userName", 2, [][]string{{"id00", "id04"}, {"id08", "id02"}, {"id06"}}},
		{"", "", 0, [][]string{{}}},
	}
	for _, tt := range tests {
		for _, ordered := range []bool{true, false} {
			if ordered && tt.sortBy != "" {
				continue // offered by id: not the sort's order
			}
			var got [][]string
			after := ""
			for range 10 {
				q, err := defaultModel.NewQuery(tt.filter, tt.sortBy, "", 1, tt.count)
				if err != nil {
					t.Fatal(err)
				}
				q.Cursor, q.After = true, after
				p := q.Pager(ordered)
				in := users
				if !ordered {
					in = shuffled
				}
				for _, u := range in {
					p.Offer(u)
				}
				page := p.Page()
				if err := p.Err(); err != nil {
					t.Fatal(err)
				}
				ids := []string{}
				for _, u := range page.Users {
					ids = append(ids, u.ID)
				}
				got = append(got, ids)
				if want := map[string]int{"": 10, "active eq true": 5}[tt.filter]; page.Total != want {
					t.Errorf("total %d, want %d", page.Total, want)
				}
				if page.Next == "" {
					break
				}
				after = page.Next
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("filter %q sortBy %q count %d ordered %v (-want +got):\n%s", tt.filter, tt.sortBy, tt.count, ordered, diff)
			}
		}
	}
	q, _ := defaultModel.NewQuery("", "", "", 1, 3)
	q.Cursor, q.After = true, "not a position"
	p := q.Pager(false)
	p.Offer(users[0])
	if p.Err() != ErrInvalidPosition || len(p.Page().Users) != 0 {
		t.Errorf("bad position: err %v, page %v", p.Err(), p.Page().Users)
	}
}

// BenchmarkMemoryCursorWalk measures a cursor page of 100 users at the
// start and the end of a walk of 100,000 in the memory store, and the same
// page by index.
//
//	go test -run '^$' -bench MemoryCursorWalk -benchtime 100x
func BenchmarkMemoryCursorWalk(b *testing.B) {
	st := NewMemoryStore()
	ctx := b.Context()
	const n, count = 100_000, 100
	for i := range n {
		u := &User{ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", i*7919%n, i), UserName: fmt.Sprintf("user%06d@example.com", i), Active: true}
		if err := st.CreateUser(ctx, "acme", u); err != nil {
			b.Fatal(err)
		}
	}
	for _, sortBy := range []string{"", "userName"} {
		positions := []string{""}
		for {
			q, _ := defaultModel.NewQuery("", sortBy, "", 1, count)
			q.Cursor, q.After = true, positions[len(positions)-1]
			p, err := st.ViewUsers(ctx, "acme", q)
			if err != nil {
				b.Fatal(err)
			}
			if p.Next == "" {
				break
			}
			positions = append(positions, p.Next)
		}
		name := sortBy
		if name == "" {
			name = "id"
		}
		for _, page := range []int{1, 1000} {
			b.Run(fmt.Sprintf("%s/page-%d", name, page), func(b *testing.B) {
				q, _ := defaultModel.NewQuery("", sortBy, "", 1, count)
				q.Cursor, q.After = true, positions[page-1]
				for b.Loop() {
					if p, err := st.ViewUsers(ctx, "acme", q); err != nil || len(p.Users) != count {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(name+"/index-page-1000", func(b *testing.B) {
			q, _ := defaultModel.NewQuery("", sortBy, "", n-count+1, count)
			for b.Loop() {
				if p, err := st.ViewUsers(ctx, "acme", q); err != nil || len(p.Users) != count {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCursorGroupsFilter: with groups on, a walk by cursor filtered on a
// group lists each of its members once.
func TestCursorGroupsFilter(t *testing.T) {
	s := newTestServer(t)
	s.h.Groups = s.store
	var members []string
	for i := range 7 {
		m := s.expect(s.do("POST", "/scim/v2/Users", oktaUser(i)), http.StatusCreated)
		if i%3 != 0 {
			members = append(members, fmt.Sprintf(`{"value":%q}`, m["id"]))
		}
	}
	g := s.expect(s.do("POST", "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[`+strings.Join(members, ",")+`]}`), http.StatusCreated)
	filter := "filter=" + url.QueryEscape(fmt.Sprintf(`groups.value eq %q`, g["id"])) + "&"
	for _, sortBy := range []string{"", "sortBy=userName&"} {
		got, pages := s.walk("Users", "userName", false, filter+sortBy, 2)
		slices.Sort(got)
		want := []string{"user001@example.com", "user002@example.com", "user004@example.com", "user005@example.com"}
		if diff := cmp.Diff(want, got); diff != "" || pages != 2 {
			t.Errorf("%q: %d pages (-want +got):\n%s", sortBy, pages, diff)
		}
	}
}

// TestCursorGroupsWalk pages /Groups and /Groups/.search by cursor over
// HTTP: each group once, in order when sorted, nextCursor instead of
// startIndex, none on the last page; and the refusals as for /Users.
func TestCursorGroupsWalk(t *testing.T) {
	s := newTestServer(t)
	s.h.Groups = s.store
	var want []string
	for i := range 11 {
		name := fmt.Sprintf("Group %02d", i)
		s.expect(s.do("POST", "/scim/v2/Groups", fmt.Sprintf(`{"schemas":[%q],"displayName":%q}`, SchemaGroup, name)), http.StatusCreated)
		want = append(want, name)
	}
	tests := []struct {
		name   string
		search bool
		query  string
		count  int
		want   []string
		pages  int
	}{
		{"store order", false, "", 4, nil, 3},
		{"exact pages", false, "", 11, nil, 1},
		{"sorted", false, "sortBy=displayName&", 4, want, 3},
		{"sorted descending", false, "sortBy=displayName&sortOrder=descending&", 5, reversed(want), 3},
		{"filtered", false, "filter=" + url.QueryEscape(`displayName sw "group 0"`) + "&sortBy=displayName&", 3, want[:10], 4},
		{"search", true, `"sortBy":"displayName",`, 4, want, 3},
		{"search filtered", true, `"filter":"displayName sw \"group 0\"","sortBy":"meta.created","sortOrder":"descending",`, 4, reversed(want[:10]), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			got, pages := s.walk("Groups", "displayName", tt.search, tt.query, tt.count)
			w := tt.want
			if w == nil { // the store's order: compare as sets
				w = want
				slices.Sort(got)
			}
			if diff := cmp.Diff(w, got); diff != "" || pages != tt.pages {
				t.Errorf("%d pages, want %d (-want +got):\n%s", pages, tt.pages, diff)
			}
		})
	}

	s.t = t
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.h.Now = func() time.Time { return now }
	s.expect(s.do("POST", "/scim/v2/Users", oktaUser(0)), http.StatusCreated)
	s.expect(s.do("POST", "/scim/v2/Users", oktaUser(1)), http.StatusCreated)
	next := s.expect(s.do("GET", "/scim/v2/Groups?cursor&count=2&sortBy=displayName", ""), http.StatusOK)["nextCursor"].(string)
	usersNext := s.expect(s.do("GET", "/scim/v2/Users?cursor&count=1&sortBy=displayName", ""), http.StatusOK)["nextCursor"].(string)
	for _, tt := range []struct {
		name, method, path, body string
		hdr                      []string
		later                    time.Duration
		status                   int
		scimType                 string
	}{
		{"garbage", "GET", "/scim/v2/Groups?count=2&sortBy=displayName&cursor=notacursor", "", nil, 0, 400, SCIMTypeInvalidCursor},
		{"another company", "GET", "/scim/v2/Groups?count=2&sortBy=displayName&cursor=" + next, "", []string{"Authorization", "Bearer other-token"}, 0, 400, SCIMTypeInvalidCursor},
		{"a /Users cursor", "GET", "/scim/v2/Groups?count=1&sortBy=displayName&cursor=" + usersNext, "", nil, 0, 400, SCIMTypeInvalidCursor},
		{"on /Users", "GET", "/scim/v2/Users?count=2&sortBy=displayName&cursor=" + next, "", nil, 0, 400, SCIMTypeInvalidCursor},
		{"another sort", "GET", "/scim/v2/Groups?count=2&sortBy=externalId&cursor=" + next, "", nil, 0, 400, SCIMTypeInvalidCursor},
		{"another count", "GET", "/scim/v2/Groups?count=3&sortBy=displayName&cursor=" + next, "", nil, 0, 400, SCIMTypeInvalidCount},
		{"count past max", "GET", "/scim/v2/Groups?count=100000&cursor=", "", nil, 0, 400, SCIMTypeInvalidCount},
		{"with startIndex", "POST", "/scim/v2/Groups/.search", `{"startIndex":1,"cursor":""}`, nil, 0, 400, SCIMTypeInvalidValue},
		{"search by GET", "GET", "/scim/v2/Groups/.search", "", nil, 0, 405, ""},
		{"expired", "GET", "/scim/v2/Groups?count=2&sortBy=displayName&cursor=" + next, "", nil, DefaultCursorTimeout + time.Second, 400, SCIMTypeExpiredCursor},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(tt.later)
			m := s.expect(s.do(tt.method, tt.path, tt.body, tt.hdr...), tt.status)
			if got, _ := m["scimType"].(string); got != tt.scimType {
				t.Errorf("scimType %q, want %q: %v", got, tt.scimType, m)
			}
		})
	}
}
