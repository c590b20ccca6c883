package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

// testBulk drives bulk requests (RFC 7644 §3.7) through a scim.Handler over
// the store: the handler runs them in one transaction where the store is a
// scim.Batcher, and the answers must be those of running the operations one
// by one.
func testBulk(t *testing.T, newStore func(t *testing.T) scim.Store) {
	t.Run("InitialSync", func(t *testing.T) {
		b := newBulkClient(t, newStore(t), 0)
		ops := make([]string, 1000)
		for i := range ops {
			ops[i] = bulkPost(fmt.Sprint("u", i), bulkUser(i, ""))
		}
		out := b.bulk(0, ops...)
		if len(out) != 1000 {
			t.Fatalf("%d results, want 1000", len(out))
		}
		for i, o := range out {
			if o.Status != "201" || o.BulkID != fmt.Sprint("u", i) || !strings.Contains(o.Location, "/Users/") || o.Version == "" {
				t.Fatalf("result %d: %+v", i, o)
			}
		}
		page, err := b.h.Store.ListUsers(t.Context(), tenant, &scim.Query{StartIndex: 1})
		if err != nil || page.Total != 1000 {
			t.Fatalf("users stored: %v, %v", page, err)
		}
	})

	t.Run("ManagerByBulkID", func(t *testing.T) {
		// Reports come before their manager and name it by bulkId, in the
		// enterprise manager and in a PATCH path.
		b := newBulkClient(t, newStore(t), 0)
		report := func(i int) string {
			return bulkUser(i, `,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:boss"}}`)
		}
		out := b.bulk(0,
			bulkPost("r1", report(1)),
			bulkPost("r2", report(2)),
			`{"method":"PATCH","path":"/Users/bulkId:boss","data":{"Operations":[{"op":"replace","path":"title","value":"CEO"}]}}`,
			bulkPost("boss", bulkUser(3, "")),
		)
		if diff := cmp.Diff([]string{"201", "201", "200", "201"}, statuses(out)); diff != "" {
			t.Fatalf("statuses (-want +got):\n%s", diff)
		}
		bossID := out[3].id()
		for _, o := range out[:2] {
			u, err := b.h.Store.GetUser(t.Context(), tenant, o.id())
			if err != nil {
				t.Fatal(err)
			}
			if u.Enterprise.Manager.Value != bossID || u.Enterprise.Manager.DisplayName != "Given 3 Family 3" {
				t.Errorf("manager of %s: %+v, want %s", u.UserName, u.Enterprise.Manager, bossID)
			}
		}
		if boss, err := b.h.Store.GetUser(t.Context(), tenant, bossID); err != nil || boss.Title != "CEO" {
			t.Errorf("boss: %+v %v", boss, err)
		}
	})

	t.Run("Failures", func(t *testing.T) {
		b := newBulkClient(t, newStore(t), 0)
		out := b.bulk(0,
			bulkPost("a", bulkUser(1, "")),
			bulkPost("dup", strings.Replace(bulkUser(1, ""), "bulk1@", "BULK1@", 1)),
			`{"method":"DELETE","path":"/Users/nobody"}`,
			`{"method":"PUT","path":"/Users/bulkId:a","data":{"userName":"renamed@example.com"}}`,
			bulkPost("c1", bulkUser(10, `,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:c2"}}`)),
			bulkPost("c2", bulkUser(11, `,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:c1"}}`)),
		)
		if diff := cmp.Diff([]string{"201", "409", "404", "200", "409", "409"}, statuses(out)); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
		var e scim.Error
		if err := json.Unmarshal(out[1].Response, &e); err != nil || e.SCIMType != scim.SCIMTypeUniqueness {
			t.Errorf("duplicate's response %s (%v)", out[1].Response, err)
		}
		// failOnErrors stops after that many errors; what ran stays done.
		out = b.bulk(1,
			bulkPost("d", bulkUser(20, "")),
			bulkPost("dup2", bulkUser(20, "")),
			bulkPost("e", bulkUser(21, "")),
		)
		if diff := cmp.Diff([]string{"201", "409"}, statuses(out)); diff != "" {
			t.Errorf("failOnErrors statuses (-want +got):\n%s", diff)
		}
		page, err := b.h.Store.ListUsers(t.Context(), tenant, &scim.Query{StartIndex: 1, Count: 100})
		if err != nil || page.Total != 2 {
			t.Errorf("users after the failures: %d (%v), want 2", page.Total, err)
		}
	})

	t.Run("ChainedBulkIDs", func(t *testing.T) {
		// Each POST names the next as its manager and the last is invalid:
		// every one fails, each is charged, and nothing is stored.
		b := newBulkClient(t, newStore(t), 0)
		lim := &countingLimiter{}
		b.h.RateLimit = lim
		const n = 1000
		ops := make([]string, n)
		want := make([]string, n)
		for i := range ops {
			ops[i] = bulkPost(fmt.Sprint("b", i), bulkUser(i, fmt.Sprintf(`,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:b%d"}}`, i+1)))
			want[i] = "409"
		}
		ops[n-1], want[n-1] = bulkPost(fmt.Sprint("b", n-1), `{"userName":""}`), "400"
		out := b.bulk(0, ops...)
		if diff := cmp.Diff(want, statuses(out)); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
		if lim.asked != n {
			t.Errorf("%d operations charged to the rate limit, want %d", lim.asked, n)
		}
		page, err := b.h.Store.ListUsers(t.Context(), tenant, &scim.Query{StartIndex: 1})
		if err != nil || page.Total != 0 {
			t.Errorf("users stored: %v, %v; want none", page, err)
		}
	})

	t.Run("ContextEnds", func(t *testing.T) {
		// The client goes away once the 9th operation has created its
		// user: no operation runs after it. In a batch nothing is
		// committed (503); without one the nine that ran are committed
		// and listed.
		st := newStore(t)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		counter := &cancelAfter{at: 9, cancel: cancel}
		var wrapped scim.Store = &cancelAfterStore{st, counter}
		if bt, ok := st.(scim.Batcher); ok {
			wrapped = cancelAfterBatch{wrapped, bt, counter}
		}
		b := newBulkClient(t, wrapped, 0)
		ops := make([]string, 100)
		for i := range ops {
			ops[i] = bulkPost(fmt.Sprint("u", i), bulkUser(i, ""))
		}
		rec := b.send(ctx, 0, ops...)
		_, batch := st.(scim.Batcher)
		wantStatus, wantUsers := http.StatusOK, 9
		if batch {
			wantStatus, wantUsers = http.StatusServiceUnavailable, 0
		}
		if rec.Code != wantStatus {
			t.Fatalf("status %d, want %d: %.300s", rec.Code, wantStatus, rec.Body)
		}
		if counter.n != 9 {
			t.Errorf("%d creates, want 9: operations ran after the context ended", counter.n)
		}
		page, err := st.ListUsers(context.Background(), tenant, &scim.Query{StartIndex: 1})
		if err != nil || page.Total != wantUsers {
			t.Errorf("users stored: %d (%v), want %d", page.Total, err, wantUsers)
		}
	})

	t.Run("RateLimitPartWay", func(t *testing.T) {
		b := newBulkClient(t, newStore(t), 3)
		out := b.bulk(0, bulkPost("a", bulkUser(1, "")), bulkPost("b", bulkUser(2, "")), bulkPost("c", bulkUser(3, "")), bulkPost("d", bulkUser(4, "")))
		if diff := cmp.Diff([]string{"201", "201", "201", "429"}, statuses(out)); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
	})
}

// bulkClient sends bulk requests to a handler over a store.
type bulkClient struct {
	t *testing.T
	h *scim.Handler
}

func newBulkClient(t *testing.T, st scim.Store, rateLimit int) *bulkClient {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	return &bulkClient{t, &scim.Handler{
		Store:     st,
		Auth:      scim.StaticTokens{"bulk-token": tenant},
		RateLimit: scim.NewWindowLimiter(rateLimit, time.Hour),
		Now:       func() time.Time { return now },
	}}
}

type bulkResult struct {
	Method, BulkID, Location, Version, Status string
	Response                                  json.RawMessage
}

func (r bulkResult) id() string { return r.Location[strings.LastIndex(r.Location, "/")+1:] }

func (b *bulkClient) bulk(failOnErrors int, ops ...string) []bulkResult {
	b.t.Helper()
	rec := b.send(b.t.Context(), failOnErrors, ops...)
	if rec.Code != http.StatusOK {
		b.t.Fatalf("bulk: %d %s", rec.Code, rec.Body)
	}
	var out struct{ Operations []bulkResult }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		b.t.Fatal(err)
	}
	return out.Operations
}

// send sends a bulk request with the given context and returns the answer.
func (b *bulkClient) send(ctx context.Context, failOnErrors int, ops ...string) *httptest.ResponseRecorder {
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":%d,"Operations":[%s]}`, failOnErrors, strings.Join(ops, ","))
	req := httptest.NewRequestWithContext(ctx, "POST", "/scim/v2/Bulk", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer bulk-token")
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	return rec
}

// countingLimiter grants every operation and counts them.
type countingLimiter struct {
	mu    sync.Mutex
	asked int
}

func (l *countingLimiter) Allow(_ context.Context, _ string, n int, _ time.Time) (bool, time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked += n
	return true, 0, nil
}

// cancelAfter counts the users created through a cancelAfterStore and
// calls cancel once the at-th is, as if the client went away then.
type cancelAfter struct {
	n, at  int
	cancel context.CancelFunc
}

type cancelAfterStore struct {
	scim.Store
	c *cancelAfter
}

func (s *cancelAfterStore) CreateUser(ctx context.Context, tenant string, u *scim.User) error {
	err := s.Store.CreateUser(ctx, tenant, u)
	if err == nil {
		if s.c.n++; s.c.n == s.c.at {
			s.c.cancel()
		}
	}
	return err
}

// cancelAfterBatch is a cancelAfterStore over a Batcher: the batch's
// store counts too.
type cancelAfterBatch struct {
	scim.Store
	b scim.Batcher
	c *cancelAfter
}

func (s cancelAfterBatch) Batch(ctx context.Context, fn func(scim.Store) error) error {
	return s.b.Batch(ctx, func(st scim.Store) error { return fn(&cancelAfterStore{st, s.c}) })
}

func statuses(out []bulkResult) []string {
	s := make([]string, len(out))
	for i, o := range out {
		s[i] = o.Status
	}
	return s
}

func bulkPost(bulkID, data string) string {
	return fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":%q,"data":%s}`, bulkID, data)
}

// bulkUser is an Okta-like user; extra is appended to its members.
func bulkUser(i int, extra string) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bulk%d@example.com",
"name":{"givenName":"Given %d","familyName":"Family %d"},"emails":[{"primary":true,"value":"bulk%d@example.com","type":"work"}],
"externalId":"ext-bulk-%d","active":true%s}`, i, i, i, i, i, extra)
}
