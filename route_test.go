package scim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRouteMountPoints: the endpoint is found below the mount point, so a
// prefix holding an endpoint's name ("/users/...", ".../Schemas/...") does
// not fool the handler, mounted through a ServeMux, under StripPrefix or
// with Prefix.
func TestRouteMountPoints(t *testing.T) {
	// onMux mounts the handler on a ServeMux at pattern.
	onMux := func(pattern string) func(h *Handler) http.Handler {
		return func(h *Handler) http.Handler {
			mux := http.NewServeMux()
			mux.Handle(pattern, h)
			return mux
		}
	}
	tests := []struct {
		name  string
		mount func(h *Handler) http.Handler
		base  string // where the endpoints are, as a client sees them
	}{
		{"mux /users/scim/v2/", onMux("/users/scim/v2/"), "/users/scim/v2"},
		{"mux /tenants/Schemas/scim/v2/", onMux("/tenants/Schemas/scim/v2/"), "/tenants/Schemas/scim/v2"},
		{"mux with wildcards", onMux("/tenants/{tenant}/scim/v2/{rest...}"), "/tenants/Bulk/scim/v2"},
		{"mux with method and host", onMux("127.0.0.1/Me/scim/"), "/Me/scim"},
		{"StripPrefix", func(h *Handler) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/users/scim/v2/", http.StripPrefix("/users/scim/v2", h))
			return mux
		}, "/users/scim/v2"},
		{"Prefix field, no mux", func(h *Handler) http.Handler {
			h.Prefix = "/users/scim/v2/"
			return h
		}, "/users/scim/v2"},
		{"root mount", onMux("/"), ""},
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

func TestParseQuery(t *testing.T) {
	tests := []struct {
		raw     string
		want    queryParams
		wantErr bool
	}{
		{"", nil, false},
		{"filter=userName%20eq%20%22a;b%22", queryParams{{"filter", `userName eq "a;b"`}}, false},
		{"attributes=userName;emails&count=2", queryParams{{"attributes", "userName;emails"}, {"count", "2"}}, false},
		{"filter=a+eq+1&&x", queryParams{{"filter", "a eq 1"}, {"x", ""}}, false},
		{"a=1&a=2", queryParams{{"a", "1"}, {"a", "2"}}, false},
		{"filter=%zz", nil, true},
		{"%zz=1", nil, true},
	}
	for _, tt := range tests {
		got, err := parseQuery(nil, tt.raw)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseQuery(%q) error %v, want error %v", tt.raw, err, tt.wantErr)
			continue
		}
		if err != nil {
			if e := asError(err); e.Status != 400 || e.SCIMType != SCIMTypeInvalidSyntax {
				t.Errorf("parseQuery(%q) error %v, want 400 invalidSyntax", tt.raw, err)
			}
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(queryParam{})); diff != "" {
			t.Errorf("parseQuery(%q) (-want +got):\n%s", tt.raw, diff)
		}
		// A parameter sent twice reads as its first value, as url.Values
		// would have it.
		for i := len(tt.want) - 1; i >= 0; i-- {
			p := tt.want[i]
			first := p.value
			for _, q := range tt.want[:i] {
				if q.name == p.name {
					first = q.value
					break
				}
			}
			if got.Get(p.name) != first || !got.Has(p.name) {
				t.Errorf("parseQuery(%q): Get(%q) = %q, want %q", tt.raw, p.name, got.Get(p.name), first)
			}
		}
		if got.Has("absent") || got.Get("absent") != "" {
			t.Errorf("parseQuery(%q) has a parameter never sent", tt.raw)
		}
	}
}

// TestSemicolonInQuery: a raw ";" in the query string is data. With
// url.ParseQuery the filter was dropped and every user listed, which would
// link an identity provider's user to the wrong employee.
func TestSemicolonInQuery(t *testing.T) {
	s := newTestServer(t)
	s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"a;b@example.com","name":{"givenName":"A","familyName":"Semi"},"emails":[{"value":"ab@example.com","primary":true}]}`), 201)
	s.expect(s.do("POST", "/scim/v2/Users", oktaUser(1)), 201)

	got := s.expect(s.do("GET", `/scim/v2/Users?filter=userName%20eq%20%22a;b@example.com%22`, ""), 200)
	if got["totalResults"] != float64(1) {
		t.Fatalf("totalResults %v, want 1: %v", got["totalResults"], got)
	}
	got = s.expect(s.do("GET", `/scim/v2/Users?filter=userName%20eq%20%22a;c@example.com%22`, ""), 200)
	if got["totalResults"] != float64(0) {
		t.Fatalf("no such user: totalResults %v, want 0", got["totalResults"])
	}
	// A ";" in sortBy is part of the name: an unknown attribute, not a
	// silently ignored sort.
	s.expect(s.do("GET", `/scim/v2/Users?sortBy=userName;x`, ""), 400)
	e := s.expect(s.do("GET", `/scim/v2/Users?filter=userName%zz`, ""), 400)
	if e["scimType"] != SCIMTypeInvalidSyntax {
		t.Errorf("malformed escape: %v, want invalidSyntax", e)
	}
}

// TestMediaType: responses carry application/scim+json with no parameter
// (RFC 7644 §8.1), and requests may carry a charset or be plain JSON.
func TestMediaType(t *testing.T) {
	s := newTestServer(t)
	for _, ct := range []string{"application/scim+json; charset=utf-8", "application/json; charset=UTF-8", "application/scim+json"} {
		r := s.do("POST", "/scim/v2/Users", oktaUser(len(ct)), "Content-Type", ct)
		if r.status != 201 {
			t.Fatalf("Content-Type %q: status %d: %s", ct, r.status, r.body)
		}
		if got := r.header.Get("Content-Type"); got != "application/scim+json" {
			t.Errorf("response Content-Type %q, want exactly application/scim+json", got)
		}
	}
	if got := s.do("GET", "/scim/v2/Nope", "").header.Get("Content-Type"); got != "application/scim+json" {
		t.Errorf("error Content-Type %q", got)
	}
}

// TestAfterSegments: what follows a mount pattern's segments is what
// strings.SplitN found before, without its allocations.
func TestAfterSegments(t *testing.T) {
	// Each path with the segments to skip; "" where there is no rest.
	want := map[string]map[int]string{
		"/scim/v2/Users/1":      {2: "/Users/1", 0: "/scim/v2/Users/1"},
		"/scim/v2/":             {2: "/"},
		"/scim/v2":              {2: ""},
		"/scim":                 {2: ""},
		"/t/acme/scim/v2/Users": {4: "/Users"},
	}
	for path, byN := range want {
		for n, wantRest := range byN {
			rest, found := afterSegments(path, n)
			if rest != wantRest || found != (wantRest != "") {
				t.Errorf("afterSegments(%q, %d) = %q, %v; want %q", path, n, rest, found, wantRest)
			}
			// What SplitN gave.
			segs := strings.SplitN(strings.TrimPrefix(path, "/"), "/", n+1)
			if ok := len(segs) > n; ok != found || ok && "/"+segs[n] != rest {
				t.Errorf("afterSegments(%q, %d) = %q, %v; SplitN gave %q", path, n, rest, found, segs)
			}
		}
	}
}
