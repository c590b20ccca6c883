package scim

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ignoreResolved compares filter trees by what was written, not by what a
// model resolved the paths to.
var ignoreResolved = cmpopts.IgnoreFields(AttrPath{}, "Attr", "SubAttr")

func path(name string) AttrPath { p, _ := splitPath(name); return p }

func cmpx(p string, op CompareOp, v any) *AttrExpr { return &AttrExpr{Path: path(p), Op: op, Value: v} }
func and(l, r Filter) *LogicalExpr                 { return &LogicalExpr{Op: "and", Left: l, Right: r} }
func or(l, r Filter) *LogicalExpr                  { return &LogicalExpr{Op: "or", Left: l, Right: r} }

func TestParseFilterTree(t *testing.T) {
	tests := []struct {
		in   string
		want Filter
	}{
		{`userName eq "bjensen"`, cmpx("userName", OpEqual, "bjensen")},
		{`userName Eq "bjensen"`, cmpx("userName", OpEqual, "bjensen")},
		{`title pr`, &AttrExpr{Path: path("title"), Op: OpPresent}},
		{`title PR`, &AttrExpr{Path: path("title"), Op: OpPresent}},
		{`name.familyName co "O'Malley"`, cmpx("name.familyName", OpContains, "O'Malley")},
		{`meta.lastModified gt "2011-05-13T04:42:34Z"`, cmpx("meta.lastModified", OpGreater, "2011-05-13T04:42:34Z")},
		{`meta.created gt 2015-10-10T14:38:21.8617979-07:00`, cmpx("meta.created", OpGreater, "2015-10-10T14:38:21.8617979-07:00")},
		{`userName sw O`, cmpx("userName", OpStartsWith, "O")},
		{`externalId eq jyoung`, cmpx("externalId", OpEqual, "jyoung")},
		{`a eq "a\"b"`, cmpx("a", OpEqual, `a"b`)},
		{`a eq "\u00e9\n\\"`, cmpx("a", OpEqual, "é\n\\")},
		{`a eq ""`, cmpx("a", OpEqual, "")},
		{`a eq 42`, cmpx("a", OpEqual, json.Number("42"))},
		{`a eq -1.5e3`, cmpx("a", OpEqual, json.Number("-1.5e3"))},
		{`a eq 0.25`, cmpx("a", OpEqual, json.Number("0.25"))},
		{`a eq 007`, cmpx("a", OpEqual, "007")}, // not JSON: a string
		{`a eq true`, cmpx("a", OpEqual, true)},
		{`a eq FALSE`, cmpx("a", OpEqual, false)},
		{`a eq null`, cmpx("a", OpEqual, nil)},
		{`a eq "null"`, cmpx("a", OpEqual, "null")},
		{`a eq "1"`, cmpx("a", OpEqual, "1")},
		{`a eq"x"`, cmpx("a", OpEqual, "x")},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "u1"`,
			&AttrExpr{Path: AttrPath{URN: SchemaEnterpriseUser, Name: "manager", Sub: "value"}, Op: OpEqual, Value: "u1"}},
		{`urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Employed_Since ge "2020-01-01"`,
			&AttrExpr{Path: AttrPath{URN: SchemaPeakonUser, Name: "Employed_Since"}, Op: OpGreaterOrEqual, Value: "2020-01-01"}},
		// Precedence: not > and > or; chains nest to the left.
		{`a pr or b pr and c pr`, or(&AttrExpr{Path: path("a"), Op: OpPresent}, and(&AttrExpr{Path: path("b"), Op: OpPresent}, &AttrExpr{Path: path("c"), Op: OpPresent}))},
		{`a pr and b pr or c pr`, or(and(&AttrExpr{Path: path("a"), Op: OpPresent}, &AttrExpr{Path: path("b"), Op: OpPresent}), &AttrExpr{Path: path("c"), Op: OpPresent})},
		{`a pr and b pr and c pr`, and(and(&AttrExpr{Path: path("a"), Op: OpPresent}, &AttrExpr{Path: path("b"), Op: OpPresent}), &AttrExpr{Path: path("c"), Op: OpPresent})},
		{`a pr and (b pr or c pr)`, and(&AttrExpr{Path: path("a"), Op: OpPresent}, or(&AttrExpr{Path: path("b"), Op: OpPresent}, &AttrExpr{Path: path("c"), Op: OpPresent}))},
		{`not (a pr) and b pr`, and(&NotExpr{Filter: &AttrExpr{Path: path("a"), Op: OpPresent}}, &AttrExpr{Path: path("b"), Op: OpPresent})},
		{`NOT(a pr)`, &NotExpr{Filter: &AttrExpr{Path: path("a"), Op: OpPresent}}},
		{`emails[type eq "work" and value co "@example.com"]`, &ValuePathExpr{Path: path("emails"),
			Filter: and(cmpx("type", OpEqual, "work"), cmpx("value", OpContains, "@example.com"))}},
		// Entra's form becomes one value path.
		{`emails[type eq "work"].value eq "x"`, &ValuePathExpr{Path: path("emails"),
			Filter: and(cmpx("type", OpEqual, "work"), cmpx("value", OpEqual, "x"))}},
		{`emails[type eq "work"].value pr and userName eq "u"`, and(&ValuePathExpr{Path: path("emails"),
			Filter: and(cmpx("type", OpEqual, "work"), &AttrExpr{Path: path("value"), Op: OpPresent})}, cmpx("userName", OpEqual, "u"))},
	}
	for _, tt := range tests {
		got, err := ParseFilter(tt.in)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, ignoreResolved); diff != "" {
			t.Errorf("ParseFilter(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestFilterString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`userName EQ bjensen`, `userName eq "bjensen"`},
		{`a eq "<&>é"`, `a eq "<&>é"`},
		{`a eq "\u00e9\t\u0001"`, `a eq "é\t\u0001"`},
		{`a eq 1E5`, `a eq 1E5`},
		{`a eq True`, `a eq true`},
		{`a eq NULL`, `a eq null`},
		{`title   pr`, `title pr`},
		{`((a pr))`, `a pr`},
		{`a pr or b pr and c pr`, `a pr or b pr and c pr`},
		{`(a pr or b pr) and c pr`, `(a pr or b pr) and c pr`},
		{`a pr and (b pr and c pr)`, `a pr and (b pr and c pr)`},
		{`a pr or (b pr or c pr)`, `a pr or (b pr or c pr)`},
		{`(a pr and b pr) or c pr`, `a pr and b pr or c pr`},
		{`not(a pr)`, `not (a pr)`},
		{`emails[type eq "work"].value eq "x"`, `emails[type eq "work" and value eq "x"]`},
		{`emails[type eq "a" or type eq "b"].value eq "x"`, `emails[(type eq "a" or type eq "b") and value eq "x"]`},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "u"`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "u"`},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.in)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.in, err)
			continue
		}
		if got := f.String(); got != tt.want {
			t.Errorf("ParseFilter(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		checkRoundTrip(t, tt.in, f)
	}
}

// checkRoundTrip asserts that f's canonical text parses back to f.
func checkRoundTrip(t testing.TB, in string, f Filter) {
	t.Helper()
	s := f.String()
	g, err := ParseFilter(s)
	if err != nil {
		t.Fatalf("ParseFilter(%q) parsed, but its String %q does not: %v", in, s, err)
	}
	if diff := cmp.Diff(f, g, ignoreResolved); diff != "" {
		t.Fatalf("ParseFilter(%q): String %q parses to another tree (-first +second):\n%s", in, s, diff)
	}
	if s2 := g.String(); s2 != s {
		t.Fatalf("String is not stable: %q, then %q", s, s2)
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		in     string
		detail []string // substrings of the detail
	}{
		{``, []string{"position 1", "expected an attribute name", "the end of the filter"}},
		{`userName eq`, []string{"position 12", "expected a value after \"eq\"", "the end of the filter"}},
		{`userName equals "x"`, []string{"position 10", "expected an operator", `found "equals"`}},
		{`userName eq "x" userName eq "y"`, []string{"position 17", `expected "and", "or" or the end`}},
		{`(userName eq "x"`, []string{"position 17", `expected ")"`}},
		{`not userName eq "x"`, []string{"position 5", `expected "(" after "not"`}},
		{`userName eq "abc`, []string{"position 13", "malformed string", "unterminated"}},
		{`userName eq "a\qb"`, []string{"position 13", "malformed string"}},
		{`emails[type eq "work"`, []string{"position 22", `expected "]"`}},
		{`emails.value[type eq "work"]`, []string{"position 13", "value filter"}},
		{`emails[type eq "work"].x.y eq "a"`, []string{"position 23", "sub-attribute name"}},
		{`na$me@x eq "a"`, []string{"position 1", "expected an attribute name"}},
		{`a eq "x" and "y"`, []string{"position 14", "expected an attribute name", "a value must follow"}},
		{strings.Repeat("(", 51) + "a pr" + strings.Repeat(")", 51), []string{"position 51", "nested more than 50 levels"}},
		{"a eq \"" + strings.Repeat("x", 4090) + "\"", []string{"4097 bytes", "at most 4096"}},
		{"a eq \"\xc3\"", []string{"not valid UTF-8"}},
	}
	for _, tt := range tests {
		_, err := ParseFilter(tt.in)
		var e *Error
		if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.SCIMType != SCIMTypeInvalidFilter {
			t.Errorf("ParseFilter(%.40q) = %v, want a 400 invalidFilter *Error", tt.in, err)
			continue
		}
		for _, s := range tt.detail {
			if !strings.Contains(e.Detail, s) {
				t.Errorf("ParseFilter(%.40q) detail %q lacks %q", tt.in, e.Detail, s)
			}
		}
	}
}

func TestParseFilterLimits(t *testing.T) {
	deep := strings.Repeat("(", MaxFilterDepth) + "a pr" + strings.Repeat(")", MaxFilterDepth)
	if _, err := ParseFilter(deep); err != nil {
		t.Errorf("%d levels: %v", MaxFilterDepth, err)
	}
	nots := strings.Repeat("not (", MaxFilterDepth) + "a pr" + strings.Repeat(")", MaxFilterDepth)
	f, err := ParseFilter(nots)
	if err != nil {
		t.Fatalf("%d nots: %v", MaxFilterDepth, err)
	}
	checkRoundTrip(t, nots, f)
	long := "a eq \"" + strings.Repeat("x", MaxFilterLength-7) + "\""
	if len(long) != MaxFilterLength {
		t.Fatalf("test filter is %d bytes", len(long))
	}
	if _, err := ParseFilter(long); err != nil {
		t.Errorf("%d bytes: %v", MaxFilterLength, err)
	}
	// A long flat chain is not deep nesting: accepted.
	chain := "a pr" + strings.Repeat(" and a pr", (MaxFilterLength-4)/9)
	if _, err := ParseFilter(chain); err != nil {
		t.Errorf("long chain: %v", err)
	}
}

func TestIsJSONNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-0": true, "42": true, "-1.5e3": true, "1E+5": true, "0.25": true, "1e-7": true,
		"": false, "-": false, "007": false, "01": false, "1.": false, ".5": false, "1e": false, "1e+": false,
		"+1": false, "0x10": false, "1_000": false, "NaN": false, "Infinity": false, "1.5.2": false, "12a": false,
	} {
		if got := isJSONNumber(s); got != want {
			t.Errorf("isJSONNumber(%q) = %v, want %v", s, got, want)
		}
		var n json.Number
		if jsonOK := json.Unmarshal([]byte(s), &n) == nil; jsonOK != want {
			t.Errorf("encoding/json disagrees on %q: %v", s, jsonOK)
		}
	}
}

// Canonical string literals are valid JSON that decodes to the value, as
// callers embed them in JSON bodies.
func TestJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `a"b\c`, "<&>", "é日本", "\x00\x1f\n\t\r", "\u2028", "bad\xffutf8", "\x7f"} {
		lit := formatValue(s)
		var got string
		if err := json.Unmarshal([]byte(lit), &got); err != nil {
			t.Errorf("formatValue(%q) = %s: %v", s, lit, err)
			continue
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); got != want {
			t.Errorf("formatValue(%q) = %s decodes to %q", s, lit, got)
		}
	}
}
