package scimclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
)

// TestRedirectsNotFollowed: a redirect is an error naming its Location,
// and one leaving the endpoint's scheme, host or port is never followed,
// with the caller's http.Client too, which is left as it was.
func TestRedirectsNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32 // requests the other server received
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.Write([]byte(`{"id":"x","userName":"a@example.com"}`))
	}))
	defer other.Close()
	redirecting := func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/moved/"):
			w.Write([]byte(`{"id":"x","userName":"a@example.com"}`))
		case strings.HasPrefix(r.URL.Path, "/same/"):
			http.Redirect(w, r, "/moved/"+strings.TrimPrefix(r.URL.Path, "/same/"), http.StatusTemporaryRedirect)
		default:
			http.Redirect(w, r, other.URL+"/collect"+r.URL.Path, http.StatusTemporaryRedirect)
		}
	}
	plain := httptest.NewServer(http.HandlerFunc(redirecting))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(redirecting))
	defer tlsSrv.Close()
	callers := tlsSrv.Client()

	cases := []struct {
		name    string
		base    string
		opts    []Option
		wantErr string // "" when the request must succeed
	}{
		{"default client, other port", plain.URL, nil, "redirecting to " + other.URL + "/collect/Users/x"},
		{"default client, same origin", plain.URL + "/same", nil, "redirecting to " + plain.URL + "/moved/Users/x"},
		{"caller's client, https to http", tlsSrv.URL, []Option{WithHTTPClient(callers)}, "redirecting to " + other.URL + "/collect/Users/x"},
		{"redirects on, other port", plain.URL, []Option{WithRedirects(3)}, "only within the endpoint's scheme, host and port"},
		{"redirects on, https to http", tlsSrv.URL, []Option{WithHTTPClient(callers), WithRedirects(3)}, "only within the endpoint's scheme, host and port"},
		{"redirects on, same origin", plain.URL + "/same", []Option{WithRedirects(1)}, ""},
		{"redirects on, same origin, the caller's policy refuses", plain.URL + "/same", []Option{WithRedirects(1),
			WithHTTPClient(&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("the caller says no") }})},
			"the caller says no"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			elsewhere.Store(0)
			c := New(tc.base, "s3cr3t", append([]Option{WithLimiter(nil), WithBackoff(time.Microsecond, time.Microsecond)}, tc.opts...)...)
			_, err := c.Replace(context.Background(), &scim.User{ID: "x", UserName: "a@example.com", Meta: scim.Meta{Version: `W/"1"`}})
			if n := elsewhere.Load(); n != 0 {
				t.Errorf("the other server received %d requests", n)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var re *RequestError
			if !errors.As(err, &re) || re.Method != "PUT" || re.Path != "/Users/x" || re.Attempts != 1 {
				t.Fatalf("err %#v, want a *RequestError for PUT /Users/x after one attempt", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err %q lacks %q", err, tc.wantErr)
			}
		})
	}
	if callers.CheckRedirect != nil {
		t.Error("New modified the caller's http.Client")
	}
}

// TestRetryAfterCap: a Retry-After above the cap, or one that would end
// after the context's deadline, comes back at once as the 429 with
// RetryAfter set; others are waited for.
func TestRetryAfterCap(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name       string
		retryAfter string
		opts       []Option
		deadline   time.Duration // from t0; 0 for none
		wantSleeps []time.Duration
		wantAfter  time.Duration // RetryAfter of the error; 0 when the call succeeds
	}{
		{"a year", "31536000", nil, 0, nil, 8760 * time.Hour},
		{"beyond Duration", "9999999999", nil, 0, nil, time.Duration(1<<63 - 1)},
		{"an hour is the default cap", "3600", nil, 0, []time.Duration{time.Hour}, 0},
		{"above a set cap", "60", []Option{WithMaxRetryAfter(59 * time.Second)}, 0, nil, time.Minute},
		{"zero cap", "1", []Option{WithMaxRetryAfter(0)}, 0, nil, time.Second},
		{"past the deadline", "120", nil, time.Minute, nil, 2 * time.Minute},
		{"before the deadline", "30", nil, time.Minute, []time.Duration{30 * time.Second}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n++; n == 1 {
					w.Header().Set("Retry-After", tc.retryAfter)
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				w.Write([]byte(`{"id":"1","userName":"a@example.com"}`))
			}))
			defer srv.Close()
			clk := &fakeClock{now: t0}
			c := New(srv.URL, "t", append([]Option{WithLimiter(nil)}, tc.opts...)...)
			c.sleep, c.now = clk.Sleep, clk.Now
			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				// Far in the real future, near in the fake clock's.
				ctx, cancel = context.WithDeadline(ctx, time.Now().Add(tc.deadline))
				defer cancel()
				c.now = func() time.Time { return time.Now() }
			}
			_, err := c.Get(ctx, "1")
			if diff := cmp.Diff(tc.wantSleeps, clk.slept); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if tc.wantAfter == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var se *scim.Error
			if !errors.As(err, &se) || se.Status != http.StatusTooManyRequests || se.RetryAfter != tc.wantAfter {
				t.Fatalf("err %v, want the 429 with RetryAfter %v", err, tc.wantAfter)
			}
			if n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// TestErrorContext: errors name the request, say when an answer is not
// SCIM instead of quoting the page, print the scim: prefix at most once,
// and keep the last cause and the attempt count when the context ends
// during retries.
func TestErrorContext(t *testing.T) {
	page := `<!doctype html><html><head><title>Not found · some portal</title></head><body>` + strings.Repeat("x", 500) + `</body></html>`
	handlers := map[string]http.HandlerFunc{
		"/html404/Users/u1": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(page))
		},
		"/html200/Users/u1": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(page))
		},
		"/conflict/Users": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusConflict)
			w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"userName \"a@example.com\" is already taken"}`))
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := handlers[r.URL.Path]; h != nil {
			h(w, r)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	ctx := context.Background()
	newClient := func(prefix string) *Client {
		return New(srv.URL+prefix, "t", WithLimiter(nil), WithBackoff(time.Microsecond, time.Microsecond))
	}

	cases := []struct {
		name    string
		call    func() error
		want    []string
		notWant []string
	}{
		{"HTML 404", func() error { _, err := newClient("/html404").Get(ctx, "u1"); return err },
			[]string{"scimclient: GET /Users/u1: 404: Not Found, and the answer is an HTML page titled \"Not found · some portal\", not SCIM: check the base URL"},
			[]string{"<!doctype", "xxx"}},
		{"HTML 200", func() error { _, err := newClient("/html200").Get(ctx, "u1"); return err },
			[]string{"scimclient: GET /Users/u1: the endpoint answered 200 with an HTML page titled", "not SCIM JSON: check the base URL"},
			[]string{"<!doctype", "xxx"}},
		{"SCIM error", func() error {
			_, err := newClient("/conflict").Create(ctx, &scim.User{UserName: "a@example.com"})
			return err
		}, []string{`scimclient: POST /Users: 409 uniqueness: userName "a@example.com" is already taken`}, []string{"scim: 409"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err %q lacks %q", err, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(err.Error(), w) {
					t.Errorf("err %q has %q", err, w)
				}
			}
		})
	}

	t.Run("a lost create, then the lookup fails", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close() // connection refused
		c := New(down.URL, "t", WithLimiter(nil), WithRetries(1), WithBackoff(time.Microsecond, time.Microsecond))
		_, err := c.Create(ctx, &scim.User{UserName: "a@example.com"})
		msg := fmt.Sprint(err)
		for _, want := range []string{"scimclient: POST /Users: ", "looking the userName up", "GET /Users (2 attempts): "} {
			if !strings.Contains(msg, want) {
				t.Errorf("err %q lacks %q", msg, want)
			}
		}
		if strings.Contains(msg, "\n") || strings.Count(msg, "scimclient:") != 2 {
			t.Errorf("err %q: want one line, scimclient: once per request", msg)
		}
	})

	t.Run("context ends during retries", func(t *testing.T) {
		c := newClient("/down")
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		sleeps := 0
		c.sleep = func(ctx context.Context, d time.Duration) error {
			if sleeps++; sleeps == 2 {
				cancel()
				return ctx.Err()
			}
			return nil
		}
		_, err := c.Get(cctx, "u1")
		var re *RequestError
		var se *scim.Error
		if !errors.As(err, &re) || re.Attempts != 2 || !errors.Is(err, context.Canceled) || !errors.As(err, &se) || se.Status != 503 {
			t.Fatalf("err %#v: want a *RequestError of 2 attempts holding context.Canceled and the 503", err)
		}
		want := "scimclient: GET /Users/u1 (2 attempts): context canceled; last failure: 503: Service Unavailable"
		if err.Error() != want {
			t.Errorf("err %q\nwant %q", err, want)
		}
	})
}
