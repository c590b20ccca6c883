package scim

import (
	"net"
	"net/http"
	"sync"
	"time"
)

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

// Blocked reports how long the request's key must wait before it may try
// again, or 0 when it may try now.
func (l *AuthLimiter) Blocked(r *http.Request, now time.Time) time.Duration {
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

// Fail records a failed attempt by the request's key.
func (l *AuthLimiter) Fail(r *http.Request, now time.Time) {
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
