package scimtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim"
)

// A Fault is what an injected fault does to a request instead of (or
// before) letting the endpoint answer it. The zero Fault does nothing;
// build one with Status, RateLimited, Delay or Drop, or set the fields to
// combine them, e.g. a slow 503:
//
//	scimtest.Fault{Delay: 2 * time.Second, Status: 503}
type Fault struct {
	// Delay holds the request this long first, or until the client gives
	// up or the server closes. A request whose client gave up, or whose
	// server closed, is not served and is recorded with Status 0.
	Delay time.Duration
	// Drop closes the connection without answering (after Delay).
	Drop bool
	// LoseAnswer serves the request, then closes the connection instead
	// of sending the answer: the endpoint commits the write, the client
	// never learns it did. It takes precedence over Status.
	LoseAnswer bool
	// Status, when non-zero, answers with this status and a SCIM error body
	// instead of serving the request: the endpoint never sees it.
	Status int
	// RetryAfter is sent as the Retry-After header (in seconds, rounded up)
	// with Status when it is positive, and always with a 429, as Peakon
	// does.
	RetryAfter time.Duration
}

// Status answers with the status code (and a SCIM error body), e.g. 500 or
// 503, without serving the request.
func Status(code int) Fault { return Fault{Status: code} }

// RateLimited answers 429 Too Many Requests with Retry-After, as Peakon does
// over its rate limit.
func RateLimited(retryAfter time.Duration) Fault {
	return Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// Delay holds the request for d, then serves it normally: a slow endpoint,
// to test a client's timeouts.
func Delay(d time.Duration) Fault { return Fault{Delay: d} }

// Drop closes the connection without answering, as a crashed proxy does:
// the client sees an error, not a status. Note that Go's http.Transport
// itself retries a GET (or HEAD, OPTIONS) once when a reused keep-alive
// connection drops before any response, so a client built on it may never
// see a single dropped GET: drop a POST, PUT or PATCH, or drop more than
// one request, to test a client's own retries.
func Drop() Fault { return Fault{Drop: true} }

// LoseAnswer serves the request, then closes the connection before the
// answer is sent, as a proxy that crashes on the way back does: the write
// is committed, but the client sees a network error. A client that simply
// repeats a POST after such an error creates the user twice (or gets 409);
// this fault tests that it looks first.
func LoseAnswer() Fault { return Fault{LoseAnswer: true} }

// String describes the fault: "delay 2s, status 503".
func (f Fault) String() string {
	var parts []string
	if f.Delay > 0 {
		parts = append(parts, "delay "+f.Delay.String())
	}
	if f.LoseAnswer {
		parts = append(parts, "serve, then drop connection")
	} else if f.Drop {
		parts = append(parts, "drop connection")
	} else if f.Status != 0 {
		p := "status " + strconv.Itoa(f.Status)
		if f.RetryAfter > 0 || f.Status == http.StatusTooManyRequests {
			p += ", Retry-After " + strconv.Itoa(retryAfterSeconds(f.RetryAfter))
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func retryAfterSeconds(d time.Duration) int { return max(int((d+time.Second-1)/time.Second), 0) }

// Always, as the count of FailNext or FailMatching, faults every matching
// request until ClearFaults.
const Always = -1

type faultRule struct {
	method, pattern string
	left            int // requests left to fault; Always for no end
	fault           Fault
}

// FailNext makes the next n requests, whatever they are, suffer the fault.
func (s *Server) FailNext(n int, f Fault) { s.addFault("", "", n, f) }

// FailMatching makes the next n requests with the method ("" or "*" for
// any) and a path matching the pattern (see RequestsMatching) suffer the
// fault; other requests are served normally:
//
//	s.FailMatching("PATCH", "/Users/{id}", 2, scimtest.Status(503))
//
// Rules apply in the order they were added; a request suffers at most one
// fault, the first whose rule matches and has requests left.
func (s *Server) FailMatching(method, pattern string, n int, f Fault) {
	s.addFault(method, pattern, n, f)
}

func (s *Server) addFault(method, pattern string, n int, f Fault) {
	if n <= 0 && n != Always {
		panic(fmt.Sprintf("scimtest: fault count %d: want a positive count or Always", n))
	}
	if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
		panic(fmt.Sprintf("scimtest: fault status %d: want a final HTTP status, 200 to 599", f.Status))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultRule{method: method, pattern: pattern, left: n, fault: f})
}

// ClearFaults removes every fault rule, including those with requests left.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the fault a request suffers, if any, counting it.
func (s *Server) takeFault(r *Request) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, rule := range s.faults {
		if !r.Matches(rule.method, rule.pattern) {
			continue
		}
		if rule.left != Always {
			rule.left--
			if rule.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return rule.fault, true
	}
	return Fault{}, false
}

// applyFault carries out the fault and reports whether the request should
// still be served by the endpoint.
func (s *Server) applyFault(f Fault, rw *responseBuffer, w http.ResponseWriter, r *http.Request, rec *Request, finish func()) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			rec.Fault += " (client gave up)"
			return false
		case <-s.closing:
			rec.Fault += " (server closed)"
			finish()
			drop(w)
			return false
		}
	}
	switch {
	case f.LoseAnswer:
		return true // served; ServeHTTP drops the answer
	case f.Drop:
		finish() // before the client can notice
		drop(w)
		return false
	case f.Status != 0:
		e := scim.Errorf(f.Status, "", "fault injected by scimtest: %s", f)
		body, _ := e.MarshalJSON()
		h := rw.Header()
		if f.RetryAfter > 0 || f.Status == http.StatusTooManyRequests {
			h.Set("Retry-After", strconv.Itoa(retryAfterSeconds(f.RetryAfter)))
		}
		rw.WriteHeader(f.Status)
		if f.Status != http.StatusNoContent && f.Status != http.StatusNotModified {
			h.Set("Content-Type", scim.MediaType)
			h.Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = rw.Write(body)
		}
		finish()
		rw.flush()
		return false
	}
	return true
}

// drop closes the request's connection without a response.
func drop(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	// HTTP/2 cannot hijack: abort the stream instead.
	panic(http.ErrAbortHandler)
}
