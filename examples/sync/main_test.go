package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimclient"
	"github.com/scimkit/scim/scimtest"
)

type result struct {
	code           int
	stdout, stderr string
}

// runSync runs the command against s with the file and the flags.
func runSync(t *testing.T, s *scimtest.Server, file string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"-url", s.URL(), "-token", s.Token(), "-csv", file}, args...), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func writeCSV(t *testing.T, content string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "employees.csv")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// lastLine is stdout's summary.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// findings are stderr's lines about the file, without its name.
func findings(stderr, file string) []string {
	var out []string
	for l := range strings.SplitSeq(stderr, "\n") {
		if rest, ok := strings.CutPrefix(l, file+":"); ok {
			out = append(out, rest)
		}
	}
	return out
}

func assertNoWrites(t *testing.T, s *scimtest.Server) {
	t.Helper()
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		s.AssertRequestCount(t, m, "/*", 0)
	}
}

func mustAdd(t *testing.T, s *scimtest.Server, users ...*scim.User) {
	t.Helper()
	for _, u := range users {
		if _, err := s.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFlags(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.csv")
	for _, tc := range []struct {
		name string
		args []string
		want []string // stderr lines, usage line aside
	}{
		{"nothing", nil, []string{
			"missing -url (the endpoint's base URL, e.g. https://api.peakon.com/scim/v2)",
			"missing -token (the bearer token)",
			"missing -csv (the CSV file of employees)"}},
		{"no -csv", []string{"-url", "http://127.0.0.1:1/scim/v2", "-token", "t"}, []string{"missing -csv (the CSV file of employees)"}},
		// Flags are checked before the file is read: no word of it.
		{"bad -key", []string{"-url", "http://127.0.0.1:1/scim/v2", "-token", "t", "-csv", missing, "-key", "email"},
			[]string{`-key "email": use externalId or userName`}},
		{"bad -map", []string{"-url", "http://127.0.0.1:1/scim/v2", "-token", "t", "-csv", missing, "-map", "Work Email,Notes=-"},
			[]string{`-map: "Work Email" is not COLUMN=NAME (or COLUMN=- to ignore the column)`}},
		{"-map twice", []string{"-url", "http://127.0.0.1:1/scim/v2", "-token", "t", "-csv", missing, "-map", "Notes=-,notes=Email"},
			[]string{`-map: the column "notes" is mapped twice`}},
		{"bad -url", []string{"-url", "api.peakon.com/scim/v2", "-token", "t", "-csv", missing},
			[]string{`-url "api.peakon.com/scim/v2": use the endpoint's base URL, such as https://api.peakon.com/scim/v2`}},
		{"arguments", []string{"-url", "http://127.0.0.1:1/scim/v2", "-token", "t", "-csv", missing, "apply"},
			[]string{`unexpected arguments "apply" (flags come before them)`}},
		{"no file", []string{"-url", "http://127.0.0.1:1/scim/v2", "-token", "t", "-csv", missing},
			[]string{"-csv: open " + missing + ": no such file or directory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), tc.args, &out, &errOut); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			var got []string
			for l := range strings.SplitSeq(strings.TrimSpace(errOut.String()), "\n") {
				if !strings.HasPrefix(l, "usage:") {
					got = append(got, l)
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("stderr (-want +got):\n%s", d)
			}
		})
	}
}

func TestColumns(t *testing.T) {
	for _, tc := range []struct {
		name, attrs, mapping string
		header               []string
		want                 []string // what each column sets ("-": ignored)
		wantErr              []string // lines of the error, when it fails
	}{
		{name: "documented names, any case", attrs: "Department",
			header: []string{"EMAIL", "first name", "Last Name", "employee number", "locale", "timezone", "External ID", "active", "department"},
			want:   []string{"Email", "First name", "Last name", "Employee number", "Locale", "Timezone", "External ID", "Active", "Department"}},
		{name: "HR headers as is", attrs: "Department,Start date:date",
			header: []string{"Work Email", "Employee ID", "Time Zone", "Status", "Manager Email", "Employee #", "start_date", "Start Date"},
			want:   []string{"Email", "External ID", "Timezone", "Active", "Enterprise manager", "Employee number", "Start date", "-"},
			wantErr: []string{
				`"start_date" and "Start Date" both set Start date; ignore one with -map 'COLUMN=-'`}},
		{name: "mapped", attrs: "Team", mapping: "Mail=Email,Person=External ID,Zone=Timezone,State=Active,Group=team,Notes=-",
			header: []string{"Mail", "Person", "Zone", "State", "Group", "Notes"},
			want:   []string{"Email", "External ID", "Timezone", "Active", "Team", "-"}},
		{name: "the brief's mapping", mapping: "Work Email=Email,Employee ID=External ID,Time Zone=Timezone,Status=Active",
			header: []string{"Work Email", "Employee ID", "Time Zone", "Status"},
			want:   []string{"Email", "External ID", "Timezone", "Active"}},
		{name: "nameless columns are ignored", header: []string{"Email", "", " "}, want: []string{"Email", "-", "-"}},
		{name: "Manager without a Manager attribute", attrs: "Department",
			header: []string{"Email", "Manager"}, want: []string{"Email", "Enterprise manager"}},
		{name: "Manager with a Manager attribute", attrs: "Manager:employee",
			header: []string{"Email", "Manager", "Manager Email"}, want: []string{"Email", "Manager", "Enterprise manager"}},
		{name: "the Enterprise manager by -map", attrs: "Manager:employee", mapping: "Boss=Enterprise manager",
			header: []string{"Email", "Boss"}, want: []string{"Email", "Enterprise manager"}},
		{name: "every unknown column at once", attrs: "Department,Start date:date:Start_date",
			header: []string{"Work Email", "Cost Centre", "Department", "Notes", "Badge"},
			wantErr: []string{
				`columns "Cost Centre", "Notes", "Badge": not a column this command knows, nor a custom attribute of the company`,
				`  accepted columns (any case and spacing):`,
				`    Email (or Work Email, Email Address, Work Email Address, Primary Email)`,
				`    First name (or Given name)`,
				`    Last name (or Family name, Surname)`,
				`    Employee number (or Employee #, Employee No, Employee No.)`,
				`    Locale`,
				`    Timezone (or TZ)`,
				`    External ID (or Employee ID)`,
				`    Active (or Status, Employment status)`,
				`    Enterprise manager (or Manager, Manager email, Manager email address)`,
				`  the company's custom attributes:`,
				`    Department (option)`,
				`    Start date (date), also Start_date`,
				`  map a column with -map 'COLUMN=NAME', ignore one with -map 'COLUMN=-'`}},
		{name: "a -map target nobody has", mapping: "Team=Squad", header: []string{"Email", "Team"},
			wantErr: []string{
				`-map "Team"="Squad": not a column this command knows, nor a custom attribute of the company`,
				`  accepted columns (any case and spacing):`}},
		{name: "a -map column the file lacks", mapping: "Employee Number=-", header: []string{"Email"},
			wantErr: []string{`-map names the column "Employee Number", which the file does not have (its columns: "Email")`}},
		{name: "no Email column", header: []string{"Name", "Login"}, mapping: "Name=First name,Login=-",
			wantErr: []string{`no Email column (the file's columns: "Name", "Login"); name one with -map 'COLUMN=Email'`}},
		{name: "two emails", header: []string{"Email", "Work Email"},
			wantErr: []string{`"Email" and "Work Email" both set Email; ignore one with -map 'COLUMN=-'`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := scimtest.NewServer(t, scimtest.WithAttributeSpec(tc.attrs))
			mp, err := parseMap(tc.mapping)
			if err != nil {
				t.Fatal(err)
			}
			cols, err := newCatalog(s.Model()).resolve(tc.header, mp)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("resolved %v, want an error", cols)
				}
				got := strings.Split(err.Error(), "\n")
				if len(got) > len(tc.wantErr) {
					got = got[:len(tc.wantErr)]
				}
				if d := cmp.Diff(tc.wantErr, got); d != "" {
					t.Errorf("error (-want +got):\n%s", d)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cols {
				if c.field == nil {
					got = append(got, "-")
				} else {
					got = append(got, c.field.name)
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("columns (-want +got):\n%s", d)
			}
		})
	}
}

func TestValues(t *testing.T) {
	for _, tc := range []struct {
		check func(string) error
		value string
		ok    bool
	}{
		{checkTimezone, "Europe/Paris", true},
		{checkTimezone, "America/Argentina/Buenos_Aires", true},
		{checkTimezone, "UTC", true},
		{checkTimezone, "Europe/Atlantis", false},
		{checkTimezone, "CEST", false},
		{checkTimezone, "Local", false},
		{checkTimezone, "europe/paris", false},
		{checkLocale, "en-US", true},
		{checkLocale, "en_US", true}, // as Okta sends it
		{checkLocale, "fr", true},
		{checkLocale, "nb-NO", true},
		{checkLocale, "english", false},
		{checkLocale, "xx", false},
	} {
		if err := tc.check(tc.value); (err == nil) != tc.ok {
			t.Errorf("%q: %v, want ok=%v", tc.value, err, tc.ok)
		}
	}
	for v, want := range map[string]bool{
		"true": true, "FALSE": false, "Yes": true, "no": false, "1": true, "0": false,
		"Active": true, "INACTIVE": false, "Terminated": false, "y": true, "N": false,
	} {
		if got, err := parseActive(v); err != nil || got != want {
			t.Errorf("parseActive(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"maybe", "on leave", "2"} {
		if _, err := parseActive(v); err == nil {
			t.Errorf("parseActive(%q) accepted", v)
		}
	}
}

func TestSmallFile(t *testing.T) {
	s := scimtest.NewServer(t, scimtest.WithAttributeSpec("Department:option"))
	mustAdd(t, s, &scim.User{UserName: "old@example.com", ExternalID: "x9", Active: true})
	file := writeCSV(t, "external id,EMAIL,First name,Last name,Status,Department\n"+
		"x1,ada@example.com,Ada,Lovelace,,IT\n"+
		"x2,grace@example.com,Grace,Hopper,yes,Navy\n"+
		"x3,not-an-email,Bad,Row,true,\n"+
		"x4,alan@example.com,Alan,Turing,maybe,IT\n"+
		"x5,kurt@example.com,Kurt,Gödel,Terminated,\n"+
		",nokey@example.com,No,Key,,\n")
	r := runSync(t, s, file)
	if r.code != 1 {
		t.Fatalf("dry run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	want := []string{
		`4: EMAIL "not-an-email" is not an email address: Peakon identifies employees by email, so every emails value must be an address such as jane@example.com (row skipped)`,
		`5: Status "maybe" is not a status: use true/false, yes/no, 1/0 or active/inactive/terminated (row skipped)`,
		`7: external id is empty; employees are matched by it (or use -key userName) (row skipped)`,
	}
	if d := cmp.Diff(want, findings(r.stderr, file)); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	if got, want := lastLine(r.stdout), "dry run, nothing written: would create 3, deactivate 1; 0 unchanged; 3 bad rows skipped"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	assertNoWrites(t, s)

	r = runSync(t, s, file, "-apply")
	if r.code != 1 {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got, want := lastLine(r.stdout), "applied: created 3, deactivated 1; failed 0; 0 unchanged; 3 bad rows skipped"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	ada := s.UserByUserName("ada@example.com")
	if ada == nil || !ada.Active || ada.Name.GivenName != "Ada" || ada.Custom["Department"] != "IT" || ada.ExternalID != "x1" {
		t.Errorf("ada: %+v", ada)
	}
	if kurt := s.UserByUserName("kurt@example.com"); kurt == nil || kurt.Active || kurt.Name.FamilyName != "Gödel" {
		t.Errorf("kurt: %+v", kurt)
	}
	if old := s.UserByUserName("old@example.com"); old.Active {
		t.Error("the employee absent from the file is still active")
	}

	// A clean file applies with exit 0, and again with no write.
	clean := writeCSV(t, "Email,External ID,Department\nada@example.com,x1,Research\ngrace@example.com,x2,Navy\nkurt@example.com,x5,\n")
	r = runSync(t, s, clean, "-apply")
	if r.code != 0 {
		t.Fatalf("clean apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "updated     ada@example.com (line 2): Department: IT → Research\n") {
		t.Errorf("the update is not worded as the web log words it:\n%s", r.stdout)
	}
	if got, want := lastLine(r.stdout), "applied: updated 1, reactivated 1; failed 0; 1 unchanged"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	s.ResetRequests()
	if r = runSync(t, s, clean, "-apply"); r.code != 0 || lastLine(r.stdout) != "applied: nothing to change; failed 0; 3 unchanged" {
		t.Fatalf("clean re-apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertNoWrites(t, s)
}

func TestRefusal(t *testing.T) {
	s := scimtest.NewServer(t)
	var rows strings.Builder
	rows.WriteString("Email\n")
	for i := range 12 {
		name := "e" + string(rune('a'+i)) + "@example.com"
		u := &scim.User{UserName: name, Active: true, Emails: []scim.MultiValue{{Value: name, Type: "work", Primary: true}}}
		mustAdd(t, s, u)
		if i < 2 {
			rows.WriteString(u.UserName + "\n")
		}
	}
	file := writeCSV(t, rows.String()) // a truncated export: 10 of 12 absent
	for _, args := range [][]string{nil, {"-apply"}} {
		r := runSync(t, s, file, args...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
		want := "refused: nothing applied — rerun with -force after checking the input"
		if args == nil {
			want = "refused: -apply would apply nothing — rerun with -force after checking the input"
		}
		if got := lastLine(r.stdout); got != want {
			t.Errorf("%v: last line %q, want %q", args, got, want)
		}
		if !strings.Contains(r.stderr, "refusing to deactivate") {
			t.Errorf("%v: stderr does not say why:\n%s", args, r.stderr)
		}
	}
	assertNoWrites(t, s)
	r := runSync(t, s, file, "-apply", "-force")
	if got, want := lastLine(r.stdout), "applied: deactivated 10; failed 0; 2 unchanged"; r.code != 0 || got != want {
		t.Errorf("forced: exit %d, %q, want %q\n%s", r.code, got, want, r.stderr)
	}
}

func TestRetriesShown(t *testing.T) {
	clientOptions = []scimclient.Option{scimclient.WithBackoff(time.Millisecond, time.Millisecond)}
	t.Cleanup(func() { clientOptions = nil })
	s := scimtest.NewServer(t)
	file := writeCSV(t, "Email\nada@example.com\n")
	s.FailMatching("GET", "/Users", 1, scimtest.Status(503))
	s.FailMatching("POST", "/Bulk", 1, scimtest.RateLimited(time.Second))
	r := runSync(t, s, file, "-apply")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"GET /Users: 503 Service Unavailable\nGET /Users: retrying (attempt 2, after waiting ",
		"POST /Bulk: 429 Too Many Requests; the endpoint asks to wait 1s (Retry-After)\nPOST /Bulk: retrying (attempt 2, after waiting ",
		"writing 1 change\n",
		"progress: 1/1 changes\n",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestManagers: a Manager column sets the company's Manager attribute
// when it has one, the Enterprise manager otherwise; Manager Email always
// the Enterprise manager; a changed manager reads by email.
func TestManagers(t *testing.T) {
	s := scimtest.NewServer(t, scimtest.WithAttributeSpec("Manager:employee"))
	file := writeCSV(t, "Email,Manager,Manager Email\nada@example.com,,\ngrace@example.com,ada@example.com,\nalan@example.com,grace@example.com,ada@example.com\n")
	if r := runSync(t, s, file, "-apply"); r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	ada, grace, alan := s.UserByUserName("ada@example.com"), s.UserByUserName("grace@example.com"), s.UserByUserName("alan@example.com")
	if got := grace.Custom["Manager"]; got != ada.ID {
		t.Errorf("grace's Manager attribute is %q, want ada (%s)", got, ada.ID)
	}
	if alan.Custom["Manager"] != grace.ID || alan.Enterprise.Manager.Value != ada.ID {
		t.Errorf("alan: Manager %q, Enterprise manager %q", alan.Custom["Manager"], alan.Enterprise.Manager.Value)
	}
	file = writeCSV(t, "Email,Manager,Manager Email\nada@example.com,,\ngrace@example.com,ada@example.com,\nalan@example.com,grace@example.com,grace@example.com\n")
	r := runSync(t, s, file, "-apply")
	if want := "updated     alan@example.com (line 4): Manager Email: ada@example.com → grace@example.com\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
	}

	plain := scimtest.NewServer(t)
	file = writeCSV(t, "Email,Manager\nada@example.com,\ngrace@example.com,ada@example.com\n")
	if r := runSync(t, plain, file, "-apply"); r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got, want := plain.UserByUserName("grace@example.com").Enterprise.Manager.Value, plain.UserByUserName("ada@example.com").ID; got != want {
		t.Errorf("grace's Enterprise manager is %q, want %q", got, want)
	}
}

// TestRowChecks: what the file itself gets wrong, by CSV line.
func TestRowChecks(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		args      []string
		code      int
		want      []string // findings
	}{
		{name: "an external id twice, an email twice in another case",
			csv: "Email,External ID\nada@example.com,x1\ngrace@example.com,x1\nADA@example.com,x3\n", code: 1,
			want: []string{
				`3: External ID "x1" is also on line 2 (row skipped)`,
				`4: Email "ADA@example.com" is also on line 2 (row skipped)`}},
		{name: "by userName, the external id may be empty",
			csv: "Email,External ID\nada@example.com,\ngrace@example.com,x2\n", args: []string{"-key", "userName"}, code: 0},
		{name: "lines after a quoted line break, a blank line and a BOM",
			csv: "\ufeffEmail,Department\r\nada@example.com,\"two\r\nlines\"\r\n\r\nbad,x\r\n", code: 1,
			want: []string{`5: Email "bad" is not an email address: Peakon identifies employees by email, so every emails value must be an address such as jane@example.com (row skipped)`}},
		{name: "too many fields, an unbalanced quote",
			csv: "Email\nada@example.com,extra\ngrace@example.com\n\"alan@example.com\n", code: 1,
			want: []string{
				`2: 2 fields, but the header names 1 columns (row skipped)`,
				`4: cannot be read: extraneous or missing " in quoted-field (line 4, column 19) (row skipped)`}},
		{name: "a value too long, a bad date, in one row",
			csv: "Email,Start date\n" + strings.Repeat("a", 300) + "@example.com,2020-13-01\n", code: 1,
			want: []string{`2: Start date must be a date such as 2019-04-01 or an ISO 8601 date-time such as 2019-04-01T00:00:00Z, not "2020-13-01"; Email must be at most 256 characters long (row skipped)`}},
		{name: "-key externalId without the column", csv: "Email\nada@example.com\n", args: []string{"-key", "externalId"}, code: 2,
			want: []string{` -key externalId, but the file has no External ID column (its columns: "Email")`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := scimtest.NewServer(t, scimtest.WithAttributeSpec("Department,Start date:date"))
			file := writeCSV(t, tc.csv)
			r := runSync(t, s, file, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if d := cmp.Diff(tc.want, findings(r.stderr, file)); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
			assertNoWrites(t, s)
		})
	}
}

// TestExplain: Sync's duplicates and positions read as CSV lines.
func TestExplain(t *testing.T) {
	sh := &sheet{cols: []column{{header: "Work Email", field: fields[0]}, {header: "Employee ID", field: fieldNamed("External ID")}}}
	p := &printer{sheet: sh, in: &input{rows: []*row{{line: 2}, {line: 5}, {line: 9}}}}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&scimclient.DuplicateError{Attribute: "userName", Value: "ada@example.com", Index: 2, First: 1}, `Work Email "ada@example.com" is also on line 5`},
		{&scimclient.DuplicateError{Attribute: "externalId", Value: "E1", Index: 1, First: 0}, `Employee ID "E1" is also on line 2`},
		{scim.Errorf(400, scim.SCIMTypeInvalidValue, "emails[0].value %q is not an email address", "x"), `Work Email "x" is not an email address`},
	} {
		if got := p.explain(tc.err, pathNames(sh)); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestBadRowKeepsEmployee: the employee of a bad row is left as they
// are, not deactivated as absent from the file, whatever the key.
func TestBadRowKeepsEmployee(t *testing.T) {
	const kept = `2: Time Zone "CEST" is not an IANA time zone such as Europe/Paris or America/New_York (row skipped; ada@example.com is left as the endpoint has them`
	for _, tc := range []struct{ name, csv, summary, finding string }{
		{"by userName", "Email,Time Zone\nADA@example.com,CEST\ngrace@example.com,Europe/Paris\n",
			"applied: created 1; failed 0; 1 unchanged; 1 bad row skipped", kept + ")"},
		{"by externalId", "Email,Time Zone,External ID\nada.new@example.com,CEST,x1\ngrace@example.com,Europe/Paris,x2\n",
			"applied: created 1; failed 0; 1 unchanged; 1 bad row skipped", kept + ")"},
		{"by userName, no externalId yet", "Email,Time Zone,External ID\nada@example.com,CEST,x7\ngrace@example.com,Europe/Paris,x2\n",
			"applied: created 1, updated 1; failed 0; 0 unchanged; 1 bad row skipped", kept + ", but for their External ID, the key)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := scimtest.NewServer(t)
			externalID := "x1"
			if strings.Contains(tc.name, "no externalId") {
				externalID = ""
			}
			mustAdd(t, s, &scim.User{UserName: "ada@example.com", ExternalID: externalID, Active: true, Timezone: "Europe/Paris",
				Emails: []scim.MultiValue{{Value: "ada@example.com", Type: "work", Primary: true}}})
			file := writeCSV(t, tc.csv)
			r := runSync(t, s, file, "-apply")
			if got := lastLine(r.stdout); r.code != 1 || got != tc.summary {
				t.Errorf("exit %d, summary %q, want %q\n%s", r.code, got, tc.summary, r.stderr)
			}
			want := []string{tc.finding}
			if d := cmp.Diff(want, findings(r.stderr, file)); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
			if ada := s.UserByUserName("ada@example.com"); !ada.Active || ada.Timezone != "Europe/Paris" {
				t.Errorf("ada: %+v", ada)
			}
		})
	}
}

// TestFailures: what the endpoint refuses at apply time is named, counted
// in the summary, and exits 1.
func TestFailures(t *testing.T) {
	s := scimtest.NewServer(t, scimtest.WithAttributeSpec("Department"))
	file := writeCSV(t, "Email,Department\nada@example.com,IT\ngrace@example.com,Navy\n")
	s.FailMatching("POST", "/Bulk", 1, scimtest.Status(400))
	r := runSync(t, s, file, "-apply")
	want := "FAILED to create ada@example.com (line 2) — fault injected by scimtest: status 400\n" +
		"FAILED to create grace@example.com (line 3) — fault injected by scimtest: status 400\n" +
		"applied: nothing; failed 2; 0 unchanged\n"
	if d := cmp.Diff(want, r.stdout); r.code != 1 || d != "" {
		t.Errorf("exit %d, stdout (-want +got):\n%s", r.code, d)
	}
}
