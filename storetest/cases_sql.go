package storetest

import (
	"time"

	"github.com/scimkit/scim"
)

// This file holds the suite's own fixture and filter table: values that
// stress SQL pushdown (quotes, LIKE wildcards, the escape character,
// non-ASCII case folding, absent attributes, custom attribute types).
// testFilters runs the shared filter table (filtercases.go) after it, in a
// tenant of its own.

// sqlModel is the fixture tenant's model.
func sqlModel() *scim.Model {
	return scim.NewModel([]scim.CustomAttribute{
		{Name: "Business Unit", Type: scim.CustomOption, Aliases: []string{"Business_Unit"}},
		{Name: "Employed Since", Type: scim.CustomDate, Aliases: []string{"Employed_Since"}},
		{Name: "Level", Type: scim.CustomNumber},
		{Name: "Mentor", Type: scim.CustomEmployee},
	})
}

var base = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func fixtureUser(id, userName string, minutes int, f func(u *scim.User)) *scim.User {
	u := &scim.User{
		ID:       id,
		UserName: userName,
		Active:   true,
		Meta: scim.Meta{
			ResourceType: "User",
			Created:      base.Add(time.Duration(minutes) * time.Minute),
			LastModified: base.Add(time.Duration(minutes) * time.Minute),
			Version:      `W/"1"`,
		},
	}
	if f != nil {
		f(u)
	}
	return u
}

// sqlUsers are created in this order (ids ascending, so creation order and
// id order agree).
func sqlUsers() []*scim.User {
	return []*scim.User{
		fixtureUser("u01", "alice@example.com", 1, func(u *scim.User) {
			u.ExternalID = "ext-1"
			u.Name = scim.Name{GivenName: "Alice", FamilyName: "Anders", Formatted: "Alice Anders"}
			u.DisplayName = "Alice A"
			u.Title = "Engineer"
			u.Emails = []scim.MultiValue{{Value: "alice@example.com", Type: "work", Primary: true}, {Value: "alice@home.org", Type: "home"}}
			u.PhoneNumbers = []scim.MultiValue{{Value: "+1 555 0100", Type: "work"}}
			u.Enterprise.EmployeeNumber = "1001"
			u.Enterprise.Department = "R&D"
			u.Custom = map[string]string{"Business Unit": "Engineering", "Employed Since": "2019-04-01", "Level": "3"}
		}),
		fixtureUser("u02", "Bob.O'Brien@Example.com", 2, func(u *scim.User) {
			u.ExternalID = "EXT-2"
			u.Name = scim.Name{GivenName: "Bob", FamilyName: "O'Brien"}
			u.Emails = []scim.MultiValue{{Value: "Bob.O'Brien@Example.com", Type: "work"}}
			u.Enterprise.EmployeeNumber = "1002"
			u.Enterprise.Manager = scim.Manager{Value: "u01"}
			u.Custom = map[string]string{"Business Unit": "engineering", "Employed Since": "2021-12-31", "Level": "10", "Mentor": "u01"}
		}),
		fixtureUser("u03", "100%_sure\\;--", 3, func(u *scim.User) {
			u.Name = scim.Name{GivenName: "Percy", FamilyName: "100%"}
			u.Title = "a_b"
			u.Emails = []scim.MultiValue{{Value: "percent%@example.com", Type: "work"}, {Value: "under_score@example.com", Type: "other", Primary: true}}
			u.Custom = map[string]string{"Level": "-2"}
			u.Active = false
		}),
		fixtureUser("u04", "ÄRGER@example.de", 4, func(u *scim.User) {
			u.ExternalID = "ext-4"
			u.Name = scim.Name{GivenName: "Ärger", FamilyName: "Öztürk"}
			u.NickName = "Ärgi"
			u.Title = "Straße"
			u.Emails = []scim.MultiValue{{Value: "ärger@example.de", Type: "Work"}}
			u.Addresses = []scim.Address{{Locality: "Berlin", Country: "DE", Type: "work"}}
			u.Custom = map[string]string{"Business Unit": "Sales", "Employed Since": "2019-04-02"}
		}),
		fixtureUser("u05", "carol", 5, func(u *scim.User) {
			u.Name = scim.Name{FamilyName: "anders"}
			u.NickName = "caz"
			u.Emails = []scim.MultiValue{{Value: "", Type: "work"}}
			u.Addresses = []scim.Address{{Locality: "Paris", Country: "FR", Type: "home"}}
			u.Custom = map[string]string{"Business Unit": "100% Sales_", "Level": "3"}
		}),
		fixtureUser("u06", "dave\\x", 6, func(u *scim.User) {
			u.ExternalID = "ext-6"
			u.Name = scim.Name{GivenName: "Dave", FamilyName: "Zed"}
			u.Active = false
			u.Enterprise.Manager = scim.Manager{Value: "u02"}
			u.PhoneNumbers = []scim.MultiValue{{Value: "+44 20 0000", Type: "mobile", Primary: true}}
		}),
	}
}

// filterCase is one filter of the suite's own table: the ids it matches,
// in creation order, or the substring of the error it is refused with.
type filterCase struct {
	filter  string
	want    []string
	wantErr string
}

var sqlFilterCases = []filterCase{
	{filter: `userName eq "ALICE@example.com"`, want: []string{"u01"}},
	{filter: `userName eq "bob.o'brien@example.com"`, want: []string{"u02"}},
	{filter: `userName eq "100%_sure\\;--"`, want: []string{"u03"}},
	{filter: `userName eq "100__sure\\;--"`, want: nil},
	{filter: `userName sw "100%"`, want: []string{"u03"}},
	{filter: `userName sw "100_"`, want: nil},
	{filter: `userName co "%_"`, want: []string{"u03"}},
	{filter: `userName co "_"`, want: []string{"u03"}},
	{filter: `userName co "%"`, want: []string{"u03"}},
	{filter: `userName ew "\\;--"`, want: []string{"u03"}},
	{filter: `userName co "\\"`, want: []string{"u03", "u06"}},
	{filter: `userName ew "\\x"`, want: []string{"u06"}},
	{filter: `userName sw "ärger"`, want: []string{"u04"}},
	{filter: `userName eq "ärger@EXAMPLE.DE"`, want: []string{"u04"}},
	{filter: `userName gt "carol"`, want: []string{"u04", "u06"}},
	{filter: `userName le "bob.o'brien@example.com"`, want: []string{"u01", "u02", "u03"}},
	{filter: `userName pr`, want: []string{"u01", "u02", "u03", "u04", "u05", "u06"}},
	{filter: `userName ne "carol"`, want: []string{"u01", "u02", "u03", "u04", "u06"}},
	{filter: `externalId eq "ext-1"`, want: []string{"u01"}},
	{filter: `externalId eq "EXT-1"`, want: nil},
	{filter: `externalId eq ext-4`, want: []string{"u04"}},
	{filter: `externalId pr`, want: []string{"u01", "u02", "u04", "u06"}},
	{filter: `externalId eq null`, want: []string{"u03", "u05"}},
	{filter: `externalId eq ""`, want: []string{}},
	{filter: `externalId ne "ext-1"`, want: []string{"u02", "u03", "u04", "u05", "u06"}},
	{filter: `externalId sw "ext"`, want: []string{"u01", "u04", "u06"}},
	{filter: `externalId sw "EXT"`, want: []string{"u02"}},
	{filter: `externalId co "T-"`, want: []string{"u02"}},
	{filter: `id eq "u03"`, want: []string{"u03"}},
	{filter: `id eq "U03"`, want: nil},
	{filter: `active eq true`, want: []string{"u01", "u02", "u04", "u05"}},
	{filter: `active eq false`, want: []string{"u03", "u06"}},
	{filter: `active ne true`, want: []string{"u03", "u06"}},
	{filter: `active pr`, want: []string{"u01", "u02", "u03", "u04", "u05", "u06"}},
	{filter: `name.familyName eq "ANDERS"`, want: []string{"u01", "u05"}},
	{filter: `name.familyName sw "a"`, want: []string{"u01", "u05"}},
	{filter: `name.familyName sw "ö"`, want: []string{"u04"}},
	{filter: `name.givenName pr`, want: []string{"u01", "u02", "u03", "u04", "u06"}},
	{filter: `name.givenName eq null`, want: []string{"u05"}},
	{filter: `name[givenName eq "alice" or familyName eq "zed"]`, want: []string{"u01", "u06"}},
	{filter: `name pr`, want: []string{"u01", "u02", "u03", "u04", "u05", "u06"}},
	{filter: `title eq "STRASSE"`, want: nil},
	{filter: `title eq "straße"`, want: []string{"u04"}},
	{filter: `title co "_"`, want: []string{"u03"}},
	{filter: `emails.value eq "ALICE@HOME.ORG"`, want: []string{"u01"}},
	{filter: `emails eq "alice@example.com"`, want: []string{"u01"}},
	{filter: `emails co "%"`, want: []string{"u03"}},
	{filter: `emails.value co "_"`, want: []string{"u03"}},
	{filter: `emails.value ew "@example.com"`, want: []string{"u01", "u02", "u03"}},
	{filter: `emails[type eq "work"].value eq "ÄRGER@example.de"`, want: []string{"u04"}},
	{filter: `emails[type eq "work" and value co "@example.com"]`, want: []string{"u01", "u02", "u03"}},
	{filter: `emails[type eq "home"]`, want: []string{"u01"}},
	{filter: `emails[primary eq true and value sw "under"]`, want: []string{"u03"}},
	{filter: `emails[not (type eq "work")]`, want: []string{"u01", "u03"}},
	{filter: `emails[value ne "alice@example.com"]`, want: []string{"u01", "u02", "u03", "u04", "u05"}},
	// ne on a multi-valued attribute: some element differs, or there is
	// none (RFC 7644 §3.4.2.2); u01's home email differs.
	{filter: `emails.value ne "alice@example.com"`, want: []string{"u01", "u02", "u03", "u04", "u05", "u06"}},
	{filter: `not (emails.value ne "alice@example.com")`, want: []string{}},
	{filter: `emails.type ne "work"`, want: []string{"u01", "u03", "u06"}}, // u04's "Work" equals, u05's empty value does not matter
	{filter: `not (emails.type eq "work")`, want: []string{"u06"}},
	{filter: `emails.primary ne true`, want: []string{"u01", "u02", "u03", "u04", "u05", "u06"}},
	{filter: `emails.value ne "x" and userName eq "carol"`, want: []string{"u05"}}, // an element without a value differs
	{filter: `phoneNumbers.type ne "mobile"`, want: []string{"u01", "u02", "u03", "u04", "u05"}},
	{filter: `phoneNumbers[type ne "mobile"]`, want: []string{"u01"}},
	{filter: `addresses.type ne "work"`, want: []string{"u01", "u02", "u03", "u05", "u06"}},
	{filter: `emails pr`, want: []string{"u01", "u02", "u03", "u04", "u05"}},
	{filter: `emails.value pr`, want: []string{"u01", "u02", "u03", "u04"}},
	{filter: `emails.value eq null`, want: []string{"u05", "u06"}},
	{filter: `emails.value ne null`, want: []string{"u01", "u02", "u03", "u04"}},
	{filter: `phoneNumbers[type eq "mobile"]`, want: []string{"u06"}},
	{filter: `phoneNumbers.value sw "+"`, want: []string{"u01", "u06"}},
	{filter: `addresses[locality eq "berlin"]`, want: []string{"u04"}},
	{filter: `addresses.country eq "fr" or userName eq "carol"`, want: []string{"u05"}},
	{filter: `addresses pr and active eq true`, want: []string{"u04", "u05"}},
	{filter: `nickName sw "ä" and name.familyName pr`, want: []string{"u04"}},
	{filter: `not (nickName pr)`, want: []string{"u01", "u02", "u03", "u06"}},
	{filter: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1002"`, want: []string{"u02"}},
	{filter: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d"`, want: []string{"u01"}},
	{filter: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "u01"`, want: []string{"u02"}},
	{filter: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "u02"`, want: []string{"u06"}},
	{filter: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr`, want: []string{"u02", "u06"}},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Business Unit eq "x"`, wantErr: "invalidFilter"},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Business_Unit eq "ENGINEERING"`, want: []string{"u01", "u02"}},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Business_Unit ne "engineering"`, want: []string{"u03", "u04", "u05", "u06"}},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Business_Unit co "% sales_"`, want: []string{"u05"}},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Business_Unit pr`, want: []string{"u01", "u02", "u04", "u05"}},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Business_Unit eq null`, want: []string{"u03", "u06"}},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Employed_Since gt "2019-04-01"`, want: []string{"u02", "u04"}},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Employed_Since eq "2019-04-01T10:00:00Z"`, want: []string{"u01"}},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Employed_Since le "2020-01-01"`, want: []string{"u01", "u04"}},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Level gt 2`, want: []string{"u01", "u02", "u05"}},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Level eq 3`, want: []string{"u01", "u05"}},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Level lt "0"`, want: []string{"u03"}},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Level ne 3`, want: []string{"u02", "u03", "u04", "u06"}},
	{filter: `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Mentor eq "u01"`, want: []string{"u02"}},
	{filter: `meta.created gt "2024-01-02T03:08:05Z"`, want: []string{"u05", "u06"}},
	{filter: `meta.lastModified le "2024-01-02T04:06:05+01:00"`, want: []string{"u01", "u02"}},
	{filter: `meta.created pr`, want: []string{"u01", "u02", "u03", "u04", "u05", "u06"}},
	{filter: `meta.version eq "W/\"1\""`, want: []string{"u01", "u02", "u03", "u04", "u05", "u06"}},
	{filter: `userName sw "a" or (active eq false and not (name.familyName eq "zed"))`, want: []string{"u01", "u03"}},
	{filter: `(userName sw "a" or userName sw "b") and emails[type eq "work"]`, want: []string{"u01", "u02"}},
	{filter: `not (emails[type eq "work"] or phoneNumbers pr)`, want: []string{}},
	{filter: `userName eq "alice@example.com" and emails[type eq "home"]`, want: []string{"u01"}},
	{filter: `emails[type eq "home"] and userName eq "bob.o'brien@example.com"`, want: []string{}},
	{filter: `externalId eq "ext-4" and urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Business_Unit eq "SALES"`, want: []string{"u04"}},
	{filter: `id eq "u02" and not (urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Level gt 5)`, want: []string{}},
	{filter: `userName eq "a" and`, wantErr: "invalidFilter"},
	{filter: `nosuch eq "x"`, wantErr: "invalidFilter"},
}

// sortCases are sortBy values checked against the memory store, both ways.
var sqlSortCases = []string{
	"userName", "name.familyName", "name.givenName", "externalId", "id", "active", "meta.created",
	"emails", "emails.type", "phoneNumbers.value", "nickName", "title",
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
	"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Business_Unit",
	"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Employed_Since",
	"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Level",
}
