package scim

import (
	"fmt"
	"strings"
	"testing"
)

// chainedBulk is issue 12's bulk of n POSTs in which operation i names
// operation i+1 as its manager by bulkId and the last one is invalid, so
// every operation waits for the next and then fails with it.
func chainedBulk(n int) string {
	ops := make([]string, n)
	for i := range ops {
		user := fmt.Sprintf(`{"userName":"chain%d@example.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:b%d"}}}`, i, i+1)
		if i == n-1 {
			user = `{"userName":""}`
		}
		ops[i] = bulkPost(fmt.Sprint("b", i), user)
	}
	return bulkBody(0, ops...)
}

// BenchmarkBulkChained1000 serves the chained bulk of 1,000 POSTs on the
// memory store: references resolve once, so it costs about as much as
// 1,000 failing operations, not 1,000 rounds of them.
func BenchmarkBulkChained1000(b *testing.B) {
	h := &Handler{Store: NewMemoryStore(), Auth: StaticTokens{testToken: "acme"}, RateLimit: NewWindowLimiter(0, 0)}
	body := chainedBulk(1000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rec := mustServe(b, h, "POST", "/scim/v2/Bulk", body, 200)
		if strings.Contains(rec.Body.String(), `"status":"201"`) {
			b.Fatalf("%.300s", rec.Body)
		}
	}
}
