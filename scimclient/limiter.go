package scimclient

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Limiter keeps a client within a server's rate limit of so many
// operations in any sliding window, as Peakon counts them (25,000 an hour,
// a bulk request costing one per operation), so that a long sync does not
// run into 429s. Up to the whole budget left in the window may be spent at
// once: 10,000 creates go out as fast as the server takes them, and only
// a client that has used up the hour waits, until its oldest operations
// leave the window. A Limiter is safe for concurrent use; share one
// between the clients of one company.
type Limiter struct {
	limit  int
	window time.Duration
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	spent []spend // oldest first, all within the window
	used  int
}

type spend struct {
	at time.Time
	n  int
}

// NewLimiter returns a limiter allowing limit operations in any window
// of the given length (an hour if window is 0 or less).
func NewLimiter(limit int, window time.Duration) *Limiter {
	if window <= 0 {
		window = time.Hour
	}
	return &Limiter{limit: limit, window: window, now: time.Now, sleep: sleepCtx}
}

// Wait blocks until n more operations fit in the window, then counts them.
// It returns early with the context's error, and at once with an error
// when n exceeds the whole limit, or when they would fit only after the
// context's deadline (an error that errors.Is context.DeadlineExceeded,
// saying how long the wait would be).
func (l *Limiter) Wait(ctx context.Context, n int) error {
	if l.limit <= 0 || n <= 0 {
		return nil
	}
	if n > l.limit {
		return fmt.Errorf("scimclient: %d operations exceed the rate limit of %d per %v", n, l.limit, l.window)
	}
	for {
		d := l.reserve(n)
		if d == 0 {
			return nil
		}
		if deadline, ok := ctx.Deadline(); ok && l.now().Add(d).After(deadline) {
			return fmt.Errorf("scimclient: the rate limit of %d operations per %v has room for %d more only in %v, after the context's deadline: %w",
				l.limit, l.window, n, d.Round(time.Second), context.DeadlineExceeded)
		}
		if err := l.sleep(ctx, d); err != nil {
			return err
		}
	}
}

// Remaining returns how many operations the window has room for now.
func (l *Limiter) Remaining() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire(l.now())
	return max(l.limit-l.used, 0)
}

// reserve counts n operations and returns 0 if they fit, else how long
// until they will.
func (l *Limiter) reserve(n int) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.expire(now)
	if l.used+n <= l.limit {
		if k := len(l.spent); k > 0 && now.Sub(l.spent[k-1].at) < time.Second {
			l.spent[k-1].n += n // coalesce: a second's precision is plenty
		} else {
			l.spent = append(l.spent, spend{now, n})
		}
		l.used += n
		return 0
	}
	need := l.used + n - l.limit
	for _, s := range l.spent {
		need -= s.n
		if need <= 0 {
			return max(s.at.Add(l.window).Sub(now), time.Millisecond)
		}
	}
	return l.window // unreachable: n <= limit
}

func (l *Limiter) expire(now time.Time) {
	i := 0
	for i < len(l.spent) && !now.Before(l.spent[i].at.Add(l.window)) {
		l.used -= l.spent[i].n
		i++
	}
	if i > 0 {
		l.spent = append(l.spent[:0], l.spent[i:]...)
	}
}
