package webui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

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
	l := NewLog(10)
	ids := 0
	h := &scim.Handler{Store: scim.NewMemoryStore(), Auth: scim.StaticTokens{"tok": "acme"},
		OnChange: l.OnChange, OnRequest: l.OnRequest, NewID: func() string { ids++; return fmt.Sprintf("u%d", ids) }}
	srv := l.Wrap(h)
	send := func(method, path, body string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		srv.ServeHTTP(httptest.NewRecorder(), req)
	}
	send("POST", "/scim/v2/Users", `{"userName":"jane@example.com"}`)
	send("PATCH", "/scim/v2/Users/u1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false,"title":"CTO"}}]}`)
	send("POST", "/scim/v2/Users", `{"userName":"jane@example.com"}`)
	send("POST", "/scim/v2/Bulk", `{"Operations":[{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"a@example.com"}},{"method":"DELETE","path":"/Users/u1"}]}`)
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
