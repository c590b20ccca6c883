package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// countingGroups counts Members calls and can fail after n members.
type countingGroups struct {
	*MemoryStore
	calls  int
	failAt int // 0: never
}

func (c *countingGroups) Members(ctx context.Context, tenant, id string, yield func(Member) error) error {
	c.calls++
	n := 0
	return c.MemoryStore.Members(ctx, tenant, id, func(m Member) error {
		n++
		if c.failAt > 0 && n == c.failAt {
			return errors.New("disk on fire")
		}
		return yield(m)
	})
}

// groupsHandler is a handler with groups on over a memory store holding
// users u0000..u(n-1) and group g holding them all.
func groupsHandler(t testing.TB, n int) (*Handler, *countingGroups) {
	t.Helper()
	st := NewMemoryStore()
	ctx := context.Background()
	g := &Group{ID: "g", DisplayName: "All", Meta: Meta{ResourceType: "Group", Version: `W/"1"`}}
	for i := range n {
		id := fmt.Sprintf("u%06d", i)
		if err := st.CreateUser(ctx, "acme", &User{ID: id, UserName: id + "@example.com", Active: true, Meta: Meta{Version: `W/"1"`}}); err != nil {
			t.Fatal(err)
		}
		g.Members = append(g.Members, Member{Value: id})
	}
	if err := st.CreateGroup(ctx, "acme", g); err != nil {
		t.Fatal(err)
	}
	cg := &countingGroups{MemoryStore: st}
	return &Handler{Store: st, Groups: cg, Auth: StaticTokens{"tok": "acme"}, BaseURL: "https://scim.example.com/scim/v2"}, cg
}

func TestGroupsDiscovery(t *testing.T) {
	h, _ := groupsHandler(t, 0)
	w := serve(h, "GET", "/scim/v2/ResourceTypes", "")
	var raw struct {
		Resources []struct{ ID, Endpoint, Schema string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	want := []struct{ ID, Endpoint, Schema string }{{"User", "/Users", SchemaUser}, {"Group", "/Groups", SchemaGroup}}
	if diff := cmp.Diff(want, raw.Resources); diff != "" {
		t.Errorf("/ResourceTypes (-want +got):\n%s", diff)
	}
	if w := serve(h, "GET", "/scim/v2/ResourceTypes/Group", ""); w.Code != 200 || !strings.Contains(w.Body.String(), `"endpoint":"/Groups"`) {
		t.Errorf("/ResourceTypes/Group: %d %s", w.Code, w.Body)
	}
	w = serve(h, "GET", "/scim/v2/Schemas/"+SchemaGroup, "")
	var s struct {
		ID         string
		Attributes []struct {
			Name          string
			Required      bool
			SubAttributes []struct{ Name string }
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil || w.Code != 200 {
		t.Fatalf("/Schemas/Group: %d %s", w.Code, w.Body)
	}
	var names []string
	for _, a := range s.Attributes {
		names = append(names, a.Name)
		if a.Name == "displayName" && !a.Required {
			t.Error("displayName is not required")
		}
	}
	if diff := cmp.Diff([]string{"id", "externalId", "displayName", "members", "meta"}, names); diff != "" {
		t.Errorf("Group schema attributes (-want +got):\n%s", diff)
	}
	if w := serve(h, "GET", "/scim/v2/Schemas", ""); !strings.Contains(w.Body.String(), `"id":"`+SchemaGroup+`"`) {
		t.Errorf("/Schemas lacks the Group schema")
	}
}

// boundedWriter records the largest single Write.
type boundedWriter struct {
	*httptest.ResponseRecorder
	largest int
	writes  int
}

func (b *boundedWriter) Write(p []byte) (int, error) {
	b.writes++
	b.largest = max(b.largest, len(p))
	return b.ResponseRecorder.Write(p)
}

// TestGroupStreamsMembers pins the memory bound of a GET of a big group:
// the members are written in chunks of at most streamChunk (plus one
// member), all of them, and the result is one valid group.
func TestGroupStreamsMembers(t *testing.T) {
	const n = 5000
	h, _ := groupsHandler(t, n)
	r := httptest.NewRequest("GET", "/scim/v2/Groups/g", nil)
	r.Header.Set("Authorization", "Bearer tok")
	w := &boundedWriter{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(w, r)
	if w.Code != 200 || w.Header().Get("Content-Length") != "" || w.Header().Get("ETag") != `W/"1"` {
		t.Fatalf("status %d, Content-Length %q, ETag %q", w.Code, w.Header().Get("Content-Length"), w.Header().Get("ETag"))
	}
	if w.largest > streamChunk+512 || w.writes < 2 {
		t.Errorf("largest write %d bytes in %d writes; want chunks of about %d", w.largest, w.writes, streamChunk)
	}
	var g struct {
		DisplayName string
		Members     []struct{ Value, Type, Ref string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Members) != n || g.Members[n-1].Value != fmt.Sprintf("u%06d", n-1) || g.Members[0].Type != "User" {
		t.Errorf("got %d members, last %+v", len(g.Members), g.Members[len(g.Members)-1])
	}
}

// TestGroupStreamAborts checks that a store failure after the first chunk
// aborts the response instead of ending it as if complete, and that one
// before it is an ordinary 500.
func TestGroupStreamAborts(t *testing.T) {
	h, cg := groupsHandler(t, 3000)
	cg.failAt = 2500
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler", v)
			}
		}()
		serve(h, "GET", "/scim/v2/Groups/g", "")
		t.Error("a failed stream was not aborted")
	}()
	cg.failAt = 2
	if w := serve(h, "GET", "/scim/v2/Groups/g", ""); w.Code != 500 || w.Header().Get("ETag") != "" {
		t.Errorf("failure before the first chunk: %d %v %s", w.Code, w.Header(), w.Body)
	}
}

// TestGroupExcludedMembersNotLoaded checks that excludedAttributes=members
// and a member PATCH never read the member list.
func TestGroupExcludedMembersNotLoaded(t *testing.T) {
	h, cg := groupsHandler(t, 100)
	for _, c := range []struct{ method, target, body string }{
		{"GET", "/scim/v2/Groups/g?excludedAttributes=members", ""},
		{"GET", "/scim/v2/Groups?excludedAttributes=members&filter=" + strings.ReplaceAll(`displayName eq "All"`, " ", "%20"), ""},
		{"GET", "/scim/v2/Groups?excludedAttributes=members&filter=" + strings.ReplaceAll(`id eq "g" and members eq "u000001"`, " ", "%20"), ""},
		{"PATCH", "/scim/v2/Groups/g", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"u000001"}]}]}`},
		{"PATCH", "/scim/v2/Groups/g", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"u000002\"]"}]}`},
		{"PATCH", "/scim/v2/Groups/g", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"u000001"}]}]}`},
	} {
		w := serve(h, c.method, c.target, c.body)
		if w.Code >= 300 {
			t.Errorf("%s %s: %d %s", c.method, c.target, w.Code, w.Body)
		}
		if c.method == "PATCH" && (w.Code != 204 || w.Body.Len() != 0) {
			t.Errorf("PATCH answered %d with %d bytes, want 204 and none", w.Code, w.Body.Len())
		}
	}
	if cg.calls != 0 {
		t.Errorf("Members was called %d times", cg.calls)
	}
}

func TestGroupProjection(t *testing.T) {
	h, _ := groupsHandler(t, 2)
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{"displayName", "id", "members", "meta", "schemas"}},
		{"?attributes=displayName", []string{"displayName", "id", "schemas"}},
		{"?attributes=members.value", []string{"id", "members", "schemas"}},
		{"?excludedAttributes=members,meta", []string{"displayName", "id", "schemas"}},
		{"?excludedAttributes=" + SchemaGroup + ":displayName", []string{"id", "members", "meta", "schemas"}},
		{"?excludedAttributes=id", []string{"displayName", "id", "members", "meta", "schemas"}},
	} {
		w := serve(h, "GET", "/scim/v2/Groups/g"+c.query, "")
		var m map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		got := slices.Sorted(maps.Keys(m))
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", c.query, diff)
		}
	}
}
