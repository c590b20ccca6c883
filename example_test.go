package scim_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

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
