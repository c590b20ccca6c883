package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"
)

// rateBuckets is how finely a RateLimiter's window slides, as for
// scim.WindowLimiter: an hour window moves by the minute.
const rateBuckets = 60

// DefaultLease is how many operations a RateLimiter claims from the
// database at a time.
const DefaultLease = 50

// RateLimiter is a scim.RateLimiter shared by every instance on one
// PostgreSQL database, so that a company's limit (Peakon's 25,000
// operations an hour) holds across a fleet, not per process.
//
// Counting every request in the database would turn each GET into a write
// on one hot row. Instead each instance claims a lease of operations (Lease,
// default DefaultLease) from the company's shared count in one short
// transaction and spends it in memory; it goes back to the database only
// when its lease is spent. The tolerance follows: the database never grants
// more than the limit in any window, but an instance may spend what it was
// granted a little later than when it was counted, so in any window a
// company may exceed the limit by at most Lease operations per instance,
// and be refused while other instances still hold unspent leases. The
// window slides in 60 buckets (by the minute for an hour).
//
// A claim takes a connection of the store's pool: do not call Allow from
// inside a transaction of that pool, which may hold the pool's last
// connection (the handler charges a bulk request before its batch
// begins). A call waiting for another's claim of the same company gives
// up when its context ends.
//
// SQLite serves one process: use scim.NewWindowLimiter there.
type RateLimiter struct {
	s      *Store
	limit  int
	window time.Duration
	width  time.Duration // of one bucket
	// Lease is how many operations are claimed at a time (default
	// DefaultLease). Set it before first use.
	Lease int

	mu      sync.Mutex
	tenants map[string]*rateLease
}

// rateLease is what an instance holds of one company's count.
type rateLease struct {
	// turn is held (a token in it) while left is read or a claim runs,
	// so one claim runs per company; a waiter gives up with its context.
	turn chan struct{}
	left int
}

// NewRateLimiter returns a limiter allowing limit operations per company in
// any window of the given length (an hour if window is 0 or less), counted
// in s's database. A limit of 0 or less allows everything. It needs a
// PostgreSQL store.
func NewRateLimiter(s *Store, limit int, window time.Duration) (*RateLimiter, error) {
	if s.d != postgres {
		return nil, errors.New("sqlstore: a shared rate limiter needs PostgreSQL; SQLite serves one process, use scim.NewWindowLimiter")
	}
	if window <= 0 {
		window = time.Hour
	}
	width := max(window/rateBuckets, time.Millisecond)
	return &RateLimiter{s: s, limit: limit, window: width * rateBuckets, width: width}, nil
}

// Allow implements scim.RateLimiter.
func (l *RateLimiter) Allow(ctx context.Context, tenant string, n int, now time.Time) (bool, time.Duration, error) {
	if l.limit <= 0 || n <= 0 {
		return true, 0, nil
	}
	if n > l.limit {
		return false, l.window, nil // it never fits
	}
	l.mu.Lock()
	if l.tenants == nil {
		l.tenants = make(map[string]*rateLease)
	}
	t := l.tenants[tenant]
	if t == nil {
		t = &rateLease{turn: make(chan struct{}, 1)}
		l.tenants[tenant] = t
	}
	l.mu.Unlock()

	select {
	case t.turn <- struct{}{}:
	case <-ctx.Done():
		return false, 0, ctx.Err()
	}
	defer func() { <-t.turn }()
	if t.left >= n {
		t.left -= n
		return true, 0, nil
	}
	lease := l.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	need := n - t.left
	granted, retry, err := l.claim(ctx, tenant, now, need, max(need, lease))
	if err != nil {
		return false, 0, err
	}
	if granted < need {
		return false, max(retry, time.Second), nil
	}
	t.left += granted - n
	return true, 0, nil
}

// claim takes up to want operations (at least need, or none) from the
// company's count in the current window, and says, when it takes none, how
// long until need operations fit.
func (l *RateLimiter) claim(ctx context.Context, tenant string, now time.Time, need, want int) (granted int, retry time.Duration, err error) {
	b := now.UnixNano() / int64(l.width)
	err = l.s.tx(ctx, func(tx *sql.Tx) error {
		// One claim per company at a time, across instances; claims are
		// rare (one per lease), so the lock is cheap.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('scimkit.rate.' || $1, 0))`, tenant); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM rate_usage WHERE company = $1 AND bucket <= $2`, tenant, b-rateBuckets); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT bucket, used FROM rate_usage WHERE company = $1 ORDER BY bucket`, tenant)
		if err != nil {
			return err
		}
		type bucket struct {
			n    int64
			used int
		}
		var buckets []bucket
		used := 0
		for rows.Next() {
			var bk bucket
			if err := rows.Scan(&bk.n, &bk.used); err != nil {
				rows.Close()
				return err
			}
			buckets = append(buckets, bk)
			used += bk.used
		}
		if err := rows.Close(); err != nil {
			return err
		}
		free := l.limit - used
		if free < need {
			// Wait until enough of the oldest buckets leave the window.
			for _, bk := range buckets {
				free += bk.used
				if free >= need {
					leaves := time.Unix(0, (bk.n+rateBuckets)*int64(l.width))
					retry = leaves.Sub(now)
					break
				}
			}
			return nil
		}
		granted = min(want, free)
		_, err = tx.ExecContext(ctx, `INSERT INTO rate_usage (company, bucket, used) VALUES ($1, $2, $3)
ON CONFLICT (company, bucket) DO UPDATE SET used = rate_usage.used + EXCLUDED.used`, tenant, b, granted)
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	return granted, retry, nil
}
