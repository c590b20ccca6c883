package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// stuckStore is a store whose CreateUser waits for the request's context
// to end, as one waiting on a locked table does (or, with wait unset,
// fails at once), and refuses a context without a deadline, with which it
// would wait for ever.
type stuckStore struct {
	*MemoryStore
	wait     bool
	deadline time.Duration // how far the deadline CreateUser saw was
}

func (s *stuckStore) CreateUser(ctx context.Context, tenant string, u *User) error {
	d, ok := ctx.Deadline()
	if !ok {
		return errors.New("no deadline: this write would wait for ever")
	}
	s.deadline = time.Until(d)
	if !s.wait {
		return ErrUnavailable
	}
	<-ctx.Done()
	return fmt.Errorf("waiting for a lock: %w", ctx.Err())
}

// TestRequestDeadline: a request blocked on the store ends at the
// handler's deadline with 503 and Retry-After, and commits nothing (issue
// 23, item 25). The deadline defaults to DefaultRequestTimeout.
func TestRequestDeadline(t *testing.T) {
	for _, tc := range []struct {
		timeout, want time.Duration
		wait          bool
	}{{time.Millisecond, time.Millisecond, true}, {0, DefaultRequestTimeout, false}} {
		st := &stuckStore{MemoryStore: NewMemoryStore(), wait: tc.wait}
		h := &Handler{Store: st, Auth: StaticTokens{"tok": "acme"}, RequestTimeout: tc.timeout}
		w := serve(h, http.MethodPost, "/Users", `{"userName":"ann"}`)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("RequestTimeout %v: %d, Retry-After %q; want 503 with Retry-After: %s", tc.timeout, w.Code, w.Header().Get("Retry-After"), w.Body)
		}
		if st.deadline <= 0 || st.deadline > tc.want {
			t.Errorf("RequestTimeout %v: the store saw a deadline %v away, want within (0, %v]", tc.timeout, st.deadline, tc.want)
		}
		if p, _ := st.MemoryStore.ListUsers(context.Background(), "acme", &Query{StartIndex: 1}); p.Total != 0 {
			t.Errorf("%d users committed", p.Total)
		}
	}
}

// outageStore fails every read and write with err.
type outageStore struct {
	*MemoryStore
	err error
}

func (s outageStore) CreateUser(context.Context, string, *User) error { return s.err }
func (s outageStore) ListUsers(context.Context, string, *Query) (*Page, error) {
	return nil, s.err
}
func (s outageStore) ViewUsers(context.Context, string, *Query) (*Page, error) {
	return nil, s.err
}

// TestStoreOutage: a store's availability errors answer 503 with
// Retry-After (issue 23, items 26 and 27), a full disk saying so; other
// errors stay 500.
func TestStoreOutage(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		detail string
	}{
		{fmt.Errorf("dial tcp: connection refused: %w", ErrUnavailable), http.StatusServiceUnavailable, "unavailable"},
		{fmt.Errorf("database or disk is full (13): %w", errors.Join(ErrStorageFull, ErrUnavailable)), http.StatusServiceUnavailable, "the server's storage is full"},
		{fmt.Errorf("statement: %w", context.DeadlineExceeded), http.StatusServiceUnavailable, "did not finish"},
		{errors.New("a bug"), http.StatusInternalServerError, "internal server error"},
	} {
		h := &Handler{Store: outageStore{NewMemoryStore(), tc.err}, Auth: StaticTokens{"tok": "acme"}}
		for _, req := range [][3]string{{http.MethodPost, "/Users", `{"userName":"ann"}`}, {http.MethodGet, "/Users", ""}} {
			w := serve(h, req[0], req[1], req[2])
			retry := w.Header().Get("Retry-After")
			if w.Code != tc.status || (tc.status == 503) != (retry != "") || !strings.Contains(w.Body.String(), tc.detail) {
				t.Errorf("%s %s with %v: %d, Retry-After %q, %s; want %d saying %q", req[0], req[1], tc.err, w.Code, retry, w.Body, tc.status, tc.detail)
			}
		}
	}
}

// deadlineAuth is StaticTokens that records whether Authenticate was given
// a context with a deadline.
type deadlineAuth struct {
	StaticTokens
	sawDeadline bool
}

func (a *deadlineAuth) Authenticate(ctx context.Context, token string) (string, error) {
	_, a.sawDeadline = ctx.Deadline()
	return a.StaticTokens.Authenticate(ctx, token)
}

// TestAuthenticateWithinDeadline: the token check runs within the
// request's deadline, as the store's work does, so that an authenticator
// waiting on its database does not hold a request for ever.
func TestAuthenticateWithinDeadline(t *testing.T) {
	auth := &deadlineAuth{StaticTokens: StaticTokens{"tok": "acme"}}
	h := &Handler{Store: NewMemoryStore(), Auth: auth}
	if w := serve(h, http.MethodGet, "/Users", ""); w.Code != http.StatusOK {
		t.Fatalf("GET /Users: %d %s", w.Code, w.Body)
	}
	if !auth.sawDeadline {
		t.Error("Authenticate was given a context without the request's deadline")
	}
}
