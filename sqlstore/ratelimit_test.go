package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim"
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
		l, err := NewRateLimiter(openStore(t, "postgres", dsn), limit, time.Hour)
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

// TestBulksShareThePool: twice the pool's size of concurrent bulk requests
// on PostgreSQL with the shared rate limiter all answer, and another
// company's GET is served meanwhile (issue 23, item 24). A bulk request is
// charged before its batch takes a connection; charged from inside, the
// batches held every connection while each waited for one more to claim a
// lease. Bounded by the requests' deadline, not timed.
func TestBulksShareThePool(t *testing.T) {
	const pool, ops = 2, 30
	st := openPostgres(t, WithMaxConns(pool))
	l, err := NewRateLimiter(st, 1_000_000, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	l.Lease = 5 // several claims per bulk request
	h := &scim.Handler{Store: st, Auth: scim.StaticTokens{"tok-a": "acme", "tok-b": "globex"}, RateLimit: l, RequestTimeout: 30 * time.Second}
	if w := serveAs(h, "tok-b", http.MethodPost, "/Users", `{"userName":"other@globex.test"}`); w.Code != http.StatusCreated {
		t.Fatalf("the other company's user: %d %s", w.Code, w.Body)
	}
	var wg sync.WaitGroup
	for b := range 2 * pool {
		wg.Go(func() {
			list := make([]string, ops)
			for i := range list {
				list[i] = fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":"u%d","data":{"userName":"u%d-%d@acme.test"}}`, i, b, i)
			}
			w := serveAs(h, "tok-a", http.MethodPost, "/Bulk", `{"Operations":[`+strings.Join(list, ",")+`]}`)
			if w.Code != http.StatusOK || strings.Count(w.Body.String(), `"status":"201"`) != ops {
				t.Errorf("bulk %d: %d %.300s", b, w.Code, w.Body)
			}
		})
	}
	wg.Go(func() {
		if w := serveAs(h, "tok-b", http.MethodGet, "/Users", ""); w.Code != http.StatusOK {
			t.Errorf("the other company's GET during the bulks: %d %s", w.Code, w.Body)
		}
	})
	wg.Wait()
}

// TestRateLimiterWaitGivesUp: a call waiting for another's claim of the
// same company returns when its context ends.
func TestRateLimiterWaitGivesUp(t *testing.T) {
	st := openPostgres(t)
	l, err := NewRateLimiter(st, 100, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	lease := &rateLease{turn: make(chan struct{}, 1)}
	l.tenants = map[string]*rateLease{"acme": lease}
	lease.turn <- struct{}{} // a claim is running, for ever
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ok, _, err := l.Allow(ctx, "acme", 1, time.Now()); ok || !errors.Is(err, context.Canceled) {
		t.Errorf("Allow while another claim runs, context ended: %v, %v; want context.Canceled", ok, err)
	}
}
