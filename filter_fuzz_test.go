package scim_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	scim "github.com/scimkit/scim"
	"github.com/scimkit/scim/storetest"
)

func isInvalidFilter(err error) bool {
	var e *scim.Error
	return errors.As(err, &e) && e.Status == http.StatusBadRequest && e.SCIMType == scim.SCIMTypeInvalidFilter && e.Detail != ""
}

// isLimit reports a refusal for length or depth, which the canonical text
// of a filter at the limits may meet when the input did not (unquoted
// values gain quotes; the Entra form may gain parentheses).
func isLimit(err error) bool {
	var e *scim.Error
	return errors.As(err, &e) && (strings.Contains(e.Detail, "levels deep") || strings.Contains(e.Detail, "bytes long"))
}

// FuzzParse checks that the parser never panics, fails only with 400
// invalidFilter, and that the canonical text of what it accepts parses back
// to the same tree and prints the same.
func FuzzParse(f *testing.F) {
	f.Add(`emails[type eq "work" and value co "@example.com"] or not (userName sw "a")`)
	f.Fuzz(func(t *testing.T, s string) {
		tree, err := scim.ParseFilter(s)
		if err != nil {
			if !isInvalidFilter(err) {
				t.Fatalf("ParseFilter(%q) = %v, want a 400 invalidFilter *scim.Error", s, err)
			}
			return
		}
		if _, err := scim.ParseFilter(tree.String()); isLimit(err) {
			return
		}
		scim.CheckRoundTrip(t, s, tree)
	})
}

// FuzzMatch checks that compiling never panics and fails only with 400
// invalidFilter, that evaluation never panics, that "not" is the
// complement, and that the canonical text means the same.
func FuzzMatch(f *testing.F) {
	f.Add(storetest.PeakonURN + `Employed_Since ge "2020-01-01" and emails[type eq "work"].value ew "example.com"`)
	m := storetest.FixtureModel()
	users := append(storetest.FixtureUsers(), &scim.User{ID: "bare"})
	f.Fuzz(func(t *testing.T, s string) {
		tree, err := scim.ParseFilter(s)
		if err != nil {
			return
		}
		match, err := m.CompileFilter(tree)
		if err != nil {
			if !isInvalidFilter(err) {
				t.Fatalf("CompileFilter(%q) = %v, want a 400 invalidFilter *scim.Error", s, err)
			}
			return
		}
		not, err := m.CompileFilter(&scim.NotExpr{Filter: tree})
		if err != nil {
			t.Fatalf("not (%q) does not compile: %v", s, err)
		}
		var canonical scim.Matcher
		if again, err := scim.ParseFilter(tree.String()); err == nil {
			if canonical, err = m.CompileFilter(again); err != nil {
				t.Fatalf("canonical text %q of %q does not compile: %v", tree.String(), s, err)
			}
		}
		for _, u := range users {
			got := match(u)
			if not(u) == got {
				t.Fatalf("%q and its negation agree on %s", s, u.ID)
			}
			if canonical != nil && canonical(u) != got {
				t.Fatalf("%q and its canonical text %q disagree on %s", s, tree.String(), u.ID)
			}
		}
	})
}

// FuzzParseComparisonOnly checks ParseFilter's fast path for a lone
// comparison (userName eq "x"): whatever it accepts, the general parser
// accepts too, with the same tree.
func FuzzParseComparisonOnly(f *testing.F) {
	for _, s := range []string{
		`userName eq "bjensen@example.com"`, `userName EQ "x"`, `externalId eq ""`, `not eq "x"`, `NOT eq "x"`,
		`userName pr "x"`, `userName eq "a\"b"`, `userName eq "a" or title eq "b"`, `name.familyName sw "J"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"`,
		`emails[type eq "work"]`, `userName  eq "x"`, `userName eq "x" `, "userName eq \"\t\"", `userName eq x`,
		`a.b.c eq "x"`, `(userName eq "x")`, `userName eq ""x"`, `userName eq "`, `and eq "x"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := scim.ParseComparisonOnly(s)
		if !ok {
			return
		}
		general, err := scim.ParseFilterGeneral(s)
		if err != nil {
			t.Fatalf("%q: the fast path gives %#v, the parser %v", s, fast, err)
		}
		if diff := cmp.Diff(general, fast); diff != "" {
			t.Fatalf("%q: the fast path's tree differs from the parser's (-parser +fast):\n%s", s, diff)
		}
	})
}
