package sqlstore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRateLimiterShared: two instances (two pools on one database) share a
// company's limit: together they never grant more than the limit plus a
// lease each, and no fewer than the limit minus a lease each; the window
// slides; companies are apart.
func TestRateLimiterShared(t *testing.T) {
	dsn := postgresSchema(t)
	const limit, lease = 1000, 20
	var limiters []*RateLimiter
	for range 2 {
		l, err := NewRateLimiter(openPostgresDSN(t, dsn), limit, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		l.Lease = lease
		limiters = append(limiters, l)
	}
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			l := limiters[w%2]
			for range 200 {
				ok, retry, err := l.Allow(ctx, "acme", 1, now)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					allowed.Add(1)
				} else if retry <= 0 || retry > time.Hour {
					t.Errorf("refused with Retry-After %v", retry)
				}
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got > limit+2*lease || got < limit-2*lease {
		t.Fatalf("%d operations allowed across two instances, want %d ± %d", got, limit, 2*lease)
	}
	// Another company has its own budget.
	if ok, _, err := limiters[0].Allow(ctx, "globex", 1, now); !ok || err != nil {
		t.Fatalf("another company refused: %v", err)
	}
	// Refused now; allowed once the window has moved past the spent
	// operations.
	for _, l := range limiters {
		l.tenants = nil // drop unspent leases, as a restart would
	}
	ok, retry, err := limiters[1].Allow(ctx, "acme", 1, now.Add(30*time.Minute))
	if ok || err != nil || retry != 30*time.Minute {
		t.Fatalf("half an hour later: ok=%v retry=%v err=%v; want refused for 30m", ok, retry, err)
	}
	if ok, _, err := limiters[1].Allow(ctx, "acme", 1, now.Add(time.Hour)); !ok || err != nil {
		t.Fatalf("an hour later: refused (%v)", err)
	}
}

func TestRateLimiterNeedsPostgres(t *testing.T) {
	if _, err := NewRateLimiter(openSQLite(t), 10, time.Hour); err == nil {
		t.Fatal("a shared limiter on SQLite was accepted")
	}
}
