package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// failingStore fails listings filtered by userName "fail", as a database
// that went away does.
type failingStore struct{ *MemoryStore }

var errStoreDown = errors.New("connection refused")

func (s failingStore) ListUsers(ctx context.Context, tenant string, q *Query) (*Page, error) {
	if q.Filter != nil && strings.Contains(q.Filter.String(), `"fail"`) {
		return nil, errStoreDown
	}
	return s.MemoryStore.ListUsers(ctx, tenant, q)
}

// ViewUsers fails as ListUsers does: the embedded store's UserViewer would
// read past the change (see UserViewer).
func (s failingStore) ViewUsers(ctx context.Context, tenant string, q *Query) (*Page, error) {
	return s.ListUsers(ctx, tenant, q)
}

// observedHandler is a Handler with a JSON access log and an OnRequest
// recorder, a clock that advances 5ms per reading and a rate limit of 9.
type observedHandler struct {
	h     *Handler
	log   bytes.Buffer
	mu    sync.Mutex
	infos []RequestInfo
	ids   int
}

func newObservedHandler(level slog.Level) *observedHandler {
	o := &observedHandler{}
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var clockMu sync.Mutex
	o.h = &Handler{
		Store:     failingStore{NewMemoryStore()},
		Auth:      StaticTokens{"tok-a": "acme"},
		RateLimit: NewWindowLimiter(9, time.Hour),
		Logger:    slog.New(slog.NewJSONHandler(&o.log, &slog.HandlerOptions{Level: level})),
		NewID:     func() string { o.ids++; return fmt.Sprintf("u%d", o.ids) },
		Now: func() time.Time {
			clockMu.Lock()
			defer clockMu.Unlock()
			clock = clock.Add(5 * time.Millisecond)
			return clock
		},
		OnRequest: func(_ context.Context, info RequestInfo) {
			o.mu.Lock()
			o.infos = append(o.infos, info)
			o.mu.Unlock()
		},
	}
	return o
}

func (o *observedHandler) send(method, path, token, body string) {
	serveAs(o.h, token, method, path, body)
}

// records returns the access log records written since the last call
// (not the error records),
// without their time and duration, which the test does not control.
func (o *observedHandler) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(o.log.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if m["msg"] != "scim request" {
			continue // the error log's own record
		}
		if _, ok := m["duration"].(float64); !ok {
			t.Errorf("record without a duration: %s", line)
		}
		delete(m, "time")
		delete(m, "duration")
		out = append(out, m)
	}
	o.log.Reset()
	return out
}

// TestAccessLog checks the access log's fields and levels, request by request.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	o := newObservedHandler(slog.LevelDebug)
	const user = `{"userName":"jane@example.com"}`
	const patch = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`
	const bulk = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` +
		`{"method":"POST","bulkId":"a","path":"/Users","data":{"userName":"a@example.com"}},` +
		`{"method":"POST","bulkId":"b","path":"/Users","data":{"userName":"b@example.com"}}]}`
	rec := func(level, method, route string, status int, extra ...any) map[string]any {
		m := map[string]any{"level": level, "msg": "scim request", "method": method, "route": route, "status": float64(status)}
		for i := 0; i < len(extra); i += 2 {
			m[extra[i].(string)] = extra[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name                string
		method, path, token string
		body                string
		want                map[string]any
	}{
		{"create is a write", "POST", "/scim/v2/Users", "tok-a", user,
			rec("INFO", "POST", "/Users", 201, "company", "acme")},
		{"get is a read", "GET", "/scim/v2/Users/u1", "tok-a", "",
			rec("DEBUG", "GET", "/Users/{id}", 200, "company", "acme")},
		{"search is a read", "POST", "/scim/v2/Users/.search", "tok-a", `{"filter":"userName eq \"fail\""}`,
			rec("ERROR", "POST", "/Users/.search", 500, "company", "acme", "detail", "internal server error")},
		{"patch is a write", "PATCH", "/api/scim/v2/Users/u1", "tok-a", patch,
			rec("INFO", "PATCH", "/Users/{id}", 200, "company", "acme")},
		{"bulk counts its operations", "POST", "/scim/v2/Bulk", "tok-a", bulk,
			rec("INFO", "POST", "/Bulk", 200, "company", "acme", "bulkOperations", float64(2))},
		{"bad filter", "GET", "/scim/v2/Users?filter=userName+eq", "tok-a", "",
			rec("WARN", "GET", "/Users", 400, "company", "acme", "scimType", "invalidFilter", "detail", "filter: at position 12: expected a value after \"eq\", found the end of the filter")},
		{"refused token", "GET", "/scim/v2/Users", "tok-x", "",
			rec("WARN", "GET", "/Users", 401, "detail", "the bearer token is not valid; ask the administrator for a new one")},
		{"no endpoint", "GET", "/scim/v2/Nothing", "tok-a", "",
			rec("WARN", "GET", "", 404, "path", "/scim/v2/Nothing", "detail", "no SCIM endpoint at /scim/v2/Nothing; Peakon serves /Users, /Schemas, /ResourceTypes and /ServiceProviderConfig")},
		{"discovery", "GET", "/scim/v2/Schemas", "tok-a", "",
			rec("DEBUG", "GET", "/Schemas", 200, "company", "acme")},
		{"delete", "DELETE", "/scim/v2/Users/u1", "tok-a", "",
			rec("INFO", "DELETE", "/Users/{id}", 204, "company", "acme")},
		{"rate limited", "GET", "/scim/v2/Users/u1", "tok-a", "",
			rec("WARN", "GET", "/Users/{id}", 429, "company", "acme", "detail", "")},
	} {
		o.send(tc.method, tc.path, tc.token, tc.body)
		got := o.records(t)
		if len(got) == 1 && tc.want["status"] == float64(429) {
			tc.want["detail"] = got[0]["detail"] // the wait is the limiter's to word
		}
		if diff := cmp.Diff([]map[string]any{tc.want}, got); diff != "" {
			t.Errorf("%s: access log (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestAccessLogLevel checks that a logger at Info gets writes and problems
// but not reads.
func TestAccessLogLevel(t *testing.T) {
	t.Parallel()
	o := newObservedHandler(slog.LevelInfo)
	o.send("POST", "/scim/v2/Users", "tok-a", `{"userName":"jane@example.com"}`)
	o.send("GET", "/scim/v2/Users/u1", "tok-a", "")
	o.send("GET", "/scim/v2/Users/u1", "nope", "")
	var got []string
	for _, r := range o.records(t) {
		got = append(got, r["level"].(string)+" "+r["method"].(string)+" "+r["route"].(string))
	}
	if diff := cmp.Diff([]string{"INFO POST /Users", "WARN GET /Users/{id}"}, got); diff != "" {
		t.Errorf("records at Info (-want +got):\n%s", diff)
	}
}

// TestOnRequest checks what the metrics hook receives.
func TestOnRequest(t *testing.T) {
	t.Parallel()
	o := newObservedHandler(slog.LevelError)
	o.send("POST", "/scim/v2/Users", "tok-a", `{"userName":"jane@example.com"}`)
	o.send("GET", "/scim/v2/Users?filter=userName+eq+%22fail%22", "tok-a", "")
	o.send("POST", "/scim/v2/Users", "tok-a", `{"userName":"jane@example.com"}`)
	o.send("GET", "/scim/v2/Users", "", "")
	want := []RequestInfo{
		{Method: "POST", Route: "/Users", Path: "/scim/v2/Users", Status: 201, Company: "acme"},
		{Method: "GET", Route: "/Users", Path: "/scim/v2/Users", Status: 500, Company: "acme",
			Error: &Error{Status: 500, Detail: "internal server error"}, Cause: errStoreDown},
		{Method: "POST", Route: "/Users", Path: "/scim/v2/Users", Status: 409, Company: "acme",
			Error: &Error{Status: 409, SCIMType: SCIMTypeUniqueness, Detail: `userName "jane@example.com" is already taken`}},
		{Method: "GET", Route: "/Users", Path: "/scim/v2/Users", Status: 401,
			Error: &Error{Status: 401, Detail: `authorization required: send the company's token as "Authorization: Bearer <token>"`}},
	}
	if diff := cmp.Diff(want, o.infos, cmpopts.IgnoreFields(RequestInfo{}, "Duration"), equateErrorText); diff != "" {
		t.Errorf("OnRequest (-want +got):\n%s", diff)
	}
	for _, info := range o.infos {
		// The clock advances 5ms per reading, and the handler reads it
		// at least at the start and the end.
		if info.Duration < 5*time.Millisecond {
			t.Errorf("%s %s: duration %v", info.Method, info.Path, info.Duration)
		}
	}
}

// equateErrorText compares errors by their text.
// (fmt prints a nil *Error as "<nil>").
var equateErrorText = cmp.Comparer(func(a, b error) bool { return fmt.Sprint(a) == fmt.Sprint(b) })

// TestNilLoggerLogsServerErrors checks that without a Logger, server
// errors and recovered panics still reach slog.Default(), and requests do
// not. It replaces the default logger, so it does not run in parallel.
func TestNilLoggerLogsServerErrors(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	for _, store := range []Store{failingStore{NewMemoryStore()}, panicStore{}} {
		h := &Handler{Store: store, Auth: StaticTokens{"tok": "acme"}}
		for _, path := range []string{"/scim/v2/Users?filter=userName+eq+%22fail%22", "/scim/v2/Users/1", "/scim/v2/Schemas"} {
			serve(h, "GET", path, "")
		}
	}
	out := buf.String()
	for _, want := range []string{`msg="scim: request failed" method=GET path=/scim/v2/Users tenant=acme error="connection refused"`, `msg="scim: panic serving request"`, "panic=boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("default logger lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "scim request") {
		t.Errorf("access log written without a Logger:\n%s", out)
	}
}

// TestRequestInfoBoundedLabels: Method and Route take a few fixed values
// whatever a client sends — made-up methods, methods in lower case, long
// and odd paths, with and without a token — so that a metrics consumer
// using them as labels has a bounded number of series. The raw method was
// passed on, so 20,000 made-up methods made 20,000 series in the demo.
func TestRequestInfoBoundedLabels(t *testing.T) {
	tests := []struct {
		method, path, token string
		want                RequestInfo
	}{
		{"GET", "/scim/v2/Users", "tok-a", RequestInfo{Method: "GET", Route: "/Users"}},
		{"HEAD", "/scim/v2/Users/x", "tok-a", RequestInfo{Method: "HEAD", Route: "/Users/{id}"}},
		{"OPTIONS", "/scim/v2/Users", "", RequestInfo{Method: "OPTIONS", Route: "/Users"}},
		{"PATCH", "/scim/v2/Groups/x", "", RequestInfo{Method: "PATCH", Route: "/Groups/{id}"}},
		{"DELETE", "/scim/v2/users/x/y", "tok-a", RequestInfo{Method: "DELETE", Route: "/Users/{id}"}},
		{"PUT", "/scim/v2/Bulk", "", RequestInfo{Method: "PUT", Route: "/Bulk"}},
		{"POST", "/scim/v2/Users/.search", "", RequestInfo{Method: "POST", Route: "/Users/.search"}},
		{"POST", "/scim/v2/groups/.search", "", RequestInfo{Method: "POST", Route: "/Groups/.search"}},
		{"POST", "/scim/v2/Schemas/.search", "", RequestInfo{Method: "POST", Route: "/Schemas/{id}"}},
		{"X00000001", "/scim/v2/Users", "", RequestInfo{Method: MethodOther, Route: "/Users"}},
		{"X00000002", "/scim/v2/Users", "tok-a", RequestInfo{Method: MethodOther, Route: "/Users"}},
		{"get", "/scim/v2/Users", "tok-a", RequestInfo{Method: MethodOther, Route: "/Users"}},
		{"CONNECT", "/scim/v2/Users", "", RequestInfo{Method: MethodOther, Route: "/Users"}},
		{"TRACE", "/scim/v2/Me", "", RequestInfo{Method: MethodOther, Route: "/Me"}},
		{"GET", "/scim/v2/" + strings.Repeat("x", 4096), "", RequestInfo{Method: "GET"}},
		{"BREW", "/" + strings.Repeat("a/", 100), "tok-a", RequestInfo{Method: MethodOther}},
	}
	o := newObservedHandler(slog.LevelError)
	o.h.RateLimit = nil
	for _, tt := range tests {
		o.send(tt.method, tt.path, tt.token, "")
	}
	var got []RequestInfo
	for _, info := range o.infos {
		got = append(got, RequestInfo{Method: info.Method, Route: info.Route})
	}
	var want []RequestInfo
	for _, tt := range tests {
		want = append(want, tt.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RequestInfo method and route (-want +got):\n%s", diff)
	}
}

// TestAccessLogShortensUnroutedPath: a request that routes nowhere is
// logged at Warn with the start of its path, however long the client made
// it.
func TestAccessLogShortensUnroutedPath(t *testing.T) {
	t.Parallel()
	o := newObservedHandler(slog.LevelWarn)
	o.send("GET", "/nowhere/"+strings.Repeat("a", 1<<20), "tok-a", "")
	recs := o.records(t)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	path, _ := recs[0]["path"].(string)
	if !strings.HasPrefix(path, "/nowhere/aaa") || len(path) > maxShownPath+len("…") {
		t.Errorf("logged path of %d bytes (%.20q...), want at most %d", len(path), path, maxShownPath+len("…"))
	}
}

// TestRequestInfoIsWrite: the searches, POSTs that change nothing, are
// reads; other POSTs, PUT, PATCH and DELETE are writes.
func TestRequestInfoIsWrite(t *testing.T) {
	for _, tt := range []struct {
		info RequestInfo
		want bool
	}{
		{RequestInfo{Method: "GET", Route: "/Users"}, false},
		{RequestInfo{Method: "POST", Route: "/Users/.search"}, false},
		{RequestInfo{Method: "POST", Route: "/Groups/.search"}, false},
		{RequestInfo{Method: "POST", Route: "/Users"}, true},
		{RequestInfo{Method: "POST", Route: "/Bulk"}, true},
		{RequestInfo{Method: "PATCH", Route: "/Groups/{id}"}, true},
		{RequestInfo{Method: "DELETE", Route: "/Users/{id}"}, true},
	} {
		if got := tt.info.IsWrite(); got != tt.want {
			t.Errorf("%s %s: IsWrite() = %v, want %v", tt.info.Method, tt.info.Route, got, tt.want)
		}
	}
}

// TestOnRequestContext: OnRequest's context carries the request's values
// (a middleware's), and is never done, not even once the request and the
// client's context have ended: no error, no cause, and a context derived
// from it is not cancelled with the request's.
func TestOnRequestContext(t *testing.T) {
	type noteKey struct{}
	var hookCtx context.Context
	h := &Handler{Store: NewMemoryStore(), Auth: StaticTokens{testToken: "acme"},
		OnRequest: func(ctx context.Context, _ RequestInfo) { hookCtx = ctx }}
	serveThenCancel(t, h, noteKey{}, "note", http.MethodGet, "/Users", "", http.StatusOK)
	if hookCtx == nil {
		t.Fatal("OnRequest was not called")
	}
	checkHookContext(t, hookCtx, noteKey{}, "note")
}

// serveThenCancel serves a request whose context holds value under key,
// expects the status want, and then cancels the request's context, as a
// client that goes away does.
func serveThenCancel(t *testing.T, h *Handler, key, value any, method, path, body string, want int) {
	t.Helper()
	parent, cancel := context.WithCancelCause(context.WithValue(context.Background(), key, value))
	r := httptest.NewRequestWithContext(parent, method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+testToken)
	r.Header.Set("Content-Type", MediaType)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != want {
		t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
	cancel(errors.New("client gone"))
}

// TestOnChangeContext: OnChange's context carries the request's values,
// is never done, even once the request's context is cancelled, and reads
// a value without allocating (context.WithoutCancel's boxed itself on
// every Value). A single write and a bulk request alike.
func TestOnChangeContext(t *testing.T) {
	type noteKey struct{}
	for _, tc := range []struct {
		name, method, path, body string
		want                     int
	}{
		{"single write", http.MethodPost, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ctx@example.com"}`, http.StatusCreated},
		{"bulk", http.MethodPost, "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"a","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bulk@example.com"}}]}`, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hookCtx context.Context
			h := &Handler{Store: NewMemoryStore(), Auth: StaticTokens{testToken: "acme"},
				OnChange: func(ctx context.Context, _ Event) { hookCtx = ctx }}
			serveThenCancel(t, h, noteKey{}, "note", tc.method, tc.path, tc.body, tc.want)
			if hookCtx == nil {
				t.Fatal("OnChange was not called")
			}
			checkHookContext(t, hookCtx, noteKey{}, "note")
		})
	}
}

// TestOnChangeContextKeptByHook: a hook may read its context from a
// goroutine of its own while the request's next event is delivered (a
// bulk request's events), which the race detector checks.
func TestOnChangeContextKeptByHook(t *testing.T) {
	type noteKey struct{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var seen []any
	h := &Handler{Store: NewMemoryStore(), Auth: StaticTokens{testToken: "acme"},
		OnChange: func(ctx context.Context, _ Event) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 100 {
					v := ctx.Value(noteKey{})
					mu.Lock()
					seen = append(seen, v)
					mu.Unlock()
				}
			}()
		}}
	var ops []string
	for i := range 4 {
		ops = append(ops, fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":"b%d","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"kept%d@example.com"}}`, i, i))
	}
	body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` + strings.Join(ops, ",") + `]}`
	serveThenCancel(t, h, noteKey{}, "note", http.MethodPost, "/Bulk", body, http.StatusOK)
	wg.Wait()
	if len(seen) != 400 {
		t.Fatalf("the hooks' goroutines read %d values, want 400", len(seen))
	}
	for _, v := range seen {
		if v != "note" {
			t.Fatalf("a hook's goroutine read %v, want the request's value", v)
		}
	}
}

// checkHookContext checks a context a hook got, once the request's has
// been cancelled: the request's value want under key, read without
// allocating, never done, no deadline, and a context derived from it not
// cancelled either.
func checkHookContext(t *testing.T, hookCtx context.Context, key, want any) {
	t.Helper()
	derived, stop := context.WithCancel(hookCtx)
	defer stop()
	if got := hookCtx.Value(key); got != want {
		t.Errorf("the hook's context has the value %v, want the request's %v", got, want)
	}
	if hookCtx.Done() != nil || hookCtx.Err() != nil || context.Cause(hookCtx) != nil {
		t.Errorf("the hook's context is done: Done %v, Err %v, Cause %v", hookCtx.Done(), hookCtx.Err(), context.Cause(hookCtx))
	}
	if _, ok := hookCtx.Deadline(); ok {
		t.Error("the hook's context has a deadline")
	}
	if derived.Err() != nil {
		t.Errorf("a context derived from the hook's was cancelled with the request's: %v", derived.Err())
	}
	if n := testing.AllocsPerRun(100, func() { hookCtx.Value(key) }); n != 0 {
		t.Errorf("a Value of the hook's context allocates %.0f times", n)
	}
}

// TestRequestInfoMethodConstant: RequestInfo.Method is net/http's
// constant, never the request's own string, so that a hook keeping it
// keeps nothing of the request.
func TestRequestInfoMethodConstant(t *testing.T) {
	var got string
	h := &Handler{Store: NewMemoryStore(), Auth: StaticTokens{"tok": "acme"},
		OnRequest: func(_ context.Context, info RequestInfo) { got = info.Method }}
	r := httptest.NewRequest(http.MethodGet, "/Users", nil)
	r.Method = string([]byte("GET")) // the request's own memory, as a server's parse gives
	r.Header.Set("Authorization", "Bearer tok")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != http.MethodGet || unsafe.StringData(got) != unsafe.StringData(http.MethodGet) {
		t.Errorf("RequestInfo.Method %q is not net/http's constant", got)
	}
}
