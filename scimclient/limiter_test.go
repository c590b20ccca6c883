package scimclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock drives a Limiter without real waiting: sleeping advances it.
type fakeClock struct {
	now   time.Time
	slept []time.Duration
}

func (f *fakeClock) Now() time.Time { return f.now }
func (f *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	f.slept = append(f.slept, d)
	f.now = f.now.Add(d)
	return nil
}

func TestLimiter(t *testing.T) {
	clk := &fakeClock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	l := NewLimiter(100, time.Hour)
	l.now, l.sleep = clk.Now, clk.Sleep
	ctx := context.Background()
	// A burst of the whole budget goes out at once.
	if err := l.Wait(ctx, 60); err != nil {
		t.Fatal(err)
	}
	clk.now = clk.now.Add(10 * time.Minute)
	if err := l.Wait(ctx, 40); err != nil {
		t.Fatal(err)
	}
	if len(clk.slept) != 0 || l.Remaining() != 0 {
		t.Fatalf("slept %v, remaining %d", clk.slept, l.Remaining())
	}
	// The next operations wait until the first burst leaves the window.
	if err := l.Wait(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{50 * time.Minute}, clk.slept); diff != "" {
		t.Errorf("slept (-want +got):\n%s", diff)
	}
	if got := l.Remaining(); got != 50 {
		t.Errorf("remaining %d, want 50", got)
	}
	if err := l.Wait(ctx, 101); err == nil {
		t.Error("more than the limit at once was allowed")
	}
}

// TestLimiterDeadline: a wait for room that would end after the
// context's deadline fails at once, and says how long it would be;
// through the client, no request goes out.
func TestLimiterDeadline(t *testing.T) {
	clk := &fakeClock{now: time.Now()}
	l := NewLimiter(10, time.Hour)
	l.now, l.sleep = clk.Now, clk.Sleep
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := l.Wait(ctx, 10); err != nil {
		t.Fatal(err)
	}
	err := l.Wait(ctx, 1)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "only in 1h0m0s") {
		t.Fatalf("err %v, want DeadlineExceeded saying 1h0m0s", err)
	}
	if len(clk.slept) != 0 {
		t.Errorf("slept %v", clk.slept)
	}
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests++ }))
	defer srv.Close()
	_, err = New(srv.URL, "t", WithLimiter(l)).Get(ctx, "1")
	var re *RequestError
	if !errors.As(err, &re) || re.Attempts != 0 || !errors.Is(err, context.DeadlineExceeded) || requests != 0 {
		t.Errorf("Get: %v after %d requests, want a RequestError of no attempt", err, requests)
	}
}

// TestRetryAfterHonoured: the wait after a 429 is the server's Retry-After.
func TestRetryAfterHonoured(t *testing.T) {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n++; n < 3 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte(`{"id":"1","userName":"a@example.com"}`))
	}))
	defer srv.Close()
	clk := &fakeClock{}
	c := New(srv.URL, "t", WithLimiter(nil))
	c.sleep = clk.Sleep
	if _, err := c.Get(context.Background(), "1"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{7 * time.Second, 7 * time.Second}, clk.slept); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestBackoffGrows(t *testing.T) {
	c := New("http://x", "t", WithBackoff(100*time.Millisecond, time.Second))
	for attempt, want := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second} {
		if d := c.delay(attempt); d < want/2 || d > want {
			t.Errorf("attempt %d: delay %v, want between %v and %v", attempt, d, want/2, want)
		}
	}
}
