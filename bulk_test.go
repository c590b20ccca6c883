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
