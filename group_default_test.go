package scim

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// usersOnlyRequests are the requests whose answers the Users-only default
// (no Handler.Groups) must keep byte for byte.
var usersOnlyRequests = []struct {
	name, method, path, body string
}{
	{"schemas", "GET", "/Schemas", ""},
	{"schema-group", "GET", "/Schemas/" + SchemaGroup, ""},
	{"resourcetypes", "GET", "/ResourceTypes", ""},
	{"resourcetype-group", "GET", "/ResourceTypes/Group", ""},
	{"spc", "GET", "/ServiceProviderConfig", ""},
	{"groups-list", "GET", "/Groups", ""},
	{"groups-post", "POST", "/Groups", `{"displayName":"Admins","members":[]}`},
	{"groups-get", "GET", "/Groups/abc?excludedAttributes=members", ""},
	{"groups-patch", "PATCH", "/Groups/abc", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"u1"}]}]}`},
	{"bulk-groups", "POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Groups","bulkId":"g","data":{"displayName":"Admins"}}]}`},
}

// TestUsersOnlyDefaultUnchanged pins the answers of a handler without a
// group store to golden files recorded before groups existed: /Groups is
// 501 and discovery does not mention groups. Run with
// SCIMKIT_UPDATE_GOLDEN=1 to record them again.
func TestUsersOnlyDefaultUnchanged(t *testing.T) {
	h := &Handler{Store: NewMemoryStore(), Auth: StaticTokens{"tok": "acme"}, BaseURL: "https://scim.example.com/scim/v2"}
	for _, rq := range usersOnlyRequests {
		t.Run(rq.name, func(t *testing.T) {
			w := serve(h, rq.method, "/scim/v2"+rq.path, rq.body)
			got := w.Code
			text := http.StatusText(got) + "\n" + w.Header().Get("Content-Type") + "\n" + w.Body.String()
			file := filepath.Join("testdata", "usersonly", rq.name+".golden")
			if os.Getenv("SCIMKIT_UPDATE_GOLDEN") != "" {
				writeTestdata(t, file, text)
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), text); diff != "" {
				t.Errorf("%s %s changed without a group store (-golden +got):\n%s", rq.method, rq.path, diff)
			}
		})
	}
}

// writeTestdata records text in file, creating its directory, for the
// tests that rewrite their expected files on request.
func writeTestdata(t *testing.T, file, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
