package scim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
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
		l.fail(r, now)
	}
	if n := len(l.keys); n > 100 {
		t.Fatalf("%d keys remembered, want at most 100", n)
	}
	// The default key is the remote host: another port is the same client.
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.1:1"
	for range DefaultAuthFailures {
		l.fail(r, now)
	}
	r.RemoteAddr = "192.0.2.1:2"
	if l.blocked(r, now) == 0 {
		t.Fatal("the same host on another port is not blocked")
	}
}

// TestSignIn: a sign-in form outside SCIM shares the failure limit.
func TestSignIn(t *testing.T) {
	h := &Handler{Store: NewMemoryStore(), Auth: StaticTokens{testToken: "acme"}, AuthFailures: &AuthLimiter{Failures: 1}}
	r := httptest.NewRequest("POST", "/login", nil)
	if tenant, err := h.SignIn(r, testToken); err != nil || tenant != "acme" {
		t.Fatalf("SignIn = %q, %v", tenant, err)
	}
	if _, err := h.SignIn(r, "wrong"); asError(err).Status != 401 {
		t.Fatalf("wrong token: %v, want 401", err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/scim/v2/Users", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	h.ServeHTTP(rec, req)
	if rec.Code != 429 {
		t.Fatalf("SCIM request after a failed sign-in from the same address: %d, want 429", rec.Code)
	}
}
