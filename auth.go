package scim

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"slices"
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
// the request's remote address, an IPv6 address by its /64) may fail
// Failures times in a Window; after that its requests are answered 429
// with Retry-After, without consulting the [Authenticator], until the
// window ends: while a key is blocked, the right token and a wrong one get
// the same answer, so a blocked key learns nothing. Successful
// authentications are not counted.
//
// SCIM requests and sign-ins through [Handler.SignIn] (a web page's form)
// have budgets of their own, each of Failures a Window per key: guesses on
// the form do not lock out the identity provider provisioning from the
// same address, nor the reverse.
//
// Behind a reverse proxy every request comes from the proxy's address, so
// one client's failures would block every client: set Key to
// [ForwardedForKey] with the proxies' addresses.
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
	// RemoteAddr, an IPv6 address by its /64 prefix (which one subscriber
	// usually holds whole); behind a proxy, use [ForwardedForKey] or
	// another function that reads the client address the proxy vouches
	// for, never a header a client may set.
	Key func(r *http.Request) string
	// MaxKeys bounds the keys remembered (default [DefaultAuthKeys]),
	// both budgets together.
	MaxKeys int

	mu   sync.Mutex
	keys map[string]authFailures
}

// authBudget tells an [AuthLimiter]'s budgets apart: SCIM requests and
// sign-ins count separately.
type authBudget byte

const (
	budgetSCIM   authBudget = 's'
	budgetSignIn authBudget = 'w'
)

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

func (l *AuthLimiter) key(r *http.Request, b authBudget) string {
	if l.Key != nil {
		return string(b) + l.Key(r)
	}
	return string(b) + remoteKey(r)
}

// remoteKey is the default key: the host of RemoteAddr, by addrKey.
func remoteKey(r *http.Request) string {
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		host = h
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return addrKey(a)
	}
	return host
}

// addrKey keys a client address: an IPv4 address (or an IPv4-mapped IPv6
// one) as itself, an IPv6 address by its /64, the smallest block a
// subscriber is given, so that the 2^64 addresses of one network are one
// client.
func addrKey(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// maxForwardedHops bounds how many X-Forwarded-For entries
// [ForwardedForKey] reads, from the right.
const maxForwardedHops = 32

// ForwardedForKey returns an [AuthLimiter] Key for a server behind
// reverse proxies that append the address a request came from to
// X-Forwarded-For (nginx's $proxy_add_x_forwarded_for, HAProxy's option
// forwardfor, most load balancers). trusted are the proxies' addresses
// or networks.
//
// A request from a trusted proxy (its RemoteAddr is in trusted) is keyed
// by the rightmost X-Forwarded-For address that is not trusted: the client
// as the nearest trusted proxy saw it. The addresses left of it are the
// client's own claims and are never read, so a client cannot pick its key.
// When every address is trusted, the leftmost is the key; when the entry
// where the client's address should be is not an IP address (a proxy that
// appends something else), the last trusted hop is. A request from
// anywhere else, or without the header, is keyed by its RemoteAddr, as
// the default key does. IPv6 addresses are keyed by their /64.
func ForwardedForKey(trusted ...netip.Prefix) func(r *http.Request) string {
	trusted = slices.Clone(trusted)
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap().WithZone("")
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		host := r.RemoteAddr
		if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			host = h
		}
		client, err := netip.ParseAddr(host)
		if err != nil || !isTrusted(client) {
			return remoteKey(r)
		}
		vals := r.Header.Values("X-Forwarded-For")
		hops := 0
		for i := len(vals) - 1; i >= 0 && hops < maxForwardedHops; i-- {
			list := vals[i]
			for list != "" && hops < maxForwardedHops {
				entry := list
				if j := strings.LastIndexByte(list, ','); j >= 0 {
					entry, list = list[j+1:], list[:j]
				} else {
					list = ""
				}
				entry = strings.TrimSpace(entry)
				if entry == "" {
					continue
				}
				hops++
				a, ok := forwardedAddr(entry)
				if !ok {
					return addrKey(client)
				}
				client = a
				if !isTrusted(a) {
					return addrKey(a)
				}
			}
		}
		return addrKey(client)
	}
}

// forwardedAddr parses one X-Forwarded-For entry: an IP address, with or
// without a port ("192.0.2.1:4711", "[2001:db8::1]:443").
func forwardedAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), true
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return a, true
	}
	return netip.Addr{}, false
}

// blocked reports how long the request's key must wait before it may try
// again, or 0 when it may try now.
func (l *AuthLimiter) blocked(r *http.Request, b authBudget, now time.Time) time.Duration {
	failures, window, _ := l.limits()
	if failures < 0 {
		return 0
	}
	// Without a failure on record (as nearly always) no key can be
	// blocked: skip building one, two allocations on every request.
	l.mu.Lock()
	none := len(l.keys) == 0
	l.mu.Unlock()
	if none {
		return 0
	}
	k := l.key(r, b)
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
func (l *AuthLimiter) fail(r *http.Request, b authBudget, now time.Time) {
	failures, window, maxKeys := l.limits()
	if failures < 0 {
		return
	}
	k := l.key(r, b)
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

func (h *Handler) authenticate(ctx context.Context, r *http.Request) (string, error) {
	authz := r.Header.Get("Authorization")
	scheme, token, found := strings.Cut(authz, " ")
	if authz == "" {
		return "", Errorf(http.StatusUnauthorized, "", "authorization required: send the company's token as \"Authorization: Bearer <token>\"")
	}
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", Errorf(http.StatusUnauthorized, "", "the Authorization header must be \"Bearer <token>\"")
	}
	return h.signIn(ctx, r, strings.TrimSpace(token), budgetSCIM)
}

// SignIn resolves a bearer token to its tenant through Auth, for a
// sign-in form outside SCIM (a web page taking a company's token), so that
// guessing there is limited as it is over SCIM: failures count against the
// request's key in AuthFailures, in a budget of the form's own (see
// [AuthLimiter]). The error is an [*Error]: 401 for an unknown token, 429
// with RetryAfter while the key is blocked (the token is then not checked
// at all), 503 with RetryAfter when Auth fails otherwise (logged).
func (h *Handler) SignIn(r *http.Request, token string) (string, error) {
	return h.signIn(r.Context(), r, token, budgetSignIn)
}

// signIn authenticates a token, counting a failure in budget b. A blocked
// key is refused before Auth is consulted, so that its answer says nothing
// about the token.
func (h *Handler) signIn(ctx context.Context, r *http.Request, token string, b authBudget) (string, error) {
	h.init()
	now := h.now()
	if wait := h.authFailures.blocked(r, b, now); wait > 0 {
		h.log.WarnContext(ctx, "scim: authentication refused: too many failed attempts", "remote", r.RemoteAddr, "retry_after", wait)
		e := Errorf(http.StatusTooManyRequests, "", "too many failed authentication attempts; try again in %d seconds", int((wait+time.Second-1)/time.Second))
		e.RetryAfter = wait
		return "", e
	}
	if h.Auth == nil {
		return "", Errorf(http.StatusUnauthorized, "", "this endpoint has no authenticator configured")
	}
	tenant, err := h.Auth.Authenticate(ctx, token)
	switch {
	case err == nil && tenant != "":
		return tenant, nil
	case err == nil || errors.Is(err, ErrUnauthorized):
		h.authFailures.fail(r, b, now)
		h.log.WarnContext(ctx, "scim: authentication failed: unknown bearer token", "remote", r.RemoteAddr, "path", shortPath(r.URL.Path))
		return "", Errorf(http.StatusUnauthorized, "", "the bearer token is not valid; ask the administrator for a new one")
	default:
		h.log.ErrorContext(ctx, "scim: authentication unavailable", "remote", r.RemoteAddr, "path", shortPath(r.URL.Path), "error", err)
		e := Errorf(http.StatusServiceUnavailable, "", "the bearer token cannot be checked right now; try again later")
		e.RetryAfter = authRetryAfter
		return "", e
	}
}

// authRetryAfter is the Retry-After of a 503 for an authenticator outage.
const authRetryAfter = 30 * time.Second

// AuthScheme describes how clients authenticate, as
// /ServiceProviderConfig publishes it (RFC 7643 §5).
type AuthScheme struct {
	Name             string // default "OAuth Bearer Token"
	Description      string // e.g. where an administrator generates the token
	SpecURI          string
	DocumentationURI string
}
