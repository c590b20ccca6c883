package scim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRouteMountPoints: the endpoint is found below the mount point, so a
// prefix holding an endpoint's name ("/users/...", ".../Schemas/...") does
// not fool the handler, mounted through a ServeMux, under StripPrefix or
// with Prefix.
func TestRouteMountPoints(t *testing.T) {
	tests := []struct {
		name  string
		mount func(h *Handler) http.Handler
		base  string // where the endpoints are, as a client sees them
	}{
		{"mux /users/scim/v2/", func(h *Handler) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/users/scim/v2/", h)
			return mux
		}, "/users/scim/v2"},
		{"mux /tenants/Schemas/scim/v2/", func(h *Handler) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/tenants/Schemas/scim/v2/", h)
			return mux
		}, "/tenants/Schemas/scim/v2"},
		{"mux with wildcards", func(h *Handler) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/tenants/{tenant}/scim/v2/{rest...}", h)
			return mux
		}, "/tenants/Bulk/scim/v2"},
		{"mux with method and host", func(h *Handler) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("127.0.0.1/Me/scim/", h)
			return mux
		}, "/Me/scim"},
		{"StripPrefix", func(h *Handler) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/users/scim/v2/", http.StripPrefix("/users/scim/v2", h))
			return mux
		}, "/users/scim/v2"},
		{"Prefix field, no mux", func(h *Handler) http.Handler {
			h.Prefix = "/users/scim/v2/"
			return h
		}, "/users/scim/v2"},
		{"root mount", func(h *Handler) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/", h)
			return mux
		}, ""},
		{"no mux, no prefix: the first endpoint name", func(h *Handler) http.Handler { return h }, "/scim/v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &Handler{Store: NewMemoryStore(), Auth: StaticTokens{testToken: "acme"}}
			srv := httptest.NewServer(tt.mount(h))
			defer srv.Close()
			s := &testServer{Server: srv, h: h, t: t}
			created := s.expect(s.do("POST", tt.base+"/Users", oktaUser(1)), 201)
			loc := created["meta"].(map[string]any)["location"].(string)
			if want := srv.URL + tt.base + "/Users/" + created["id"].(string); loc != want {
				t.Errorf("meta.location %q, want %q", loc, want)
			}
			s.expect(s.do("GET", strings.TrimPrefix(loc, srv.URL), ""), 200)
			s.expect(s.do("GET", tt.base+"/users?filter=userName%20eq%20%22user1@example.com%22", ""), 200)
			schemas := s.expect(s.do("GET", tt.base+"/Schemas", ""), 200)
			if schemas["totalResults"] == nil {
				t.Errorf("/Schemas answered %v", schemas)
			}
			s.expect(s.do("GET", tt.base+"/ServiceProviderConfig", ""), 200)
			s.expect(s.do("GET", tt.base+"/Nope", ""), 404)
		})
	}
}

func TestPatternSegments(t *testing.T) {
	for pattern, want := range map[string]int{
		"/":                               0,
		"/scim/v2/":                       2,
		"/scim/v2/{rest...}":              2,
		"GET /scim/v2/":                   2,
		"example.com/scim/v2/":            2,
		"POST example.com/t/{t}/scim/v2/": 4,
		"/scim/{$}":                       1,
	} {
		if got := patternSegments(pattern); got != want {
			t.Errorf("patternSegments(%q) = %d, want %d", pattern, got, want)
		}
	}
}
