package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

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

// Mount a Handler wherever the product serves SCIM: the mount point is
// learned from the ServeMux pattern (or http.StripPrefix), so it may hold
// any path, even one naming an endpoint. Set BaseURL behind a proxy, so that
// meta.location and $ref never depend on the request's Host header.
func ExampleHandler() {
	h := &scim.Handler{
		Store:   scim.NewMemoryStore(),
		Auth:    scim.StaticTokens{"secret-token": "acme"},
		BaseURL: "https://hr.example.com/tenants/acme/scim/v2",
		// Peakon's limit; a zero Handler does not rate-limit.
		RateLimit: scim.NewWindowLimiter(scim.DefaultRateLimit, time.Hour),
		NewID:     func() string { return "2819c223" },
	}
	mux := http.NewServeMux()
	mux.Handle("/tenants/{tenant}/scim/v2/", h)

	req := httptest.NewRequest("POST", "/tenants/acme/scim/v2/Users?attributes=userName",
		strings.NewReader(`{"userName":"jane@example.com"}`))
	req.Header.Set("Authorization", "Bearer secret-token")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output: 201 https://hr.example.com/tenants/acme/scim/v2/Users/2819c223
}

// A MemoryStore keeps users per tenant; a Query from the model filters,
// sorts and pages them as a list request would.
func ExampleMemoryStore() {
	ctx := context.Background()
	store := scim.NewMemoryStore()
	for i, name := range []string{"ann@acme.test", "bob@acme.test", "cid@acme.test"} {
		u := &scim.User{ID: fmt.Sprint("u", i), UserName: name, Active: i != 1, Meta: scim.Meta{Version: `W/"1"`}}
		if err := store.CreateUser(ctx, "acme", u); err != nil {
			panic(err)
		}
	}
	m := scim.NewModel(nil)
	q, err := m.NewQuery(`active eq true`, "userName", "descending", 1, 10)
	if err != nil {
		panic(err)
	}
	page, err := store.ListUsers(ctx, "acme", q)
	if err != nil {
		panic(err)
	}
	for _, u := range page.Users {
		fmt.Println(u.UserName)
	}
	fmt.Println("total:", page.Total)
	// Output:
	// cid@acme.test
	// ann@acme.test
	// total: 2
}

// Companies issues each company's bearer token, resolves tokens to
// companies for the Handler, and gives each company its custom attributes.
// OnChange hears every committed change: here, a survey scheduler learning
// that an employee was deactivated.
func ExampleCompanies() {
	ctx := context.Background()
	store := scim.NewMemoryStore()
	companies := scim.NewCompanies(store)
	acme, _ := companies.Create(ctx, "Acme", []scim.CustomAttribute{
		{Name: "Employed Since", Type: scim.CustomDate, Aliases: []string{"Employed_Since"}},
	})
	token, _, _ := companies.IssueToken(ctx, acme.ID, "Okta") // shown once; stored as a hash

	h := &scim.Handler{
		Store: store,
		Auth:  companies, // also the handler's ModelSource
		OnChange: func(_ context.Context, e scim.Event) {
			fmt.Println("event:", e.Type, e.After.UserName)
		},
	}
	send := func(method, path, body string) int {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	fmt.Println(send("POST", "/scim/v2/Users", `{"userName":"ann@acme.test",
		"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Employed_Since":"2021-06-01"}}`))
	model, _ := companies.Model(ctx, acme.ID)
	q, _ := model.NewQuery(`userName eq "ann@acme.test"`, "", "", 1, 1)
	page, _ := store.ListUsers(ctx, acme.ID, q)
	id := page.Users[0].ID
	fmt.Println(send("PATCH", "/scim/v2/Users/"+id, `{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`))
	active, _ := scim.WasActive(ctx, store, acme.ID, id, time.Now())
	fmt.Println("active now:", active, "since:", page.Users[0].Custom["Employed Since"])
	// Output:
	// event: created ann@acme.test
	// 201
	// event: deactivated ann@acme.test
	// 200
	// active now: false since: 2021-06-01
}
