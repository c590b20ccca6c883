package scim

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		raw     string
		want    url.Values
		wantErr bool
	}{
		{"", url.Values{}, false},
		{"filter=userName%20eq%20%22a;b%22", url.Values{"filter": {`userName eq "a;b"`}}, false},
		{"attributes=userName;emails&count=2", url.Values{"attributes": {"userName;emails"}, "count": {"2"}}, false},
		{"filter=a+eq+1&&x", url.Values{"filter": {"a eq 1"}, "x": {""}}, false},
		{"a=1&a=2", url.Values{"a": {"1", "2"}}, false},
		{"filter=%zz", nil, true},
		{"%zz=1", nil, true},
	}
	for _, tt := range tests {
		got, err := parseQuery(tt.raw)
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
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseQuery(%q) (-want +got):\n%s", tt.raw, diff)
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
