package webui

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/scimkit/scim"
)

// Entry is one SCIM request in the provisioning log.
type Entry struct {
	Seq      uint64        `json:"seq"`
	Time     time.Time     `json:"time"`
	Method   string        `json:"method"`
	Path     string        `json:"path"`
	Status   int           `json:"status"`
	Duration time.Duration `json:"duration"`
	// Changes says in words what the request changed, one line per user.
	Changes []string `json:"changes,omitempty"`
	// Error is the SCIM error of a failed request: status, scimType, detail.
	Error string `json:"error,omitempty"`
	// BulkOperations is the number of operations of a bulk request.
	BulkOperations int `json:"bulkOperations,omitempty"`
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

// changesKey is the context key of a request's changes, collected by
// OnChange for OnRequest.
type changesKey struct{}

// Wrap returns h with a place in each request's context where OnChange
// collects what the request changed.
func (l *Log) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), changesKey{}, new([]string))))
	})
}

// OnChange records a committed change for the request it belongs to.
func (l *Log) OnChange(ctx context.Context, e scim.Event) {
	if changes, ok := ctx.Value(changesKey{}).(*[]string); ok {
		*changes = append(*changes, Describe(e))
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
		Method:   info.Method,
		Path:     info.Path,
		Status:   info.Status,
		Duration: info.Duration,

		BulkOperations: info.BulkOperations,
	}
	if changes, ok := ctx.Value(changesKey{}).(*[]string); ok {
		e.Changes = *changes
	}
	if info.Error != nil {
		e.Error = fmt.Sprintf("%d", info.Error.Status)
		if info.Error.SCIMType != "" {
			e.Error += " " + info.Error.SCIMType
		}
		e.Error += ": " + info.Error.Detail
	}
	l.add(info.Company, e)
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
