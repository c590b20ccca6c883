package sqlstore

import (
	"testing"

	"github.com/scimkit/scim/storetest"
)

// TestPushdownCoverage reports which filters of the shared table are
// evaluated partly in Go, and pins those that must not be: lookups clients
// send all the time.
func TestPushdownCoverage(t *testing.T) {
	m := storetest.FixtureModel()
	st := &Store{d: sqlite}
	pushed := 0
	total := 0
	for _, c := range storetest.FilterCases {
		if c.WantErr != "" {
			continue
		}
		q, err := m.NewQuery(c.Filter, "", "", 1, 100)
		if err != nil {
			t.Fatalf("%s: %v", c.Filter, err)
		}
		total++
		if st.compile("acme", q).exact {
			pushed++
		} else {
			t.Logf("evaluated in Go: %s", c.Filter)
		}
	}
	t.Logf("%d of %d filters of the shared table compile entirely to SQL", pushed, total)
	for _, f := range []string{
		`userName eq "x"`, `externalId eq "x"`, `id eq "x"`, `emails eq "x"`, `emails.value eq "x"`,
		`emails[type eq "work"].value eq "x"`, `emails[type eq "work" and value co "@x"]`,
		`userName eq "x" and emails[type eq "work"].value eq "y"`, `name.familyName sw "a"`,
		`active eq false`, `meta.lastModified gt "2020-01-01T00:00:00Z"`, `phoneNumbers[type eq "mobile"].value sw "+1"`,
		storetest.PeakonURN + `Department eq "x"`, storetest.PeakonURN + `Employed_Since ge "2020-01-01"`,
		storetest.PeakonURN + `Salary gt 5`, storetest.PeakonURN + `Manager pr`,
		storetest.EnterpriseURN + `employeeNumber eq "1"`, storetest.EnterpriseURN + `manager.value eq "u1"`,
		`not (userName sw "a") or title co "x"`,
		`emails.type ne "work"`, `phoneNumbers ne "x"`, `emails[not (type eq "work")]`, `not (emails.value ne "x")`,
		`id eq "a" or userName eq "a" or emails.value eq "a" or externalId eq "a" or id eq "b" or userName eq "b"`,
	} {
		q, err := m.NewQuery(f, "", "", 1, 100)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !st.compile("acme", q).exact {
			t.Errorf("%s is not pushed down entirely", f)
		}
	}
}
