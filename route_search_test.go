package scim

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// searchRouteQuadratic is the search as it was before it was made linear
// (split the path, then join every suffix), with the depth bound added: the
// oracle FuzzSearchRoute compares searchRoute with.
func searchRouteQuadratic(path, full string) (mount, endpoint, rest string, ok bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range segs {
		if i >= maxSearchSegments {
			break
		}
		if endpoint, rest, ok = splitEndpoint(strings.Join(segs[i:], "/")); ok {
			mount = "/" + strings.Join(segs[:i], "/")
			if fs := strings.Split(strings.Trim(full, "/"), "/"); len(fs) >= len(segs) {
				mount = "/" + strings.Join(fs[:i], "/")
			}
			return strings.TrimSuffix(mount, "/"), endpoint, rest, true
		}
	}
	return "", "", "", false
}

// TestSearchRoute: what the search finds, and that it looks no deeper than
// maxSearchSegments.
func TestSearchRoute(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("/x", n) }
	type result struct {
		Mount, Endpoint, Rest string
		OK                    bool
	}
	tests := []struct {
		name, path, full string
		want             result
	}{
		{"root", "/Users", "/Users", result{"", "Users", "", true}},
		{"mounted", "/scim/v2/users/abc/", "/scim/v2/users/abc/", result{"/scim/v2", "Users", "abc", true}},
		{"first endpoint wins", "/t/Me/scim/Users", "/t/Me/scim/Users", result{"/t", "Me", "scim/Users", true}},
		{"escaped mount kept", "/a b/Bulk", "/a%20b/Bulk", result{"/a%20b", "Bulk", "", true}},
		{"escaped slash: unescaped mount", "/a/b/Schemas", "/a%2Fb/Schemas", result{"/a/b", "Schemas", "", true}},
		{"empty segments", "/a//Groups/x", "/a//Groups/x", result{"/a", "Groups", "x", true}},
		{"prefix of a name", "/Use/Userss", "/Use/Userss", result{}},
		{"empty", "", "", result{}},
		{"at the bound", deep(maxSearchSegments-1) + "/Users/1", deep(maxSearchSegments-1) + "/Users/1", result{deep(maxSearchSegments - 1), "Users", "1", true}},
		{"past the bound", deep(maxSearchSegments) + "/Users/1", deep(maxSearchSegments) + "/Users/1", result{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got result
			got.Mount, got.Endpoint, got.Rest, got.OK = searchRoute(tt.path, tt.full)
			if got != tt.want {
				t.Errorf("searchRoute(%q, %q) = %+v, want %+v", tt.path, tt.full, got, tt.want)
			}
		})
	}
}

// TestSearchRouteLinear: a handler mounted without a ServeMux pattern,
// Prefix or StripPrefix searches the path for an endpoint before it
// authenticates anyone. A megabyte path (net/http's limit) must cost work in
// proportion to its length: the search used to copy O(segments²) bytes, 4–9 s
// of CPU for 64 KiB. The work is counted as bytes allocated, which does not
// flake as a clock does.
func TestSearchRouteLinear(t *testing.T) {
	const size = 1 << 20
	tests := []struct{ name, path string }{
		{"many short segments", strings.Repeat("/a", size/2)},
		{"one long segment", "/" + strings.Repeat("a", size-1)},
		{"endpoint after a long mount", strings.Repeat("/a", maxSearchSegments-1) + "/" + strings.Repeat("b", size) + "/Users"},
		{"endpoint, then a long rest", "/scim/v2/Users" + strings.Repeat("/a", size/2)},
		{"slashes only", strings.Repeat("/", size)},
	}
	h := &Handler{Store: NewMemoryStore(), Auth: StaticTokens{testToken: "acme"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.URL.Path, r.URL.RawPath, r.RequestURI = tt.path, "", tt.path
			// The search alone allocates the mount point at most: it slices
			// the path.
			if n := testing.AllocsPerRun(3, func() { searchRoute(r.URL.Path, r.RequestURI) }); n > 1 {
				t.Errorf("searchRoute allocated %v times, want at most 1", n)
			}
			// The whole request, a 404 or a 401, allocates a few
			// kilobytes whatever the path's length: the 404's detail
			// repeats the start of the path only.
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			runtime.ReadMemStats(&after)
			if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(64<<10); got > limit {
				t.Errorf("serving a %d-byte path allocated %d bytes, want at most %d", len(tt.path), got, limit)
			}
			if len(w.Body.Bytes()) > 2<<10 {
				t.Errorf("the answer to a %d-byte path has %d bytes", len(tt.path), w.Body.Len())
			}
			if w.Code != http.StatusNotFound && w.Code != http.StatusUnauthorized {
				t.Errorf("status %d, want 404 or 401", w.Code)
			}
		})
	}
}

// FuzzSearchRoute: the linear search finds what the quadratic one found,
// for any path and escaped path.
func FuzzSearchRoute(f *testing.F) {
	for _, seed := range [][2]string{
		{"/scim/v2/Users/abc", "/scim/v2/Users/abc"},
		{"/a b/Bulk", "/a%20b/Bulk"},
		{"/a/b/Schemas", "/a%2Fb/Schemas"},
		{"//Me//", "//Me//"},
		{"/x/USERS/", "/x/USERS/"},
		{strings.Repeat("/x", 20) + "/Users", strings.Repeat("/x", 20) + "/Users"},
		{"/Groups", "/other/Groups"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, path, full string) {
		m, e, r, ok := searchRoute(path, full)
		wm, we, wr, wok := searchRouteQuadratic(path, full)
		if m != wm || e != we || r != wr || ok != wok {
			t.Errorf("searchRoute(%q, %q) = %q, %q, %q, %v; the quadratic search: %q, %q, %q, %v", path, full, m, e, r, ok, wm, we, wr, wok)
		}
	})
}

// BenchmarkRouteSearch serves an unauthenticated request with a megabyte
// path to a handler mounted bare (no ServeMux pattern, Prefix or
// StripPrefix). Target: under 10 ms.
func BenchmarkRouteSearch(b *testing.B) {
	h := &Handler{Store: NewMemoryStore(), Auth: StaticTokens{testToken: "acme"}}
	path := strings.Repeat("/a", 1<<19)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.URL.Path, r.RequestURI = path, path
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}

// BenchmarkSearchRouteOnly is the search alone, on a megabyte path.
func BenchmarkSearchRouteOnly(b *testing.B) {
	path := strings.Repeat("/a", 1<<19)
	for b.Loop() {
		searchRoute(path, path)
	}
}

func TestShortPath(t *testing.T) {
	long := strings.Repeat("a", maxShownPath-1) + "é" + "rest"
	tests := []struct{ in, want string }{
		{"/scim/v2/Nothing", "/scim/v2/Nothing"},
		{strings.Repeat("a", maxShownPath), strings.Repeat("a", maxShownPath)},
		{strings.Repeat("a", maxShownPath+1), strings.Repeat("a", maxShownPath) + "…"},
		{long, strings.Repeat("a", maxShownPath-1) + "…"}, // not inside the é
	}
	for _, tt := range tests {
		if got := shortPath(tt.in); got != tt.want {
			t.Errorf("shortPath(%d bytes) = %q, want %q", len(tt.in), got, tt.want)
		}
	}
}
