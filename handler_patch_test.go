package scim

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// patchModels gives every tenant patchModel (with Peakon custom attributes).
type patchModels struct{}

func (patchModels) Model(context.Context, string) (*Model, error) { return patchModel, nil }

func newPatchServer(t testing.TB) (*testServer, string) {
	t.Helper()
	s := newTestServer(t)
	s.h.Models = patchModels{}
	id := s.expect(s.do("POST", "/scim/v2/Users", oktaUser(1)), 201)["id"].(string)
	return s, id
}

// TestHandlerPatchConcurrentAdds: 100 clients each add a distinct email to
// the same user at once; the compare-and-swap loop re-applies the parsed
// request to the fresh user on every lost round, so no email is lost.
func TestHandlerPatchConcurrentAdds(t *testing.T) {
	s, id := newPatchServer(t)
	const writers = 100
	s.h.MaxValues = 2 * writers // about concurrency, not the limit
	s.patchConcurrently(id, writers, func(i int) string {
		if i%2 == 0 { // RFC form
			return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"emails","value":[{"value":"writer%03d@example.org","type":"other"}]}]}`, i)
		}
		// Entra's form: capitalised op, a single object for the array
		return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"emails","value":{"value":"writer%03d@example.org","type":"other"}}]}`, i)
	})
	u, err := s.store.GetUser(t.Context(), "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	want := []MultiValue{{Value: "user001@example.com", Type: "work", Primary: true}}
	for i := range writers {
		want = append(want, MultiValue{Value: fmt.Sprintf("writer%03d@example.org", i), Type: "other"})
	}
	got := slices.Clone(u.Emails)
	slices.SortFunc(got[1:], func(a, b MultiValue) int { return strings.Compare(a.Value, b.Value) })
	if len(got) != writers+1 || !slices.Equal(got, want) {
		t.Errorf("%d emails after %d concurrent adds; want %d:\n%v", len(u.Emails), writers, writers+1, u.Emails)
	}
}

// TestHandlerPatchAtomic: a request whose last operation fails, in
// ApplyPatch or in the validation after it, leaves the stored user
// byte-identical, version included.
func TestHandlerPatchAtomic(t *testing.T) {
	s, id := newPatchServer(t)
	// Give the user some of everything first.
	s.expect(s.do("PATCH", "/scim/v2/Users/"+id, `{"Operations":[
		{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"42"},
		{"op":"add","path":"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Employed Since","value":"2020-02-02"},
		{"op":"add","path":"phoneNumbers[type eq \"work\"].value","value":"+1 555 0100"}]}`), 200)
	first := []string{
		`{"op":"replace","path":"displayName","value":"Changed"}`,
		`{"op":"remove","path":"emails[type eq \"work\"]"}`,
		`{"op":"replace","path":"active","value":false}`,
		`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Department","value":"Changed"}`,
		`{"op":"add","path":"emails","value":[{"value":"new@example.org","primary":true}]}`,
	}
	for _, tc := range []struct {
		name, last, scimType string
	}{
		{"read-only id", `{"op":"replace","path":"id","value":"other"}`, SCIMTypeMutability},
		{"unknown path", `{"op":"replace","path":"shoeSize","value":"9"}`, SCIMTypeInvalidPath},
		{"filter matching nothing", `{"op":"remove","path":"emails[type eq \"home\"]"}`, SCIMTypeNoTarget},
		{"bad boolean", `{"op":"replace","path":"active","value":"maybe"}`, SCIMTypeInvalidValue},
		{"unknown custom attribute", `{"op":"add","path":"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Shoe Size","value":"9"}`, SCIMTypeInvalidValue},
		{"fails validation", `{"op":"add","path":"emails","value":[{"value":"not an email"}]}`, SCIMTypeInvalidValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.do("GET", "/scim/v2/Users/"+id, "")
			s.expect(before, 200)
			body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Join(append(slices.Clone(first), tc.last), ",") + `]}`
			res := s.do("PATCH", "/scim/v2/Users/"+id, body)
			e := s.expect(res, 400)
			if e["scimType"] != tc.scimType {
				t.Errorf("scimType %v, want %s: %s", e["scimType"], tc.scimType, res.body)
			}
			after := s.do("GET", "/scim/v2/Users/"+id, "")
			s.expect(after, 200)
			if !bytes.Equal(before.body, after.body) {
				t.Errorf("stored user changed:\nbefore %s\nafter  %s", before.body, after.body)
			}
			if before.header.Get("ETag") != after.header.Get("ETag") {
				t.Errorf("ETag changed from %s to %s", before.header.Get("ETag"), after.header.Get("ETag"))
			}
		})
	}
	// Without the failing operation the same request goes through.
	body := `{"Operations":[` + strings.Join(first, ",") + `]}`
	u := s.expect(s.do("PATCH", "/scim/v2/Users/"+id, body), 200)
	if u["displayName"] != "Changed" || u["active"] != false {
		t.Errorf("PATCH without the failing operation: %v", u)
	}
}

// TestHandlerPatchEntraVerbose sends Entra's 35-operation update through
// the handler.
func TestHandlerPatchEntraVerbose(t *testing.T) {
	s, id := newPatchServer(t)
	u := s.expect(s.do("PATCH", "/scim/v2/Users/"+id, entraVerbosePatch), 200)
	ent, _ := u[SchemaEnterpriseUser].(map[string]any)
	peakon, _ := u[SchemaPeakonUser].(map[string]any)
	if u["userName"] != "ryan.leenay@contoso.com" || u["title"] != "Senior Engineer" || len(u["phoneNumbers"].([]any)) != 3 ||
		ent["employeeNumber"] != "701985" || peakon["Employed Since"] != "2021-06-01" {
		t.Errorf("unexpected result: %v", u)
	}
}

// BenchmarkHandlerPatch compares a PATCH through the handler (parse,
// compare-and-swap, validation, rendering) with a GET by id of the same user.
func BenchmarkHandlerPatch(b *testing.B) {
	h, ids := benchServer(b, 1000)
	id := ids[500]
	b.Run("get", func(b *testing.B) {
		serveBench(b, h, "GET", "/scim/v2/Users/"+id, "", 200)
	})
	b.Run("patch-replace", func(b *testing.B) {
		// Alternate two values, so that every request writes a new version.
		bodies := [2]string{
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"A"}]}`,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"B"}]}`,
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			mustServe(b, h, "PATCH", "/scim/v2/Users/"+id, bodies[i%2], 200)
			i++
		}
	})
	b.Run("patch-unchanged", func(b *testing.B) {
		serveBench(b, h, "PATCH", "/scim/v2/Users/"+id, `{"Operations":[{"op":"replace","value":{"active":true}}]}`, 200)
	})
}
