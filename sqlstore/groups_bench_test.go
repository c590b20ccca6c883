package sqlstore

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimkit/scim"
)

// groupBenchHandler loads n users and a group "g" holding them all, plus a
// user "extra" in no group, and returns a handler with groups on.
func groupBenchHandler(b *testing.B, st *Store, n int) *scim.Handler {
	ctx := context.Background()
	users := make([]*scim.User, 0, n+1)
	g := &scim.Group{ID: "g", DisplayName: "All", Meta: scim.Meta{ResourceType: "Group", Version: `W/"1"`}}
	for i := range n {
		id := fmt.Sprintf("u%06d", i)
		users = append(users, &scim.User{ID: id, UserName: id + "@example.com", Active: true, Meta: scim.Meta{Version: `W/"1"`}})
		g.Members = append(g.Members, scim.Member{Value: id})
	}
	users = append(users, &scim.User{ID: "extra", UserName: "extra@example.com", Meta: scim.Meta{Version: `W/"1"`}})
	if err := st.CreateUsers(ctx, "acme", users); err != nil {
		b.Fatal(err)
	}
	if err := st.CreateGroup(ctx, "acme", g); err != nil {
		b.Fatal(err)
	}
	if err := st.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	return &scim.Handler{Store: st, Groups: st, Auth: scim.StaticTokens{"tok": "acme"}, BaseURL: "https://scim.example.com/scim/v2"}
}

func benchServe(b *testing.B, h *scim.Handler, method, target, body string, want int) {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer tok")
	if body != "" {
		r.Header.Set("Content-Type", "application/scim+json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != want {
		b.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body)
	}
}

// BenchmarkGroupMemberPatch: as the root package's, over SQLite and
// PostgreSQL: one member added and removed (two PATCHes) at 10 and
// 100,000 members, then a GET of the group without its members.
func BenchmarkGroupMemberPatchSQLite(b *testing.B) {
	benchGroups(b, func(b *testing.B) *Store { return openSQLite(b) })
}

func BenchmarkGroupMemberPatchPostgres(b *testing.B) {
	benchGroups(b, func(b *testing.B) *Store { return openPostgres(b) })
}

func benchGroups(b *testing.B, open func(b *testing.B) *Store) {
	add := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"extra"}]}]}`
	remove := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"extra"}]}]}`
	for _, n := range []int{10, 100_000} {
		h := groupBenchHandler(b, open(b), n)
		b.Run(fmt.Sprintf("members=%d/add+remove", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				benchServe(b, h, "PATCH", "/scim/v2/Groups/g", add, 204)
				benchServe(b, h, "PATCH", "/scim/v2/Groups/g", remove, 204)
			}
		})
		b.Run(fmt.Sprintf("members=%d/get-excluded-members", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				benchServe(b, h, "GET", "/scim/v2/Groups/g?excludedAttributes=members", "", 200)
			}
		})
	}
}
