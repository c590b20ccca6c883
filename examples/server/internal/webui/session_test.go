package webui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scim"
)

// signedIn reports whether the client's session opens the employees page.
func (s *testSite) signedIn(t *testing.T, c *http.Client) bool {
	t.Helper()
	res, err := c.Get(s.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode == 200 && strings.Contains(string(b), `id="employees"`)
}

// TestSessionEndsWithItsToken: a session lasts as long as the token it
// was opened with: revoking the token ends every session it opened (and
// no other), as do its expiry and the company's erasure.
func TestSessionEndsWithItsToken(t *testing.T) {
	t.Parallel()
	s := newTestSiteWith(t, 0, nil)
	ctx := t.Context()
	second, _, err := s.companies.IssueToken(ctx, s.acme.ID, "second")
	if err != nil {
		t.Fatal(err)
	}
	a1, a2, b := signIn(t, s.srv, "tok-acme-1234"), signIn(t, s.srv, "tok-acme-1234"), signIn(t, s.srv, second)
	for i, c := range []*http.Client{a1, a2, b} {
		if !s.signedIn(t, c) {
			t.Fatalf("session %d does not open the page", i)
		}
	}
	toks, _ := s.companies.Tokens(ctx, s.acme.ID)
	if err := s.companies.RevokeToken(ctx, s.acme.ID, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	if s.signedIn(t, a1) || s.signedIn(t, a2) {
		t.Errorf("a session outlives its revoked token")
	}
	if res, err := a1.Get(s.srv.URL + "/employees"); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /employees with a revoked token's session: %v %v", res.StatusCode, err)
	}
	if !s.signedIn(t, b) {
		t.Errorf("revoking a token ended another token's session")
	}
	// Revoked through another instance (another Companies on the store):
	// seen at once too.
	other := scim.NewCompanies(s.scim.Store.(scim.CompanyStore))
	fourth, t4, err := other.IssueToken(ctx, s.acme.ID, "fourth")
	if err != nil {
		t.Fatal(err)
	}
	d := signIn(t, s.srv, fourth)
	if err := other.RevokeToken(ctx, s.acme.ID, t4.ID); err != nil {
		t.Fatal(err)
	}
	if s.signedIn(t, d) {
		t.Errorf("a session outlives its token revoked through another instance")
	}
	if total, _, _ := s.ui.sessions.count(s.acme.ID); total != 1 {
		t.Errorf("%d sessions kept, want 1", total)
	}

	// Expiry: the session's cookie lasts no longer than the token, and the
	// session ends when the token expires.
	s.companies.TokenLifetime = time.Hour
	third, _, err := s.companies.IssueToken(ctx, s.acme.ID, "expiring")
	if err != nil {
		t.Fatal(err)
	}
	res := postLogin(t, s, third)
	if n := res.Cookies()[0].MaxAge; n > 3600 || n < 3500 {
		t.Errorf("the cookie of a session opened with a token expiring in an hour lasts %ds", n)
	}
	c := clientWith(res)
	if !s.signedIn(t, c) {
		t.Fatal("the expiring token's session does not open the page")
	}
	s.ui.skew.Store(int64(time.Hour + time.Second))
	if s.signedIn(t, c) {
		t.Errorf("a session outlives its expired token")
	}
	if !s.signedIn(t, b) {
		t.Errorf("a token without expiry lost its session after an hour")
	}
	s.ui.skew.Store(0)

	// Erasure of the company ends its sessions.
	if err := s.companies.Delete(ctx, s.acme.ID); err != nil {
		t.Fatal(err)
	}
	if s.signedIn(t, b) {
		t.Errorf("a session outlives its company's erasure")
	}
	if total, _, _ := s.ui.sessions.count(s.acme.ID); total != 0 {
		t.Errorf("%d sessions kept after the erasure", total)
	}
}

// postLogin posts the sign-in form and returns the answer.
func postLogin(t *testing.T, s *testSite, token string) *http.Response {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(s.srv.URL+"/login", map[string][]string{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(res.Cookies()) != 1 {
		t.Fatalf("sign-in: %s, cookies %v", res.Status, res.Cookies())
	}
	return res
}

// clientWith returns a client that sends the answer's session cookie.
func clientWith(res *http.Response) *http.Client {
	ck := res.Cookies()[0]
	return &http.Client{Transport: cookieTransport{ck}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type cookieTransport struct{ c *http.Cookie }

func (t cookieTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.AddCookie(t.c)
	return http.DefaultTransport.RoundTrip(r)
}

// TestSessionLimits: a company keeps at most MaxCompanySessions sessions
// and the server MaxSessions; past them a sign-in ends the oldest session
// (the company's, else anyone's).
func TestSessionLimits(t *testing.T) {
	t.Parallel()
	s := newTestSiteWith(t, 0, func(c *Config) { c.MaxCompanySessions, c.MaxSessions = 3, 5 })
	globex, err := s.companies.Create(t.Context(), "Globex", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.companies.AddToken(t.Context(), globex.ID, "test", "tok-globex-5678"); err != nil {
		t.Fatal(err)
	}
	var acme []*http.Client
	for range 4 {
		acme = append(acme, signIn(t, s.srv, "tok-acme-1234"))
	}
	if total, own, _ := s.ui.sessions.count(s.acme.ID); total != 3 || own != 3 {
		t.Errorf("4 sign-ins of a company limited to 3: %d sessions, %d its", total, own)
	}
	if s.signedIn(t, acme[0]) || !s.signedIn(t, acme[1]) || !s.signedIn(t, acme[3]) {
		t.Errorf("the company's oldest session should have ended, and only it")
	}
	for range 3 {
		signIn(t, s.srv, "tok-globex-5678")
	}
	if total, own, _ := s.ui.sessions.count(s.acme.ID); total != 5 || own != 2 {
		t.Errorf("3 more sign-ins with a total of 5: %d sessions, %d Acme's; want 5, 2", total, own)
	}
	if s.signedIn(t, acme[1]) || !s.signedIn(t, acme[2]) {
		t.Errorf("the oldest session of all should have ended")
	}
}

// TestSessionSweepAmortised: a sign-in looks at only a few of the oldest
// sessions for expired ones, not at all of them; expired sessions go as
// sign-ins pass them, or when used.
func TestSessionSweepAmortised(t *testing.T) {
	t.Parallel()
	ss := newSessions(&Config{})
	now := time.Now()
	for i := range 100 {
		ss.start(fmt.Sprint("c", i%7), "tok", [32]byte{}, now.Add(time.Minute), now)
	}
	later := now.Add(time.Hour)
	ss.start("c0", "tok", [32]byte{}, later.Add(time.Hour), later)
	if total, _, _ := ss.count(""); total != 101-sweepPerSignIn {
		t.Errorf("after one sign-in past 100 expired sessions: %d kept, want %d", total, 101-sweepPerSignIn)
	}
	for range 100 / sweepPerSignIn {
		ss.start("c1", "tok", [32]byte{}, later.Add(time.Hour), later)
	}
	if total, _, _ := ss.count(""); total != 1+100/sweepPerSignIn {
		t.Errorf("after %d more sign-ins: %d kept, want only theirs", 100/sweepPerSignIn, total)
	}
	se := ss.start("c2", "tok", [32]byte{}, later.Add(time.Minute), later)
	if _, ok := ss.get(se.id, later.Add(2*time.Minute)); ok {
		t.Errorf("an expired session is found")
	}
	select {
	case <-se.done:
	default:
		t.Errorf("an expired session is not ended when used")
	}
}

// openEvents opens the live log's stream; the caller closes the body.
func openEvents(t *testing.T, s *testSite, c *http.Client) *http.Response {
	t.Helper()
	res, err := c.Get(s.srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestEventStreamLimits: a session opens at most MaxSessionStreams event
// streams, a company MaxCompanyStreams, the server MaxStreams; past them
// /events answers 429, and a closed stream frees its place.
func TestEventStreamLimits(t *testing.T) {
	t.Parallel()
	s := newTestSiteWith(t, 0, func(c *Config) {
		c.MaxSessionStreams, c.MaxCompanyStreams, c.MaxStreams = 2, 3, 4
		c.Heartbeat = time.Hour
	})
	globex, _ := s.companies.Create(t.Context(), "Globex", nil)
	s.companies.AddToken(t.Context(), globex.ID, "test", "tok-globex-5678")
	a1, a2, g := signIn(t, s.srv, "tok-acme-1234"), signIn(t, s.srv, "tok-acme-1234"), signIn(t, s.srv, "tok-globex-5678")
	var open []*http.Response
	expect := func(what string, c *http.Client, status int) {
		t.Helper()
		res := openEvents(t, s, c)
		if res.StatusCode != status {
			t.Errorf("%s: %s, want %d", what, res.Status, status)
		}
		if res.StatusCode == http.StatusOK {
			open = append(open, res)
		} else {
			res.Body.Close()
		}
	}
	expect("session 1, stream 1", a1, 200)
	expect("session 1, stream 2", a1, 200)
	expect("session 1, stream 3", a1, http.StatusTooManyRequests)
	expect("session 2, stream 1 (the company's third)", a2, 200)
	expect("session 2, stream 2 (the company's fourth)", a2, http.StatusTooManyRequests)
	expect("another company's first", g, 200)
	expect("another company's second (the fifth in all)", g, http.StatusTooManyRequests)
	if _, _, n := s.ui.sessions.count(""); n != 4 {
		t.Errorf("%d streams counted, want 4", n)
	}
	open[0].Body.Close()
	waitFor(t, "the closed stream to be released", func() bool { _, _, n := s.ui.sessions.count(""); return n == 3 })
	expect("session 1 after closing one", a1, 200)
	for _, res := range open {
		res.Body.Close()
	}
}

// waitFor polls cond until it holds; the test's deadline bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if t.Context().Err() != nil {
			t.Fatalf("waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readToEnd reads a stream until it ends, which the test's deadline bounds.
func readToEnd(t *testing.T, res *http.Response) {
	t.Helper()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
	}
}

// TestEventStreamEndsWithSession: a stream ends when its session does:
// signed out, ended by a newer sign-in past the limit, or with its token,
// which the stream checks at every heartbeat.
func TestEventStreamEndsWithSession(t *testing.T) {
	t.Parallel()
	s := newTestSiteWith(t, 0, func(c *Config) {
		c.Heartbeat = 10 * time.Millisecond
		c.MaxCompanySessions = 2
	})
	a := signIn(t, s.srv, "tok-acme-1234")
	res := openEvents(t, s, a)
	if _, err := a.Post(s.srv.URL+"/logout", "", nil); err != nil {
		t.Fatal(err)
	}
	readToEnd(t, res) // ends: without the fix the test times out here

	b := signIn(t, s.srv, "tok-acme-1234")
	res = openEvents(t, s, b)
	signIn(t, s.srv, "tok-acme-1234")
	signIn(t, s.srv, "tok-acme-1234") // the third: b's session ends
	readToEnd(t, res)

	c := signIn(t, s.srv, "tok-acme-1234")
	res = openEvents(t, s, c)
	if res.StatusCode != 200 {
		t.Fatalf("events: %s", res.Status)
	}
	toks, _ := s.companies.Tokens(t.Context(), s.acme.ID)
	if err := s.companies.RevokeToken(t.Context(), s.acme.ID, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	readToEnd(t, res)
	if _, _, n := s.ui.sessions.count(""); n != 0 {
		waitFor(t, "the streams to be released", func() bool { _, _, n := s.ui.sessions.count(""); return n == 0 })
	}
}

// TestSecureCookie: the session cookie is Secure when a trusted proxy says
// the browser used https, and only then (without TLS to the server).
func TestSecureCookie(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		proto   string
		secure  bool
	}{
		{"no proxy trusted", nil, "https", false},
		{"another proxy trusted", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "https", false},
		{"trusted proxy, https", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "https", true},
		{"trusted proxy, https then http", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "HTTPS, http", true},
		{"trusted proxy, http", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "http", false},
		{"trusted proxy, no header", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "", false},
	} {
		s := newTestSiteWith(t, 0, func(c *Config) { c.TrustedProxies = tc.trusted })
		req, _ := http.NewRequest("POST", s.srv.URL+"/login", strings.NewReader("token=tok-acme-1234"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tc.proto != "" {
			req.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if len(res.Cookies()) != 1 || res.Cookies()[0].Secure != tc.secure {
			t.Errorf("%s: %s, cookies %v, want Secure %v", tc.name, res.Status, res.Cookies(), tc.secure)
		}
	}
}

// failingStore fails every list, as a database that went away does.
type failingStore struct{ scim.Store }

func (failingStore) ListUsers(context.Context, string, *scim.Query) (*scim.Page, error) {
	return nil, errors.New(`pq: relation "scim_users_secret" does not exist at 10.1.2.3:5432`)
}

// TestStoreFailureNotShown: a store's error is logged, and the page says
// in general terms that the store failed, without the error's text.
func TestStoreFailureNotShown(t *testing.T) {
	t.Parallel()
	var logged strings.Builder
	var mu sync.Mutex
	s := newTestSiteWith(t, 0, func(c *Config) {
		c.Store = failingStore{c.Store}
		c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logged}, nil))
	})
	c := signIn(t, s.srv, "tok-acme-1234")
	res, err := c.Get(s.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 500 || strings.Contains(string(b), "scim_users_secret") || !strings.Contains(string(b), "could not be read from the store") {
		t.Errorf("page: %d\n%s", res.StatusCode, b)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), "scim_users_secret") {
		t.Errorf("the store's error is not logged: %s", logged.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
