package webui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

// loggedAcme returns a log of n entries and the handler, logged in it, of
// a memory store for the token "tok" (company acme) that gives users the
// ids u1, u2, ...
func loggedAcme(n int) (*Log, http.Handler) {
	l := NewLog(n)
	ids := 0
	return l, l.Wrap(&scim.Handler{Store: scim.NewMemoryStore(), Auth: scim.StaticTokens{"tok": "acme"}, OnChange: l.OnChange, OnRequest: l.OnRequest,
		NewID: func() string { ids++; return fmt.Sprintf("u%d", ids) }})
}

// send sends h a request with the token "tok".
func send(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// TestLogRing checks that a company's log keeps its last entries, newest
// first, apart from other companies', and feeds subscribers.
func TestLogRing(t *testing.T) {
	t.Parallel()
	l := NewLog(3)
	l.now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	sub, cancel := l.Subscribe("acme")
	defer cancel()
	for i, path := range []string{"/1", "/2", "/3", "/4"} {
		l.OnRequest(context.Background(), scim.RequestInfo{Method: "GET", Path: path, Status: 200, Company: "acme", Duration: time.Duration(i) * time.Second})
	}
	l.OnRequest(context.Background(), scim.RequestInfo{Method: "GET", Path: "/other", Status: 200, Company: "globex"})
	l.OnRequest(context.Background(), scim.RequestInfo{Method: "GET", Path: "/anonymous", Status: 401})
	var paths []string
	for _, e := range l.Entries("acme") {
		paths = append(paths, e.Path)
	}
	if diff := cmp.Diff([]string{"/4", "/3", "/2"}, paths); diff != "" {
		t.Errorf("acme's entries (-want +got):\n%s", diff)
	}
	if got := l.Entries("globex"); len(got) != 1 || got[0].Path != "/other" {
		t.Errorf("globex's entries: %+v", got)
	}
	if got := l.Entries("acme")[0].Time; !got.Equal(time.Date(2026, 1, 2, 3, 4, 2, 0, time.UTC)) {
		t.Errorf("an entry's time is its start: %v", got)
	}
	for i := range 4 {
		if e := <-sub; e.Path != fmt.Sprintf("/%d", i+1) {
			t.Errorf("subscriber's entry %d: %s", i, e.Path)
		}
	}
}

// TestLogChanges checks that a request's changes and error reach its entry
// through the hooks.
func TestLogChanges(t *testing.T) {
	t.Parallel()
	l, h := loggedAcme(10)
	send(h, "POST", "/scim/v2/Users", `{"userName":"jane@example.com"}`)
	send(h, "PATCH", "/scim/v2/Users/u1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false,"title":"CTO"}}]}`)
	send(h, "POST", "/scim/v2/Users", `{"userName":"jane@example.com"}`)
	send(h, "POST", "/scim/v2/Bulk", `{"Operations":[{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"a@example.com"}},{"method":"DELETE","path":"/Users/u1"}]}`)
	type row struct {
		Method  string
		Status  int
		Changes []string
		Error   string
		Bulk    int
	}
	var got []row
	for _, e := range l.Entries("acme") {
		got = append(got, row{e.Method, e.Status, e.Changes, e.Error, e.BulkOperations})
	}
	want := []row{
		{"POST", http.StatusOK, []string{"created a@example.com", "deleted jane@example.com"}, "", 2},
		{"POST", http.StatusConflict, nil, `409 uniqueness: userName "jane@example.com" is already taken`, 0},
		{"PATCH", http.StatusOK, []string{"deactivated jane@example.com; title: (none) → CTO"}, "", 0},
		{"POST", http.StatusCreated, []string{"created jane@example.com"}, "", 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

// TestLogBounded: whatever a request holds, its entry keeps a bounded
// path, error and change list, and no slice of the request's strings (a
// kept slice of a long path would keep the whole path). 300 requests with
// 64 KiB paths, answered 404 with the path in the detail, keep less than 2 MiB;
// unbounded, they kept 300 × 140 KiB (42 MB).
func TestLogBounded(t *testing.T) {
	// Not parallel: it measures the heap.
	l, h := loggedAcme(300)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	long := strings.Repeat("é", 32<<10) // 64 KiB, and a cut must not split a character
	for range 300 {
		if w := send(h, "GET", "/scim/v2/Users/"+long+"?attributes="+long, ""); w.Code != http.StatusNotFound {
			t.Fatalf("GET: %d", w.Code)
		}
	}
	entries := l.Entries("acme")
	if len(entries) != 300 {
		t.Fatalf("%d entries", len(entries))
	}
	if grown := int64(heap()) - int64(before); grown > 2<<20 {
		t.Errorf("300 entries of long requests keep %d bytes", grown)
	}
	e := entries[0]
	if len(e.Path) > maxPathBytes+len("…") || !strings.HasPrefix(e.Path, "/scim/v2/Users/éé") || !strings.HasSuffix(e.Path, "é…") {
		t.Errorf("path: %d bytes, %q…", len(e.Path), e.Path[:40])
	}
	if len(e.Error) > maxErrorBytes+len("…") || !strings.HasPrefix(e.Error, "404") || !utf8.ValidString(e.Error) {
		t.Errorf("error: %d bytes, %q…", len(e.Error), e.Error[:40])
	}
	runtime.KeepAlive(entries)

	// A bulk of 25 creates, each followed by a PATCH setting a long
	// title: at most maxChanges lines of maxLineBytes, the last counting
	// the others.
	var ops []string
	for i := range 25 {
		ops = append(ops, fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":"b%d","data":{"userName":"u%d@example.com"}}`, i, i),
			fmt.Sprintf(`{"method":"PATCH","path":"/Users/bulkId:b%d","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":%q}]}}`, i, strings.Repeat("x", 250)))
	}
	if w := send(h, "POST", "/scim/v2/Bulk", `{"Operations":[`+strings.Join(ops, ",")+`]}`); w.Code != 200 {
		t.Fatalf("bulk: %d %s", w.Code, w.Body)
	}
	e = l.Entries("acme")[0]
	if len(e.Changes) != maxChanges+1 || e.Changes[maxChanges] != fmt.Sprintf("…and %d more", 50-maxChanges) || e.BulkOperations != 50 || e.BulkFailed != 0 {
		t.Errorf("bulk entry: %d changes, last %q, %d operations, %d failed", len(e.Changes), e.Changes[len(e.Changes)-1], e.BulkOperations, e.BulkFailed)
	}
	for _, c := range e.Changes {
		if len(c) > maxLineBytes+len("…") {
			t.Errorf("a change line of %d bytes", len(c))
		}
	}
	if c := e.Changes[1]; !strings.HasPrefix(c, "u0@example.com: title: (none) → xxx") || !strings.HasSuffix(c, "x…") {
		t.Errorf("a long change: %q", c)
	}
}

// TestLogBulkFailures: a bulk's entry counts the operations that failed and
// lists each with its path, status and SCIM error, as the entry of a
// failed request shows its error.
func TestLogBulkFailures(t *testing.T) {
	t.Parallel()
	l, h := loggedAcme(10)
	bulk := func(body string) Entry {
		t.Helper()
		if w := send(h, "POST", "/scim/v2/Bulk", body); w.Code != 200 {
			t.Fatalf("bulk: %d %s", w.Code, w.Body)
		}
		return l.Entries("acme")[0]
	}
	e := bulk(`{"Operations":[` +
		`{"method":"POST","path":"/Users","bulkId":"ok","data":{"userName":"a@example.com"}},` +
		`{"method":"POST","path":"/Users","bulkId":"dup","data":{"userName":"a@example.com"}},` +
		`{"method":"PATCH","path":"/Users/nobody","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"CTO"}]}},` +
		`{"method":"POST","path":"/Users","data":{"userName":"b@example.com","emails":[{"value":"not an email"}]}}]}`)
	want := Entry{Seq: e.Seq, Time: e.Time, Method: "POST", Path: "/scim/v2/Bulk", Status: 200, Duration: e.Duration,
		Changes: []string{"created a@example.com"}, BulkOperations: 4, BulkFailed: 3, Failures: []string{
			`POST /Users (bulkId dup) → 409 uniqueness: userName "a@example.com" is already taken`,
			"PATCH /Users/nobody → 404: " + e.Failures[1][len("PATCH /Users/nobody → 404: "):],
			"POST /Users → 400 invalidValue: " + e.Failures[2][len("POST /Users → 400 invalidValue: "):],
		}}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	if !strings.Contains(e.Failures[1], "nobody") || !strings.Contains(e.Failures[2], "not an email") {
		t.Errorf("failures lack their detail: %q", e.Failures)
	}

	// More failures than maxFailures: counted, the first listed.
	var ops []string
	for i := range 15 {
		ops = append(ops, fmt.Sprintf(`{"method":"DELETE","path":"/Users/gone%d"}`, i))
	}
	e = bulk(`{"Operations":[` + strings.Join(ops, ",") + `]}`)
	if e.BulkFailed != 15 || len(e.Failures) != maxFailures+1 || e.Failures[maxFailures] != "…and 5 more" || !strings.HasPrefix(e.Failures[0], "DELETE /Users/gone0 → 404") {
		t.Errorf("15 failures: %d, %q", e.BulkFailed, e.Failures)
	}
}
