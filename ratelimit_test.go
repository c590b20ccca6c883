package scim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWindowLimiter(t *testing.T) {
	l := NewWindowLimiter(10, time.Hour) // buckets of a minute
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	allow := func(tenant string, n int, at time.Time) (bool, time.Duration) {
		t.Helper()
		return l.allow(tenant, n, at)
	}

	if ok, _ := allow("a", 4, start); !ok {
		t.Fatal("4 of 10 refused")
	}
	if ok, _ := allow("a", 6, start.Add(30*time.Minute)); !ok {
		t.Fatal("10 of 10 refused")
	}
	// Full: the 4 of 10:00 leave the window at 11:00.
	ok, retry := allow("a", 1, start.Add(40*time.Minute))
	if ok || retry != 20*time.Minute {
		t.Fatalf("11th: ok=%v retry=%v, want refused for 20m", ok, retry)
	}
	// A refused request is not counted; another company is not affected.
	if ok, _ := allow("b", 10, start.Add(40*time.Minute)); !ok {
		t.Fatal("company b limited by a")
	}
	// Asking for more than the first bucket frees waits for the second.
	if ok, retry := allow("a", 5, start.Add(59*time.Minute)); ok || retry != 31*time.Minute {
		t.Fatalf("5 more: ok=%v retry=%v, want refused for 31m", ok, retry)
	}
	if ok, _ := allow("a", 4, start.Add(time.Hour)); !ok {
		t.Fatal("after the first bucket expired: refused")
	}
	if ok, _ := allow("a", 1, start.Add(time.Hour)); ok {
		t.Fatal("allowed beyond the limit")
	}
	// A quiet window forgets everything.
	if ok, _ := allow("a", 10, start.Add(3*time.Hour)); !ok {
		t.Fatal("after a quiet window: refused")
	}
	// More than the limit at once can never pass.
	if ok, retry := allow("c", 11, start); ok || retry != time.Hour {
		t.Fatalf("11 at once: ok=%v retry=%v", ok, retry)
	}
	// A clock stepping back counts into the newest bucket.
	if ok, _ := allow("a", 1, start); ok {
		t.Fatal("clock stepped back: allowed beyond the limit")
	}
	// Retry-After is at least a second.
	l2 := NewWindowLimiter(1, time.Minute) // buckets of a second
	l2.allow("a", 1, start)
	if ok, retry := l2.allow("a", 1, start.Add(time.Minute-time.Millisecond)); ok || retry != time.Second {
		t.Fatalf("sub-second retry: ok=%v retry=%v", ok, retry)
	}
}

func TestWindowLimiterOff(t *testing.T) {
	l := NewWindowLimiter(0, 0)
	for range 100 {
		if ok, _ := l.allow("a", 1000, time.Now()); !ok {
			t.Fatal("a zero limit refused")
		}
	}
	if l.limit != 0 || l.window != time.Hour {
		t.Errorf("limit, window = %d, %v", l.limit, l.window)
	}
}

func TestWindowLimiterConcurrent(t *testing.T) {
	l := NewWindowLimiter(1000, time.Hour)
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if ok, _ := l.allow("a", 1, now); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed != 1000 {
		t.Errorf("allowed %d of 1600, want exactly 1000", allowed)
	}
}

// TestRateLimitHandler checks the limit through HTTP: the request after the
// limit gets 429 with Retry-After; other companies are unaffected; the
// window moves with the handler's clock.
func TestRateLimitHandler(t *testing.T) {
	e := newPeakonEnv(t, func(h *Handler) { h.RateLimit = NewWindowLimiter(3, time.Hour) })
	_, a := e.company("A", nil)
	_, b := e.company("B", nil)

	e.create(a, userJSON("a@x.test", ""))
	e.must(http.StatusOK, a, http.MethodGet, "/Users", "")
	e.clock.Advance(10 * time.Minute)
	e.must(http.StatusOK, a, http.MethodGet, "/Schemas", "")

	r := e.do(a, http.MethodGet, "/Users", "")
	errorDetail(t, r, http.StatusTooManyRequests, "")
	if got := r.header.Get("Retry-After"); got != strconv.Itoa(50*60) {
		t.Errorf("Retry-After = %q, want %d", got, 50*60)
	}
	// Writes are refused too, before they touch anything.
	errorDetail(t, e.do(a, http.MethodPost, "/Users", userJSON("b@x.test", "")), http.StatusTooManyRequests, "")

	for range 3 {
		e.must(http.StatusOK, b, http.MethodGet, "/Users", "")
	}
	// Requests without a valid token are not charged to anyone.
	for range 5 {
		e.must(http.StatusUnauthorized, "wrong-token", http.MethodGet, "/Users", "")
	}

	e.clock.Advance(50 * time.Minute) // the first two operations leave the window
	e.must(http.StatusOK, a, http.MethodGet, "/Users", "")
	e.must(http.StatusOK, a, http.MethodGet, "/Users", "")
	errorDetail(t, e.do(a, http.MethodGet, "/Users", ""), http.StatusTooManyRequests, "")
}

// TestRateLimitOffByDefault: a library's zero Handler does not limit (a
// product's first large import must not hit Peakon's limit); the demo and
// scimtest set Peakon's limit themselves.
func TestRateLimitOffByDefault(t *testing.T) {
	e := newPeakonEnv(t)
	_, a := e.company("A", nil)
	e.must(http.StatusOK, a, http.MethodGet, "/Users", "")
	req := &request{h: e.h, ctx: t.Context(), tenant: "A"}
	if err := req.spend(10 * DefaultRateLimit); err != nil {
		t.Fatalf("a handler without RateLimit refused: %v", err)
	}
}

// failingLimiter is a shared limiter whose database goes down.
type failingLimiter struct{ down atomic.Bool }

func (l *failingLimiter) Allow(context.Context, string, int, time.Time) (bool, time.Duration, error) {
	if l.down.Load() {
		return false, 0, errors.New("connection refused")
	}
	return true, 0, nil
}

// countingLimiter grants operations up to limit (0: no limit) and counts
// every operation it is asked for, granted or not.
type countingLimiter struct {
	mu      sync.Mutex
	limit   int
	asked   int
	granted int
}

func (l *countingLimiter) Allow(_ context.Context, _ string, n int, _ time.Time) (bool, time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked += n
	if l.limit > 0 && l.granted+n > l.limit {
		return false, time.Minute, nil
	}
	l.granted += n
	return true, 0, nil
}

// TestRateLimiterFails: a limiter that cannot decide makes the request 503
// with Retry-After, not an unlimited request and not a 500.
func TestRateLimiterFails(t *testing.T) {
	limiter := &failingLimiter{}
	e := newPeakonEnv(t, func(h *Handler) { h.RateLimit = limiter })
	_, a := e.company("A", nil)
	limiter.down.Store(true)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/scim/v2/Users", nil)
	req.Header.Set("Authorization", "Bearer "+a)
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After: %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
}

// TestRateLimitBulk checks that a bulk request costs one operation per
// operation it holds, and that when the budget runs out part-way the
// remaining operations answer 429 inside the BulkResponse.
func TestRateLimitBulk(t *testing.T) {
	e := newPeakonEnv(t, func(h *Handler) { h.RateLimit = NewWindowLimiter(5, time.Hour) })
	id, a := e.company("A", nil)
	_, b := e.company("B", nil)
	ops := func(names ...string) string {
		var list []string
		for _, n := range names {
			list = append(list, bulkPost(n, userJSON(n+"@x.test", "")))
		}
		return bulkBody(0, list...)
	}
	e.must(http.StatusOK, a, http.MethodPost, "/Bulk", ops("u1", "u2", "u3")) // 3 of 5
	r := e.must(http.StatusOK, a, http.MethodPost, "/Bulk", ops("u4", "u5", "u6", "u7"))
	var out struct {
		Operations []struct {
			Status   string
			Response *Error
		}
	}
	if err := json.Unmarshal([]byte(r.raw), &out); err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, o := range out.Operations {
		statuses = append(statuses, o.Status)
	}
	if diff := cmp.Diff([]string{"201", "201", "429", "429"}, statuses); diff != "" {
		t.Fatalf("statuses (-want +got):\n%s", diff)
	}
	if e := out.Operations[2].Response; e == nil || e.Status != 429 || e.Detail == "" {
		t.Errorf("429 entry response: %+v", e)
	}
	// The budget is spent: the next request is refused with Retry-After.
	res := e.do(a, http.MethodPost, "/Users", userJSON("u8@x.test", ""))
	errorDetail(t, res, http.StatusTooManyRequests, "")
	if res.header.Get("Retry-After") != "3600" {
		t.Errorf("Retry-After = %q, want 3600", res.header.Get("Retry-After"))
	}
	page, err := e.store.ListUsers(t.Context(), id, &Query{StartIndex: 1, Count: 100})
	if err != nil || page.Total != 5 {
		t.Errorf("users created: %v %v, want 5", page, err)
	}
	// Another company is unaffected.
	e.must(http.StatusOK, b, http.MethodPost, "/Bulk", ops("v1", "v2"))
}
