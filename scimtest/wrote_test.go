package scimtest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAssertWrote: AssertWrote and AssertWroteCount see a write whether it
// came as a request of its own or inside a bulk request, so a test does not
// depend on the transport the client chose (AssertRequested misses a PATCH
// sent through /Bulk).
func TestAssertWrote(t *testing.T) {
	s := NewServer(t)
	c := s.Client()
	id, _ := send(t, c, "POST", s.URL()+"/Users", userJSON("a@example.com")).json(t)["id"].(string)
	bulk := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` +
		`{"method":"POST","path":"/Users","bulkId":"b","data":` + userJSON("b@example.com") + `},` +
		`{"method":"PATCH","path":"/Users/` + id + `","data":` + deactivate + `}]}`
	if r := send(t, c, "POST", s.URL()+"/Bulk", bulk); r.status != 200 {
		t.Fatalf("bulk: %d %s", r.status, r.body)
	}
	send(t, c, "GET", s.URL()+"/Users", "")

	type outcome struct {
		Count  int
		Failed bool
	}
	tests := []struct {
		method, pattern string
		want            outcome
	}{
		{"POST", "/Users", outcome{2, false}}, // one direct, one in the bulk request
		{"PATCH", "/Users/{id}", outcome{1, false}},
		{"patch", "/users/{id}", outcome{1, false}},
		{"*", "/Users/{id}", outcome{1, false}},
		{"POST", "/Bulk", outcome{1, false}},
		{"GET", "/Users", outcome{1, false}},
		{"DELETE", "/Users/{id}", outcome{0, true}},
		{"PUT", "/Users/*", outcome{0, true}},
	}
	for _, tt := range tests {
		ft := &fakeTB{TB: t}
		got := outcome{Count: s.AssertWrote(ft, tt.method, tt.pattern), Failed: len(ft.errors) > 0}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("AssertWrote(%s, %s) (-want +got):\n%s", tt.method, tt.pattern, diff)
		}
		for _, e := range ft.errors {
			if !strings.Contains(e, "request or bulk operation was received") || !strings.Contains(e, "bulk operation PATCH /Users/"+id) {
				t.Errorf("AssertWrote(%s, %s) failure does not list the requests and operations:\n%s", tt.method, tt.pattern, e)
			}
		}
		for _, n := range []int{tt.want.Count, tt.want.Count + 1} {
			ft := &fakeTB{TB: t}
			s.AssertWroteCount(ft, tt.method, tt.pattern, n)
			if failed := len(ft.errors) > 0; failed != (n != tt.want.Count) {
				t.Errorf("AssertWroteCount(%s, %s, %d) failed: %v, want %v", tt.method, tt.pattern, n, ft.errors, n != tt.want.Count)
			}
		}
	}
	// The trap AssertWrote avoids: the PATCH went through /Bulk.
	ft := &fakeTB{TB: t}
	s.AssertRequested(ft, "PATCH", "/Users/{id}")
	if len(ft.errors) == 0 {
		t.Error("AssertRequested saw a PATCH that was sent in a bulk request only")
	}
}
