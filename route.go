package scim

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// endpoints are the resource paths this handler serves, below its mount
// point.
var endpoints = [...]string{"Users", "Groups", "Schemas", "ResourceTypes", "ServiceProviderConfig", "Bulk", "Me"}

// route finds the endpoint a request addresses, below the handler's mount
// point, and the mount point as it appears in the request URI (for URLs the
// handler writes, e.g. "/scim/v2"; "" at the root).
//
// The mount point comes, in order, from http.StripPrefix (the request's URL
// path is then already relative: the original RequestURI is longer), from
// Prefix, or from the ServeMux pattern that matched (r.Pattern, whose
// segments, wildcards included, are the mount point's). Only without any
// of them does route look for the first segment naming an endpoint.
func (h *Handler) route(r *http.Request) (mount, endpoint, rest string, ok bool) {
	path := r.URL.Path
	full := requestPath(r)
	var rel string
	switch esc := r.URL.EscapedPath(); {
	case full != esc && strings.HasSuffix(full, esc):
		rel = path // stripped by http.StripPrefix
	case h.Prefix != "":
		p := strings.TrimSuffix(h.Prefix, "/")
		if path != p && !strings.HasPrefix(path, p+"/") {
			return "", "", "", false
		}
		rel = path[len(p):]
	case r.Pattern != "":
		n := patternSegments(r.Pattern)
		segs := strings.SplitN(strings.TrimPrefix(path, "/"), "/", n+1)
		if len(segs) <= n {
			return "", "", "", false
		}
		rel = "/" + segs[n]
	default:
		return searchRoute(path, full)
	}
	endpoint, rest, ok = splitEndpoint(rel)
	if !ok {
		return "", "", "", false
	}
	mount = strings.TrimSuffix(full, "/")
	if escRel := escapedSuffix(r, rel); strings.HasSuffix(full, escRel) {
		mount = strings.TrimSuffix(full[:len(full)-len(escRel)], "/")
	}
	return mount, endpoint, rest, true
}

// requestPath is the path of the request as the client sent it (escaped),
// which http.StripPrefix leaves alone.
func requestPath(r *http.Request) string {
	if r.RequestURI != "" {
		if p, _, _ := strings.Cut(r.RequestURI, "?"); strings.HasPrefix(p, "/") {
			return p
		}
	}
	return r.URL.EscapedPath()
}

// escapedSuffix returns rel, a suffix of r.URL.Path, as it is escaped in the
// request.
func escapedSuffix(r *http.Request, rel string) string {
	esc := r.URL.EscapedPath()
	n := strings.Count(rel, "/")
	// rel holds the last n segments; take as many from the escaped path.
	i := len(esc)
	for ; i > 0 && n > 0; i-- {
		if esc[i-1] == '/' {
			n--
			if n == 0 {
				return esc[i-1:]
			}
		}
	}
	return esc
}

// patternSegments returns how many path segments a ServeMux pattern's mount
// point has: "/scim/v2/" and "/scim/v2/{rest...}" have two,
// "GET example.com/tenants/{tenant}/scim/v2/" four.
func patternSegments(pattern string) int {
	if _, after, found := strings.Cut(pattern, " "); found {
		pattern = strings.TrimLeft(after, " ")
	}
	if i := strings.IndexByte(pattern, '/'); i >= 0 {
		pattern = pattern[i:]
	}
	n := 0
	for seg := range strings.SplitSeq(strings.Trim(pattern, "/"), "/") {
		if seg == "" || strings.HasSuffix(seg, "...}") || seg == "{$}" {
			break
		}
		n++
	}
	return n
}

// splitEndpoint splits a path below the mount point into the endpoint its
// first segment names (ignoring case) and the rest.
func splitEndpoint(rel string) (endpoint, rest string, ok bool) {
	first, rest, _ := strings.Cut(strings.TrimPrefix(rel, "/"), "/")
	for _, e := range endpoints {
		if strings.EqualFold(first, e) {
			return e, strings.TrimSuffix(rest, "/"), true
		}
	}
	return "", "", false
}

// maxSearchSegments bounds how deep searchRoute looks for an endpoint's
// name: a handler mounted deeper than that without a ServeMux pattern,
// http.StripPrefix or Prefix answers 404.
const maxSearchSegments = 16

// searchRoute serves a handler whose mount point is unknown: the first
// segment naming an endpoint, among the first [maxSearchSegments], is taken
// for it. It runs before authentication, on a path of up to a megabyte
// (net/http's header limit), so it is linear in the path and looks at a
// bounded number of segments: it slices the path instead of splitting and
// joining it.
func searchRoute(path, full string) (mount, endpoint, rest string, ok bool) {
	p := strings.Trim(path, "/")
	off := 0 // where segment i starts in p
	for i := 0; i < maxSearchSegments; i++ {
		seg, after, more := strings.Cut(p[off:], "/")
		name, rest := seg, after
		if seg == "" {
			// An empty segment before a name ("/a//Users"): the name counts
			// from here, as it did when the search trimmed one "/" off the
			// rest of the path.
			name, rest, _ = strings.Cut(after, "/")
		}
		if endpoint, ok = endpointNamed(name); ok {
			mount = strings.TrimSuffix(p[:off], "/") // segments 0 to i-1
			// The mount point as the client wrote it, when the escaped path
			// has as many segments (an escaped "/" adds one to path).
			if f := strings.Trim(full, "/"); strings.Count(f, "/") >= strings.Count(p, "/") {
				mount = segmentsPrefix(f, i)
			}
			return strings.TrimSuffix("/"+mount, "/"), endpoint, rest, true
		}
		if !more {
			break
		}
		off += len(seg) + 1
	}
	return "", "", "", false
}

// endpointNamed returns the endpoint a path segment names, ignoring case.
func endpointNamed(seg string) (string, bool) {
	for _, e := range endpoints {
		if len(seg) == len(e) && strings.EqualFold(seg, e) {
			return e, true
		}
	}
	return "", false
}

// segmentsPrefix returns the first n segments of s, joined by "/".
func segmentsPrefix(s string, n int) string {
	off := 0
	for range n {
		i := strings.IndexByte(s[off:], '/')
		if i < 0 {
			return s
		}
		off += i + 1
	}
	return strings.TrimSuffix(s[:off], "/")
}

// maxShownPath is how much of an unrouted path an error detail repeats.
const maxShownPath = 256

// shortPath shortens a path for an error detail: an unrouted path comes
// before authentication and may be a megabyte long, which the answer need
// not echo.
func shortPath(p string) string {
	if len(p) <= maxShownPath {
		return p
	}
	cut := maxShownPath
	for cut > 0 && !utf8.RuneStart(p[cut]) {
		cut--
	}
	return p[:cut] + "…"
}

// baseURL returns the absolute URL the endpoint is mounted at, given the
// mount path found by route.
func (h *Handler) baseURL(r *http.Request, mount string) string {
	if h.BaseURL != "" {
		return strings.TrimSuffix(h.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	} else if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host + mount
}

// parseQuery parses a request's query string into its parameters.
//
// url.ParseQuery cannot serve: it drops every pair holding a raw ";" (legal
// data per RFC 3986 §3.4), so `filter=userName eq "a;b"` would lose its
// filter and list every user of the company. Here only "&" separates pairs,
// a ";" is data, and a malformed escape is an error naming the parameter
// instead of a parameter silently ignored.
func parseQuery(raw string) (url.Values, error) {
	v := make(url.Values)
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(key)
		if err != nil {
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "the query parameter %q is not correctly percent-encoded", key)
		}
		val, err := url.QueryUnescape(value)
		if err != nil {
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "the value of the query parameter %q is not correctly percent-encoded: %q", k, value)
		}
		v[k] = append(v[k], val)
	}
	return v, nil
}
