package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// TestOnChangeContext: OnChange's context carries the request's values,
// is never done, even once the request's context is cancelled, and reads
// a value without allocating (context.WithoutCancel's boxed itself on
// every Value). A single write and a bulk request alike.
func TestOnChangeContext(t *testing.T) {
	type noteKey struct{}
	for _, tc := range []struct {
		name, method, path, body string
		want                     int
	}{
		{"single write", http.MethodPost, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ctx@example.com"}`, http.StatusCreated},
		{"bulk", http.MethodPost, "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"a","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bulk@example.com"}}]}`, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hookCtx context.Context
			h := &Handler{Store: NewMemoryStore(), Auth: StaticTokens{testToken: "acme"},
				OnChange: func(ctx context.Context, _ Event) { hookCtx = ctx }}
			parent, cancel := context.WithCancelCause(context.WithValue(context.Background(), noteKey{}, "note"))
			r := httptest.NewRequestWithContext(parent, tc.method, tc.path, strings.NewReader(tc.body))
			r.Header.Set("Authorization", "Bearer "+testToken)
			r.Header.Set("Content-Type", MediaType)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tc.want {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			cancel(errors.New("client gone"))
			if hookCtx == nil {
				t.Fatal("OnChange was not called")
			}
			checkHookContext(t, hookCtx, noteKey{}, "note")
		})
	}
}

// TestOnChangeContextKeptByHook: a hook may read its context from a
// goroutine of its own while the request's next event is delivered (a
// bulk request's events), which the race detector checks.
func TestOnChangeContextKeptByHook(t *testing.T) {
	type noteKey struct{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var seen []any
	h := &Handler{Store: NewMemoryStore(), Auth: StaticTokens{testToken: "acme"},
		OnChange: func(ctx context.Context, _ Event) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 100 {
					v := ctx.Value(noteKey{})
					mu.Lock()
					seen = append(seen, v)
					mu.Unlock()
				}
			}()
		}}
	var ops []string
	for i := range 4 {
		ops = append(ops, fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":"b%d","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"kept%d@example.com"}}`, i, i))
	}
	body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` + strings.Join(ops, ",") + `]}`
	r := httptest.NewRequestWithContext(context.WithValue(context.Background(), noteKey{}, "note"), http.MethodPost, "/Bulk", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+testToken)
	r.Header.Set("Content-Type", MediaType)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	wg.Wait()
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if len(seen) != 400 {
		t.Fatalf("the hooks' goroutines read %d values, want 400", len(seen))
	}
	for _, v := range seen {
		if v != "note" {
			t.Fatalf("a hook's goroutine read %v, want the request's value", v)
		}
	}
}
