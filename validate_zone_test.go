package scim

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/scimkit/scim/internal/deptest"
)

// TestIsTimezone: names of the IANA database, as its files spell them;
// not abbreviations, not names it does not hold, not the host's extra
// files, not another case.
func TestIsTimezone(t *testing.T) {
	tests := []wordCase{
		{"", true},
		{"Europe/Paris", true},
		{"America/Los_Angeles", true},
		{"America/Argentina/ComodRivadavia", true},
		{"America/Port-au-Prince", true},
		{"Etc/GMT+5", true},
		{"UTC", true},
		{"CET", true},
		{"US/Pacific", true},
		{"Europe/Atlantis", false},
		{"CEST", false},
		{"PST", false},
		{"Mars/Olympus", false},
		{"europe/paris", false},
		{"EUROPE/PARIS", false},
		{"Local", false},
		{"posixrules", false},
		{"right/Europe/Paris", false},
		{"localtime", false},
		{"zone.tab", false},
		{"Europe//Paris", false},
		{"/etc/localtime", false},
		{"../../etc/passwd", false},
		{"Europe/Paris ", false},
		{"Europe/" + strings.Repeat("A", 100), false},
	}
	var known sync.Map
	isZone := func(name string) bool { return isTimezone(name, &known) }
	for range 2 { // the second time from what the first found
		checkWords(t, "isTimezone", isZone, tests)
	}
}

// TestIsLanguageTag: RFC 5646's syntax, "_" accepted between subtags.
func TestIsLanguageTag(t *testing.T) {
	checkWords(t, "isLanguageTag", isLanguageTag, []wordCase{
		{"", true},
		{"en", true},
		{"en-US", true},
		{"en_US", true}, // as Okta sends it
		{"EN-us", true},
		{"fr-CA", true},
		{"es-419", true},
		{"zh-Hant-TW", true},
		{"az-Arab", true},
		{"man-Nkoo-GN", true},
		{"zh-yue-HK", true},
		{"de-DE-1996", true},
		{"sl-rozaj-biske", true},
		{"en-US-u-ca-buddhist", true},
		{"de-CH-x-phonebk", true},
		{"x-pig-latin", true},
		{"sgn-BE-FR", true},
		{"i-klingon", true},
		{"english", false},
		{"CEST", false},
		{"RJWNTUNNOHNZ", false},
		{"e", false},
		{"123", false},
		{"en-", false},
		{"en--US", false},
		{"en-US ", false},
		{" en", false},
		{"en-US.UTF-8", false},
		{"fr_FR@euro", false},
		{"C", false},
		{"en-a", false},
		{"en-x", false},
		{"x-", false},
		{"en-US-toolongvariant", false},
		{strings.Repeat("en-abc-", 30) + "US", false},
	})
}

// wordCase is a word and whether a predicate accepts it.
type wordCase struct {
	word string
	want bool
}

// checkWords fails t for each word whose answer from is, named name, is
// not the one wanted.
func checkWords(t *testing.T, name string, is func(string) bool, tests []wordCase) {
	t.Helper()
	for _, tt := range tests {
		if got := is(tt.word); got != tt.want {
			t.Errorf("%s(%q) = %v, want %v", name, tt.word, got, tt.want)
		}
	}
}

// TestChoiceTimezoneAndLocale: timezone must be an IANA time zone name and
// locale a language tag (RFC 7643 §4.1.1), on POST, PUT, PATCH and Bulk;
// otherwise 400 invalidValue naming the attribute and the value, and
// nothing is stored. Okta's en_US is accepted. A value stored before the
// rule does not block a write that leaves it alone. /Schemas states the
// rules.
func TestChoiceTimezoneAndLocale(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		bulk                     bool
		detail                   string // "" for success
	}{
		{"POST bad zone", "POST", "/Users", `{"userName":"new","timezone":"Europe/Atlantis"}`, false, `timezone "Europe/Atlantis" is not a time zone name`},
		{"POST abbreviation", "POST", "/Users", `{"userName":"new","timezone":"CEST"}`, false, `timezone "CEST" is not a time zone name`},
		{"POST bad locale", "POST", "/Users", `{"userName":"new","locale":"english"}`, false, `locale "english" is not a language tag`},
		{"POST good", "POST", "/Users", `{"userName":"new","locale":"en_US","timezone":"America/Los_Angeles"}`, false, ""},
		{"PUT bad zone", "PUT", "/Users/{id}", `{"userName":"user001@example.com","timezone":"CEST"}`, false, `timezone "CEST"`},
		{"PUT bad locale", "PUT", "/Users/{id}", `{"userName":"user001@example.com","locale":"RJWNTUNNOHNZ"}`, false, `locale "RJWNTUNNOHNZ"`},
		{"PATCH path", "PATCH", "/Users/{id}", patchOp + `{"op":"replace","path":"timezone","value":"Europe/Atlantis"}]}`, false, `timezone "Europe/Atlantis"`},
		{"PATCH without path", "PATCH", "/Users/{id}", patchOp + `{"op":"replace","value":{"locale":"english"}}]}`, false, `locale "english"`},
		{"PATCH add", "PATCH", "/Users/{id}", patchOp + `{"op":"add","path":"locale","value":"en_GB"}]}`, false, ""},
		{"bulk POST", "POST", "/Users", `{"userName":"new","timezone":"CEST"}`, true, `timezone "CEST"`},
		{"bulk PATCH", "PATCH", "/Users/{id}", patchOp + `{"op":"replace","path":"locale","value":"english"}]}`, true, `locale "english"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, id := newPatchServer(t)
			before := s.snapshot()
			status, body := s.write(tt.bulk, tt.method, strings.ReplaceAll(tt.path, "{id}", id), tt.body)
			if tt.detail == "" {
				if status >= 300 {
					t.Fatalf("answer %d %v, want success", status, body)
				}
				return
			}
			failure(t, status, body, 400, SCIMTypeInvalidValue, tt.detail)
			if after := s.snapshot(); after != before {
				t.Errorf("users changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}

	t.Run("a stored value is not checked again", func(t *testing.T) {
		s, _ := newPatchServer(t)
		u := &User{ID: "legacy", UserName: "legacy@example.com", Active: true, Timezone: "Mars/Olympus", Locale: "english", Meta: Meta{Version: `W/"1"`}}
		if err := s.store.CreateUser(context.Background(), "acme", u); err != nil {
			t.Fatal(err)
		}
		s.expect(s.do("PATCH", "/scim/v2/Users/legacy", patchOp+`{"op":"replace","path":"title","value":"CTO"}]}`), 200)
	})

	t.Run("/Schemas", func(t *testing.T) {
		s, _ := newPatchServer(t)
		for attr, words := range map[string][]string{
			"timezone": {"IANA time zone database", "400 invalidValue"},
			"locale":   {"language tag (RFC 5646)", "en_US", "400 invalidValue"},
		} {
			d, _ := schemaAttr(t, s, SchemaUser, attr, "")["description"].(string)
			for _, w := range words {
				if !strings.Contains(d, w) {
					t.Errorf("/Schemas %s description %q lacks %q", attr, d, w)
				}
			}
		}
	})
}

// TestTimezoneDatabaseEmbedded: the library links time/tzdata, so time
// zone names are checked on hosts without a zone database (scratch and
// distroless images) as on any other.
func TestTimezoneDatabaseEmbedded(t *testing.T) {
	if deps := deptest.List(t, "github.com/scimkit/scim"); !slices.Contains(deps, "time/tzdata") {
		t.Errorf("the library does not link time/tzdata")
	}
}
