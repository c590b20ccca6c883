package scim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

type bulkOpOut struct {
	Method   string          `json:"method"`
	BulkID   string          `json:"bulkId"`
	Location string          `json:"location"`
	Version  string          `json:"version"`
	Status   string          `json:"status"`
	Response json.RawMessage `json:"response"`
}

func bulkBody(failOnErrors int, ops ...string) string {
	f := ""
	if failOnErrors > 0 {
		f = fmt.Sprintf(`"failOnErrors":%d,`, failOnErrors)
	}
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],` + f + `"Operations":[` + strings.Join(ops, ",") + `]}`
}

func bulkPost(bulkID, user string) string {
	return fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":%q,"data":%s}`, bulkID, user)
}

func (s *testServer) bulk(body string, status int) []bulkOpOut {
	s.t.Helper()
	res := s.do("POST", "/scim/v2/Bulk", body)
	got := s.expect(res, status)
	if status != 200 {
		return nil
	}
	if diff := cmp.Diff([]any{MessageBulkResponse}, got["schemas"]); diff != "" {
		s.t.Errorf("schemas (-want +got):\n%s", diff)
	}
	var out struct{ Operations []bulkOpOut }
	if err := json.Unmarshal(res.body, &out); err != nil {
		s.t.Fatal(err)
	}
	return out.Operations
}

// TestBulkErrors covers failing operations, failOnErrors, cycles and limits.
func TestBulkErrors(t *testing.T) {
	s := newTestServer(t)
	s.h.MaxBulkOperations = 10
	s.h.MaxBulkPayloadBytes = 64 << 10

	// Failures do not stop the rest; each carries its SCIM error.
	out := s.bulk(bulkBody(0,
		bulkPost("a", oktaUser(1)),
		bulkPost("dup", oktaUser(1)),
		`{"method":"DELETE","path":"/Users/nope"}`,
		`{"method":"PUT","path":"/Groups/x","data":{}}`,
		bulkPost("b", oktaUser(2)),
	), 200)
	var statuses []string
	for _, o := range out {
		statuses = append(statuses, o.Status)
	}
	if diff := cmp.Diff([]string{"201", "409", "404", "501", "201"}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	var e Error
	if err := json.Unmarshal(out[1].Response, &e); err != nil || e.SCIMType != SCIMTypeUniqueness {
		t.Errorf("duplicate response %s (%v)", out[1].Response, err)
	}

	// failOnErrors=1 stops after the first error; what ran stays done.
	out = s.bulk(bulkBody(1,
		bulkPost("c", oktaUser(3)),
		bulkPost("dup2", oktaUser(3)),
		bulkPost("d", oktaUser(4)),
	), 200)
	if len(out) != 2 || out[0].Status != "201" || out[1].Status != "409" {
		t.Errorf("failOnErrors: %+v", out)
	}
	s.expect(s.do("GET", "/scim/v2/Users?filter=userName+eq+%22user004%40example.com%22", ""), 200)
	if got := s.expect(s.do("GET", "/scim/v2/Users?filter=userName+eq+%22user004%40example.com%22", ""), 200); got["totalResults"] != float64(0) {
		t.Errorf("operation after failOnErrors ran")
	}

	// A cycle fails both sides with 409; an unknown bulkId too.
	cyc := func(n, ref int) string {
		return bulkPost(fmt.Sprint("c", n), strings.Replace(oktaUser(n), `"active":true`,
			fmt.Sprintf(`"active":true,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:c%d"}}`, ref), 1))
	}
	out = s.bulk(bulkBody(0, cyc(10, 11), cyc(11, 10), cyc(12, 99)), 200)
	for _, o := range out {
		if o.Status != "409" {
			t.Errorf("cycle: %+v", o)
		}
	}

	// Limits: too many operations, too large a payload, bad bodies.
	many := make([]string, 11)
	for i := range many {
		many[i] = bulkPost(fmt.Sprint(i), oktaUser(100+i))
	}
	if e := s.expect(s.do("POST", "/scim/v2/Bulk", bulkBody(0, many...)), 413); !strings.Contains(e["detail"].(string), "maxOperations") {
		t.Errorf("ops limit: %v", e)
	}
	huge := bulkPost("h", `{"userName":"h@x.y","displayName":"`+strings.Repeat("x", 70<<10)+`"}`)
	if e := s.expect(s.do("POST", "/scim/v2/Bulk", bulkBody(0, huge)), 413); !strings.Contains(e["detail"].(string), "maxPayloadSize") {
		t.Errorf("payload limit: %v", e)
	}
	s.expect(s.do("POST", "/scim/v2/Bulk", `{"Operations":`), 400)
	s.expect(s.do("POST", "/scim/v2/Bulk", `{"Operations":[]}`), 400)
	if e := s.expect(s.do("POST", "/scim/v2/Bulk", bulkBody(0, bulkPost("t", oktaUser(200)))+`0`), 400); e["scimType"] != SCIMTypeInvalidSyntax {
		t.Errorf("data after the BulkRequest: %v", e)
	}
	s.expect(s.do("GET", "/scim/v2/Bulk", ""), 405)

	spc := s.expect(s.do("GET", "/scim/v2/ServiceProviderConfig", ""), 200)
	if diff := cmp.Diff(map[string]any{"supported": true, "maxOperations": float64(10), "maxPayloadSize": float64(64 << 10)}, spc["bulk"]); diff != "" {
		t.Errorf("bulk config (-want +got):\n%s", diff)
	}
}

// TestBulkEmployeeAttribute checks a Peakon Employee attribute may name,
// by bulkId, an employee created later in the same request.
func TestBulkEmployeeAttribute(t *testing.T) {
	s := newTestServer(t)
	s.h.Models = fuzzModels{} // Manager is an Employee attribute
	report := strings.Replace(oktaUser(1), `"active":true`, `"active":true,"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Manager":"bulkId:boss"}`, 1)
	out := s.bulk(bulkBody(0, bulkPost("r", report), bulkPost("boss", oktaUser(2))), 200)
	if len(out) != 2 || out[0].Status != "201" || out[1].Status != "201" {
		t.Fatalf("results: %+v", out)
	}
	bossID := strings.TrimPrefix(out[1].Location, s.URL+"/scim/v2/Users/")
	u, err := s.store.GetUser(t.Context(), "acme", strings.TrimPrefix(out[0].Location, s.URL+"/scim/v2/Users/"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Custom["Manager"] != bossID {
		t.Errorf("stored Manager %q, want the id %s", u.Custom["Manager"], bossID)
	}
	got := s.expect(s.do("GET", "/scim/v2/Users/"+u.ID, ""), 200)
	if m := got[SchemaPeakonUser].(map[string]any)["Manager"]; m != "user002@example.com" {
		t.Errorf("Manager rendered as %v, want the manager's email", m)
	}
	// A bulkId naming nobody in the request fails that operation.
	bad := strings.Replace(oktaUser(3), `"active":true`, `"active":true,"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Manager":"bulkId:ghost"}`, 1)
	out = s.bulk(bulkBody(0, bulkPost("x", bad)), 200)
	if len(out) != 1 || out[0].Status != "409" {
		t.Errorf("unknown bulkId: %+v", out)
	}
}

// reportOf is a user naming its enterprise manager by bulkId.
func reportOf(i int, ref string) string {
	return strings.Replace(oktaUser(i), `"active":true`,
		`"active":true,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:`+ref+`"}}`, 1)
}

// TestBulkReferences pins how bulkId references resolve and fail, in which
// order the operations run, and that every operation of the request is
// charged to the rate limit as far as it allows, before any runs (prepay):
// those failing on their references and those failOnErrors leaves without
// a result included.
func TestBulkReferences(t *testing.T) {
	type want struct{ status, detail string } // detail: a substring of the error's
	unresolved := func(ref string) want { return want{"409", "bulkId:" + ref + " does not name a user"} }
	circular := want{"409", "circular bulkId references"}
	created := want{"201", ""}
	chain := func(n int) (ops []string, wants []want) {
		for i := range n {
			if i == n-1 {
				ops = append(ops, bulkPost(fmt.Sprint("b", i), `{"userName":""}`))
				wants = append(wants, want{"400", "userName"})
				break
			}
			ops = append(ops, bulkPost(fmt.Sprint("b", i), reportOf(i, fmt.Sprint("b", i+1))))
			wants = append(wants, unresolved(fmt.Sprint("b", i+1)))
		}
		return ops, wants
	}
	chainOps, chainWants := chain(1000)
	tests := []struct {
		name    string
		failOn  int
		limit   int // of the rate limiter, the request's own operation included
		ops     []string
		want    []want
		charged int // operations the rate limiter granted
	}{{
		name:    "chain of 1000 ending in an invalid user",
		ops:     chainOps,
		want:    chainWants,
		charged: 1000,
	}, {
		name: "forward references resolve",
		ops: []string{
			bulkPost("r1", reportOf(1, "boss")),
			`{"method":"PATCH","path":"/Users/bulkId:boss","data":{"Operations":[{"op":"replace","path":"title","value":"CEO"}]}}`,
			bulkPost("r2", reportOf(2, "r1")),
			bulkPost("boss", oktaUser(3)),
		},
		want:    []want{created, {"200", ""}, created, created},
		charged: 4,
	}, {
		name:    "cycle and unknown bulkId",
		ops:     []string{bulkPost("c10", reportOf(10, "c11")), bulkPost("c11", reportOf(11, "c10")), bulkPost("c12", reportOf(12, "c99"))},
		want:    []want{circular, circular, unresolved("c99")},
		charged: 3,
	}, {
		name:    "self reference",
		ops:     []string{bulkPost("me", reportOf(1, "me")), `{"method":"PUT","path":"/Users/bulkId:ghost","data":{"userName":"g@example.com"}}`},
		want:    []want{unresolved("me"), unresolved("ghost")},
		charged: 2,
	}, {
		name:    "a failed POST fails what waits for it",
		ops:     []string{bulkPost("r", reportOf(1, "boss")), bulkPost("boss", `{"userName":""}`), bulkPost("x", oktaUser(2))},
		want:    []want{unresolved("boss"), {"400", ""}, created},
		charged: 3,
	}, {
		name:    "failOnErrors stops after the chain's first failure",
		failOn:  1,
		ops:     chainOps[995:],
		want:    chainWants[999:],
		charged: 5,
	}, {
		name:    "failOnErrors counts cycles",
		failOn:  2,
		ops:     []string{bulkPost("c1", reportOf(1, "c2")), bulkPost("c2", reportOf(2, "c1")), bulkPost("c3", reportOf(3, "c1"))},
		want:    []want{circular, circular},
		charged: 3,
	}, {
		// Operations 0 and 1 wait; 2 and 3 run in the first round, 1 in
		// the second, and 0 in the third is over the limit.
		name:    "the rate limit runs out part-way through a chain",
		limit:   3,
		ops:     []string{bulkPost("r0", reportOf(0, "r1")), bulkPost("r1", reportOf(1, "r2")), bulkPost("r2", oktaUser(2)), bulkPost("r3", oktaUser(3))},
		want:    []want{{"429", "rate limit"}, created, created, created},
		charged: 3,
	}, {
		// Past what was paid, the rest answer 429, the unresolved
		// references included.
		name:    "references to an operation over the limit answer 429",
		limit:   1,
		ops:     []string{bulkPost("a", oktaUser(1)), bulkPost("b", oktaUser(2)), bulkPost("c", reportOf(3, "b")), bulkPost("d", reportOf(4, "zz"))},
		want:    []want{created, {"429", ""}, {"429", ""}, {"429", ""}},
		charged: 1,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			lim := &countingLimiter{limit: tt.limit}
			s.h.RateLimit = lim
			out := s.bulk(bulkBody(tt.failOn, tt.ops...), 200)
			var got []want
			for i, o := range out {
				w := want{status: o.Status}
				if i < len(tt.want) && tt.want[i].detail != "" {
					var e Error
					if err := json.Unmarshal(o.Response, &e); err != nil {
						t.Fatalf("operation %d's response %s: %v", i, o.Response, err)
					}
					if strings.Contains(e.Detail, tt.want[i].detail) {
						w.detail = tt.want[i].detail
					} else {
						w.detail = e.Detail
					}
				}
				got = append(got, w)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			if lim.granted != tt.charged {
				t.Errorf("%d operations charged to the rate limit, want %d", lim.granted, tt.charged)
			}
		})
	}
}

// batchStore is a memory store posing as a Batcher whose Batch runs fn
// and then calls after, if set; it cannot roll back.
type batchStore struct {
	*MemoryStore
	after func()
}

func (s batchStore) Batch(_ context.Context, fn func(Store) error) error {
	err := fn(s.MemoryStore)
	if s.after != nil {
		s.after()
	}
	return err
}

// TestBulkStopsWhenContextEnds sends 100 POSTs and cancels the request's
// context once the 9th is created: no operation runs after that. Without
// a batch the answer lists the nine committed; a batch ends with an error,
// so that the Batcher rolls back, and the answer says nothing was committed.
func TestBulkStopsWhenContextEnds(t *testing.T) {
	tests := []struct {
		name       string
		batch      bool
		wantStatus int
	}{
		{"memory store", false, 200},
		{"batch", true, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := NewMemoryStore()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			counting := &cancelAtStore{MemoryStore: mem, at: 9, cancel: cancel}
			var st Store = counting
			if tt.batch {
				st = countingBatch{counting}
			}
			h := &Handler{Store: st, Auth: StaticTokens{testToken: "acme"}, RateLimit: &countingLimiter{}}
			ops := make([]string, 100)
			for i := range ops {
				ops[i] = bulkPost(fmt.Sprint("u", i), oktaUser(i))
			}
			req := httptest.NewRequestWithContext(ctx, "POST", "/scim/v2/Bulk", strings.NewReader(bulkBody(0, ops...)))
			req.Header.Set("Authorization", "Bearer "+testToken)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %.300s", rec.Code, tt.wantStatus, rec.Body)
			}
			if counting.n != 9 {
				t.Errorf("%d creates, want 9: the loop went on after the context ended", counting.n)
			}
			page, err := mem.ListUsers(context.Background(), "acme", &Query{StartIndex: 1, Count: 1000})
			if err != nil || page.Total != 9 {
				t.Errorf("users stored: %d (%v), want 9", page.Total, err)
			}
			if !tt.batch {
				var out struct{ Operations []bulkOpOut }
				if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
					t.Fatal(err)
				}
				want := slices.Repeat([]string{"201"}, 9)
				var got []string
				for _, o := range out.Operations {
					got = append(got, o.Status)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("statuses (-want +got):\n%s", diff)
				}
			} else if !strings.Contains(rec.Body.String(), "none of them was committed") {
				t.Errorf("answer %.300s does not say nothing was committed", rec.Body)
			}
		})
	}
}

// cancelAtStore cancels the request's context once its at-th user is
// created, as a client that disconnects then.
type cancelAtStore struct {
	*MemoryStore
	n, at  int
	cancel context.CancelFunc
}

func (s *cancelAtStore) CreateUser(ctx context.Context, tenant string, u *User) error {
	err := s.MemoryStore.CreateUser(ctx, tenant, u)
	if s.n++; s.n == s.at {
		s.cancel()
	}
	return err
}

// countingBatch is a cancelAtStore posing as a Batcher that cannot roll
// back.
type countingBatch struct{ *cancelAtStore }

func (s countingBatch) Batch(_ context.Context, fn func(Store) error) error {
	return fn(s.cancelAtStore)
}

// cancelStore cancels the request's context right after a user is
// created, as a client that disconnects after the commit.
type cancelStore struct {
	*MemoryStore
	cancel context.CancelFunc
}

func (s cancelStore) CreateUser(ctx context.Context, tenant string, u *User) error {
	err := s.MemoryStore.CreateUser(ctx, tenant, u)
	s.cancel()
	return err
}

// TestEventsOutliveRequest checks the one rule for change events: a
// committed change is delivered with a live context even when the client
// has gone by then, from a single write and from a bulk batch alike.
func TestEventsOutliveRequest(t *testing.T) {
	tests := []struct {
		name       string
		store      func(cancel context.CancelFunc) Store
		path, body string
		wantEvents int
	}{{
		name:       "single POST",
		store:      func(cancel context.CancelFunc) Store { return cancelStore{NewMemoryStore(), cancel} },
		path:       "/scim/v2/Users",
		body:       oktaUser(1),
		wantEvents: 1,
	}, {
		name:       "bulk batch",
		store:      func(cancel context.CancelFunc) Store { return batchStore{NewMemoryStore(), cancel} },
		path:       "/scim/v2/Bulk",
		body:       bulkBody(0, bulkPost("a", oktaUser(1)), bulkPost("b", reportOf(2, "a")), bulkPost("c", oktaUser(3))),
		wantEvents: 3,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var ctxErrs []error
			h := &Handler{
				Store: tt.store(cancel), Auth: StaticTokens{testToken: "acme"},
				OnChange: func(ctx context.Context, e Event) { ctxErrs = append(ctxErrs, ctx.Err()) },
			}
			req := httptest.NewRequestWithContext(ctx, "POST", tt.path, strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+testToken)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 300 || strings.Contains(rec.Body.String(), `"status":"4`) {
				t.Fatalf("answer %d: %.300s", rec.Code, rec.Body)
			}
			if diff := cmp.Diff(make([]error, tt.wantEvents), ctxErrs, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("OnChange contexts' errors (-want +got):\n%s", diff)
			}
		})
	}
}
