package scim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStaticTokens(t *testing.T) {
	tokens := StaticTokens{"okta-token": "acme", "other-token-longer": "globex"}
	tests := []struct {
		token, tenant string
		err           error
	}{
		{"okta-token", "acme", nil},
		{"other-token-longer", "globex", nil},
		{"okta-toke", "", ErrUnauthorized},   // a prefix
		{"okta-token!", "", ErrUnauthorized}, // longer
		{"OKTA-TOKEN", "", ErrUnauthorized},
		{"", "", ErrUnauthorized},
	}
	for _, tt := range tests {
		tenant, err := tokens.Authenticate(context.Background(), tt.token)
		if tenant != tt.tenant || !errors.Is(err, tt.err) {
			t.Errorf("Authenticate(%q) = %q, %v; want %q, %v", tt.token, tenant, err, tt.tenant, tt.err)
		}
	}
}

// logBuffer returns a logger writing text records at every level to buf.
func logBuffer(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestAuthenticatorErrors pins the Authenticator contract: ErrUnauthorized
// (or an error wrapping it) is 401; any other error is an outage, 503 with
// Retry-After and an error in the log, so that identity providers do not
// disable provisioning over a database restart.
func TestAuthenticatorErrors(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		retryAfter bool
		log        string
	}{
		{"unknown token", ErrUnauthorized, 401, false, "level=WARN msg=\"scim: authentication failed"},
		{"wrapped unknown token", fmt.Errorf("tokens: %w", ErrUnauthorized), 401, false, "level=WARN"},
		{"database down", errors.New("dial tcp 10.0.0.1:5432: connection refused"), 503, true, "level=ERROR msg=\"scim: authentication unavailable\""},
		{"context deadline", context.DeadlineExceeded, 503, true, "level=ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := &Handler{
				Store:  NewMemoryStore(),
				Auth:   AuthenticatorFunc(func(context.Context, string) (string, error) { return "", tt.err }),
				Logger: logBuffer(&logs),
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/scim/v2/Users", nil)
			req.Header.Set("Authorization", "Bearer some-token")
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if got := rec.Header().Get("Retry-After") != ""; got != tt.retryAfter {
				t.Errorf("Retry-After %q, want present=%v", rec.Header().Get("Retry-After"), tt.retryAfter)
			}
			if got := rec.Header().Get("WWW-Authenticate") != ""; got != (tt.status == 401) {
				t.Errorf("WWW-Authenticate %q on a %d", rec.Header().Get("WWW-Authenticate"), tt.status)
			}
			if !strings.Contains(logs.String(), tt.log) {
				t.Errorf("log does not contain %q:\n%s", tt.log, logs.String())
			}
			if strings.Contains(logs.String(), "some-token") {
				t.Errorf("the log holds the presented token:\n%s", logs.String())
			}
		})
	}
}

func TestAuthFailuresLimited(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	h := &Handler{
		Store: NewMemoryStore(),
		Auth:  StaticTokens{testToken: "acme"},
		AuthFailures: &AuthLimiter{Failures: 3, Window: time.Minute,
			Key: func(r *http.Request) string { return r.Header.Get("X-Client") }},
		Logger: logBuffer(&logs),
		Now:    func() time.Time { return now },
	}
	do := func(client, token string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/scim/v2/Users", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Client", client)
		h.ServeHTTP(rec, req)
		return rec
	}
	for i := range 3 {
		if rec := do("attacker", "guess-"+strconv.Itoa(i)); rec.Code != 401 {
			t.Fatalf("guess %d: status %d, want 401", i, rec.Code)
		}
	}
	// The fourth attempt is refused without being checked, a valid token
	// included, so that a guess cannot be confirmed.
	for _, token := range []string{"guess-3", testToken} {
		rec := do("attacker", token)
		if rec.Code != 429 || rec.Header().Get("Retry-After") != "60" {
			t.Fatalf("%s after 3 failures: status %d, Retry-After %q; want 429, 60", token, rec.Code, rec.Header().Get("Retry-After"))
		}
	}
	if rec := do("okta", testToken); rec.Code != 200 {
		t.Fatalf("another client: status %d, want 200", rec.Code)
	}
	if !strings.Contains(logs.String(), "too many failed attempts") {
		t.Errorf("refusals are not logged:\n%s", logs.String())
	}
	now = now.Add(time.Minute)
	if rec := do("attacker", testToken); rec.Code != 200 {
		t.Fatalf("after the window: status %d, want 200", rec.Code)
	}
}

// TestAuthFailuresMemoryBounded: an attacker using many addresses cannot
// grow the limiter's memory past MaxKeys.
func TestAuthFailuresMemoryBounded(t *testing.T) {
	l := &AuthLimiter{MaxKeys: 100}
	now := time.Now()
	for i := range 10000 {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256) + ":4242"
		l.fail(r, budgetSCIM, now)
	}
	if n := len(l.keys); n > 100 {
		t.Fatalf("%d keys remembered, want at most 100", n)
	}
	// The default key is the remote host: another port is the same client.
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.1:1"
	for range DefaultAuthFailures {
		l.fail(r, budgetSCIM, now)
	}
	r.RemoteAddr = "192.0.2.1:2"
	if l.blocked(r, budgetSCIM, now) == 0 {
		t.Fatal("the same host on another port is not blocked")
	}
}

// TestSignIn: a sign-in form outside SCIM is limited as SCIM is, in a
// budget of its own: failed sign-ins do not lock the address's SCIM client
// out, nor the reverse.
func TestSignIn(t *testing.T) {
	h := &Handler{Logger: slog.New(slog.DiscardHandler), Store: NewMemoryStore(), Auth: StaticTokens{testToken: "acme"}, AuthFailures: &AuthLimiter{Failures: 1}}
	r := httptest.NewRequest("POST", "/login", nil)
	scimStatus := func(token string) int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/scim/v2/Users", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if tenant, err := h.SignIn(r, testToken); err != nil || tenant != "acme" {
		t.Fatalf("SignIn = %q, %v", tenant, err)
	}
	if _, err := h.SignIn(r, "wrong"); asError(err).Status != 401 {
		t.Fatalf("wrong token: %v, want 401", err)
	}
	if _, err := h.SignIn(r, testToken); asError(err).Status != 429 {
		t.Fatalf("sign-in after a failed one: %v, want 429", err)
	}
	if code := scimStatus(testToken); code != 200 {
		t.Fatalf("SCIM request after a failed sign-in from the same address: %d, want 200", code)
	}
	if code := scimStatus("wrong"); code != 401 {
		t.Fatalf("SCIM request with a wrong token: %d, want 401", code)
	}
	if code := scimStatus(testToken); code != 429 {
		t.Fatalf("SCIM request after a failed one: %d, want 429", code)
	}
}

// countingAuth counts the tokens it is asked to check.
type countingAuth struct {
	StaticTokens
	mu    sync.Mutex
	calls int
}

func (a *countingAuth) Authenticate(ctx context.Context, token string) (string, error) {
	a.mu.Lock()
	a.calls++
	a.mu.Unlock()
	return a.StaticTokens.Authenticate(ctx, token)
}

// TestBlockedKeyIsNoOracle: while a key is blocked its attempts are not
// checked at all, over SCIM and on the sign-in form: the right token and a
// wrong one get the same answer, byte for byte, and the Authenticator is
// not called, so a guesser learns nothing from a blocked key.
func TestBlockedKeyIsNoOracle(t *testing.T) {
	type answer struct {
		Status     int
		RetryAfter string
		Body       string
	}
	tests := []struct {
		name string
		try  func(h *Handler, token string) answer
	}{
		{"SCIM", func(h *Handler, token string) answer {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/scim/v2/Users", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			h.ServeHTTP(rec, req)
			return answer{rec.Code, rec.Header().Get("Retry-After"), rec.Body.String()}
		}},
		{"sign-in", func(h *Handler, token string) answer {
			_, err := h.SignIn(httptest.NewRequest("POST", "/login", nil), token)
			if err == nil {
				return answer{Status: 200}
			}
			e := asError(err)
			return answer{e.Status, e.RetryAfter.String(), e.Detail}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			auth := &countingAuth{StaticTokens: StaticTokens{testToken: "acme"}}
			h := &Handler{Logger: slog.New(slog.DiscardHandler), Store: NewMemoryStore(), Auth: auth, AuthFailures: &AuthLimiter{Failures: 2}, Now: func() time.Time { return now }}
			for i := range 2 {
				if got := tt.try(h, "guess-"+strconv.Itoa(i)); got.Status != 401 {
					t.Fatalf("guess %d: %+v, want 401", i, got)
				}
			}
			calls := auth.calls
			right, wrong := tt.try(h, testToken), tt.try(h, "guess-2")
			if right.Status != 429 {
				t.Fatalf("the right token while blocked: %+v, want 429", right)
			}
			if diff := cmp.Diff(wrong, right); diff != "" {
				t.Errorf("while blocked, the right token's answer differs from a wrong one's (-wrong +right):\n%s", diff)
			}
			if auth.calls != calls {
				t.Errorf("while blocked the Authenticator was called %d times, want 0", auth.calls-calls)
			}
			now = now.Add(DefaultAuthWindow)
			if got := tt.try(h, testToken); got.Status != 200 {
				t.Errorf("after the window: %+v, want 200", got)
			}
		})
	}
}

// TestAuthLimiterDefaultKey: the default key is the remote host; an IPv6
// address counts by its /64, which one subscriber holds whole.
func TestAuthLimiterDefaultKey(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"192.0.2.1:4242", "192.0.2.1"},
		{"192.0.2.1", "192.0.2.1"},
		{"[::ffff:192.0.2.1]:80", "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff:ffff:ffff:ffff]:1", "2001:db8:1:2::/64"},
		{"[2001:db8:1:3::1]:1", "2001:db8:1:3::/64"},
		{"[fe80::1%eth0]:1", "fe80::/64"},
		{"pipe", "pipe"},
	}
	l := &AuthLimiter{}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if got := l.key(r, budgetSCIM); got != string(budgetSCIM)+tt.want {
			t.Errorf("key of RemoteAddr %q = %q, want %q", tt.remote, got[1:], tt.want)
		}
	}
}

// TestAuthFailuresIPv6ByPrefix: a guesser cannot get a fresh budget for
// each of the 2^64 addresses of its network; another network is unaffected.
func TestAuthFailuresIPv6ByPrefix(t *testing.T) {
	h := &Handler{Logger: slog.New(slog.DiscardHandler), Store: NewMemoryStore(), Auth: StaticTokens{testToken: "acme"}}
	do := func(remote, token string) int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/scim/v2/Users", nil)
		req.RemoteAddr = remote
		req.Header.Set("Authorization", "Bearer "+token)
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for i := range DefaultAuthFailures {
		if code := do(fmt.Sprintf("[2001:db8:0:1::%x]:443", i+1), "guess"); code != 401 {
			t.Fatalf("guess %d: %d, want 401", i, code)
		}
	}
	if code := do("[2001:db8:0:1:ffff::1]:443", testToken); code != 429 {
		t.Errorf("another address of the same /64: %d, want 429", code)
	}
	if code := do("[2001:db8:0:2::1]:443", testToken); code != 200 {
		t.Errorf("another /64: %d, want 200", code)
	}
}

// TestForwardedForKey: behind trusted proxies the key is the rightmost
// X-Forwarded-For address that is not a proxy's; what a client writes to
// the left of it is never read, and a request that does not come from a
// trusted proxy is keyed by its peer whatever its header says.
func TestForwardedForKey(t *testing.T) {
	key := ForwardedForKey(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48"))
	tests := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"through one proxy", "10.0.0.2:5000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"a client's own claims are ignored", "10.0.0.2:5000", []string{"1.2.3.4, 5.6.7.8, 198.51.100.7"}, "198.51.100.7"},
		{"through two proxies", "10.0.0.2:5000", []string{"198.51.100.7, 10.1.1.1"}, "198.51.100.7"},
		{"header lines in order", "10.0.0.2:5000", []string{"1.2.3.4", "198.51.100.7, 10.1.1.1"}, "198.51.100.7"},
		{"a claim that looks trusted", "10.0.0.2:5000", []string{"10.9.9.9, 198.51.100.7"}, "198.51.100.7"},
		{"with a port", "10.0.0.2:5000", []string{"198.51.100.7:4711"}, "198.51.100.7"},
		{"IPv6 by /64", "10.0.0.2:5000", []string{"[2001:db8:1:2::99]:443"}, "2001:db8:1:2::/64"},
		{"IPv6 proxy", "[2001:db8:ffff::1]:5000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"all trusted: the leftmost", "10.0.0.2:5000", []string{"10.3.3.3, 10.1.1.1"}, "10.3.3.3"},
		{"not an address: the last trusted hop", "10.0.0.2:5000", []string{"198.51.100.7, unknown"}, "10.0.0.2"},
		{"not an address behind a proxy", "10.0.0.2:5000", []string{"garbage, 10.1.1.1"}, "10.1.1.1"},
		{"empty entries skipped", "10.0.0.2:5000", []string{"198.51.100.7, ,"}, "198.51.100.7"},
		{"no header: the proxy", "10.0.0.2:5000", nil, "10.0.0.2"},
		{"not from a proxy: the header is the client's", "203.0.113.9:5000", []string{"198.51.100.7"}, "203.0.113.9"},
		{"not from a proxy, IPv6", "[2001:db8:5::1]:5000", []string{"198.51.100.7"}, "2001:db8:5::/64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := key(r); got != tt.want {
				t.Errorf("key = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestForwardedForKeyBounded: a header of a megabyte of trusted-looking
// entries costs a bounded number of them.
func TestForwardedForKeyBounded(t *testing.T) {
	key := ForwardedForKey(netip.MustParsePrefix("10.0.0.0/8"))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.2:5000"
	r.Header.Set("X-Forwarded-For", strings.Repeat("10.0.0.9, ", 100000)+"10.0.0.1")
	if n := testing.AllocsPerRun(3, func() { key(r) }); n > 2 {
		t.Errorf("%v allocations, want at most 2", n)
	}
	if got := key(r); got != "10.0.0.9" {
		t.Errorf("key = %q, want the last hop read, 10.0.0.9", got)
	}
}

// TestAuthFailuresBehindProxy: behind a proxy with ForwardedForKey, one
// client's bad tokens block that client only; every company's valid token
// from other clients through the same proxy still works.
func TestAuthFailuresBehindProxy(t *testing.T) {
	h := &Handler{Logger: slog.New(slog.DiscardHandler), Store: NewMemoryStore(), Auth: StaticTokens{testToken: "acme", "other-token": "globex"},
		AuthFailures: &AuthLimiter{Key: ForwardedForKey(netip.MustParsePrefix("10.0.0.2/32"))}}
	do := func(client, token string) int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/scim/v2/Users", nil)
		req.RemoteAddr = "10.0.0.2:5000"
		req.Header.Set("X-Forwarded-For", client)
		req.Header.Set("Authorization", "Bearer "+token)
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for i := range DefaultAuthFailures {
		if code := do("198.51.100.66", "guess-"+strconv.Itoa(i)); code != 401 {
			t.Fatalf("guess %d: %d, want 401", i, code)
		}
	}
	if code := do("198.51.100.66", testToken); code != 429 {
		t.Errorf("the guesser: %d, want 429", code)
	}
	for _, token := range []string{testToken, "other-token"} {
		if code := do("203.0.113.5", token); code != 200 {
			t.Errorf("another client through the proxy: %d, want 200", code)
		}
	}
}
