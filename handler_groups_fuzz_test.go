package scim

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// FuzzHandlerGroups sends arbitrary bodies and queries to the /Groups
// endpoints of a handler with groups on (PATCH bodies above all): the
// answer is never a server error, and a refused write changes nothing.
func FuzzHandlerGroups(f *testing.F) {
	patch := func(ops string) string {
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + ops + `]}`
	}
	f.Add(uint8(0), "", patch(`{"op":"Add","path":"members","value":[{"value":"u2"}]}`))
	f.Add(uint8(0), "attributes=members", patch(`{"op":"Remove","path":"members","value":[{"value":"u1"}]}`))
	f.Add(uint8(0), "", patch(`{"op":"remove","path":"members[value eq \"u1\"]"}`))
	f.Add(uint8(0), "", patch(`{"op":"remove","path":"members[type eq \"User\" and not (display co \"x\")]"}`))
	f.Add(uint8(0), "", patch(`{"op":"replace","path":"members","value":[{"value":"u2","display":"two"},{"value":"g"}]}`))
	f.Add(uint8(0), "", patch(`{"op":"Replace","path":"displayName","value":"New"},{"op":"add","value":{"externalId":"e","members":[{"value":"u2"}]}}`))
	f.Add(uint8(0), "", patch(`{"op":"replace","value":{"id":"g","displayName":"Renamed"}}`))
	f.Add(uint8(0), "", patch(`{"op":"add","path":"members","value":[{"value":"nobody"}]}`))
	f.Add(uint8(1), "", `{"displayName":"New","members":[{"value":"u1"},{"value":"u1"}]}`)
	f.Add(uint8(2), "filter=id eq \"g\" and members eq \"u1\"&excludedAttributes=members", "")
	f.Add(uint8(2), "filter=displayName sw \"a\" or not (externalId pr)&sortBy=meta.lastModified&sortOrder=descending&count=1", "")
	f.Add(uint8(3), "", `{"displayName":"Put","members":[]}`)
	f.Add(uint8(5), "", `{"Operations":[{"method":"POST","path":"/Groups","bulkId":"g","data":{"displayName":"B","members":[{"value":"bulkId:u"}]}},{"method":"POST","path":"/Users","bulkId":"u","data":{"userName":"z"}}]}`)
	f.Add(uint8(6), "filter=groups.value eq \"g\" and userName sw \"a\"", "")
	f.Fuzz(func(t *testing.T, which uint8, query, body string) {
		store := NewMemoryStore()
		h := &Handler{Store: store, Groups: store, Auth: StaticTokens{"t": "acme"}}
		ctx := context.Background()
		for _, id := range []string{"u1", "u2"} {
			if err := store.CreateUser(ctx, "acme", &User{ID: id, UserName: id + "@example.com", Active: true, Meta: Meta{Version: `W/"1"`}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := store.CreateGroup(ctx, "acme", &Group{ID: "g", DisplayName: "G", Members: []Member{{Value: "u1"}}, Meta: Meta{Version: `W/"1"`}}); err != nil {
			t.Fatal(err)
		}
		state := func() []string {
			g, _ := store.GetGroup(ctx, "acme", "g")
			out := []string{g.DisplayName, g.ExternalID, g.Meta.Version}
			_ = store.Members(ctx, "acme", "g", func(m Member) error { out = append(out, m.Type+":"+m.Value+":"+m.Display); return nil })
			return out
		}
		before := state()
		routes := []struct{ method, path string }{
			{"PATCH", "/Groups/g"}, {"POST", "/Groups"}, {"GET", "/Groups"}, {"PUT", "/Groups/g"},
			{"GET", "/Groups/g"}, {"POST", "/Bulk"}, {"GET", "/Users"}, {"DELETE", "/Groups/g"},
		}
		r := routes[int(which)%len(routes)]
		req := httptest.NewRequest(r.method, "/scim/v2"+r.path, strings.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer t")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s with %q: %d %s", r.method, r.path, query, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && (r.method == "PATCH" || r.method == "PUT") && !slices.Equal(before, state()) {
			t.Fatalf("%s %s with %q answered %d but changed the group: %v → %v", r.method, r.path, body, rec.Code, before, state())
		}
	})
}
