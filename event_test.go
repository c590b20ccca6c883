package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEventUsersAreTheHooks pins who owns an event's users: OnChange may
// change Before and After (here it scribbles on both) without changing
// what the store holds or what the client was answered. A single write's
// events are delivered once its answer is written, before OnRequest; a
// bulk request's once its batch committed, before its answer.
func TestEventUsersAreTheHooks(t *testing.T) {
	store := NewMemoryStore()
	var rec *httptest.ResponseRecorder
	var heard []string // "change <type> answered=<bool>", "request <method>"
	h := &Handler{
		Store: store, Auth: StaticTokens{testToken: "acme"},
		OnChange: func(_ context.Context, e Event) {
			heard = append(heard, "change "+string(e.Type)+" answered="+boolWord(rec.Body.Len() > 0 || rec.Code == http.StatusNoContent))
			for _, u := range []*User{e.Before, e.After} {
				if u != nil {
					u.UserName = "scribbled@example.com"
					u.Emails[0].Value = "scribbled@example.com"
					u.Name.GivenName = "Scribbled"
				}
			}
		},
		OnRequest: func(_ context.Context, info RequestInfo) { heard = append(heard, "request "+info.Method) },
	}
	serve := func(method, path, body string, want int) map[string]any {
		t.Helper()
		rec = httptest.NewRecorder()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", MediaType)
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		var got map[string]any
		if rec.Code != http.StatusNoContent {
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
		}
		return got
	}
	unscribbled := func(what string, u map[string]any) {
		t.Helper()
		if u["userName"] != "user001@example.com" || u["name"].(map[string]any)["givenName"] == "Scribbled" {
			t.Errorf("%s shows the hook's changes: %v", what, u)
		}
	}

	created := serve("POST", "/scim/v2/Users", oktaUser(1), http.StatusCreated)
	unscribbled("the POST's answer", created)
	id := created["id"].(string)
	path := "/scim/v2/Users/" + id
	unscribbled("the user after POST", serve("GET", path, "", http.StatusOK))

	patched := serve("PATCH", path, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Engineer"}]}`, http.StatusOK)
	unscribbled("the PATCH's answer", patched)
	if patched["title"] != "Engineer" {
		t.Errorf("PATCH answered title %v", patched["title"])
	}
	unscribbled("the user after PATCH", serve("GET", path, "", http.StatusOK))

	put := strings.Replace(oktaUser(1), `"active":true`, `"active":false`, 1)
	unscribbled("the PUT's answer", serve("PUT", path, put, http.StatusOK))
	unscribbled("the user after PUT", serve("GET", path, "", http.StatusOK))

	bulk := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"PATCH","path":"/Users/` + id + `","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}}]}`
	serve("POST", "/scim/v2/Bulk", bulk, http.StatusOK)
	unscribbled("the user after a bulk PATCH", serve("GET", path, "", http.StatusOK))
	serve("DELETE", path, "", http.StatusNoContent)

	want := []string{
		"change created answered=yes", "request POST", "request GET",
		"change updated answered=yes", "request PATCH", "request GET",
		"change deactivated answered=yes", "request PUT", "request GET",
		"change reactivated answered=no", "request POST", "request GET",
		"change deleted answered=yes", "request DELETE",
	}
	if diff := cmp.Diff(want, heard); diff != "" {
		t.Errorf("what the hooks heard, in order (-want +got):\n%s", diff)
	}
}

func boolWord(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
