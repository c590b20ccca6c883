package scim

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestViewedUserUnchanged pins the contract of UserViewer: requests that read
// the store's own copy of a user (GET, and the current version a write
// starts from) leave it exactly as stored, whatever they render.
func TestViewedUserUnchanged(t *testing.T) {
	h, ids := benchServer(t, 2)
	store := h.Store.(*MemoryStore)
	const patchOp = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`
	for _, tc := range []struct {
		name, method, path, body string
		want                     int
	}{
		{"get", "GET", "/scim/v2/Users/" + ids[0], "", 200},
		{"get projected", "GET", "/scim/v2/Users/" + ids[0] + "?attributes=emails.value", "", 200},
		{"list", "GET", "/scim/v2/Users", "", 200},
		{"list by id", "GET", "/scim/v2/Users?filter=id%20eq%20%22" + ids[0] + "%22", "", 200},
		{"patch without change", "PATCH", "/scim/v2/Users/" + ids[0], patchOp + `{"op":"replace","path":"active","value":true}]}`, 200},
		{"patch pending manager", "PATCH", "/scim/v2/Users/" + ids[0], patchOp + `{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"nobody-yet"}}]}`, 200},
		{"patch title", "PATCH", "/scim/v2/Users/" + ids[0], patchOp + `{"op":"replace","path":"title","value":"Boss"}]}`, 200},
		{"put", "PUT", "/scim/v2/Users/" + ids[0], oktaUser(0), 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored, err := store.ViewUser(context.Background(), "acme", ids[0])
			if err != nil {
				t.Fatal(err)
			}
			before := stored.Clone()
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+testToken)
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("%s %s: %d %s", tc.method, tc.path, rec.Code, rec.Body)
			}
			if diff := cmp.Diff(before, stored); diff != "" {
				t.Errorf("the stored user changed (-before +after):\n%s", diff)
			}
		})
	}
}

// countingViewer counts which read the handler takes: a store that
// implements UserViewer lends, one that does not is copied from.
type countingViewer struct {
	Store       // hides MemoryStore's own UserViewer
	gets, views int
}

func (s *countingViewer) GetUser(ctx context.Context, tenant, id string) (*User, error) {
	s.gets++
	return s.Store.GetUser(ctx, tenant, id)
}

type lendingViewer struct{ *countingViewer }

func (s lendingViewer) ViewUser(ctx context.Context, tenant, id string) (*User, error) {
	s.views++
	return s.Store.GetUser(ctx, tenant, id)
}

func (s lendingViewer) ViewUsers(ctx context.Context, tenant string, q *Query) (*Page, error) {
	return s.Store.ListUsers(ctx, tenant, q)
}

// TestUserViewerOptional pins that the handler takes the UserViewer path
// of any store that offers it, and GetUser otherwise.
func TestUserViewerOptional(t *testing.T) {
	h, ids := benchServer(t, 1)
	mem := h.Store
	for _, tc := range []struct {
		name                string
		lend                bool
		wantGets, wantViews int
	}{
		{"plain store", false, 1, 0},
		{"user viewer", true, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &countingViewer{Store: mem}
			h.Store = c
			if tc.lend {
				h.Store = lendingViewer{c}
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/scim/v2/Users/"+ids[0], nil)
			req.Header.Set("Authorization", "Bearer "+testToken)
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("GET: %d %s", rec.Code, rec.Body)
			}
			if c.gets != tc.wantGets || c.views != tc.wantViews {
				t.Errorf("GetUser calls %d, ViewUser calls %d; want %d, %d", c.gets, c.views, tc.wantGets, tc.wantViews)
			}
		})
	}
}
