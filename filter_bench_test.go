package scim_test

import (
	"context"
	"testing"

	scim "github.com/scimkit/scim"
	"github.com/scimkit/scim/storetest"
)

const fiveTerms = `userName sw "a" and (emails[type eq "work"] or title co "Engineer") and not (active eq false) and meta.created gt "2020-01-01T00:00:00Z"`

func BenchmarkParseFilter(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scim.ParseFilter(fiveTerms); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseFilterUserNameEq parses the lookup Okta and Entra make
// before every create (ParseFilter's fast path).
func BenchmarkParseFilterUserNameEq(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scim.ParseFilter(`userName eq "bjensen@example.com"`); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	m := storetest.FixtureModel()
	f, err := scim.ParseFilter(fiveTerms + ` or ` + storetest.PeakonURN + `Employed_Since ge "2020-01-01"`)
	if err != nil {
		b.Fatal(err)
	}
	match, err := m.CompileFilter(f)
	if err != nil {
		b.Fatal(err)
	}
	u := storetest.FixtureUsers()[4]
	b.ReportAllocs()
	for b.Loop() {
		match(u)
	}
}

const bigTenant = 100_000

// benchListUsers lists the first 100 users of the big tenant that match
// filter, sorted by sortBy; want is how many the page must hold, -1 for
// any number.
func benchListUsers(b *testing.B, filter, sortBy string, want int) {
	s := manyUsers(b, bigTenant)
	q := mustQuery(b, storetest.FixtureModel(), filter, sortBy, "", 1, 100)
	b.ReportAllocs()
	for b.Loop() {
		page, err := s.ListUsers(context.Background(), tenant, q)
		if err != nil || want >= 0 && len(page.Users) != want {
			b.Fatal(page, err)
		}
	}
}

func BenchmarkListFamilyNameSw(b *testing.B) {
	benchListUsers(b, `name.familyName sw "A"`, "", -1)
}

func BenchmarkListFamilyNameSwSorted(b *testing.B) {
	benchListUsers(b, `name.familyName sw "A"`, "name.familyName", -1)
}

func BenchmarkListUserNameEq(b *testing.B) {
	benchListUsers(b, `userName eq "USER77777@example.com"`, "", 1)
}

// BenchmarkListExternalIDEq is the lookup Okta and Entra make by
// externalId, served by the (non-unique) externalId index.
func BenchmarkListExternalIDEq(b *testing.B) {
	benchListUsers(b, `externalId eq "ext-77777"`, "", 1)
}

func BenchmarkGetUser(b *testing.B) {
	s := manyUsers(b, bigTenant)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GetUser(context.Background(), tenant, "00077777"); err != nil {
			b.Fatal(err)
		}
	}
}

// An indexed userName eq list does the work of a GetUser plus a constant:
// allocation counts are deterministic, where timings are not.
func TestIndexedListCostsAboutAGet(t *testing.T) {
	s := manyUsers(t, 2000)
	m := storetest.FixtureModel()
	ctx := context.Background()
	q := mustQuery(t, m, `userName eq "USER777@example.com"`, "", "", 1, 100)
	list := testing.AllocsPerRun(50, func() {
		if page, err := s.ListUsers(ctx, tenant, q); err != nil || len(page.Users) != 1 {
			t.Fatal(page, err)
		}
	})
	get := testing.AllocsPerRun(50, func() {
		if _, err := s.GetUser(ctx, tenant, "00000777"); err != nil {
			t.Fatal(err)
		}
	})
	if list > get+3 {
		t.Errorf("indexed list allocates %v times, GetUser %v; want at most 3 more", list, get)
	}
}
