package scim

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRenderCache: a lent user rendered whole is rendered once and reused
// while the store lends the same *User; a write, another base URL (mount
// point, scheme), another model or a projection renders it anew, and the
// answers are what rendering them anew gives.
func TestRenderCache(t *testing.T) {
	s := newTestServer(t)
	id := s.expect(s.do("POST", "/scim/v2/Users", oktaUser(1)), 201)["id"].(string)
	path := "/scim/v2/Users/" + id
	kept := func() int {
		s.h.rendered.mu.Lock()
		defer s.h.rendered.mu.Unlock()
		return len(s.h.rendered.m)
	}
	first := s.expect(s.do("GET", path, ""), 200)
	if kept() != 0 {
		t.Fatalf("%d renderings kept after the first GET, want none (kept the second time)", kept())
	}
	for i := range 2 {
		again := s.expect(s.do("GET", path, ""), 200)
		if kept() != 1 {
			t.Fatalf("%d renderings kept after GET %d, want 1", kept(), i+2)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Errorf("GET %d differs from the first (-first +again):\n%s", i+2, diff)
		}
	}
	for _, c := range []struct {
		name, path string
		hdr        []string
		location   string
	}{
		{"another mount point", "/api" + path, nil, s.URL + "/api" + path},
		{"another scheme", path, []string{"X-Forwarded-Proto", "https"}, "https://" + strings.TrimPrefix(s.URL, "http://") + path},
		{"the first again", path, nil, s.URL + path},
	} {
		u := s.expect(s.do("GET", c.path, "", c.hdr...), 200)
		if got := u["meta"].(map[string]any)["location"]; got != c.location {
			t.Errorf("%s: meta.location %v, want %v", c.name, got, c.location)
		}
	}
	if u := s.expect(s.do("GET", path+"?attributes=userName", ""), 200); u["name"] != nil || u["userName"] == nil {
		t.Errorf("GET with attributes=userName answered %v", u)
	}

	s.expect(s.do("PATCH", path, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Changed"}]}`), 200)
	if u := s.expect(s.do("GET", path, ""), 200); u["title"] != "Changed" {
		t.Errorf("GET after a PATCH: title %v, want Changed", u["title"])
	}
	list := s.expect(s.do("GET", `/scim/v2/Users?filter=userName+eq+%22user001%40example.com%22`, ""), 200)
	if rs := list["Resources"].([]any); len(rs) != 1 || rs[0].(map[string]any)["title"] != "Changed" {
		t.Errorf("list after a PATCH: %v", list["Resources"])
	}
}

// TestRenderCacheModel: a user rendered with one model of the company is
// rendered anew with the next: a custom attribute no longer defined no
// longer shows.
func TestRenderCacheModel(t *testing.T) {
	var model atomic.Pointer[Model]
	model.Store(NewModel([]CustomAttribute{{Name: "Department", Type: CustomOption}}))
	h := &Handler{
		Store:  NewMemoryStore(),
		Auth:   StaticTokens{testToken: "acme"},
		Models: ModelSourceFunc(func(context.Context, string) (*Model, error) { return model.Load(), nil }),
	}
	rec := mustServe(t, h, "POST", "/scim/v2/Users", `{"userName":"ann@example.com","`+SchemaPeakonUser+`":{"Department":"Sales"}}`, 201)
	path := strings.TrimPrefix(rec.Header().Get("Location"), "http://example.com")
	if body := mustServe(t, h, "GET", path, "", 200).Body.String(); !strings.Contains(body, `"Department":"Sales"`) {
		t.Fatalf("GET with Department defined: %s", body)
	}
	model.Store(NewModel(nil))
	if body := mustServe(t, h, "GET", path, "", 200).Body.String(); strings.Contains(body, "Department") {
		t.Errorf("GET after Department's definition went: %s", body)
	}
}

// freshViewer lends a new copy of the user for every read, as UserViewer
// allows a store that decodes users anew. It keeps every copy, so that no
// address is reused by the next.
type freshViewer struct {
	*MemoryStore
	lent *[]*User
}

func (f freshViewer) ViewUser(ctx context.Context, tenant, id string) (*User, error) {
	u, err := f.GetUser(ctx, tenant, id)
	*f.lent = append(*f.lent, u)
	return u, err
}

func (f freshViewer) ViewUsers(ctx context.Context, tenant string, q *Query) (*Page, error) {
	return f.ListUsers(ctx, tenant, q)
}

// TestRenderCacheFreshUsers: renderings of users lent anew for every read
// are not kept, since none would be asked for again.
func TestRenderCacheFreshUsers(t *testing.T) {
	h := &Handler{Store: freshViewer{NewMemoryStore(), new([]*User)}, Auth: StaticTokens{testToken: "acme"}}
	rec := mustServe(t, h, "POST", "/scim/v2/Users", oktaUser(1), 201)
	path := strings.TrimPrefix(rec.Header().Get("Location"), "http://example.com")
	for range 20 {
		mustServe(t, h, "GET", path, "", 200)
	}
	h.rendered.mu.Lock()
	defer h.rendered.mu.Unlock()
	if n := len(h.rendered.m); n != 0 {
		t.Errorf("%d renderings kept of users lent anew for every read", n)
	}
}

// TestRenderCacheConcurrent: GETs racing PATCHes of the same user always
// answer a body of the version their ETag names.
func TestRenderCacheConcurrent(t *testing.T) {
	s := newTestServer(t)
	id := s.expect(s.do("POST", "/scim/v2/Users", oktaUser(1)), 201)["id"].(string)
	path := "/scim/v2/Users/" + id
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := range 50 {
				body := fmt.Sprintf(`{"Operations":[{"op":"replace","path":"title","value":"w%d-%d"}]}`, w, i)
				if r := s.do("PATCH", path, body); r.status != 200 {
					t.Errorf("PATCH: %d %s", r.status, r.body)
					return
				}
			}
		})
	}
	for range 6 {
		wg.Go(func() {
			for range 50 {
				r := s.do("GET", path, "")
				if r.status != 200 {
					t.Errorf("GET: %d %s", r.status, r.body)
					return
				}
				var u struct {
					Meta struct{ Version string } `json:"meta"`
				}
				if err := json.Unmarshal([]byte(r.body), &u); err != nil {
					t.Error(err)
					return
				}
				if etag := r.header.Get("ETag"); etag != u.Meta.Version {
					t.Errorf("ETag %s with a body of version %s", etag, u.Meta.Version)
				}
			}
		})
	}
	wg.Wait()
}

// TestRenderCachePendingManager: a user whose manager is not an employee
// yet renders the manager resolved once that employee exists, even when
// the store still holds the very same user (the reports' update after the
// manager's creation failed, or another writer created the manager): such
// a user is rendered for every read.
func TestRenderCachePendingManager(t *testing.T) {
	s := newTestServer(t)
	id := s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"early@example.com","`+SchemaEnterpriseUser+`":{"manager":{"value":"later@example.com"}}}`), 201)["id"].(string)
	path := "/scim/v2/Users/" + id
	for range 3 {
		s.expect(s.do("GET", path, ""), 200)
	}
	boss := &User{ID: "boss", UserName: "later@example.com", DisplayName: "Lee Later", Active: true, Meta: Meta{ResourceType: "User", Version: `W/"1"`}}
	if err := s.store.CreateUser(context.Background(), "acme", boss); err != nil { // not through the handler: no report is updated
		t.Fatal(err)
	}
	u := s.expect(s.do("GET", path, ""), 200)
	m, _ := u[SchemaEnterpriseUser].(map[string]any)["manager"].(map[string]any)
	if m["value"] != "boss" || m["displayName"] != "Lee Later" {
		t.Errorf("manager after the manager's creation: %v, want it resolved to boss", m)
	}
}
