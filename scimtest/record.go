package scimtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scimkit/scim/internal/demo"
)

// Request is one request the server answered, as recorded.
type Request struct {
	// Seq numbers requests in the order they arrived, from 1.
	Seq int
	// Method is the HTTP method.
	Method string
	// Prefix is the mount prefix the request was sent under, "/scim/v2" or
	// "/api/scim/v2" (empty for a path under neither), and Path the rest,
	// as path patterns see it: "/Users/2819c223".
	Prefix string
	Path   string
	// Query holds the decoded query parameters.
	Query url.Values
	// Header holds the request headers, Authorization included.
	Header http.Header
	// Body is the request body, up to the record limit; BodyTruncated
	// reports that it was longer.
	Body          []byte
	BodyTruncated bool
	// Status is the status answered: by the handler, or by a fault. It is 0
	// when no response was sent: the connection was dropped, or the client
	// gave up during a delay.
	Status int
	// ResponseHeader and ResponseBody are what was answered (the body up to
	// the record limit).
	ResponseHeader http.Header
	ResponseBody   []byte
	// Fault describes the fault that was injected into the request, or is
	// empty.
	Fault string
	// Operations are the operations of a bulk request (POST /Bulk), each
	// with the status the BulkResponse gave it; nil for other requests.
	Operations []BulkOperation
}

// BulkOperation is one operation of a recorded bulk request.
type BulkOperation struct {
	// Method, Path, BulkID and Data are as the client sent them; Path is
	// relative to the base URL ("/Users/2819c223", "/Users/bulkId:qwerty").
	Method string
	Path   string
	BulkID string
	Data   json.RawMessage
	// Status and Location are what the BulkResponse answered for it.
	// Status is 0 when the server did not process the operation
	// (failOnErrors was reached first) or the response was not readable.
	Status   int
	Location string
}

// Matches reports whether the operation has the method and its path
// matches the pattern, as Request.Matches does.
func (o BulkOperation) Matches(method, pattern string) bool {
	if method != "" && method != "*" && !strings.EqualFold(method, o.Method) {
		return false
	}
	return matchPath(pattern, "", o.Path)
}

// bulkOperations reads the operations of a recorded bulk request and pairs
// them with the entries of its BulkResponse: by bulkId where the client gave
// one, else in order among the entries without one.
func bulkOperations(reqBody, respBody []byte) []BulkOperation {
	var req struct {
		Operations []struct {
			Method string          `json:"method"`
			Path   string          `json:"path"`
			BulkID string          `json:"bulkId"`
			Data   json.RawMessage `json:"data"`
		}
	}
	if json.Unmarshal(reqBody, &req) != nil {
		return nil
	}
	var resp struct {
		Operations []struct {
			Method   string `json:"method"`
			BulkID   string `json:"bulkId"`
			Location string `json:"location"`
			Status   string `json:"status"`
		}
	}
	_ = json.Unmarshal(respBody, &resp)
	byID := map[string]int{}
	var anonymous []int
	for i, r := range resp.Operations {
		if r.BulkID != "" {
			byID[r.BulkID] = i
		} else {
			anonymous = append(anonymous, i)
		}
	}
	out := make([]BulkOperation, len(req.Operations))
	for i, op := range req.Operations {
		_, path := splitPrefix(op.Path)
		out[i] = BulkOperation{Method: strings.ToUpper(op.Method), Path: "/" + strings.TrimPrefix(path, "/"), BulkID: op.BulkID, Data: op.Data}
		j, ok := byID[op.BulkID]
		if op.BulkID == "" {
			if ok = len(anonymous) > 0; ok {
				j, anonymous = anonymous[0], anonymous[1:]
			}
		}
		if ok {
			out[i].Status, _ = strconv.Atoi(resp.Operations[j].Status)
			out[i].Location = resp.Operations[j].Location
		}
	}
	return out
}

// URL returns the request's path with its mount prefix, and its query.
func (r Request) URL() string {
	u := r.Prefix + r.Path
	if len(r.Query) > 0 {
		u += "?" + r.Query.Encode()
	}
	return u
}

// String describes the request on one line: "#3 PATCH /scim/v2/Users/x → 200".
func (r Request) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s %s → ", r.Seq, r.Method, r.URL())
	if r.Status == 0 {
		b.WriteString("no response")
	} else {
		fmt.Fprintf(&b, "%d", r.Status)
	}
	if r.Fault != "" {
		fmt.Fprintf(&b, " (fault: %s)", r.Fault)
	}
	return b.String()
}

// JSON decodes the request body into v.
func (r Request) JSON(v any) error {
	if r.BodyTruncated {
		return fmt.Errorf("scimtest: request #%d: body truncated at %d bytes", r.Seq, len(r.Body))
	}
	return json.Unmarshal(r.Body, v)
}

// Matches reports whether the request has the method and its path matches
// the pattern; see Server.RequestsMatching.
func (r Request) Matches(method, pattern string) bool {
	if method != "" && method != "*" && !strings.EqualFold(method, r.Method) {
		return false
	}
	return matchPath(pattern, r.Prefix, r.Path)
}

// matchPath matches a path pattern: segments separated by "/", where
// "{name}" matches any one segment, a final "*" any rest, and other
// segments match literally, ignoring case as the handler's routing does.
// The pattern is relative to the mount prefix unless it starts with one.
// An empty pattern, or "*", matches every path.
func matchPath(pattern, prefix, path string) bool {
	if pattern == "" || pattern == "*" {
		return true
	}
	for _, p := range demo.Prefixes {
		if pattern == p || strings.HasPrefix(pattern, p+"/") {
			if prefix != p {
				return false
			}
			pattern = strings.TrimPrefix(pattern, p)
			break
		}
	}
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	ss := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range ps {
		if p == "*" && i == len(ps)-1 {
			return true
		}
		if i >= len(ss) {
			return false
		}
		if len(p) > 2 && p[0] == '{' && p[len(p)-1] == '}' {
			if ss[i] == "" {
				return false
			}
			continue
		}
		if !strings.EqualFold(p, ss[i]) {
			return false
		}
	}
	return len(ps) == len(ss)
}

// splitPrefix separates the mount prefix from a request path.
func splitPrefix(path string) (prefix, rest string) {
	for _, p := range demo.Prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return p, path[len(p):]
		}
	}
	return "", path
}

// Requests returns every request answered so far, in arrival order. A
// request is recorded once it has been answered.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// RequestsMatching returns the requests answered so far with the method
// ("" or "*" for any) whose path matches the pattern, in arrival order.
// Patterns are relative to the base URL, segment by segment: "{name}"
// stands for one segment, a final "*" for the rest, and names compare
// case-insensitively. The query is not part of the pattern: check
// Request.Query.
//
//	s.RequestsMatching("PATCH", "/Users/{id}")
//	s.RequestsMatching("GET", "/Users")        // lists, whatever the query
//	s.RequestsMatching("", "/Schemas/*")
func (s *Server) RequestsMatching(method, pattern string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Matches(method, pattern) {
			out = append(out, r)
		}
	}
	return out
}

// BulkOperationsMatching returns the operations of the bulk requests
// answered so far whose method and path match, as RequestsMatching does for
// requests: a client that sends its PATCHes in a bulk request is checked
// the same way as one that sends them one by one.
func (s *Server) BulkOperationsMatching(method, pattern string) []BulkOperation {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []BulkOperation
	for _, r := range s.requests {
		for _, op := range r.Operations {
			if op.Matches(method, pattern) {
				out = append(out, op)
			}
		}
	}
	return out
}

// ResetRequests forgets the requests recorded so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// AssertRequested checks that a request matching the method and pattern
// (see RequestsMatching) was answered, and returns the matching requests.
// If there is none it fails t with what was expected and the list of
// requests received.
func (s *Server) AssertRequested(t testing.TB, method, pattern string) []Request {
	t.Helper()
	got := s.RequestsMatching(method, pattern)
	if len(got) == 0 {
		t.Errorf("scimtest: no %s request was received\n%s", describe(method, pattern), s.report())
	}
	return got
}

// AssertNotRequested checks that no request matching the method and
// pattern was answered, failing t with the list of requests otherwise.
func (s *Server) AssertNotRequested(t testing.TB, method, pattern string) {
	t.Helper()
	if got := s.RequestsMatching(method, pattern); len(got) > 0 {
		t.Errorf("scimtest: expected no %s request, received %d\n%s", describe(method, pattern), len(got), s.report())
	}
}

// AssertRequestCount checks that exactly n requests matched the method and
// pattern, failing t with the list of requests otherwise, and returns them.
func (s *Server) AssertRequestCount(t testing.TB, method, pattern string, n int) []Request {
	t.Helper()
	got := s.RequestsMatching(method, pattern)
	if len(got) != n {
		t.Errorf("scimtest: expected %d %s request(s), received %d\n%s", n, describe(method, pattern), len(got), s.report())
	}
	return got
}

// writesMatching counts the requests and the bulk operations matching the
// method and pattern.
func (s *Server) writesMatching(method, pattern string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Matches(method, pattern) {
			n++
		}
		for _, op := range r.Operations {
			if op.Matches(method, pattern) {
				n++
			}
		}
	}
	return n
}

// AssertWrote checks that the code under test asked for a write matching
// the method and pattern (see RequestsMatching), whether it sent it as a
// request of its own or as an operation of a bulk request — clients such
// as scimclient.Sync send their PATCHes through /Bulk — and returns how
// many it asked for. Like AssertRequested it counts what was received,
// whatever the answer; Request.Status and BulkOperation.Status tell the
// answers. If there is none it fails t with what was expected and the list
// of requests received, bulk operations included.
//
//	s.AssertWrote(t, "PATCH", "/Users/{id}")
func (s *Server) AssertWrote(t testing.TB, method, pattern string) int {
	t.Helper()
	n := s.writesMatching(method, pattern)
	if n == 0 {
		t.Errorf("scimtest: no %s request or bulk operation was received\n%s", describe(method, pattern), s.report())
	}
	return n
}

// AssertWroteCount checks that exactly n requests and bulk operations
// together matched the method and pattern, as AssertWrote counts them,
// failing t with the list of requests otherwise.
//
//	s.AssertWroteCount(t, "POST", "/Users", 3) // three creates, however sent
//	s.AssertWroteCount(t, "DELETE", "/Users/{id}", 0)
func (s *Server) AssertWroteCount(t testing.TB, method, pattern string, n int) {
	t.Helper()
	if got := s.writesMatching(method, pattern); got != n {
		t.Errorf("scimtest: expected %d %s request(s) or bulk operation(s), received %d\n%s", n, describe(method, pattern), got, s.report())
	}
}

func describe(method, pattern string) string {
	if method == "" || method == "*" {
		method = "(any method)"
	} else {
		method = strings.ToUpper(method)
	}
	if pattern == "" {
		pattern = "*"
	}
	return method + " " + pattern
}

// maxReportBody is how much of each request body a failure report shows.
const maxReportBody = 200

// report lists the requests received, with the start of their bodies.
func (s *Server) report() string {
	reqs := s.Requests()
	if len(reqs) == 0 {
		return "received no requests at all"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "received %d request(s):", len(reqs))
	for _, r := range reqs {
		b.WriteString("\n  ")
		b.WriteString(r.String())
		if len(r.Body) > 0 {
			body := compact(r.Body)
			if len(body) > maxReportBody {
				body = body[:maxReportBody] + "…"
			}
			b.WriteString("\n      ")
			b.WriteString(body)
		}
		for _, op := range r.Operations {
			fmt.Fprintf(&b, "\n      bulk operation %s %s", op.Method, op.Path)
			if op.BulkID != "" {
				fmt.Fprintf(&b, " (bulkId %s)", op.BulkID)
			}
			if op.Status == 0 {
				b.WriteString(" → not processed")
			} else {
				fmt.Fprintf(&b, " → %d", op.Status)
			}
		}
	}
	return b.String()
}

func compact(body []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, body) == nil {
		return buf.String()
	}
	return string(body)
}

// recorder is the middleware that records requests and injects faults in
// front of the endpoint. It holds each response until the request is
// recorded, so that a client never sees an answer before the record does.
type recorder struct {
	s    *Server
	next http.Handler
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := rc.s
	s.mu.Lock()
	s.seq++
	s.inflight++
	seq := s.seq
	s.mu.Unlock()

	prefix, path := splitPrefix(r.URL.Path)
	rec := &Request{
		Seq:    seq,
		Method: r.Method,
		Prefix: prefix,
		Path:   path,
		Query:  r.URL.Query(),
		Header: r.Header.Clone(),
	}
	// Read the start of the body for the record and give the handler a body
	// that yields every byte the client sent, in order.
	if r.Body != nil && r.Body != http.NoBody {
		head, _ := io.ReadAll(io.LimitReader(r.Body, int64(s.recCap)+1))
		if len(head) > s.recCap {
			rec.Body, rec.BodyTruncated = head[:s.recCap:s.recCap], true
		} else {
			rec.Body = head
		}
		r.Body = readCloser{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	}
	rw := &responseBuffer{w: w}
	done := false
	finish := func() {
		if !done {
			done = true
			s.record(rec, rw)
		}
	}
	defer func() {
		if v := recover(); v != nil {
			rw.status = 0 // no response: the connection is aborted
			finish()
			panic(v)
		}
		finish() // the client went away: nothing to send
	}()

	f, faulted := s.takeFault(rec)
	if faulted {
		rec.Fault = f.String()
		if !s.applyFault(f, rw, w, r, rec, finish) {
			return
		}
	}
	rc.next.ServeHTTP(rw, r)
	if rw.status == 0 {
		rw.status = http.StatusOK // what net/http sends for a handler that wrote nothing
	}
	finish()
	if faulted && f.LoseAnswer {
		drop(w) // served and recorded with its status; the client never sees it
		return
	}
	rw.flush()
}

// record stores a request that has been answered (or never will be).
func (s *Server) record(rec *Request, rw *responseBuffer) {
	rec.Status = rw.status
	rec.ResponseHeader = rw.Header().Clone()
	rec.ResponseBody = bytes.Clone(rw.buf.Bytes()[:min(rw.buf.Len(), s.recCap)])
	if rec.Matches("POST", "/Bulk") && !rec.BodyTruncated {
		rec.Operations = bulkOperations(rec.Body, rw.buf.Bytes())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, _ := slices.BinarySearchFunc(s.requests, rec.Seq, func(x Request, seq int) int { return x.Seq - seq })
	s.requests = slices.Insert(s.requests, i, *rec)
	if s.inflight--; s.inflight == 0 {
		s.idle.Broadcast()
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}

// responseBuffer holds a response until flush.
type responseBuffer struct {
	w      http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (b *responseBuffer) Header() http.Header { return b.w.Header() }

func (b *responseBuffer) WriteHeader(code int) {
	if code < 200 {
		b.w.WriteHeader(code) // informational: no reason to hold it
		return
	}
	if b.status == 0 {
		b.status = code
	}
}

func (b *responseBuffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.buf.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (b *responseBuffer) Unwrap() http.ResponseWriter { return b.w }

// flush sends the held response.
func (b *responseBuffer) flush() {
	b.w.WriteHeader(b.status)
	if b.buf.Len() > 0 {
		_, _ = b.w.Write(b.buf.Bytes())
	}
}
