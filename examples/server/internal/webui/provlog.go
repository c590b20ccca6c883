package webui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/scimkit/scim"
)

// What an entry keeps is bounded, whatever a request holds: a client
// choosing a megabyte path, a long error detail or a bulk request of a
// thousand changes gets an entry of at most a few kilobytes. With a
// company's ring of entries, that bounds the log's memory per company.
const (
	// maxPathBytes bounds an entry's path (with its query).
	maxPathBytes = 512
	// maxErrorBytes bounds an entry's error, and each failed bulk
	// operation's line.
	maxErrorBytes = 1024
	// maxLineBytes bounds each line saying what changed.
	maxLineBytes = 256
	// maxChanges and maxFailures bound the lines of an entry; the last
	// says how many more there were ("…and 980 more").
	maxChanges  = 20
	maxFailures = 10
	// maxBulkRequest and maxBulkResponse bound the copies the log takes
	// of a bulk request and its response, while it is served, to list the
	// operations that failed: the handler's default maxPayloadSize, and
	// the response of a thousand operations with long errors. A larger
	// request's failures are listed without their paths; a larger
	// response's are not counted.
	maxBulkRequest  = scim.DefaultMaxBulkPayload
	maxBulkResponse = 1 << 20
)

// Entry is one SCIM request in the provisioning log.
type Entry struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	// Path is the request's path and query, cut at maxPathBytes.
	Path     string        `json:"path"`
	Status   int           `json:"status"`
	Duration time.Duration `json:"duration"`
	// Changes says in words what the request changed, one line per user,
	// at most maxChanges lines.
	Changes []string `json:"changes,omitempty"`
	// Error is the SCIM error of a failed request: status, scimType, detail.
	Error string `json:"error,omitempty"`
	// BulkOperations is the number of operations of a bulk request, and
	// BulkFailed how many of them failed (-1: unknown, the response was
	// larger than maxBulkResponse), each described in Failures
	// ("PATCH /Users/42 → 404 noTarget: …") as Error describes a failed
	// request, at most maxFailures lines.
	BulkOperations int      `json:"bulkOperations,omitempty"`
	BulkFailed     int      `json:"bulkFailed,omitempty"`
	Failures       []string `json:"failures,omitempty"`
}

// Log is the provisioning log: the last SCIM requests of each company,
// with what they changed, and their live subscribers. It is fed by the
// handler's hooks: Wrap the SCIM handler, and set Handler.OnChange to
// OnChange and Handler.OnRequest to OnRequest.
type Log struct {
	size int
	now  func() time.Time

	mu        sync.Mutex
	seq       uint64
	companies map[string]*companyLog
}

// companyLog is the ring of one company's entries, oldest first, and the
// channels of its subscribers.
type companyLog struct {
	entries []Entry
	next    int // where the next entry goes once the ring is full
	subs    map[chan Entry]struct{}
}

// NewLog returns a log keeping each company's last size requests.
func NewLog(size int) *Log {
	return &Log{size: max(size, 1), now: time.Now, companies: make(map[string]*companyLog)}
}

// requestKey is the context key of a request's notes, which Wrap puts
// there, OnChange adds to and OnRequest reads.
type requestKey struct{}

// notes is what the log learns about a request while it is served.
type notes struct {
	query string

	mu      sync.Mutex
	changes lines

	// bulkIn and bulkOut are a bulk request's body and response, as far as
	// maxBulkRequest and maxBulkResponse; nil for other requests.
	bulkIn, bulkOut *capped
}

// lines collects at most max lines of at most width bytes, counting the
// others.
type lines struct {
	kept []string
	more int
}

func (l *lines) add(s string, limit, width int) {
	if len(l.kept) >= limit {
		l.more++
		return
	}
	l.kept = append(l.kept, clip(s, width))
}

// list returns the lines, the last saying how many more there were.
func (l *lines) list() []string {
	if l.more == 0 {
		return l.kept
	}
	return append(l.kept, fmt.Sprintf("…and %d more", l.more))
}

// clip returns a copy of s cut to at most n bytes at a character
// boundary, with an ellipsis when cut. It always copies: the strings of a
// request (its method and path too) may be slices of its whole request
// line, which an entry keeping them would keep.
func clip(s string, n int) string {
	if len(s) <= n {
		return strings.Clone(s)
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.Clone(s[:cut]) + "…"
}

// capped is a buffer that keeps the first limit bytes written to it and
// notes that there were more.
type capped struct {
	buf      bytes.Buffer
	limit    int
	overflow bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.limit - c.buf.Len(); room < len(p) {
		c.overflow = true
		c.buf.Write(p[:max(room, 0)])
	} else {
		c.buf.Write(p)
	}
	return len(p), nil
}

// teeBody reads a request body, copying it to a capped buffer.
type teeBody struct {
	io.ReadCloser
	to *capped
}

func (t teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	t.to.Write(p[:n])
	return n, err
}

// teeWriter copies a response to a capped buffer.
type teeWriter struct {
	http.ResponseWriter
	to *capped
}

func (t teeWriter) Write(p []byte) (int, error) {
	t.to.Write(p)
	return t.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (t teeWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// isBulk reports whether r is a bulk request: POST …/Bulk.
func isBulk(r *http.Request) bool {
	p := strings.TrimSuffix(r.URL.Path, "/")
	return r.Method == http.MethodPost && len(p) >= 5 && strings.EqualFold(p[len(p)-5:], "/Bulk")
}

// Wrap returns h with a place in each request's context where the log
// collects what the request changed, and, for a bulk request, a copy of
// its operations and results (see maxBulkRequest) so that
// the log lists the operations that failed.
func (l *Log) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.RawQuery == "" {
			// A read changes nothing and has no query to show: nothing
			// to collect, so no copy of the request to carry a place.
			h.ServeHTTP(w, r)
			return
		}
		n := &notes{query: r.URL.RawQuery}
		if isBulk(r) {
			n.bulkIn = &capped{limit: maxBulkRequest}
			n.bulkOut = &capped{limit: maxBulkResponse}
			r.Body = teeBody{r.Body, n.bulkIn}
			w = teeWriter{w, n.bulkOut}
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, n)))
	})
}

// OnChange records a committed change for the request it belongs to.
func (l *Log) OnChange(ctx context.Context, e scim.Event) {
	if n, ok := ctx.Value(requestKey{}).(*notes); ok {
		n.mu.Lock()
		defer n.mu.Unlock()
		if len(n.changes.kept) >= maxChanges {
			n.changes.more++ // not worth describing
			return
		}
		n.changes.add(Describe(e), maxChanges, maxLineBytes)
	}
}

// OnRequest adds a served request to its company's log. Requests without
// a company (a refused token) belong to no company's log.
func (l *Log) OnRequest(ctx context.Context, info scim.RequestInfo) {
	if info.Company == "" {
		return
	}
	e := Entry{
		Time:     l.now().Add(-info.Duration).UTC(),
		Method:   info.Method, // one of a few constants (scim.RequestInfo)
		Path:     clip(info.Path, maxPathBytes),
		Status:   info.Status,
		Duration: info.Duration,

		BulkOperations: info.BulkOperations,
	}
	if info.Error != nil {
		e.Error = clip(describeError(info.Error), maxErrorBytes)
	}
	if n, ok := ctx.Value(requestKey{}).(*notes); ok {
		if n.query != "" && len(info.Path) < maxPathBytes {
			q, err := url.QueryUnescape(n.query)
			if err != nil {
				q = n.query
			}
			e.Path = clip(info.Path+"?"+q, maxPathBytes)
		}
		n.mu.Lock()
		e.Changes = n.changes.list()
		n.mu.Unlock()
		if info.BulkOperations > 0 && info.Error == nil && n.bulkOut != nil {
			e.BulkFailed, e.Failures = bulkFailures(n.bulkIn, n.bulkOut)
		}
	}
	l.add(info.Company, e)
}

// describeError words a SCIM error as the log shows it: "409 uniqueness:
// userName … is already taken".
func describeError(e *scim.Error) string {
	s := strconv.Itoa(e.Status)
	if e.SCIMType != "" {
		s += " " + e.SCIMType
	}
	return s + ": " + e.Detail
}

// bulkFailures reads a bulk response for the operations that failed, and
// the request for their paths: the number failed, and a line for each of
// the first maxFailures. A response larger than maxBulkResponse is not
// read: -1 says the failures are unknown.
func bulkFailures(in, out *capped) (int, []string) {
	if out.overflow {
		return -1, nil
	}
	// A BulkRequest's and a BulkResponse's operations, in the fields read
	// here: path only in the request, status and response only in the
	// response.
	type bulkMessage struct {
		Operations []struct {
			Method   string      `json:"method"`
			Path     string      `json:"path"`
			BulkID   string      `json:"bulkId"`
			Status   string      `json:"status"`
			Response *scim.Error `json:"response"`
		} `json:"Operations"`
	}
	var res, req bulkMessage
	if json.Unmarshal(out.buf.Bytes(), &res) != nil {
		return -1, nil
	}
	// The request's operations, for their paths: the response lists the
	// operations in the request's order, all of them unless failOnErrors
	// stopped it, when only those with a bulkId are told apart.
	if !in.overflow {
		_ = json.Unmarshal(in.buf.Bytes(), &req)
	}
	aligned := len(req.Operations) == len(res.Operations)
	failed := 0
	var ls lines
	for i, op := range res.Operations {
		status, _ := strconv.Atoi(op.Status)
		if status < 400 {
			continue
		}
		failed++
		if len(ls.kept) >= maxFailures {
			ls.more++
			continue
		}
		what := op.Method
		path := ""
		switch {
		case aligned && strings.EqualFold(req.Operations[i].Method, op.Method) && req.Operations[i].BulkID == op.BulkID:
			path = req.Operations[i].Path
		case op.BulkID != "":
			for _, o := range req.Operations {
				if o.BulkID == op.BulkID && strings.EqualFold(o.Method, op.Method) {
					path = o.Path
					break
				}
			}
		}
		if path != "" {
			what += " " + clip(path, maxPathBytes)
		}
		if op.BulkID != "" {
			what += " (bulkId " + clip(op.BulkID, 64) + ")"
		}
		detail := op.Status
		if op.Response != nil {
			detail = describeError(op.Response)
		}
		ls.add(what+" → "+detail, maxFailures, maxErrorBytes)
	}
	return failed, ls.list()
}

func (l *Log) add(company string, e Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	e.Seq = l.seq
	c := l.company(company)
	if len(c.entries) < l.size {
		c.entries = append(c.entries, e)
	} else {
		c.entries[c.next] = e
		c.next = (c.next + 1) % l.size
	}
	for ch := range c.subs {
		select {
		case ch <- e:
		default: // a subscriber that does not keep up misses entries
		}
	}
}

func (l *Log) company(id string) *companyLog {
	c := l.companies[id]
	if c == nil {
		c = &companyLog{subs: make(map[chan Entry]struct{})}
		l.companies[id] = c
	}
	return c
}

// Entries returns the company's entries, newest first.
func (l *Log) Entries(company string) []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.companies[company]
	if c == nil {
		return nil
	}
	out := make([]Entry, 0, len(c.entries))
	for i := range c.entries {
		out = append(out, c.entries[(c.next+len(c.entries)-1-i)%len(c.entries)])
	}
	return out
}

// Subscribe returns a channel receiving the company's new entries, and
// the function that ends the subscription.
func (l *Log) Subscribe(company string) (<-chan Entry, func()) {
	ch := make(chan Entry, 64)
	l.mu.Lock()
	l.company(company).subs[ch] = struct{}{}
	l.mu.Unlock()
	return ch, func() {
		l.mu.Lock()
		delete(l.company(company).subs, ch)
		l.mu.Unlock()
	}
}
