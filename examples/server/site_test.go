package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/deptest"
)

// demoSite is a demo server behind httptest; newDemoSite's has two
// companies over a memory store.
type demoSite struct {
	*httptest.Server
	t         *testing.T
	companies []company
}

func newDemoSite(t *testing.T, args ...string) *demoSite {
	t.Helper()
	_, mux, companies, closeStore := setupDemo(t, slog.New(slog.DiscardHandler), append([]string{"-store", "memory", "-token", "tok-acme-1234", "-token", "tok-globex-5678",
		"-attrs", "Department:option,Manager:employee"}, args...)...)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		// t.Context(), setup's, is done before cleanups: the page's event
		// streams have ended.
		srv.Close()
		closeStore()
	})
	return &demoSite{Server: srv, t: t, companies: companies}
}

// scim sends a SCIM request with the token and returns the status and body.
func (s *demoSite) scim(token, method, path, body string) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := s.Client().Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// browser is a client with a cookie jar that does not follow redirects.
func (s *demoSite) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (s *demoSite) get(c *http.Client, path string) (int, string) {
	s.t.Helper()
	res, err := c.Get(s.URL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (s *demoSite) login(c *http.Client, token string) *http.Response {
	s.t.Helper()
	res, err := c.PostForm(s.URL+"/login", url.Values{"token": {token}})
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	return res
}

const (
	janeJSON = `{"userName":"jane@example.com","name":{"givenName":"Jane","familyName":"Doe"},` +
		`"emails":[{"value":"jane@example.com","primary":true}],"locale":"en-GB","timezone":"Europe/London",` +
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"E-17"},` +
		`"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Department":"Sales"}}`
	deactivateJSON = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`
)

// TestWebPageSignIn checks the sign-in: the form, a refused token, the
// session cookie, and that pages need it.
func TestWebPageSignIn(t *testing.T) {
	t.Parallel()
	s := newDemoSite(t)
	c := s.browser()
	if code, body := s.get(c, "/"); code != 200 || !strings.Contains(body, `<form method="post" action="/login"`) {
		t.Errorf("GET / signed out: %d, no sign-in form", code)
	}
	for _, path := range []string{"/employees", "/eligibility", "/events", "/employees/x"} {
		if code, body := s.get(c, path); code != http.StatusUnauthorized || !strings.Contains(body, "Sign in") {
			t.Errorf("GET %s signed out: %d", path, code)
		}
	}
	if res := s.login(c, "tok-wrong"); res.StatusCode != http.StatusUnauthorized || len(res.Cookies()) != 0 {
		t.Errorf("wrong token: %d, cookies %v", res.StatusCode, res.Cookies())
	}
	res := s.login(c, "tok-acme-1234")
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 {
		t.Fatalf("sign-in: %d, cookies %v", res.StatusCode, res.Cookies())
	}
	if ck := res.Cookies()[0]; !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || strings.Contains(ck.Value, "tok-acme") {
		t.Errorf("session cookie: %+v", ck)
	}
	if code, body := s.get(c, "/"); code != 200 || !strings.Contains(body, `id="employees"`) || !strings.Contains(body, "Company 1") {
		t.Errorf("GET / signed in: %d", code)
	}
	// Cross-site form posts are refused; GET never changes anything.
	req, _ := http.NewRequest("POST", s.URL+"/login", strings.NewReader("token=tok-acme-1234"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, err := c.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /login: %v %v", res.StatusCode, err)
	}
	if code, _ := s.get(c, "/login?token=tok-acme-1234"); code < 400 {
		t.Errorf("GET /login: %d", code)
	}
	req, _ = http.NewRequest("POST", s.URL+"/logout", nil)
	if res, err := c.Do(req); err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %v", err)
	}
	if code, body := s.get(c, "/"); code != 200 || !strings.Contains(body, `action="/login"`) {
		t.Errorf("GET / after sign-out: %d", code)
	}
}

// TestWebPageEmployees checks the employees table, the filter's errors,
// paging, an employee's page, eligibility, and that a company sees only
// its own employees and log.
func TestWebPageEmployees(t *testing.T) {
	t.Parallel()
	s := newDemoSite(t)
	code, body := s.scim("tok-acme-1234", "POST", "/scim/v2/Users", janeJSON)
	if code != 201 {
		t.Fatalf("POST: %d %s", code, body)
	}
	id := body[strings.Index(body, `"id":"`)+6:]
	id = id[:strings.IndexByte(id, '"')]
	if code, _ := s.scim("tok-acme-1234", "PATCH", "/scim/v2/Users/"+id, deactivateJSON); code != 200 {
		t.Fatalf("PATCH: %d", code)
	}
	for i := range 25 {
		s.scim("tok-acme-1234", "POST", "/scim/v2/Users", `{"userName":"u`+string(rune('a'+i))+`@example.com"}`)
	}
	s.scim("tok-globex-5678", "POST", "/scim/v2/Users", `{"userName":"secret@globex.test"}`)

	acme, globex := s.browser(), s.browser()
	s.login(acme, "tok-acme-1234")
	s.login(globex, "tok-globex-5678")
	for _, tc := range []struct {
		name   string
		c      *http.Client
		path   string
		want   []string
		absent []string
	}{
		{"first page", acme, "/", []string{"Jane Doe", "jane@example.com", "E-17", "en-GB", "Europe/London",
			"<b>Department</b> Sales", "deactivated<br><small>since", "1–20 of 26", `href="/?start=21"`,
			"deactivated jane@example.com", "created jane@example.com"}, []string{"secret@globex.test", "previous"}},
		{"second page", acme, "/?start=21", []string{"21–26 of 26", `href="/?start=1"`}, []string{"Jane Doe"}},
		{"filter", acme, "/employees?filter=" + url.QueryEscape(`active eq false`), []string{"Jane Doe", "1–1 of 1"}, []string{"ua@example.com"}},
		{"bad filter", acme, "/?filter=" + url.QueryEscape(`userName eq`), []string{`id="filter-error"`,
			"expected a value after &#34;eq&#34;", "the filter is not valid"}, []string{"Jane Doe"}},
		{"unknown attribute", acme, "/?filter=" + url.QueryEscape(`shoeSize eq 3`), []string{`id="filter-error"`, "shoeSize"}, nil},
		{"fragment", acme, "/employees?filter=" + url.QueryEscape(`userName eq "jane@example.com"`), []string{`<section id="employees-section"`, "Jane Doe"}, []string{"<html", "ua@example.com"}},
		{"employee", acme, "/employees/" + id, []string{"Jane Doe", "created active", "deactivated", `&#34;active&#34;: false`,
			`/scim/v2/Users/` + id}, nil},
		{"eligibility", acme, "/eligibility?at=2020-01-01T00:00", []string{`id="active-now-count">25<`, `id="active-at-count">0<`}, []string{"Jane Doe"}},
		{"eligibility now", acme, "/eligibility", []string{`id="active-now-count">25<`, `id="active-at-count">25<`}, nil},
		{"other company", globex, "/", []string{"secret@globex.test", "Company 2"}, []string{"Jane Doe", "jane@example.com"}},
		{"other company's employee", globex, "/employees/" + id, []string{"No employee of Company 2"}, []string{"Jane"}},
	} {
		_, body := s.get(tc.c, tc.path)
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", tc.name, w)
			}
		}
		for _, w := range tc.absent {
			if strings.Contains(body, w) {
				t.Errorf("%s: page shows %q", tc.name, w)
			}
		}
	}
}

// TestMetrics checks that a scrape after known requests counts them.
func TestMetrics(t *testing.T) {
	t.Parallel()
	s := newDemoSite(t, "-rate-limit", "4")
	s.scim("tok-acme-1234", "POST", "/scim/v2/Users", janeJSON)
	s.scim("tok-acme-1234", "GET", "/scim/v2/Users?filter=userName+eq", "")
	s.scim("tok-acme-1234", "GET", "/api/scim/v2/Users", "")
	s.scim("tok-acme-1234", "GET", "/scim/v2/Users/nobody", "")
	s.scim("tok-acme-1234", "GET", "/scim/v2/Users", "") // the fifth: over the limit
	s.scim("tok-wrong", "GET", "/scim/v2/Users", "")
	_, body := s.get(s.Client(), "/metrics")
	for _, want := range []string{
		`scim_requests_total{method="POST",route="/Users",status="201"} 1`,
		`scim_requests_total{method="GET",route="/Users",status="400"} 1`,
		`scim_requests_total{method="GET",route="/Users",status="200"} 1`,
		`scim_requests_total{method="GET",route="/Users/{id}",status="404"} 1`,
		`scim_requests_total{method="GET",route="/Users",status="429"} 1`,
		`scim_requests_total{method="GET",route="/Users",status="401"} 1`,
		`scim_request_duration_seconds_count{method="GET",route="/Users"} 4`,
		`scim_request_duration_seconds_count{method="POST",route="/Users"} 1`,
		"scim_rate_limited_total 1",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

// TestMetricsBoundedLabels: whatever methods and paths clients send, with
// or without a token, /metrics holds a bounded number of series. Each
// made-up method used to add two series for good (20,000 requests: 360,000
// series, +160 MB).
func TestMetricsBoundedLabels(t *testing.T) {
	t.Parallel()
	s := newDemoSite(t, "-rate-limit", "0")
	series := func() map[string]bool {
		_, body := s.get(s.Client(), "/metrics")
		set := map[string]bool{}
		for line := range strings.SplitSeq(body, "\n") {
			if strings.HasPrefix(line, "scim_") {
				name, _, _ := strings.Cut(line, " ")
				set[name] = true
			}
		}
		return set
	}
	send := func(token, method, path string) {
		req, _ := http.NewRequest(method, s.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	// One round of every distinct kind of request: what a scrape may show.
	for _, token := range []string{"", "tok-acme-1234"} {
		for _, method := range []string{"GET", "X0", "get"} {
			for _, path := range []string{"/scim/v2/Users", "/scim/v2/Users/x", "/scim/v2/nope/0"} {
				send(token, method, path)
			}
		}
	}
	before := series()
	// Then many distinct methods and paths.
	for i := range 200 {
		token := []string{"", "tok-acme-1234", "tok-wrong"}[i%3]
		send(token, fmt.Sprintf("X%08d", i), fmt.Sprintf("/scim/v2/nope%d/Users/%d", i, i))
		send(token, "GET", fmt.Sprintf("/scim/v2/n%d/%s", i, strings.Repeat("a", i)))
	}
	after := series()
	for name := range after {
		if !before[name] {
			t.Errorf("new series after made-up methods and paths: %s", name)
		}
		if strings.Contains(name, "X0") || strings.Contains(name, "nope") {
			t.Errorf("a label holds the client's method or path: %s", name)
		}
	}
}

// TestLibraryDeps checks that what the library's importers build has none
// of the demo's dependencies (browser tests, metrics).
func TestLibraryDeps(t *testing.T) {
	t.Parallel()
	deps := deptest.List(t, "github.com/scimkit/scim", "github.com/scimkit/scim/sqlstore", "github.com/scimkit/scim/scimtest")
	deptest.Forbid(t, "the library", deps, "github.com/chromedp/", "github.com/prometheus/", "/examples/")
}

// verboseDemo sets up the demo as -v does on the memory store, its log
// written to the returned builder.
func verboseDemo(t *testing.T) (http.Handler, *strings.Builder) {
	t.Helper()
	buf := new(strings.Builder)
	_, mux, _, closeStore := setupDemo(t, slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		"-store", "memory", "-token", "tok-acme-1234", "-v")
	t.Cleanup(func() { closeStore() })
	return mux, buf
}

// TestVerboseLog checks that the logger the demo's -v configures receives
// the handler's access log.
func TestVerboseLog(t *testing.T) {
	t.Parallel()
	mux, buf := verboseDemo(t)
	req := httptest.NewRequest("GET", "/scim/v2/Users?filter=userName+eq", nil)
	req.Header.Set("Authorization", "Bearer tok-acme-1234")
	mux.ServeHTTP(httptest.NewRecorder(), req)
	if want := `level=WARN msg="scim request" method=GET route=/Users status=400`; !strings.Contains(buf.String(), want) || !strings.Contains(buf.String(), "scimType=invalidFilter") {
		t.Errorf("log lacks %q:\n%s", want, buf.String())
	}
}

// TestWebPageSignInLimited: the sign-in form is limited as SCIM is, in a
// budget of its own: past it, even the right token is refused with 429 on
// the form until the window ends, while the address's SCIM client (an
// identity provider provisioning) goes on.
func TestWebPageSignInLimited(t *testing.T) {
	t.Parallel()
	s := newDemoSite(t)
	c := s.browser()
	for i := range scim.DefaultAuthFailures {
		if res := s.login(c, fmt.Sprintf("guess-%d", i)); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i, res.StatusCode)
		}
	}
	res := s.login(c, "tok-acme-1234")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || len(res.Cookies()) != 0 {
		t.Fatalf("right token after %d failures: %d, Retry-After %q", scim.DefaultAuthFailures, res.StatusCode, res.Header.Get("Retry-After"))
	}
	if code, _ := s.scim("tok-acme-1234", "GET", "/scim/v2/Users", ""); code != http.StatusOK {
		t.Errorf("SCIM from the same address: %d, want 200 (a budget of its own)", code)
	}
}

// TestTrustedProxyCountsPerClient: with -trusted-proxy, failed authentications are
// counted per client as the proxy reports it in X-Forwarded-For, so one
// client's bad tokens do not answer 429 to every company behind the proxy.
func TestTrustedProxyCountsPerClient(t *testing.T) {
	t.Parallel()
	if _, err := parseFlags([]string{"-trusted-proxy", "proxy.example"}); err == nil {
		t.Error("-trusted-proxy proxy.example: no error")
	}
	s := newDemoSite(t, "-trusted-proxy", "127.0.0.0/8", "-trusted-proxy", "::1")
	send := func(client, token string) int {
		req, _ := http.NewRequest("GET", s.URL+"/scim/v2/Users", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Forwarded-For", client)
		res, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i := range scim.DefaultAuthFailures {
		if code := send("198.51.100.66", fmt.Sprintf("guess-%d", i)); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i, code)
		}
	}
	if code := send("198.51.100.66", "tok-acme-1234"); code != http.StatusTooManyRequests {
		t.Errorf("the guessing client: %d, want 429", code)
	}
	for _, token := range []string{"tok-acme-1234", "tok-globex-5678"} {
		if code := send("203.0.113.5", token); code != http.StatusOK {
			t.Errorf("another client through the proxy: %d, want 200", code)
		}
	}
}

// TestAccessLogClipped: an unauthenticated request's long path reaches the
// log cut, at Warn, however long it was.
func TestAccessLogClipped(t *testing.T) {
	t.Parallel()
	mux, buf := verboseDemo(t)
	long := strings.Repeat("a", 60<<10)
	for _, path := range []string{"/scim/v2/" + long, "/scim/v2/Users/" + long} {
		req := httptest.NewRequest("GET", path, nil)
		if strings.Contains(path, "Users") {
			req.Header.Set("Authorization", "Bearer tok-wrong")
		}
		mux.ServeHTTP(httptest.NewRecorder(), req)
	}
	out := buf.String()
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, `path="/scim/v2/aaaa`) || !strings.Contains(out, "aaa…") {
		t.Errorf("log lacks the cut path:\n%.2000s", out)
	}
	for line := range strings.Lines(out) {
		if len(line) > 2000 {
			t.Errorf("a log line of %d bytes: %.300s…", len(line), line)
		}
	}
}

// TestTrustedProxySecureCookie: -trusted-proxy takes addresses and prefixes,
// comma-separated or repeated, and makes the session cookie Secure behind
// such a proxy that terminated TLS.
func TestTrustedProxySecureCookie(t *testing.T) {
	t.Parallel()
	c, err := parseFlags([]string{"-trusted-proxy", "10.0.0.0/8, 192.0.2.1", "-trusted-proxy", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.trustedProxies); got != "[10.0.0.0/8 192.0.2.1/32 ::1/128]" {
		t.Errorf("prefixes: %s", got)
	}
	if _, err := parseFlags([]string{"-trusted-proxy", "proxy.example"}); err == nil {
		t.Errorf("a host name accepted as a proxy address")
	}
	s := newDemoSite(t, "-trusted-proxy", "127.0.0.1")
	req, _ := http.NewRequest("POST", s.URL+"/login", strings.NewReader("token=tok-acme-1234"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := s.browser().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(res.Cookies()) != 1 || !res.Cookies()[0].Secure {
		t.Errorf("behind a trusted TLS proxy: %s, cookies %v", res.Status, res.Cookies())
	}
}

// TestMetricsReadOnly: /metrics answers GET and HEAD, and other methods
// 405 with Allow, as the mux's "GET" pattern did.
func TestMetricsReadOnly(t *testing.T) {
	t.Parallel()
	s := newDemoSite(t)
	for _, tc := range []struct {
		method string
		want   int
	}{{http.MethodGet, http.StatusOK}, {http.MethodHead, http.StatusOK}, {http.MethodPost, http.StatusMethodNotAllowed}, {http.MethodDelete, http.StatusMethodNotAllowed}} {
		req, err := http.NewRequest(tc.method, s.URL+"/metrics", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.want {
			t.Errorf("%s /metrics: %d, want %d", tc.method, res.StatusCode, tc.want)
		}
		if tc.want == http.StatusMethodNotAllowed && res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /metrics: Allow %q", tc.method, res.Header.Get("Allow"))
		}
	}
}
