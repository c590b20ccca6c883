package scim

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkListReferences reads a page of 1,000 users whose references all
// need a lookup when rendered: an Employee attribute (stored as an id,
// shown as an email) and a manager still pending (half name one of 20
// managers in a case the resolution after their creation does not try,
// half name nobody). It reports the store calls of one request.
func BenchmarkListReferences(b *testing.B) {
	ctx := context.Background()
	store := NewMemoryStore()
	cs := &countingStore{Store: store}
	companies := NewCompanies(store)
	c, err := companies.Create(ctx, "Acme", []CustomAttribute{{Name: "Mentor", Type: CustomEmployee}})
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := companies.IssueToken(ctx, c.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	h := &Handler{Store: cs, Auth: companies, Models: companies, RateLimit: NewWindowLimiter(0, 0)}
	post := func(body string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/scim/v2/Users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		h.ServeHTTP(rec, req)
		if rec.Code != 201 {
			b.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
	}
	post(userJSON("mentor@acme.test", ""))
	const n, managers = 998, 20
	for i := range n {
		mgr := fmt.Sprintf("Boss%d@Acme.Test", i%managers)
		if i%2 == 1 {
			mgr = fmt.Sprintf("ghost%d@acme.test", i%managers)
		}
		post(userJSON(fmt.Sprintf("user%04d@acme.test", i),
			`"`+SchemaEnterpriseUser+`":{"manager":{"value":"`+mgr+`"}},"`+SchemaPeakonUser+`":{"Mentor":"mentor@acme.test"}`))
	}
	for i := range managers / 2 {
		post(userJSON(fmt.Sprintf("boss%d@acme.test", 2*i), ""))
	}
	cs.take()
	b.ReportAllocs()
	calls := 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/scim/v2/Users?count=1000", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("list: %d %s", rec.Code, rec.Body)
		}
		for _, k := range cs.take() {
			calls += k
		}
	}
	b.ReportMetric(float64(calls)/float64(b.N), "store-calls/op")
}
