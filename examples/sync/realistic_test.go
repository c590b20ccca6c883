package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimtest"
)

// TestRealisticExport pushes testdata/hr_export.csv (see export_test.go)
// to an endpoint holding three employees: one whose Department the file
// changes, one whose row is bad, one absent from the file.
func TestRealisticExport(t *testing.T) {
	s := scimtest.NewServer(t, scimtest.WithAttributeSpec("Department:option,Start date:date:Start_date"))
	mustAdd(t, s,
		&scim.User{UserName: "zoe.garcia.1@acme-hr.example", ExternalID: "E0001", Active: true,
			Name: scim.Name{GivenName: "Zoë", FamilyName: "García"}, Locale: "en-GB", Timezone: "Europe/Paris",
			Emails:     []scim.MultiValue{{Value: "zoe.garcia.1@acme-hr.example", Type: "work", Primary: true}},
			Enterprise: scim.EnterpriseUser{EmployeeNumber: "10001"},
			Custom:     map[string]string{"Department": "Engineering", "Start date": "2016-02-02"}},
		&scim.User{UserName: "zoe.garcia.41@acme-hr.example", ExternalID: "E0041", Active: true, Timezone: "Europe/Paris",
			Emails: []scim.MultiValue{{Value: "zoe.garcia.41@acme-hr.example", Type: "work", Primary: true}}},
		&scim.User{UserName: "former.employee@acme-hr.example", ExternalID: "E9999", Active: true})

	// The export's own headers are accepted as is, but for two columns the
	// company does not have: both are named at once, and nothing is
	// written.
	r := runSync(t, s, exportFile)
	if r.code != 2 || !strings.HasPrefix(r.stderr, exportFile+`: columns "Cost Centre", "Notes": not a column this command knows, nor a custom attribute of the company`+"\n") ||
		!strings.Contains(r.stderr, "    Start date (date), also Start_date\n") || r.stdout != "" {
		t.Errorf("unknown columns: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertNoWrites(t, s)

	// The dry run finds every row -apply would refuse, by CSV line (a BOM,
	// a blank line and quoted line breaks before some of them).
	ignore := []string{"-map", "Cost Centre=-,Notes=-"}
	r = runSync(t, s, exportFile, ignore...)
	if r.code != 1 {
		t.Errorf("dry run: exit %d", r.code)
	}
	const email = " is not an email address: Peakon identifies employees by email, so every emails value must be an address such as jane@example.com"
	const noManager = `warning: Manager Email refers to "jose.nunez.60@acme-hr.example", who is neither an employee nor on a good row of the file (their row, line 62, was skipped); provisioned without it`
	want := []string{
		`23: Work Email "not an email"` + email + ` (row skipped)`,
		`24: Work Email "jose.nunez@"` + email + ` (row skipped)`,
		`42: Time Zone "Europe/Atlantis" is not an IANA time zone such as Europe/Paris or America/New_York (row skipped)`,
		`43: Time Zone "CEST" is not an IANA time zone such as Europe/Paris or America/New_York (row skipped; zoe.garcia.41@acme-hr.example is left as the endpoint has them)`,
		`62: Start Date must be a date such as 2019-04-01 or an ISO 8601 date-time such as 2019-04-01T00:00:00Z, not "31/02/2020" (row skipped)`,
		`73: Locale "english" is not a language tag such as en-US or fr (row skipped)`,
		`102: Work Email "tomas.odegard.98@acme-hr.example" is also on line 101 (row skipped)`,
		`63: ` + noManager,
		`64: ` + noManager,
		`65: ` + noManager,
		`125: warning: Manager Email refers to "chloe.novak.999@acme-hr.example", who is neither an employee nor on a good row of the file; provisioned without it`,
	}
	if d := cmp.Diff(want, findings(r.stderr, exportFile)); d != "" {
		t.Errorf("dry run's findings (-want +got):\n%s", d)
	}
	for _, line := range []string{
		"create      asa.ferreira.2@acme-hr.example (line 3)",
		"create      tomas.odegard.18@acme-hr.example (line 20)", // after a quoted line break
		"create      zoe.garcia.101@acme-hr.example (line 105)",  // after the blank line
		"update      zoe.garcia.1@acme-hr.example (line 2): Department: Engineering → Customer Success",
		"deactivate  former.employee@acme-hr.example (not in the file)",
		"dry run, nothing written: would create 292, update 1, deactivate 1; 1 unchanged; 7 bad rows skipped",
	} {
		if !strings.Contains(r.stdout, line+"\n") {
			t.Errorf("the plan lacks %q", line)
		}
	}
	assertNoWrites(t, s)

	// -apply does what the dry run said, and nothing fails.
	r = runSync(t, s, exportFile, append(ignore, "-apply")...)
	if got, want := lastLine(r.stdout), "applied: created 292, updated 1, deactivated 1; failed 0; 1 unchanged; 7 bad rows skipped"; r.code != 1 || got != want {
		t.Errorf("apply: exit %d, summary %q, want %q\n%s", r.code, got, want, r.stderr)
	}
	if d := cmp.Diff(want, findings(r.stderr, exportFile)); d != "" {
		t.Errorf("apply's findings (-want +got):\n%s", d)
	}
	for _, line := range []string{"writing 573 changes\n", "progress: 573/573 changes\n"} { // both rounds, counted up front
		if !strings.Contains(r.stderr, line) {
			t.Errorf("stderr lacks %q", line)
		}
	}
	user := func(name string) *scim.User {
		t.Helper()
		u := s.UserByUserName(name)
		if u == nil {
			t.Fatalf("no %s", name)
		}
		return u
	}
	if u := user("zoe.garcia.41@acme-hr.example"); !u.Active || u.Timezone != "Europe/Paris" || u.Custom["Department"] != "" {
		t.Errorf("the employee of a bad row was changed: %+v", u)
	}
	if user("former.employee@acme-hr.example").Active {
		t.Error("the employee absent from the file is active")
	}
	dept := user("bjorn.muller.3@acme-hr.example")
	if dept.Custom["Department"] != `Sales "EMEA"` || dept.Name.GivenName != "Björn" || dept.Enterprise.Manager.Value != user("zoe.garcia.1@acme-hr.example").ID {
		t.Errorf("row 3: %+v", dept)
	}
	if got, want := user("mei.hakansson.11@acme-hr.example").Enterprise.Manager.Value, user("ngozi.novak.292@acme-hr.example").ID; got != want {
		t.Errorf("a manager listed after their report: %q, want %q", got, want)
	}
	if user("ana.dubois.150@acme-hr.example").Active || user("mei.hakansson.151@acme-hr.example").Active || !user("omer.ivanova.16@acme-hr.example").Active {
		t.Error("Status Terminated/No (inactive) or 1 (active) misread")
	}
	if u := user("zoe.garcia.61@acme-hr.example"); u.Enterprise.Manager.Value != "" || !u.Active {
		t.Errorf("the report of a bad row: %+v", u)
	}

	// A second run writes nothing.
	s.ResetRequests()
	r = runSync(t, s, exportFile, append(ignore, "-apply")...)
	if got, want := lastLine(r.stdout), "applied: nothing to change; failed 0; 294 unchanged; 7 bad rows skipped"; r.code != 1 || got != want {
		t.Errorf("second run: exit %d, summary %q, want %q\n%s", r.code, got, want, r.stderr)
	}
	assertNoWrites(t, s)
}
