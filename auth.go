package scim

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Authenticator resolves a bearer token to the tenant (company) it belongs
// to. For a token it does not know it must return [ErrUnauthorized], or an
// error wrapping it: the handler answers 401. Any other error means the
// token could not be checked (the database is down, say): the handler
// answers 503 with Retry-After and logs it, because identity providers
// disable provisioning after repeated 401s, which an outage must not cause.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (tenant string, err error)
}

// AuthenticatorFunc adapts a function to [Authenticator].
type AuthenticatorFunc func(ctx context.Context, token string) (string, error)

// Authenticate implements [Authenticator].
func (f AuthenticatorFunc) Authenticate(ctx context.Context, token string) (string, error) {
	return f(ctx, token)
}

// StaticTokens maps bearer tokens to tenants, for demos and tests. Tokens
// are compared as SHA-256 digests, in constant time, against every entry:
// neither the comparison, the map lookup nor the tokens' lengths reveal how
// much of a token was right.
type StaticTokens map[string]string

// Authenticate implements [Authenticator].
func (s StaticTokens) Authenticate(_ context.Context, token string) (string, error) {
	presented := sha256.Sum256([]byte(token))
	tenant, found := "", 0
	for t, ten := range s {
		known := sha256.Sum256([]byte(t))
		if subtle.ConstantTimeCompare(known[:], presented[:]) == 1 {
			tenant, found = ten, 1
		}
	}
	if found == 0 || token == "" {
		return "", ErrUnauthorized
	}
	return tenant, nil
}

// Defaults of an [AuthLimiter].
const (
	DefaultAuthFailures = 20
	DefaultAuthWindow   = time.Minute
	DefaultAuthKeys     = 10000
)

// AuthLimiter limits failed authentications, so that a client guessing
// bearer tokens is slowed to a few guesses a minute. Each key (by default
// the request's remote address) may fail Failures times in a Window; after
// that its requests are answered 429 with Retry-After, without consulting
// the [Authenticator], until the window ends. Successful authentications are
// not counted.
//
// It is kept in process memory and counts per instance: with N instances
// an attacker gets N times the budget, which still bounds guessing. Its
// memory is bounded by MaxKeys whatever the number of addresses an
// attacker uses: when full, it forgets expired keys, then arbitrary ones.
//
// Set the fields before first use; an [AuthLimiter] is safe for concurrent
// use.
type AuthLimiter struct {
	// Failures is how many failed attempts a key may make per window
	// (default [DefaultAuthFailures]); a negative value turns limiting off.
	Failures int
	// Window is how long failures are remembered (default [DefaultAuthWindow]).
	Window time.Duration
	// Key returns who is attempting. Nil means the host of the request's
	// RemoteAddr; behind a proxy, supply a key function that reads the
	// client address the proxy vouches for.
	Key func(r *http.Request) string
	// MaxKeys bounds the keys remembered (default [DefaultAuthKeys]).
	MaxKeys int

	mu   sync.Mutex
	keys map[string]authFailures
}

// authFailures counts one key's failures in the window starting at start.
type authFailures struct {
	start time.Time
	n     int
}

func (l *AuthLimiter) limits() (failures int, window time.Duration, maxKeys int) {
	failures, window, maxKeys = l.Failures, l.Window, l.MaxKeys
	if failures == 0 {
		failures = DefaultAuthFailures
	}
	if window <= 0 {
		window = DefaultAuthWindow
	}
	if maxKeys <= 0 {
		maxKeys = DefaultAuthKeys
	}
	return failures, window, maxKeys
}

func (l *AuthLimiter) key(r *http.Request) string {
	if l.Key != nil {
		return l.Key(r)
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// blocked reports how long the request's key must wait before it may try
// again, or 0 when it may try now.
func (l *AuthLimiter) blocked(r *http.Request, now time.Time) time.Duration {
	failures, window, _ := l.limits()
	if failures < 0 {
		return 0
	}
	k := l.key(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.keys[k]
	if !ok || e.n < failures {
		return 0
	}
	if end := e.start.Add(window); now.Before(end) {
		return end.Sub(now)
	}
	return 0
}

// fail records a failed attempt by the request's key.
func (l *AuthLimiter) fail(r *http.Request, now time.Time) {
	failures, window, maxKeys := l.limits()
	if failures < 0 {
		return
	}
	k := l.key(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.keys == nil {
		l.keys = make(map[string]authFailures)
	}
	e, ok := l.keys[k]
	switch {
	case ok && now.Before(e.start.Add(window)):
		e.n++
	default:
		if !ok && len(l.keys) >= maxKeys {
			l.evict(now, window, maxKeys)
		}
		e = authFailures{start: now, n: 1}
	}
	l.keys[k] = e
}

// evict makes room for one key: it drops the expired keys or, when none
// has expired, one arbitrary key (map order is unspecified), so a flood of
// addresses cannot grow the map.
func (l *AuthLimiter) evict(now time.Time, window time.Duration, maxKeys int) {
	for k, e := range l.keys {
		if !now.Before(e.start.Add(window)) {
			delete(l.keys, k)
		}
	}
	if len(l.keys) < maxKeys {
		return
	}
	for k := range l.keys {
		delete(l.keys, k)
		return
	}
}

func (h *Handler) authenticate(r *http.Request) (string, error) {
	authz := r.Header.Get("Authorization")
	scheme, token, found := strings.Cut(authz, " ")
	if authz == "" {
		return "", Errorf(http.StatusUnauthorized, "", "authorization required: send the company's token as \"Authorization: Bearer <token>\"")
	}
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", Errorf(http.StatusUnauthorized, "", "the Authorization header must be \"Bearer <token>\"")
	}
	return h.SignIn(r, strings.TrimSpace(token))
}

// SignIn resolves a bearer token to its tenant through Auth, counting a
// failure against the request's key in AuthFailures, as every SCIM request
// does. A sign-in form outside SCIM (a web page taking a company's token)
// calls it so that guessing there is limited alike. The error is an
// [*Error]: 401 for an unknown token, 429 with RetryAfter while the key is
// blocked, 503 with RetryAfter when Auth fails otherwise (logged).
func (h *Handler) SignIn(r *http.Request, token string) (string, error) {
	h.init()
	now := h.now()
	if wait := h.authFailures.blocked(r, now); wait > 0 {
		h.log.WarnContext(r.Context(), "scim: authentication refused: too many failed attempts", "remote", r.RemoteAddr, "retry_after", wait)
		e := Errorf(http.StatusTooManyRequests, "", "too many failed authentication attempts; try again in %d seconds", int((wait+time.Second-1)/time.Second))
		e.RetryAfter = wait
		return "", e
	}
	if h.Auth == nil {
		return "", Errorf(http.StatusUnauthorized, "", "this endpoint has no authenticator configured")
	}
	tenant, err := h.Auth.Authenticate(r.Context(), token)
	switch {
	case err == nil && tenant != "":
		return tenant, nil
	case err == nil || errors.Is(err, ErrUnauthorized):
		h.authFailures.fail(r, now)
		h.log.WarnContext(r.Context(), "scim: authentication failed: unknown bearer token", "remote", r.RemoteAddr, "path", r.URL.Path)
		return "", Errorf(http.StatusUnauthorized, "", "the bearer token is not valid; ask the administrator for a new one")
	default:
		h.log.ErrorContext(r.Context(), "scim: authentication unavailable", "remote", r.RemoteAddr, "path", r.URL.Path, "error", err)
		e := Errorf(http.StatusServiceUnavailable, "", "the bearer token cannot be checked right now; try again later")
		e.RetryAfter = authRetryAfter
		return "", e
	}
}

// authRetryAfter is the Retry-After of a 503 for an authenticator outage.
const authRetryAfter = 30 * time.Second
