package scim

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wrappingStore wraps what its store returns in a Go error of its own, as
// a product's store may ("wrapstore: create user: scim: uniqueness
// conflict: ...").
type wrappingStore struct{ *MemoryStore }

func (s wrappingStore) CreateUser(ctx context.Context, tenant string, u *User) error {
	if err := s.MemoryStore.CreateUser(ctx, tenant, u); err != nil {
		return fmt.Errorf("wrapstore: create user: %w", err)
	}
	return nil
}

func (s wrappingStore) CreateGroup(ctx context.Context, tenant string, g *Group) error {
	if err := s.MemoryStore.CreateGroup(ctx, tenant, g); err != nil {
		return fmt.Errorf("wrapstore: create group: %w", err)
	}
	return nil
}

// TestErrorDetailsHaveNoGoPrefix: the detail of a SCIM error is for the
// administrator reading it in Okta or Entra. Errors that come from the
// store's sentinels (ErrConflict, ErrNoMember, ErrNotFound,
// ErrVersionMismatch) must not carry their Go prefix ("scim: uniqueness
// conflict: ...") or what a store wrapped around them, nor may a decoding
// error carry encoding/json's ("json: cannot unmarshal ...").
func TestErrorDetailsHaveNoGoPrefix(t *testing.T) {
	type answer struct {
		Status   int
		SCIMType string
		Detail   string
	}
	tests := []struct {
		name   string
		store  func(*MemoryStore) Store
		method string
		path   string // "{id}" is the user's id, "{other}" another user's, also in want.Detail
		body   string
		hdr    []string
		want   answer
	}{
		{name: "POST taken userName", method: "POST", path: "/Users", body: `{"userName":"jane@example.com"}`,
			want: answer{409, SCIMTypeUniqueness, `userName "jane@example.com" is already taken`}},
		{name: "PUT to a taken userName", method: "PUT", path: "/Users/{other}", body: `{"userName":"JANE@example.com"}`,
			want: answer{409, SCIMTypeUniqueness, `userName "JANE@example.com" is already taken`}},
		{name: "PATCH to a taken userName", method: "PATCH", path: "/Users/{other}", body: ops(`{"op":"replace","path":"userName","value":"jane@example.com"}`),
			want: answer{409, SCIMTypeUniqueness, `userName "jane@example.com" is already taken`}},
		{name: "a store that wraps the conflict", store: func(m *MemoryStore) Store { return wrappingStore{m} },
			method: "POST", path: "/Users", body: `{"userName":"jane@example.com"}`,
			want: answer{409, SCIMTypeUniqueness, `userName "jane@example.com" is already taken`}},
		{name: "a group with an unknown member", method: "POST", path: "/Groups", body: `{"displayName":"G","members":[{"value":"nobody"}]}`,
			want: answer{400, SCIMTypeInvalidValue, `member "nobody" is not a user or group of this company`}},
		{name: "a store that wraps the unknown member", store: func(m *MemoryStore) Store { return wrappingStore{m} },
			method: "POST", path: "/Groups", body: `{"displayName":"G","members":[{"value":"nobody"}]}`,
			want: answer{400, SCIMTypeInvalidValue, `member "nobody" is not a user or group of this company`}},
		{name: "an unknown user", method: "GET", path: "/Users/nobody",
			want: answer{404, "", "user nobody not found"}},
		{name: "a stale version", method: "PUT", path: "/Users/{id}", body: `{"userName":"jane@example.com"}`, hdr: []string{"If-Match", `W/"stale"`},
			want: answer{412, "", `user {id} is at version W/"1", not W/"stale": read it again and retry`}},
		{name: "a SearchRequest member of the wrong type", method: "POST", path: "/Users/.search", body: `{"filter":1}`,
			want: answer{400, SCIMTypeInvalidSyntax, `the SearchRequest member "filter" has the wrong type: a JSON number`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := NewMemoryStore()
			var st Store = mem
			if tt.store != nil {
				st = tt.store(mem)
			}
			var gs GroupStore = mem
			if g, ok := st.(GroupStore); ok {
				gs = g
			}
			h := &Handler{Store: st, Groups: gs, Auth: StaticTokens{testToken: "acme"}}
			mux := http.NewServeMux()
			mux.Handle("/scim/v2/", h)
			srv := httptest.NewServer(mux)
			defer srv.Close()
			s := &testServer{Server: srv, h: h, store: mem, t: t}
			id := s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"jane@example.com"}`), 201)["id"].(string)
			other := s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"other@example.com"}`), 201)["id"].(string)
			ids := strings.NewReplacer("{id}", id, "{other}", other)
			path := ids.Replace(tt.path)
			tt.want.Detail = ids.Replace(tt.want.Detail)
			r := s.do(tt.method, "/scim/v2"+path, tt.body, tt.hdr...)
			body := r.json(t)
			got := answer{r.status, str(body["scimType"]), str(body["detail"])}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s %s (-want +got):\n%s", tt.method, tt.path, diff)
			}
		})
	}
}

// TestBulkErrorDetailsHaveNoGoPrefix: the same inside a bulk response.
func TestBulkErrorDetailsHaveNoGoPrefix(t *testing.T) {
	s := newTestServer(t)
	s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"jane@example.com"}`), 201)
	code, resp := s.bulkOp("POST", "/Users", `{"userName":"jane@example.com"}`)
	if code != 409 {
		t.Fatalf("bulk operation status %d, want 409: %v", code, resp)
	}
	if d := str(resp["detail"]); d != `userName "jane@example.com" is already taken` {
		t.Errorf("bulk operation detail %q, want the conflict without a Go prefix", d)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
