package scim_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/scimkit/scim"
)

// A Handler over a memory store, provisioned as Okta does: create an
// employee, then deactivate them.
func Example() {
	h := &scim.Handler{
		Store: scim.NewMemoryStore(),
		Auth:  scim.StaticTokens{"secret-token": "acme"},
		NewID: func() string { return "2819c223" },
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	send := func(method, path, body string) string {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer secret-token")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		b, _ := io.ReadAll(rec.Body)
		return fmt.Sprint(rec.Code, " ", string(b))
	}

	fmt.Println(send("POST", "/scim/v2/Users?attributes=userName,active",
		`{"userName":"jane@example.com","name":{"givenName":"Jane","familyName":"Doe"},"active":true}`))
	fmt.Println(send("PATCH", "/scim/v2/Users/2819c223?attributes=active",
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`))
	// Output:
	// 201 {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","userName":"jane@example.com","active":true}
	// 200 {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","active":false}
}

// ParseFilter returns a tree a store can walk; String prints it back.
func ExampleParseFilter() {
	f, err := scim.ParseFilter(`emails[type eq "work"].value eq "jane@example.com" and active eq "True"`)
	if err != nil {
		panic(err)
	}
	fmt.Println(f)
	// Output: emails[type eq "work" and value eq "jane@example.com"] and active eq "True"
}

// A Model decodes what clients send, leniently, and encodes canonically.
func ExampleModel_DecodeUser() {
	m := scim.NewModel([]scim.CustomAttribute{{Name: "Employed Since", Type: scim.CustomDate, Aliases: []string{"Employed_Since"}}})
	u, err := m.DecodeUser([]byte(`{"UserName":"bob@example.com","Active":"False",
		"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"employed_since":"2019-04-01T00:00:00Z"}}`), scim.DecodeOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(u.UserName, u.Active, u.Custom["Employed Since"])
	fmt.Println(string(m.EncodeUser(nil, u, nil)))
	// Output:
	// bob@example.com false 2019-04-01
	// {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:peakon:2.0:User"],"userName":"bob@example.com","active":false,"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Employed Since":"2019-04-01"}}
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
		Store:  store,
		Auth:   companies,
		Models: companies,
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
	page, _ := store.ListUsers(ctx, acme.ID, &scim.Query{StartIndex: 1, Count: 1})
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
