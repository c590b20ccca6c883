package scim

import (
	"net/http"
	"net/url"
	"strings"
)

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
