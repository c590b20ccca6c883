package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scim/internal/testclock"
)

// peakonEnv is a handler over a MemoryStore with companies, served by
// httptest, recording change events.
type peakonEnv struct {
	t         *testing.T
	store     *MemoryStore
	companies *Companies
	clock     *testclock.Clock
	h         *Handler
	srv       *httptest.Server

	mu     sync.Mutex
	events []Event
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newPeakonEnv(t *testing.T, configure ...func(*Handler)) *peakonEnv {
	t.Helper()
	e := &peakonEnv{t: t, store: NewMemoryStore(), clock: testclock.New(t0)}
	e.companies = NewCompanies(e.store)
	e.companies.Now = e.clock.Now
	e.h = &Handler{
		Store:  e.store,
		Auth:   e.companies,
		Models: e.companies,
		Now:    e.clock.Now,
		OnChange: func(_ context.Context, ev Event) {
			e.mu.Lock()
			e.events = append(e.events, ev)
			e.mu.Unlock()
		},
	}
	for _, f := range configure {
		f(e.h)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", e.h)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

// company creates a company with the attributes and returns its id and a
// fresh token.
func (e *peakonEnv) company(name string, attrs []CustomAttribute) (id, token string) {
	e.t.Helper()
	c, err := e.companies.Create(context.Background(), name, attrs)
	if err != nil {
		e.t.Fatalf("Create(%q): %v", name, err)
	}
	secret, _, err := e.companies.IssueToken(context.Background(), c.ID, "test")
	if err != nil {
		e.t.Fatalf("IssueToken: %v", err)
	}
	return c.ID, secret
}

// takeEvents returns and clears the events recorded so far.
func (e *peakonEnv) takeEvents() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	ev := e.events
	e.events = nil
	return ev
}

// peakonResponse is a decoded HTTP response.
type peakonResponse struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// str returns a top-level string member of the body.
func (r peakonResponse) str(key string) string { s, _ := r.body[key].(string); return s }

// obj returns an object member of the body.
func (r peakonResponse) obj(key string) map[string]any {
	m, _ := r.body[key].(map[string]any)
	return m
}

// resources returns the Resources of a ListResponse.
func (r peakonResponse) resources() []map[string]any {
	arr, _ := r.body["Resources"].([]any)
	out := make([]map[string]any, len(arr))
	for i, v := range arr {
		out[i], _ = v.(map[string]any)
	}
	return out
}

// do sends a request with the token; body is JSON text or "".
func (e *peakonEnv) do(token, method, path, body string) peakonResponse {
	e.t.Helper()
	res, raw := send(e.t, e.srv.Client(), method, e.srv.URL+"/scim/v2"+path, body, func(req *http.Request) {
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
	})
	r := peakonResponse{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			e.t.Fatalf("%s %s: response is not a JSON object: %v\n%s", method, path, err, raw)
		}
	}
	if r.status >= 500 {
		e.t.Fatalf("%s %s: %d %s", method, path, r.status, raw)
	}
	return r
}

// must sends a request and fails the test unless the status is want.
func (e *peakonEnv) must(want int, token, method, path, body string) peakonResponse {
	e.t.Helper()
	r := e.do(token, method, path, body)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.status, want, r.raw)
	}
	return r
}

// create posts a user and returns its id.
func (e *peakonEnv) create(token, body string) string {
	e.t.Helper()
	r := e.must(http.StatusCreated, token, http.MethodPost, "/Users", body)
	id := r.str("id")
	if id == "" {
		e.t.Fatalf("created user has no id: %s", r.raw)
	}
	return id
}

const demoAttrs = "Department:option,Business Unit:option,Employed Since:date:Employed_Since,Manager:employee,Salary:number"

// mustParseAttrs reads the demo's name:type[:alias...] list (the root
// package's tests cannot import internal/attrspec, which imports it).
func mustParseAttrs(t *testing.T, s string) []CustomAttribute {
	t.Helper()
	var attrs []CustomAttribute
	for item := range strings.SplitSeq(s, ",") {
		parts := strings.Split(item, ":")
		c := CustomAttribute{Name: parts[0], Type: CustomOption}
		if len(parts) > 1 {
			c.Type = parts[1]
		}
		c.Aliases = parts[min(2, len(parts)):]
		attrs = append(attrs, c)
	}
	attrs, err := ValidateCustomAttributes(attrs)
	if err != nil {
		t.Fatal(err)
	}
	return attrs
}

// userJSON is a minimal user body with a work email equal to the userName.
func userJSON(userName string, extra string) string {
	s := `{"schemas":["` + SchemaUser + `"],"userName":"` + userName + `","emails":[{"value":"` + userName + `","type":"work","primary":true}]`
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// filterPath returns /Users?filter=... with the filter escaped.
func filterPath(filter string) string {
	return "/Users?filter=" + url.QueryEscape(filter)
}

// errorDetail asserts a SCIM error response and returns its detail.
func errorDetail(t *testing.T, r peakonResponse, status int, scimType string) string {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	if got := r.str("status"); got != strconv.Itoa(status) {
		t.Errorf("error body status = %q, want %q", got, strconv.Itoa(status))
	}
	if r.str("scimType") != scimType {
		t.Errorf("scimType = %q, want %q (%s)", r.str("scimType"), scimType, r.raw)
	}
	return r.str("detail")
}
