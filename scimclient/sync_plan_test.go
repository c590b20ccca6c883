package scimclient_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimclient"
	"github.com/scimkit/scim/scimtest"
)

// outcome is a step as the tests compare it.
type outcome struct {
	UserName string
	Action   scimclient.Action
	Status   scimclient.Status
}

func outcomes(rep *scimclient.Report) map[string]outcome {
	out := map[string]outcome{}
	for _, st := range rep.Steps {
		out[st.UserName] = outcome{st.UserName, st.Action, st.Status}
	}
	return out
}

func stepOf(rep *scimclient.Report, userName string) *scimclient.Step {
	for _, st := range rep.Steps {
		if st.UserName == userName {
			return st
		}
	}
	return nil
}

// TestSyncValidatesAtPlanTime: what the endpoint would refuse is found
// before anything is written, in a dry run as in a real one, with every
// problem of a user at once.
func TestSyncValidatesAtPlanTime(t *testing.T) {
	t.Parallel()
	existing := employee(1, true)
	s, c := serve(t, scimtest.WithAttributeSpec("Start date:date,Level:number"), scimtest.WithUsers(existing))

	badEmail := employee(2, true)
	badEmail.Emails[0].Value = "jose.nunez@"
	twoProblems := employee(3, true)
	twoProblems.Emails[0].Value = "not an email"
	twoProblems.Custom = map[string]string{"Start date": "31/02/2020", "Level": "high"}
	badUpdate := employee(1, true)
	badUpdate.Emails[0].Value = "still not@an email"
	good := employee(4, true)
	desired := []*scim.User{badEmail, twoProblems, badUpdate, good}
	want := map[string]outcome{
		"e002@example.com": {"e002@example.com", scimclient.ActionSkip, scimclient.StatusFailed},
		"e003@example.com": {"e003@example.com", scimclient.ActionSkip, scimclient.StatusFailed},
		"e001@example.com": {"e001@example.com", scimclient.ActionSkip, scimclient.StatusFailed},
		"e004@example.com": {"e004@example.com", scimclient.ActionCreate, scimclient.StatusApplied},
	}
	wantErr := map[string][]string{
		"e002@example.com": {`"jose.nunez@" is not an email address`},
		"e003@example.com": {`"not an email" is not an email address`, `Start date`, `31/02/2020`, `Level`},
		"e001@example.com": {`"still not@an email" is not an email address`},
	}
	for _, dry := range []bool{true, false} {
		rep, err := scimclient.Sync(context.Background(), c, desired, scimclient.SyncOptions{DryRun: dry})
		if err != nil {
			t.Fatal(err)
		}
		w := want
		if dry {
			w = map[string]outcome{}
			for k, o := range want {
				if o.Status == scimclient.StatusApplied {
					o.Status = scimclient.StatusNotAttempted
				}
				w[k] = o
			}
		}
		if diff := cmp.Diff(w, outcomes(rep)); diff != "" {
			t.Errorf("dry run %v (-want +got):\n%s", dry, diff)
		}
		for name, parts := range wantErr {
			st := stepOf(rep, name)
			if st == nil || st.Err == nil {
				t.Errorf("%s: no error", name)
				continue
			}
			for _, p := range parts {
				if !strings.Contains(st.Err.Error(), p) {
					t.Errorf("%s: err %q lacks %q", name, st.Err, p)
				}
			}
			if strings.Contains(st.Err.Error(), "scim: 400") {
				t.Errorf("%s: err %q reads as an answer, though nothing was sent", name, st.Err)
			}
			var se *scim.Error
			if !errors.As(st.Err, &se) || se.Status != 400 {
				t.Errorf("%s: err %v is not the *scim.Error the endpoint would answer", name, st.Err)
			}
		}
	}
	// Only the good one was sent.
	if ops := s.BulkOperationsMatching("*", "*"); len(ops) != 1 || ops[0].Method != "POST" {
		t.Errorf("sent %v", ops)
	}
}

// TestSyncUnknownAttributes: custom attributes the company lacks are one
// error, before anything is read or written, naming them all and the
// company's own.
func TestSyncUnknownAttributes(t *testing.T) {
	t.Parallel()
	s, c := serve(t, scimtest.WithAttributeSpec("Department:option"))
	a, b, d := employee(1, true), employee(2, true), employee(3, true)
	a.Custom = map[string]string{"Employee ID": "7", "Department": "IT"}
	b.Custom = map[string]string{"Time Zone": "Europe/Oslo", "employee id": "8"}
	rep, err := scimclient.Sync(context.Background(), c, []*scim.User{a, b, d}, scimclient.SyncOptions{Attributes: []string{"title", "nope"}})
	if !errors.Is(err, scimclient.ErrUnknownAttribute) || rep != nil {
		t.Fatalf("err %v, report %v: want ErrUnknownAttribute and no report", err, rep)
	}
	want := `scimclient: Sync: unknown attributes: SyncOptions.Attributes names "nope"; desired users set "Employee ID", "Time Zone", which are not custom attributes of the company (it has "Department")`
	if err.Error() != want {
		t.Errorf("err\n%s\nwant\n%s", err, want)
	}
	s.AssertNotRequested(t, "GET", "/Users")
	s.AssertNotRequested(t, "POST", "*")
}

// TestSyncDuplicates: a userName or externalId twice in the desired set
// skips the later user, whichever the key, naming both positions.
func TestSyncDuplicates(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		key  scimclient.Key
		edit func(u *scim.User) // makes desired[2] a duplicate of desired[0]
		want *scimclient.DuplicateError
	}{
		{"userName by userName", scimclient.KeyUserName, func(u *scim.User) { u.UserName = "E000@example.com" },
			&scimclient.DuplicateError{Attribute: "userName", Value: "E000@example.com", Index: 2, First: 0}},
		{"userName by externalId", scimclient.KeyExternalID, func(u *scim.User) { u.UserName = "e000@example.com" },
			&scimclient.DuplicateError{Attribute: "userName", Value: "e000@example.com", Index: 2, First: 0}},
		{"externalId by userName", scimclient.KeyUserName, func(u *scim.User) { u.ExternalID = "x000" },
			&scimclient.DuplicateError{Attribute: "externalId", Value: "x000", Index: 2, First: 0}},
		{"externalId by externalId", scimclient.KeyExternalID, func(u *scim.User) { u.ExternalID = "x000" },
			&scimclient.DuplicateError{Attribute: "externalId", Value: "x000", Index: 2, First: 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := scimtest.NewServer(t)
			desired := []*scim.User{employee(0, true), employee(1, true), employee(2, true)}
			tc.edit(desired[2])
			rep, err := scimclient.Sync(context.Background(), newClient(s), desired, scimclient.SyncOptions{Key: tc.key, DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			var skips []*scimclient.DuplicateError
			for _, st := range rep.Steps {
				var de *scimclient.DuplicateError
				if st.Action == scimclient.ActionSkip && errors.As(st.Err, &de) && st.Index == de.Index {
					skips = append(skips, de)
				}
			}
			if diff := cmp.Diff([]*scimclient.DuplicateError{tc.want}, skips); diff != "" {
				t.Errorf("skips (-want +got):\n%s", diff)
			}
			if n := rep.Count(scimclient.ActionCreate, ""); n != 2 {
				t.Errorf("%d creates, want 2", n)
			}
		})
	}
}

// TestSyncDanglingReferences: a manager or Employee attribute naming
// nobody does not cost the employee their provisioning: created or
// updated without it, with a warning; StrictReferences skips instead.
func TestSyncDanglingReferences(t *testing.T) {
	t.Parallel()
	boss := employee(9, true)
	report := employee(1, true) // exists, with boss as manager and buddy
	s, c := serve(t, scimtest.WithAttributeSpec("Buddy:employee"), scimtest.WithUsers(boss))
	ctx := context.Background()
	report.Enterprise.Manager.Value = boss.UserName
	report.Custom = map[string]string{"Buddy": boss.UserName}
	if _, err := scimclient.Sync(ctx, c, []*scim.User{boss, report}, scimclient.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	bossID := s.UserByUserName(boss.UserName).ID

	newcomer := employee(2, true)
	newcomer.Enterprise.Manager.Value = "chloe.typo@example.com"
	newcomer.Custom = map[string]string{"Buddy": "ghost@example.com"}
	changed := employee(1, true)
	changed.Title = "Lead"
	changed.Enterprise.Manager.Value = "chloe.typo@example.com"
	changed.Custom = map[string]string{"Buddy": "ghost@example.com"}
	desired := []*scim.User{boss, newcomer, changed}

	strict, err := scimclient.Sync(ctx, c, desired, scimclient.SyncOptions{StrictReferences: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]outcome{
		"e002@example.com": {"e002@example.com", scimclient.ActionSkip, scimclient.StatusFailed},
		"e001@example.com": {"e001@example.com", scimclient.ActionSkip, scimclient.StatusFailed},
	}
	if diff := cmp.Diff(want, outcomes(strict)); diff != "" {
		t.Errorf("strict (-want +got):\n%s", diff)
	}

	rep, err := scimclient.Sync(ctx, c, desired, scimclient.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]outcome{
		"e002@example.com": {"e002@example.com", scimclient.ActionCreate, scimclient.StatusApplied},
		"e001@example.com": {"e001@example.com", scimclient.ActionUpdate, scimclient.StatusApplied},
	}
	if diff := cmp.Diff(want, outcomes(rep)); diff != "" {
		t.Errorf("lenient (-want +got):\n%s", diff)
	}
	for _, name := range []string{"e001@example.com", "e002@example.com"} {
		st := stepOf(rep, name)
		if st == nil || len(st.Warnings) != 2 || !strings.Contains(strings.Join(st.Warnings, "\n"), `"chloe.typo@example.com"`) ||
			!strings.Contains(strings.Join(st.Warnings, "\n"), `"ghost@example.com"`) {
			t.Errorf("%s: warnings %q", name, st.Warnings)
		}
	}
	n, u := s.UserByUserName("e002@example.com"), s.UserByUserName("e001@example.com")
	if n.Enterprise.Manager.Value != "" || n.Custom["Buddy"] != "" {
		t.Errorf("the newcomer was created with the dangling references: %+v %v", n.Enterprise.Manager, n.Custom)
	}
	if u.Title != "Lead" || u.Enterprise.Manager.Value != bossID || u.Custom["Buddy"] != bossID {
		t.Errorf("the update changed the references, or not the title: %q %+v %v", u.Title, u.Enterprise.Manager, u.Custom)
	}
	// Again: nothing to write, the same warnings.
	s.ResetRequests()
	rep, err = scimclient.Sync(ctx, c, desired, scimclient.SyncOptions{})
	if err != nil || len(rep.Steps) != 0 {
		t.Fatalf("second run: %v%s", err, stepsString(rep))
	}
	if w := writes(s); len(w) != 0 {
		t.Errorf("second run wrote %v", w)
	}
}

// TestSyncEmployeeReferenceForms: an Employee attribute in Sync's input
// may name the employee by id, email or externalId; the endpoint stores
// the id and answers the email, which is what the client returns, and a
// second run writes nothing.
func TestSyncEmployeeReferenceForms(t *testing.T) {
	t.Parallel()
	boss := employee(9, true)
	s, c := serve(t, scimtest.WithAttributeSpec("Buddy:employee"), scimtest.WithUsers(boss))
	ctx := context.Background()
	bossID := s.UserByUserName(boss.UserName).ID
	forms := map[string]string{"e001@example.com": bossID, "e002@example.com": "E009@example.com", "e003@example.com": "x009"}
	desired := []*scim.User{boss}
	for name, ref := range forms {
		u := employee(int(name[3]-'0'), true)
		u.Custom = map[string]string{"Buddy": ref}
		desired = append(desired, u)
	}
	if _, err := scimclient.Sync(ctx, c, desired, scimclient.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	for name := range forms {
		stored := s.UserByUserName(name)
		if stored.Custom["Buddy"] != bossID {
			t.Errorf("%s: stored %q, want the id %q", name, stored.Custom["Buddy"], bossID)
		}
		got, err := c.Get(ctx, stored.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Custom["Buddy"] != boss.UserName {
			t.Errorf("%s: the client reads %q, want the email %q", name, got.Custom["Buddy"], boss.UserName)
		}
	}
	s.ResetRequests()
	if rep, err := scimclient.Sync(ctx, c, desired, scimclient.SyncOptions{}); err != nil || len(rep.Steps) != 0 {
		t.Fatalf("second run: %v%s", err, stepsString(rep))
	}
}

// TestSyncInvalidManagerRow: a manager whose own row is invalid is
// skipped, and their team is provisioned without them, with a warning,
// rather than skipped with them.
func TestSyncInvalidManagerRow(t *testing.T) {
	t.Parallel()
	s := scimtest.NewServer(t, scimtest.WithAttributeSpec("Manager:employee"))
	boss := employee(1, true)
	boss.Emails[0].Value = "chloe@" // a typo in the manager's row
	var desired = []*scim.User{boss}
	for i := 2; i <= 4; i++ {
		u := employee(i, true)
		u.Custom = map[string]string{"Manager": boss.UserName}
		desired = append(desired, u)
	}
	rep, err := scimclient.Sync(context.Background(), newClient(s), desired, scimclient.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]outcome{"e001@example.com": {"e001@example.com", scimclient.ActionSkip, scimclient.StatusFailed}}
	for i := 2; i <= 4; i++ {
		name := desired[i-1].UserName
		want[name] = outcome{name, scimclient.ActionCreate, scimclient.StatusApplied}
		if st := stepOf(rep, name); st == nil || len(st.Warnings) != 1 {
			t.Errorf("%s: no warning:%s", name, stepsString(rep))
		}
	}
	if diff := cmp.Diff(want, outcomes(rep)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if n := len(s.Users()); n != 3 {
		t.Errorf("the endpoint holds %d users, want 3", n)
	}
}

// TestSyncWarningOnce: a step planned again in a later round (here to
// set a manager created in the first) keeps one copy of its warning.
func TestSyncWarningOnce(t *testing.T) {
	t.Parallel()
	s := scimtest.NewServer(t, scimtest.WithAttributeSpec("Buddy:employee"))
	boss, report := employee(1, true), employee(2, true)
	report.Enterprise.Manager.Value = boss.UserName // created in the same run
	report.Custom = map[string]string{"Buddy": "ghost@example.com"}
	rep, err := scimclient.Sync(context.Background(), newClient(s), []*scim.User{report, boss}, scimclient.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := stepOf(rep, report.UserName)
	if st == nil || st.Status != scimclient.StatusApplied || len(st.Warnings) != 1 || len(st.Operations) == 0 {
		t.Fatalf("steps:%s", stepsString(rep))
	}
	if got := s.UserByUserName(report.UserName).Enterprise.Manager.Value; got != s.UserByUserName(boss.UserName).ID {
		t.Errorf("manager %q", got)
	}
}

// TestSyncSkippedRowKeepsEmployee pins that an existing employee whose
// desired row Sync cannot apply (a bad custom value, found when the row is
// normalised) is skipped, never deactivated as absent.
func TestSyncSkippedRowKeepsEmployee(t *testing.T) {
	t.Parallel()
	existing := employee(1, true)
	_, c := serve(t, scimtest.WithAttributeSpec("Start date:date"), scimtest.WithUsers(existing))
	bad := employee(1, true)
	bad.Custom = map[string]string{"Start date": "not a date"}
	rep, err := scimclient.Sync(context.Background(), c, []*scim.User{bad}, scimclient.SyncOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]outcome{"e001@example.com": {"e001@example.com", scimclient.ActionSkip, scimclient.StatusFailed}}
	if diff := cmp.Diff(want, outcomes(rep)); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if n := rep.Count(scimclient.ActionDeactivate, ""); n != 0 {
		t.Errorf("%d deactivations planned for an employee whose row was skipped", n)
	}
}
