package sqlstore

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/scimkit/scim"
)

// TestHandler wires the store into scim.Handler as examples/sql does and
// runs Okta's create flow through it.
func TestHandler(t *testing.T) {
	st := openSQLite(t)
	h := &scim.Handler{Store: st, Auth: scim.StaticTokens{"token": "company"}}
	do := func(method, path, body string) (int, map[string]any) {
		w := serveAs(h, "token", method, path, body)
		var out map[string]any
		json.Unmarshal(w.Body.Bytes(), &out)
		return w.Code, out
	}
	filter := "/Users?filter=" + url.QueryEscape(`userName eq "JDOE@example.com"`) + "&startIndex=1&count=100"
	if code, out := do("GET", filter, ""); code != 200 || out["totalResults"] != 0.0 {
		t.Fatalf("lookup before create: %d %v", code, out)
	}
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"jdoe@example.com","externalId":"00u1",
		"name":{"givenName":"J","familyName":"Doe"},"emails":[{"value":"jdoe@example.com","type":"work","primary":true}],"active":true}`
	code, created := do("POST", "/Users", body)
	if code != 201 {
		t.Fatalf("POST: %d %v", code, created)
	}
	if code, _ := do("POST", "/Users", body); code != 409 {
		t.Errorf("duplicate POST: %d, want 409", code)
	}
	code, out := do("GET", filter, "")
	if code != 200 || out["totalResults"] != 1.0 {
		t.Fatalf("lookup after create: %d %v", code, out)
	}
	id, _ := created["id"].(string)
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`
	if code, out := do("PATCH", "/Users/"+id, patch); code != 200 || out["active"] != false {
		t.Errorf("PATCH active=false: %d %v", code, out)
	}
	if h, err := st.Activations(t.Context(), "company", id); err != nil || len(h) != 2 {
		t.Errorf("activation history after deactivation: %v, %v", h, err)
	}
	if code, _ := do("DELETE", "/Users/"+id, ""); code != 204 {
		t.Errorf("DELETE: %d", code)
	}
	if code, _ := do("GET", "/Users/"+id, ""); code != 404 {
		t.Errorf("GET after DELETE: %d", code)
	}
}

// serveAs serves method path with body to h as the bearer of token, with
// the SCIM content type when there is a body, and returns the recording.
func serveAs(h http.Handler, token, method, path, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		r.Header.Set("Content-Type", "application/scim+json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
