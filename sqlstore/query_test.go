package sqlstore

import (
	"strings"
	"testing"

	"github.com/scimkit/scim/storetest"
)

func TestPrefixRange(t *testing.T) {
	for _, c := range []struct {
		p, hi string
		ok    bool
		exact bool // the range alone is the prefix condition
	}{
		{"a", "b", true, true},
		{"smith", "smiti", true, true},
		{"a%_\\", "a%_]", true, true},
		{"\x7f", "\u0080", true, false},   // carries into a two-byte encoding
		{"é", "ê", true, true},            // C3 A9 -> C3 AA
		{"\u00bf", "\u00c0", true, false}, // C2 BF -> C3 80
		{"a\U0010FFFF", "b", true, false}, // the maximal rune is dropped
		{"\U0010FFFF", "", false, false},
	} {
		hi, ok := prefixEnd(c.p)
		if hi != c.hi || ok != c.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", c.p, hi, ok, c.hi, c.ok)
		}
		if got := ok && exactPrefixRange(c.p, hi); got != c.exact {
			t.Errorf("exactPrefixRange(%q, %q) = %v, want %v", c.p, hi, got, c.exact)
		}
	}
}

// TestUnsortedOrder pins the order of lists without sortBy: by the indexed
// column a range in the filter's top-level "and" chain reads, then id;
// otherwise by id.
func TestUnsortedOrder(t *testing.T) {
	m := storetest.FixtureModel()
	for _, c := range []struct {
		filter, order string
	}{
		{``, "u.id"},
		{`name.familyName sw "a"`, "u.family_name_f, u.id"},
		{`active eq true and name.givenName gt "m"`, "u.given_name_f, u.id"},
		{`meta.lastModified ge "2024-01-01T00:00:00Z" and name.familyName sw "a"`, "u.last_modified, u.id"},
		{`name.familyName sw "a" or name.givenName sw "b"`, "u.id"}, // no one index
		{`title sw "a"`, "u.id"},           // not indexed
		{`name.familyName co "a"`, "u.id"}, // no range
		{`userName eq "x"`, "+u.id"},       // selective: sort the few
	} {
		q, err := m.NewQuery(c.filter, "", "", 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		sq := (&Store{d: sqlite}).compile("acme", q)
		if sq.order != c.order {
			t.Errorf("%q: ORDER BY %s, want %s", c.filter, sq.order, c.order)
		}
		if want := strings.HasPrefix(c.order, "u.") && c.order != "u.id"; sq.indexOrder != want {
			t.Errorf("%q: indexOrder %v, want %v", c.filter, sq.indexOrder, want)
		}
	}
}

// TestInList pins the compilation of an "or" of equalities of one
// attribute (the reports lookup after every create) to one IN list, and
// of a multi-valued attribute's ne.
func TestInList(t *testing.T) {
	m := storetest.FixtureModel()
	const mgr = storetest.EnterpriseURN + "manager.value"
	for _, c := range []struct {
		filter, where string
	}{
		// Padded to a power of two: few statement texts.
		{mgr + ` eq "a" or ` + mgr + ` eq "b@x" or ` + mgr + ` eq "C"`, "u.company = ? AND u.manager_id IN (?, ?, ?, ?)"},
		{`userName eq "A" or userName eq "b"`, "u.company = ? AND u.user_name_f IN (?, ?)"},
		{`userName eq "a" or externalId eq "b"`, "u.company = ? AND (u.user_name_f = ? OR u.external_id = ?)"},
		// Several attributes, as the lookup of a page's references: one IN
		// list each, flat.
		{`id eq "1" or userName eq "a" or id eq "2" or emails.value eq "a" or externalId eq "a" or userName eq "b" or emails.value eq "b" or externalId eq "b"`,
			"u.company = ? AND (u.id IN (?, ?) OR u.user_name_f IN (?, ?) OR u.id IN (SELECT v.user_id FROM user_values v WHERE v.company = ? AND v.attr = ? AND v.value_f IN (?, ?)) OR u.external_id IN (?, ?))"},
		{`emails[type eq "home" or type eq "other"]`,
			"u.company = ? AND u.id IN (SELECT v.user_id FROM user_values v WHERE v.company = ? AND v.attr = ? AND (v.type_f = ? OR v.type_f = ?))"},
		// ne on a multi-valued attribute: no element, or one that differs.
		{`emails.type ne "work"`,
			"u.company = ? AND (NOT COALESCE(u.id IN (SELECT v.user_id FROM user_values v WHERE v.company = ? AND v.attr = ?), 1=0) OR u.id IN (SELECT v.user_id FROM user_values v WHERE v.company = ? AND v.attr = ? AND NOT COALESCE(v.type_f = ?, 1=0)))"},
		{`userName eq "a" or userName sw "b"`, "u.company = ? AND (u.user_name_f = ? OR (u.user_name_f >= ? AND u.user_name_f < ?))"},
		{`userName eq "a" or userName eq ""`, "u.company = ? AND (u.user_name_f = ? OR 1=0)"},
	} {
		q, err := m.NewQuery(c.filter, "", "", 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		sq := (&Store{d: sqlite}).compile("acme", q)
		if sq.where != c.where || !sq.exact {
			t.Errorf("%s:\n got %s (exact %v)\nwant %s", c.filter, sq.where, sq.exact, c.where)
		}
	}
}
