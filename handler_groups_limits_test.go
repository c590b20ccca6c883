package scim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func patchOps(ops ...string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Join(ops, ",") + `]}`
}

func repeatOp(op string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = op
	}
	return out
}

// TestGroupPatchReadsMembersOnce pins issue 23 item 4: however many
// filtered removes a PATCH holds, the member list is read once, and at
// most maxMemberFilters such filters are accepted.
func TestGroupPatchReadsMembersOnce(t *testing.T) {
	h, cg := groupsHandler(t, 50)
	ops := []string{
		`{"op":"remove","path":"members[display pr]"}`,
		`{"op":"remove","path":"members[type eq \"group\"]"}`,
		`{"op":"add","path":"members","value":[{"value":"u000001"}]}`,
		`{"op":"remove","path":"members[value sw \"u00000\"]"}`,
	}
	if w := serve(h, "PATCH", "/scim/v2/Groups/g", patchOps(ops...)); w.Code != 204 {
		t.Fatalf("PATCH: %d %s", w.Code, w.Body)
	}
	if cg.calls != 1 {
		t.Errorf("three filtered removes read the members %d times, want once", cg.calls)
	}
	var got []string
	_ = cg.Members(t.Context(), "acme", "g", func(m Member) error { got = append(got, m.Value); return nil })
	if len(got) != 40 || got[0] != "u000010" {
		t.Errorf("after removing u000000..u000009: %d members, first %q", len(got), got[0])
	}
	cg.calls = 0
	w := serve(h, "PATCH", "/scim/v2/Groups/g", patchOps(repeatOp(`{"op":"remove","path":"members[display pr]"}`, maxMemberFilters+1)...))
	if e := scimError(t, w.Body); w.Code != 400 || e.ScimType != SCIMTypeInvalidValue || !strings.Contains(e.Detail, fmt.Sprint(maxMemberFilters)) {
		t.Errorf("%d filtered removes: %d %s", maxMemberFilters+1, w.Code, w.Body)
	}
	if cg.calls > 1 {
		t.Errorf("a refused PATCH read the members %d times", cg.calls)
	}
}

// TestPatchOperationLimit: a PATCH of more than MaxPatchOperations
// operations, of a user or a group, is 400 invalidValue and changes
// nothing (RFC 7644 §3.12 keeps tooMany for filters).
func TestPatchOperationLimit(t *testing.T) {
	h, _ := groupsHandler(t, 3)
	h.MaxPatchOperations = 5
	for _, target := range []string{"/scim/v2/Groups/g", "/scim/v2/Users/u000001"} {
		op := `{"op":"replace","path":"displayName","value":"New"}`
		if w := serve(h, "PATCH", target, patchOps(repeatOp(op, 5)...)); w.Code >= 300 {
			t.Errorf("%s with 5 operations: %d %s", target, w.Code, w.Body)
		}
		w := serve(h, "PATCH", target, patchOps(repeatOp(op, 6)...))
		if e := scimError(t, w.Body); w.Code != 400 || e.ScimType != SCIMTypeInvalidValue || !strings.Contains(e.Detail, "6 operations; at most 5") {
			t.Errorf("%s with 6 operations: %d %s", target, w.Code, w.Body)
		}
	}
	h.MaxPatchOperations = 0
	op := `{"op":"add","path":"members","value":[{"value":"u000001"}]}`
	if w := serve(h, "PATCH", "/scim/v2/Groups/g", patchOps(repeatOp(op, DefaultMaxPatchOperations+1)...)); w.Code != 400 {
		t.Errorf("the default limit: %d operations answered %d", DefaultMaxPatchOperations+1, w.Code)
	}
}

type scimErr struct {
	ScimType string
	Detail   string
}

func scimError(t *testing.T, w interface{ Bytes() []byte }) scimErr {
	t.Helper()
	var e scimErr
	_ = json.Unmarshal(w.Bytes(), &e)
	return e
}

// deadlineWriter records the write deadlines a response sets.
type deadlineWriter struct {
	*httptest.ResponseRecorder
	deadlines []time.Time
	writes    int
}

func (d *deadlineWriter) SetWriteDeadline(t time.Time) error {
	d.deadlines = append(d.deadlines, t)
	return nil
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	d.writes++
	return d.ResponseRecorder.Write(p)
}

// TestGroupStreamLimits pins issue 23 item 5 on the handler's side: each
// write of a streamed group has a deadline of its own, a response that
// outgrows one chunk takes one of MaxStreams (503 with Retry-After past
// it, before anything is sent), a small one takes none, and a finished or
// aborted stream gives its slot back.
func TestGroupStreamLimits(t *testing.T) {
	h, cg := groupsHandler(t, 3000)
	h.StreamWriteTimeout = time.Minute
	r := httptest.NewRequest("GET", "/scim/v2/Groups/g", nil)
	r.Header.Set("Authorization", "Bearer tok")
	w := &deadlineWriter{ResponseRecorder: httptest.NewRecorder()}
	before := time.Now()
	h.ServeHTTP(w, r)
	if w.Code != 200 || w.writes < 2 || len(w.deadlines) != w.writes {
		t.Fatalf("status %d: %d writes, %d deadlines; want a deadline per write", w.Code, w.writes, len(w.deadlines))
	}
	if d := w.deadlines[0]; d.Before(before.Add(time.Minute)) || d.After(time.Now().Add(time.Minute)) {
		t.Errorf("deadline %v, want StreamWriteTimeout from the write", d)
	}
	if n := h.streams.Load(); n != 0 {
		t.Errorf("%d streams held after the response", n)
	}

	h.MaxStreams = 2
	h.streams.Add(2) // two streams in flight
	w2 := serve(h, "GET", "/scim/v2/Groups/g", "")
	if w2.Code != 503 || w2.Header().Get("Retry-After") == "" || w2.Header().Get("ETag") != "" {
		t.Errorf("a third stream: %d, Retry-After %q, ETag %q; want 503 with Retry-After", w2.Code, w2.Header().Get("Retry-After"), w2.Header().Get("ETag"))
	}
	if w := serve(h, "GET", "/scim/v2/Groups/g?excludedAttributes=members", ""); w.Code != 200 {
		t.Errorf("a small response while streams are full: %d", w.Code)
	}
	h.streams.Add(-1)
	if w := serve(h, "GET", "/scim/v2/Groups/g", ""); w.Code != 200 {
		t.Errorf("with a stream free: %d", w.Code)
	}
	cg.failAt = 2500 // after the first chunk: aborted
	func() {
		defer func() { _ = recover() }()
		serve(h, "GET", "/scim/v2/Groups/g", "")
	}()
	if n := h.streams.Load(); n != 1 {
		t.Errorf("%d streams held after an aborted one, want the 1 left in flight", n)
	}
}

// lookupCounter counts the user lookups and GroupsOf calls a request makes.
type lookupCounter struct {
	*MemoryStore
	lists, gets, groupsOf int
}

func (c *lookupCounter) ViewUsers(ctx context.Context, tenant string, q *Query) (*Page, error) {
	c.lists++
	return c.MemoryStore.ViewUsers(ctx, tenant, q)
}

func (c *lookupCounter) ListUsers(ctx context.Context, tenant string, q *Query) (*Page, error) {
	c.lists++
	return c.MemoryStore.ListUsers(ctx, tenant, q)
}

func (c *lookupCounter) GetUser(ctx context.Context, tenant, id string) (*User, error) {
	c.gets++
	return c.MemoryStore.GetUser(ctx, tenant, id)
}

func (c *lookupCounter) GroupsOf(ctx context.Context, tenant string, ids []string) (map[string][]GroupRef, error) {
	c.groupsOf++
	return c.MemoryStore.GroupsOf(ctx, tenant, ids)
}

// TestUsersByGroupBatches pins issue 23 item 7 in the handler: GET /Users
// with groups.value eq "g" looks up only the page's users when the group
// test is the whole filter (one lookup for count=1, whatever the group's
// size), and otherwise the members a batch of 100 at a time, never one
// by one; the answers are those of the filter.
func TestUsersByGroupBatches(t *testing.T) {
	h, _ := groupsHandler(t, 1000)
	cs := &lookupCounter{MemoryStore: h.Store.(*MemoryStore)}
	h.Store, h.Groups = cs, cs
	list := func(query string) (total int, ids []string) {
		t.Helper()
		w := serve(h, "GET", "/scim/v2/Users?"+query, "")
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", query, w.Code, w.Body)
		}
		var r struct {
			TotalResults int
			Resources    []struct {
				ID     string
				Groups []struct{ Value string }
			}
		}
		if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		for _, u := range r.Resources {
			if len(u.Groups) != 1 || u.Groups[0].Value != "g" {
				t.Errorf("%s: user %s with groups %v", query, u.ID, u.Groups)
			}
			ids = append(ids, u.ID)
		}
		return r.TotalResults, ids
	}
	for _, c := range []struct {
		query         string
		total         int
		ids           string
		lists, groups int
	}{
		{"count=1&filter=" + q(`groups.value eq "g"`), 1000, "[u000000]", 1, 1},
		{"startIndex=998&count=5&filter=" + q(`groups eq "g"`), 1000, "[u000997 u000998 u000999]", 1, 1},
		{"count=2&filter=" + q(`groups.value eq "g" and userName ew "7@example.com"`), 100, "[u000007 u000017]", 10, 11},
		{"count=2&sortBy=userName&sortOrder=descending&filter=" + q(`groups[value eq "g"]`), 1000, "[u000999 u000998]", 10, 11},
		{"count=1&filter=" + q(`groups.value eq "nobody"`), 0, "[]", 0, 0},
	} {
		cs.lists, cs.gets, cs.groupsOf = 0, 0, 0
		total, ids := list(c.query)
		if total != c.total || fmt.Sprint(ids) != c.ids {
			t.Errorf("%s: total %d, %v; want %d, %s", c.query, total, ids, c.total, c.ids)
		}
		if cs.lists != c.lists || cs.groupsOf != c.groups || cs.gets != 0 {
			t.Errorf("%s: %d user lists, %d gets, %d GroupsOf; want %d, 0, %d", c.query, cs.lists, cs.gets, cs.groupsOf, c.lists, c.groups)
		}
	}
}

func q(filter string) string { return url.QueryEscape(filter) }

// TestListBytesCountGroups pins issue 23 item 18: users' groups attribute
// is bounded (groupsAllowance) and counted when sizing list pages, so a
// page stays within MaxListBytes however many groups its users are in; a
// groups filter still sees every group.
func TestListBytesCountGroups(t *testing.T) {
	st := NewMemoryStore()
	ctx := context.Background()
	var ids []string
	for i := range 10 {
		id := fmt.Sprintf("u%02d", i)
		ids = append(ids, id)
		if err := st.CreateUser(ctx, "acme", &User{ID: id, UserName: id + "@example.com", Active: true, Meta: Meta{Version: `W/"1"`}}); err != nil {
			t.Fatal(err)
		}
	}
	for g := range 300 {
		grp := &Group{ID: fmt.Sprintf("g%03d", g), DisplayName: strings.Repeat("\x01", 250), Meta: Meta{Version: `W/"1"`}}
		for _, id := range ids {
			grp.Members = append(grp.Members, Member{Value: id})
		}
		if err := st.CreateGroup(ctx, "acme", grp); err != nil {
			t.Fatal(err)
		}
	}
	h := &Handler{Store: st, Groups: st, Auth: StaticTokens{"tok": "acme"}, BaseURL: "https://scim.example.com/scim/v2", MaxListBytes: 256 << 10}
	w := serve(h, "GET", "/scim/v2/Users?count=1000", "")
	var r struct {
		ItemsPerPage int
		Resources    []struct{ Groups []struct{ Value string } }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &r); w.Code != 200 || err != nil {
		t.Fatalf("%d %v", w.Code, err)
	}
	if w.Body.Len() > 256<<10 {
		t.Errorf("a page of %d users is %d bytes, over MaxListBytes (%d)", r.ItemsPerPage, w.Body.Len(), 256<<10)
	}
	if n := len(r.Resources[0].Groups); n == 0 || n == 300 || r.Resources[0].Groups[n-1].Value != fmt.Sprintf("g%03d", n-1) {
		t.Errorf("a user in 300 groups lists %d: want the first ones that fit", n)
	}
	w = serve(h, "GET", "/scim/v2/Users?filter="+q(`groups.value eq "g299" and userName sw "u0"`), "")
	if !strings.Contains(w.Body.String(), `"totalResults":10`) {
		t.Errorf("groups filter on a group past the listed ones: %s", w.Body.String()[:min(200, w.Body.Len())])
	}
}

// TestBulkSharesMemberFilters: the group PATCHes of one bulk request share
// the bound on filtered member removes, so that a bulk request reads
// member lists at most maxMemberFilters times inside its batch.
func TestBulkSharesMemberFilters(t *testing.T) {
	h, _ := groupsHandler(t, 20)
	var ops []string
	for i := range maxMemberFilters + 2 {
		ops = append(ops, fmt.Sprintf(`{"method":"PATCH","path":"/Groups/g","bulkId":"p%d","data":%s}`, i,
			patchOps(fmt.Sprintf(`{"op":"remove","path":"members[value eq \"u%06d\" or display pr]"}`, i))))
	}
	w := serve(h, "POST", "/scim/v2/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[`+strings.Join(ops, ",")+`]}`)
	var r struct {
		Operations []struct{ Status string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &r); w.Code != 200 || err != nil {
		t.Fatalf("%d %v %s", w.Code, err, w.Body)
	}
	var got []string
	for _, o := range r.Operations {
		got = append(got, o.Status)
	}
	want := append(slices.Repeat([]string{"200"}, maxMemberFilters), "400", "400")
	if !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}

// TestUsersByGroupResultLimit: a list of users filtered by group is held to
// the store's bound on what a list may match (ResultLimiter, the memory
// store's MaxResults), as the store's own lists are: past it, 400 tooMany,
// however small the page asked for.
func TestUsersByGroupResultLimit(t *testing.T) {
	h, _ := groupsHandler(t, 1000)
	mem := h.Store.(*MemoryStore)
	for _, c := range []struct {
		max   int
		query string
		want  int
	}{
		{500, "count=1&filter=" + q(`groups.value eq "g"`), 400},
		{500, "count=1&sortBy=userName&filter=" + q(`groups.value eq "g"`), 400},
		{1000, "count=1&filter=" + q(`groups.value eq "g"`), 200},
		{1000, "count=1&sortBy=userName&filter=" + q(`groups.value eq "g"`), 200},
		{0, "count=1&filter=" + q(`groups.value eq "g"`), 200},
	} {
		mem.MaxResults = c.max
		w := serve(h, "GET", "/scim/v2/Users?"+c.query, "")
		if w.Code != c.want {
			t.Errorf("MaxResults %d, %s: %d, want %d: %s", c.max, c.query, w.Code, c.want, w.Body)
		}
		if c.want == 400 && !strings.Contains(w.Body.String(), SCIMTypeTooMany) {
			t.Errorf("MaxResults %d, %s: %s, want scimType tooMany", c.max, c.query, w.Body)
		}
	}
}
