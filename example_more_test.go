package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/scimkit/scim"
)

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

// ApplyPatch applies a PATCH request as clients send it to a copy of the
// user; the original is left alone, and a request that fails changes
// nothing.
func ExampleModel_ApplyPatch() {
	m := scim.NewModel(nil)
	u := &scim.User{UserName: "jane@example.com", Active: true}
	req, err := scim.ParsePatch([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"active","value":"False"},
		{"op":"replace","path":"emails[type eq \"work\"].value","value":"jane@example.com"}]}`))
	if err != nil {
		panic(err)
	}
	after, err := m.ApplyPatch(u, req, scim.DecodeOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(u.Active, after.Active, after.Emails[0].Type, after.Emails[0].Value)
	// Output: true false work jane@example.com
}

// CompileFilter resolves a parsed filter against a model (a company's
// custom attributes included) into a matcher that allocates nothing.
func ExampleModel_CompileFilter() {
	m := scim.NewModel([]scim.CustomAttribute{{Name: "Department", Type: scim.CustomOption}})
	f, err := scim.ParseFilter(`urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Department eq "sales" and active eq true`)
	if err != nil {
		panic(err)
	}
	match, err := m.CompileFilter(f)
	if err != nil {
		panic(err)
	}
	u := &scim.User{UserName: "ann@acme.test", Active: true, Custom: map[string]string{"Department": "Sales"}}
	fmt.Println(match(u))
	// Output: true
}

// Validate completes the pipeline of a program that decodes (or patches)
// users itself: the field rules it enforces are the model's, as /Schemas
// states them.
func ExampleModel_Validate() {
	m := scim.NewModel(nil)
	u, err := m.DecodeUser([]byte(`{"userName":"jane@example.com","emails":[{"value":"Jane Doe"}]}`), scim.DecodeOptions{})
	if err != nil {
		panic(err)
	}
	err = m.Validate(nil, u) // nil: a new user
	fmt.Println(err.(*scim.Error).SCIMType)
	fmt.Println(m.Core().Attribute("emails").Sub("value").Format)
	// Output:
	// invalidValue
	// email
}
