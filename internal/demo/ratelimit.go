package demo

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/scimkit/scim"
)

// rateLimiter is a stand-in for the library's per-company limiter: a fixed
// window of limit requests per period, on the handler's clock. Over the
// limit it answers 429 with Retry-After, as Peakon does.
type rateLimiter struct {
	next   http.Handler
	limit  int
	period time.Duration
	now    func() time.Time

	mu    sync.Mutex
	start time.Time
	used  int
}

func newRateLimiter(next http.Handler, limit int, period time.Duration, now func() time.Time) *rateLimiter {
	if now == nil {
		now = time.Now
	}
	return &rateLimiter{next: next, limit: limit, period: period, now: now}
}

func (l *rateLimiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := l.now()
	l.mu.Lock()
	if l.start.IsZero() || !now.Before(l.start.Add(l.period)) {
		l.start, l.used = now, 0
	}
	wait := l.start.Add(l.period).Sub(now)
	ok := l.used < l.limit
	if ok {
		l.used++
	}
	l.mu.Unlock()
	if ok {
		l.next.ServeHTTP(w, r)
		return
	}
	e := scim.Errorf(http.StatusTooManyRequests, "", "rate limit of %d operations per hour exceeded; retry later", l.limit)
	body, _ := e.MarshalJSON()
	secs := max(int((wait+time.Second-1)/time.Second), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.Header().Set("Content-Type", scim.MediaType)
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write(body)
}
