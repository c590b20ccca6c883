package scim_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/scimkit/scim"
)

// OnRequest feeds metrics: here a count of requests by route and status,
// which a product would keep in Prometheus or OpenTelemetry counters along
// with info.Duration in a histogram.
func ExampleHandler_onRequest() {
	var mu sync.Mutex
	counts := map[string]int{}
	h := &scim.Handler{
		Store: scim.NewMemoryStore(),
		Auth:  scim.StaticTokens{"secret-token": "acme"},
		OnRequest: func(_ context.Context, info scim.RequestInfo) {
			key := fmt.Sprintf("%s %s %d", info.Method, info.Route, info.Status)
			if info.Error != nil && info.Error.SCIMType != "" {
				key += " " + info.Error.SCIMType
			}
			mu.Lock()
			counts[key]++
			mu.Unlock()
		},
	}
	for _, path := range []string{"/scim/v2/Users", "/scim/v2/Users", "/scim/v2/Users?filter=userName+eq", "/scim/v2/Users/2819c223"} {
		req := httptest.NewRequest("GET", path, strings.NewReader(""))
		req.Header.Set("Authorization", "Bearer secret-token")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	fmt.Println(counts["GET /Users 200"], counts["GET /Users 400 invalidFilter"], counts["GET /Users/{id} 404"])
	// Output: 2 1 1
}
