package scim

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// DefaultRateLimit is Peakon's limit: operations per hour per company.
const DefaultRateLimit = 25000

// RateLimiter decides whether a tenant may perform n more operations at
// now. When it may not, retryAfter says how long until it may. The [Handler]
// asks for one operation per authenticated request; a bulk request asks for
// one per operation it holds. An error means the limiter could not decide
// (a shared store is unreachable): the request is answered 503.
// Implementations must be safe for concurrent use; one backed by shared
// storage limits several processes together.
type RateLimiter interface {
	Allow(ctx context.Context, tenant string, n int, now time.Time) (ok bool, retryAfter time.Duration, err error)
}

// windowBuckets is how finely a [WindowLimiter]'s window slides: an hour
// window moves in steps of a minute.
const windowBuckets = 60

// WindowLimiter limits each tenant to Limit operations in any sliding
// window of the given length, counted in 60 buckets (an hour window slides
// by the minute), so it needs a constant, small amount of memory per
// tenant however many operations it counts. A limit of 0 or less allows
// everything. Operations that are refused are not counted.
//
// The time comes from the caller (Allow's now), so tests drive it with a
// fake clock. A [WindowLimiter] is safe for concurrent use.
type WindowLimiter struct {
	limit  int
	width  time.Duration // of one bucket
	window time.Duration

	mu      sync.Mutex
	tenants map[string]*windowCount
	calls   int // since the last sweep of idle tenants
}

// windowCount is one tenant's count: counts[b%windowBuckets] holds the
// operations of absolute bucket b, for the windowBuckets buckets up to last.
type windowCount struct {
	counts [windowBuckets]int
	last   int64 // absolute number of the newest bucket
	total  int
}

// NewWindowLimiter returns a limiter allowing limit operations per tenant
// in any window of the given length (an hour if window is 0 or less).
func NewWindowLimiter(limit int, window time.Duration) *WindowLimiter {
	if window <= 0 {
		window = time.Hour
	}
	width := max(window/windowBuckets, 1)
	return &WindowLimiter{limit: limit, width: width, window: width * windowBuckets}
}

// Allow implements [RateLimiter]; it never fails.
func (l *WindowLimiter) Allow(_ context.Context, tenant string, n int, now time.Time) (bool, time.Duration, error) {
	ok, retry := l.allow(tenant, n, now)
	return ok, retry, nil
}

func (l *WindowLimiter) allow(tenant string, n int, now time.Time) (bool, time.Duration) {
	if l.limit <= 0 || n <= 0 {
		return true, 0
	}
	if n > l.limit {
		// It never fits; waiting a whole window is the most honest answer.
		return false, l.window
	}
	b := now.UnixNano() / int64(l.width)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls++; l.calls >= 4096 {
		l.sweep(b)
	}
	w := l.tenants[tenant]
	if w == nil {
		if l.tenants == nil {
			l.tenants = make(map[string]*windowCount)
		}
		w = &windowCount{last: b}
		l.tenants[tenant] = w
	}
	w.advance(b)
	if w.total+n <= l.limit {
		w.counts[w.last%windowBuckets] += n
		w.total += n
		return true, 0
	}
	// Find the oldest buckets whose expiry frees enough room; bucket k
	// leaves the window when bucket k+windowBuckets begins.
	need := w.total + n - l.limit
	for k := w.last - windowBuckets + 1; k <= w.last; k++ {
		need -= w.counts[mod(k)]
		if need <= 0 {
			expires := time.Unix(0, (k+windowBuckets)*int64(l.width))
			return false, max(expires.Sub(now), time.Second)
		}
	}
	return false, l.window // unreachable while total is the sum of counts
}

// advance moves the window to end at bucket b, dropping buckets that fall
// out of it. A clock that went backwards counts into the newest bucket.
func (w *windowCount) advance(b int64) {
	if b <= w.last {
		return
	}
	if b-w.last >= windowBuckets {
		*w = windowCount{last: b}
		return
	}
	for k := w.last + 1; k <= b; k++ {
		w.total -= w.counts[mod(k)]
		w.counts[mod(k)] = 0
	}
	w.last = b
}

func mod(k int64) int {
	m := k % windowBuckets
	if m < 0 {
		m += windowBuckets
	}
	return int(m)
}

// sweep forgets tenants idle for a whole window, whose count is zero, so
// the map does not grow with every tenant ever seen. The caller holds mu.
func (l *WindowLimiter) sweep(b int64) {
	l.calls = 0
	for t, w := range l.tenants {
		if b-w.last >= windowBuckets {
			delete(l.tenants, t)
		}
	}
}

// spend charges n operations to the request's tenant. Bulk requests call it
// for the operations beyond the one every request is charged. A limiter
// that cannot answer (its database is down) makes the request fail with
// 503 and Retry-After rather than run unlimited.
func (req *request) spend(n int) error {
	if req.h.RateLimit == nil {
		return nil
	}
	ok, retry, err := req.h.RateLimit.Allow(req.ctx, req.tenant, n, req.h.now())
	if err != nil {
		req.h.log.ErrorContext(req.ctx, "scim: rate limiter failed", "tenant", req.tenant, "error", err)
		return &Error{Status: http.StatusServiceUnavailable, Detail: "the rate limit cannot be checked right now; try again later", RetryAfter: authRetryAfter}
	}
	if ok {
		return nil
	}
	retry = max(retry, time.Second)
	secs := int64((retry + time.Second - 1) / time.Second)
	return &Error{
		Status:     http.StatusTooManyRequests,
		Detail:     fmt.Sprintf("this company has exceeded its rate limit of SCIM operations; retry in %d seconds (Retry-After)", secs),
		RetryAfter: retry,
	}
}
