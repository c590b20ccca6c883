package scim

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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

// TestBulkInitialSync creates 1,000 employees in one request.
func TestBulkInitialSync(t *testing.T) {
	s := newTestServer(t)
	ops := make([]string, 1000)
	for i := range ops {
		ops[i] = bulkPost(fmt.Sprint("u", i), oktaUser(i))
	}
	out := s.bulk(bulkBody(0, ops...), 200)
	if len(out) != 1000 {
		t.Fatalf("%d results", len(out))
	}
	for i, o := range out {
		if o.Status != "201" || o.BulkID != fmt.Sprint("u", i) || !strings.HasPrefix(o.Location, s.URL+"/scim/v2/Users/") || o.Version != `W/"1"` {
			t.Fatalf("result %d: %+v", i, o)
		}
	}
	got := s.expect(s.do("GET", "/scim/v2/Users?count=0", ""), 200)
	if got["totalResults"] != float64(1000) {
		t.Errorf("totalResults %v", got["totalResults"])
	}
}

// TestBulkTwoStep: reports listed before their manager refer to it by
// bulkId, in the enterprise manager and by path.
func TestBulkTwoStep(t *testing.T) {
	s := newTestServer(t)
	report := func(i int) string {
		return strings.Replace(oktaUser(i), `"active":true`, `"active":true,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:boss"}}`, 1)
	}
	body := bulkBody(0,
		bulkPost("r1", report(1)),
		bulkPost("r2", report(2)),
		`{"method":"PATCH","path":"/Users/bulkId:boss","data":{"Operations":[{"op":"replace","path":"title","value":"CEO"}]}}`,
		bulkPost("boss", oktaUser(3)),
	)
	out := s.bulk(body, 200)
	var statuses []string
	for _, o := range out {
		statuses = append(statuses, o.Method+" "+o.Status)
	}
	if diff := cmp.Diff([]string{"POST 201", "POST 201", "PATCH 200", "POST 201"}, statuses); diff != "" {
		t.Fatalf("statuses (-want +got):\n%s\n%+v", diff, out)
	}
	bossID := strings.TrimPrefix(out[3].Location, s.URL+"/scim/v2/Users/")
	for _, o := range out[:2] {
		id := strings.TrimPrefix(o.Location, s.URL+"/scim/v2/Users/")
		u, err := s.store.GetUser(t.Context(), "acme", id)
		if err != nil {
			t.Fatal(err)
		}
		if u.Enterprise.Manager.Value != bossID || u.Enterprise.Manager.DisplayName != "Given003 Family003" {
			t.Errorf("manager of %s: %+v, want %s", id, u.Enterprise.Manager, bossID)
		}
	}
	boss, _ := s.store.GetUser(t.Context(), "acme", bossID)
	if boss.Title != "CEO" {
		t.Errorf("boss title %q", boss.Title)
	}
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
	if err := json.Unmarshal(out[1].Response, &e); err != nil || e.ScimType != ScimTypeUniqueness {
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
	s.expect(s.do("GET", "/scim/v2/Bulk", ""), 405)

	spc := s.expect(s.do("GET", "/scim/v2/ServiceProviderConfig", ""), 200)
	if diff := cmp.Diff(map[string]any{"supported": true, "maxOperations": float64(10), "maxPayloadSize": float64(64 << 10)}, spc["bulk"]); diff != "" {
		t.Errorf("bulk config (-want +got):\n%s", diff)
	}
}
