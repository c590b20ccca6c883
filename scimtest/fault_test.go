package scimtest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// statuses returns the recorded statuses and faults.
func statuses(s *Server) []string {
	var out []string
	for _, r := range s.Requests() {
		e := r.Method + " " + r.Path + " " + http.StatusText(r.Status)
		if r.Status == 0 {
			e = r.Method + " " + r.Path + " -"
		}
		if r.Fault != "" {
			e += " [" + r.Fault + "]"
		}
		out = append(out, e)
	}
	return out
}

// wantStatuses checks that statuses(s) is want.
func wantStatuses(t *testing.T, s *Server, want ...string) {
	t.Helper()
	if diff := cmp.Diff(want, statuses(s)); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
}

// plainAndTLS runs f in two subtests, on a plain server and on one
// with WithTLS.
func plainAndTLS(t *testing.T, f func(t *testing.T, s *Server)) {
	t.Helper()
	for name, opts := range map[string][]Option{"plain": nil, "tls": {WithTLS()}} {
		t.Run(name, func(t *testing.T) { f(t, NewServer(t, opts...)) })
	}
}

func TestFailNext(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := s.Client()
	s.FailNext(2, Status(503))
	for range 2 {
		res := send(t, c, "POST", s.URL()+"/Users", userJSON("a@example.com"))
		m := res.json(t)
		if res.status != 503 || m["status"] != "503" || res.header.Get("Content-Type") != "application/scim+json" ||
			!strings.Contains(m["detail"].(string), "fault injected") || res.header.Get("Retry-After") != "" {
			t.Errorf("faulted: %d %v %s", res.status, res.header, res.body)
		}
	}
	if len(s.Users()) != 0 {
		t.Error("a faulted request reached the store")
	}
	if res := send(t, c, "POST", s.URL()+"/Users", userJSON("a@example.com")); res.status != 201 {
		t.Errorf("after the faults: %d %s", res.status, res.body)
	}
	wantStatuses(t, s,
		"POST /Users Service Unavailable [status 503]",
		"POST /Users Service Unavailable [status 503]",
		"POST /Users Created",
	)
	// Faulted requests are recorded with their bodies and answers too.
	if r := s.Requests()[0]; !strings.Contains(string(r.Body), "a@example.com") || !strings.Contains(string(r.ResponseBody), `"503"`) {
		t.Errorf("faulted request recorded as %+v", r)
	}
}

func TestRateLimitedFault(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.FailNext(1, RateLimited(1500*time.Millisecond))
	res := send(t, s.Client(), "GET", s.URL()+"/Users", "")
	if res.status != 429 || res.header.Get("Retry-After") != "2" || res.json(t)["status"] != "429" {
		t.Errorf("429: %d Retry-After %q %s", res.status, res.header.Get("Retry-After"), res.body)
	}
	if r := s.Requests()[0]; r.Status != 429 || r.Fault != "status 429, Retry-After 2" || r.ResponseHeader.Get("Retry-After") != "2" {
		t.Errorf("recorded %+v", r)
	}
}

func TestFailMatching(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithIDs(func() string { return "u1" }))
	c := s.Client()
	s.FailMatching("PATCH", "/Users/{id}", 1, Status(500))
	s.FailMatching("", "/Users/{id}", 1, Status(502))
	send(t, c, "POST", s.URL()+"/Users", userJSON("a@example.com"))
	send(t, c, "GET", s.URL()+"/Users", "")
	send(t, c, "PATCH", s.URL()+"/Users/u1", deactivate) // first rule
	send(t, c, "PATCH", s.URL()+"/Users/u1", deactivate) // second rule
	send(t, c, "PATCH", s.URL()+"/Users/u1", deactivate) // none left
	wantStatuses(t, s,
		"POST /Users Created",
		"GET /Users OK",
		"PATCH /Users/u1 Internal Server Error [status 500]",
		"PATCH /Users/u1 Bad Gateway [status 502]",
		"PATCH /Users/u1 OK",
	)
	if s.User("u1").Active {
		t.Error("the last PATCH did not reach the store")
	}
}

func TestAlwaysAndClearFaults(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := s.Client()
	s.FailMatching("get", "/Users", Always, Status(500))
	for range 3 {
		if res := send(t, c, "GET", s.URL()+"/Users?count=1", ""); res.status != 500 {
			t.Fatalf("Always: %d", res.status)
		}
	}
	if res := send(t, c, "GET", s.URL()+"/ServiceProviderConfig", ""); res.status != 200 {
		t.Errorf("non-matching request: %d", res.status)
	}
	s.ClearFaults()
	if res := send(t, c, "GET", s.URL()+"/Users", ""); res.status != 200 {
		t.Errorf("after ClearFaults: %d", res.status)
	}

	for _, bad := range []func(){
		func() { s.FailNext(0, Status(500)) },
		func() { s.FailNext(-2, Status(500)) },
		func() { s.FailNext(1, Status(99)) },
		func() { s.FailNext(1, Status(600)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			bad()
		}()
	}
}

func TestFaultStatusWithoutBody(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.FailNext(1, Status(http.StatusNoContent))
	res := send(t, s.Client(), "DELETE", s.URL()+"/Users/x", "")
	if res.status != 204 || len(res.body) != 0 {
		t.Errorf("204 fault: %d %q", res.status, res.body)
	}
}

func TestDelayServes(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.FailNext(1, Delay(time.Millisecond))
	s.FailNext(1, Fault{Delay: time.Millisecond, Status: 503})
	res := send(t, s.Client(), "POST", s.URL()+"/Users", userJSON("a@example.com"))
	if res.status != 201 || s.UserByUserName("a@example.com") == nil {
		t.Errorf("delayed request: %d %s", res.status, res.body)
	}
	if res := send(t, s.Client(), "GET", s.URL()+"/Users", ""); res.status != 503 {
		t.Errorf("slow 503: %d", res.status)
	}
	wantStatuses(t, s, "POST /Users Created [delay 1ms]", "GET /Users Service Unavailable [delay 1ms, status 503]")
}

// TestDelayClientTimesOut checks that a client with a timeout gives up on
// a delayed request, that the request is not served, and that other
// requests are answered meanwhile.
func TestDelayClientTimesOut(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.FailMatching("POST", "/Users", 1, Delay(time.Hour))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", s.URL()+"/Users", strings.NewReader(userJSON("slow@example.com")))
		req.Header.Set("Content-Type", "application/json")
		res, err := s.Client().Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	// While the POST is held, another request is answered.
	waitArrived(s, 1)
	if res := send(t, s.Client(), "GET", s.URL()+"/Users", ""); res.status != 200 {
		t.Errorf("concurrent GET: %d", res.status)
	}
	select {
	case err := <-done:
		t.Fatalf("the delayed request finished first: %v", err)
	default:
	}
	cancel() // the client gives up
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("client error %v, want context.Canceled", err)
	}
	s.Wait() // until the handler notices
	wantStatuses(t, s, "POST /Users - [delay 1h0m0s (client gave up)]", "GET /Users OK")
	if len(s.Users()) != 0 {
		t.Error("a request whose client gave up reached the store")
	}
}

func TestDelayEndsOnClose(t *testing.T) {
	t.Parallel()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	s.FailNext(1, Delay(time.Hour))
	errc := make(chan error, 1)
	go func() {
		_, err := sendErr(s.Client(), "POST", s.URL()+"/Users", userJSON("a@example.com"))
		errc <- err
	}()
	waitArrived(s, 1)
	s.Close()
	if err := <-errc; err == nil {
		t.Error("the client got a response from a closed server")
	}
	wantStatuses(t, s, "POST /Users - [delay 1h0m0s (server closed)]")
}

// TestConnectionFaults: with either fault the client gets no answer. A
// dropped request is not served, so a repeat creates the user; a lost
// answer is served (the user exists), so a blind repeat meets the user it
// already created.
func TestConnectionFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		fault  Fault
		served bool // the faulted request reached the store
		repeat int  // the status of the repeat
		want   []string
	}{
		{"drop", Drop(), false, 201, []string{"POST /Users - [drop connection]", "POST /Users Created"}},
		{"lose answer", LoseAnswer(), true, 409, []string{"POST /Users Created [serve, then drop connection]", "POST /Users Conflict"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plainAndTLS(t, func(t *testing.T, s *Server) {
				c := s.Client()
				s.FailMatching("POST", "/Users", 1, tc.fault)
				if res, err := sendErr(c, "POST", s.URL()+"/Users", userJSON("a@example.com")); err == nil {
					t.Errorf("the faulted request got an answer: %d %s", res.status, res.body)
				}
				if served := s.UserByUserName("a@example.com") != nil; served != tc.served {
					t.Errorf("the faulted request served: %v, want %v", served, tc.served)
				}
				if res := send(t, c, "POST", s.URL()+"/Users", userJSON("a@example.com")); res.status != tc.repeat {
					t.Errorf("repeat: %d %s, want %d", res.status, res.body, tc.repeat)
				}
				wantStatuses(t, s, tc.want...)
				if n := len(s.Users()); n != 1 {
					t.Errorf("%d users", n)
				}
			})
		})
	}
}

// TestRetryingClient is the use the faults are for: a client that retries
// on 429 and 5xx, honouring Retry-After, gets through.
func TestRetryingClient(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.FailMatching("POST", "/Users", 1, RateLimited(0))
	s.FailMatching("POST", "/Users", 1, Status(503))
	s.FailMatching("POST", "/Users", 1, Drop())
	var mu sync.Mutex
	var waits []string
	post := func() (int, error) {
		res, err := sendErr(s.Client(), "POST", s.URL()+"/Users", userJSON("a@example.com"))
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			waits = append(waits, "error")
			return 0, err
		}
		waits = append(waits, res.header.Get("Retry-After"))
		return res.status, nil
	}
	status := 0
	for attempt := 0; attempt < 5 && status != 201; attempt++ {
		status, _ = post()
	}
	if status != 201 {
		t.Fatalf("gave up with %d", status)
	}
	if diff := cmp.Diff([]string{"0", "", "error", ""}, waits); diff != "" {
		t.Errorf("Retry-After seen (-want +got):\n%s", diff)
	}
	s.AssertRequestCount(t, "POST", "/Users", 4)
}

func TestFaultString(t *testing.T) {
	t.Parallel()
	for f, want := range map[Fault]string{
		{}:                                "none",
		Status(500):                       "status 500",
		RateLimited(time.Second):          "status 429, Retry-After 1",
		Delay(2 * time.Second):            "delay 2s",
		Drop():                            "drop connection",
		LoseAnswer():                      "serve, then drop connection",
		{Delay: time.Second, Drop: true}:  "delay 1s, drop connection",
		{Delay: time.Second, Status: 503}: "delay 1s, status 503",
		{Status: 503, RetryAfter: 1}:      "status 503, Retry-After 1",
	} {
		if got := f.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", f, got, want)
		}
	}
}

// waitArrived waits until n requests have reached the server.
func waitArrived(s *Server, n int) {
	for {
		s.mu.Lock()
		arrived := s.seq >= n
		s.mu.Unlock()
		if arrived {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// TestDelayClientTimeout is the usual timeout test: the client's own
// timeout fires, whatever its length, because the delay outlasts any.
func TestDelayClientTimeout(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.FailMatching("PUT", "/Users/{id}", 1, Delay(time.Hour))
	c := s.Client()
	c.Timeout = 50 * time.Millisecond
	_, err := sendErr(c, "PUT", s.URL()+"/Users/x", userJSON("a@example.com"))
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Fatalf("client error %v, want a timeout", err)
	}
	s.Wait()
	s.AssertRequestCount(t, "PUT", "/Users/{id}", 1)
	if r := s.Requests()[0]; r.Status != 0 || r.Fault != "delay 1h0m0s (client gave up)" {
		t.Errorf("recorded %v", r)
	}
}
