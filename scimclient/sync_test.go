package scimclient_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimclient"
	"github.com/scimkit/scim/scimtest"
)

// state is what the endpoint holds, by userName: active or not.
func state(s *scimtest.Server) map[string]bool {
	out := map[string]bool{}
	for _, u := range s.Users() {
		out[u.UserName] = u.Active
	}
	return out
}

func TestSyncCreatesUpdatesDeactivates(t *testing.T) {
	t.Parallel()
	s := scimtest.NewServer(t, scimtest.WithAttributeSpec("Department:option,Employed Since:date:Employed_Since,Buddy:employee,Level:number"))
	old := employee(1, true)
	old.Title = "Engineer"
	if _, err := s.AddUser(old); err != nil {
		t.Fatal(err)
	}
	leaver := employee(2, true)
	if _, err := s.AddUser(leaver); err != nil {
		t.Fatal(err)
	}
	returning := employee(3, false)
	if _, err := s.AddUser(returning); err != nil {
		t.Fatal(err)
	}
	c := newClient(s)
	desired := []*scim.User{employee(1, true), employee(3, true), employee(4, true), employee(5, true)}
	desired[0].Title = "Lead"
	desired[0].Custom = map[string]string{"Employed_Since": "2019-04-01T00:00:00Z", "Buddy": "x005", "Level": "3"}
	desired[2].Enterprise.Manager.Value = "e005@example.com" // created in the same run
	desired[2].Emails = append(desired[2].Emails, desired[2].Emails[0])
	desired[3].Custom = map[string]string{"Department": "IT", "Buddy": "e001@example.com"}
	ctx := context.Background()

	plan, err := scimclient.Sync(ctx, c, desired, scimclient.SyncOptions{DryRun: true, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]scimclient.Action{}
	for _, ch := range plan.Steps {
		got[ch.UserName] = ch.Action
		if ch.Err != nil {
			t.Logf("%s: %v", ch.UserName, ch.Err)
		}
	}
	want := map[string]scimclient.Action{"e001@example.com": "update", "e002@example.com": "deactivate",
		"e003@example.com": "reactivate", "e004@example.com": "create", "e005@example.com": "create"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	if w := writes(s); len(w) != 0 {
		t.Fatalf("a dry run wrote: %v", w)
	}

	rep, err := scimclient.Sync(ctx, c, desired, scimclient.SyncOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.Failed(); len(f) != 0 {
		t.Fatalf("failed: %+v", f[0])
	}
	wantState := map[string]bool{"e001@example.com": true, "e002@example.com": false, "e003@example.com": true,
		"e004@example.com": true, "e005@example.com": true}
	if diff := cmp.Diff(wantState, state(s)); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}
	u1, u4, u5 := s.UserByUserName("e001@example.com"), s.UserByUserName("e004@example.com"), s.UserByUserName("e005@example.com")
	if u1.Title != "Lead" || u1.Custom["Employed Since"] != "2019-04-01" || u1.Custom["Buddy"] != u5.ID {
		t.Errorf("e001: %+v", u1)
	}
	if u4.Enterprise.Manager.Value != u5.ID {
		t.Errorf("e004's manager %q, want %q", u4.Enterprise.Manager.Value, u5.ID)
	}

	s.ResetRequests()
	rep, err = scimclient.Sync(ctx, c, desired, scimclient.SyncOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if w := writes(s); len(w) != 0 {
		t.Errorf("second sync wrote: %v; report %+v", w, rep.Steps)
	}
}

// TestSyncGuard: absent employees are deactivated up to max(10 %, the
// floor), never every active one of a company with more than one unless
// forced; a refusal writes nothing, leaves every step not attempted, and
// says how to force.
func TestSyncGuard(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		active, absent int
		inactive       int // of the desired, set inactive
		opts           scimclient.SyncOptions
		refused        bool
	}{
		{"one leaver of three", 3, 1, 0, scimclient.SyncOptions{}, false},
		{"the floor, 3 of 10", 10, 3, 0, scimclient.SyncOptions{}, false},
		{"above the floor, 4 of 10", 10, 4, 0, scimclient.SyncOptions{}, true},
		{"10 % of 100", 100, 10, 0, scimclient.SyncOptions{}, false},
		{"above 10 % of 100", 100, 11, 0, scimclient.SyncOptions{}, true},
		{"every one of three", 3, 3, 0, scimclient.SyncOptions{}, true},
		{"every one of two, one set inactive", 2, 1, 1, scimclient.SyncOptions{}, true},
		{"the only one", 1, 1, 0, scimclient.SyncOptions{}, false},
		{"no floor", 10, 2, 0, scimclient.SyncOptions{DeactivateFloor: -1}, true},
		{"a floor of 5", 10, 5, 0, scimclient.SyncOptions{DeactivateFloor: 5}, false},
		{"a share of 50 %", 10, 5, 0, scimclient.SyncOptions{MaxDeactivate: 0.5}, false},
		{"forced, every one", 3, 3, 0, scimclient.SyncOptions{Force: true}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seed := employees(tc.active)
			s, c := serve(t, scimtest.WithUsers(seed...))
			var desired []*scim.User
			for i := range tc.active - tc.absent {
				desired = append(desired, employee(i, i >= tc.inactive))
			}
			desired = append(desired, employee(100, true)) // a newcomer to create
			rep, err := scimclient.Sync(context.Background(), c, desired, tc.opts)
			if !tc.refused {
				if err != nil {
					t.Fatal(err)
				}
				if n := rep.Count(scimclient.ActionDeactivate, scimclient.StatusApplied); n != tc.absent+tc.inactive {
					t.Errorf("%d deactivated, want %d:%s", n, tc.absent+tc.inactive, stepsString(rep))
				}
				return
			}
			if !errors.Is(err, scimclient.ErrTooManyDeactivations) {
				t.Fatalf("err %v, want ErrTooManyDeactivations", err)
			}
			for _, want := range []string{"SyncOptions.Force", "-force"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the refusal does not say how to force (%q): %v", want, err)
				}
			}
			if w := writes(s); len(w) != 0 {
				t.Errorf("wrote %v", w)
			}
			if rep.Count("", scimclient.StatusApplied) != 0 || rep.Count("", scimclient.StatusNotAttempted) != len(rep.Steps) || len(rep.Steps) == 0 {
				t.Errorf("a refused report:%s", stepsString(rep))
			}
			for _, st := range rep.Steps {
				if !errors.Is(st.Err, scimclient.ErrTooManyDeactivations) {
					t.Errorf("%s %s: err %v, want the refusal", st.Action, st.UserName, st.Err)
				}
			}
		})
	}
}

// TestSyncProperty: from random starting states to random desired sets,
// Sync leaves exactly the desired employees active, the others inactive,
// and a second Sync writes nothing.
func TestSyncProperty(t *testing.T) {
	t.Parallel()
	for seed := range uint64(12) {
		r := rand.New(rand.NewPCG(seed, 17))
		var start []*scim.User
		for i := range 30 {
			if r.IntN(2) == 0 {
				u := employee(i, r.IntN(3) > 0)
				u.Title = []string{"", "A", "B"}[r.IntN(3)]
				start = append(start, u)
			}
		}
		s := scimtest.NewServer(t, scimtest.WithUsers(start...))
		var desired []*scim.User
		want := map[string]bool{}
		for _, u := range start {
			want[u.UserName] = false
		}
		for i := range 30 {
			if r.IntN(2) == 0 {
				u := employee(i, r.IntN(4) > 0)
				u.Title = []string{"", "A", "B"}[r.IntN(3)]
				if r.IntN(3) == 0 {
					u.Enterprise.Manager.Value = fmt.Sprintf("x%03d", r.IntN(30))
				}
				desired = append(desired, u)
				want[u.UserName] = u.Active
			}
		}
		// Managers must exist in the desired set or on the endpoint.
		for _, u := range desired {
			if m := u.Enterprise.Manager.Value; m != "" && !slicesContain(desired, start, m) {
				u.Enterprise.Manager.Value = ""
			}
		}
		key := []scimclient.Key{scimclient.KeyUserName, scimclient.KeyExternalID}[seed%2]
		c := newClient(s)
		opts := scimclient.SyncOptions{Key: key, Force: true}
		rep, err := scimclient.Sync(context.Background(), c, desired, opts)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if f := rep.Failed(); len(f) > 0 {
			t.Fatalf("seed %d: failed %+v", seed, *f[0])
		}
		if diff := cmp.Diff(want, state(s)); diff != "" {
			t.Errorf("seed %d: state (-want +got):\n%s", seed, diff)
		}
		for _, d := range desired {
			u := s.UserByUserName(d.UserName)
			if u.Title != d.Title {
				t.Errorf("seed %d: %s title %q, want %q", seed, d.UserName, u.Title, d.Title)
			}
		}
		s.ResetRequests()
		if _, err := scimclient.Sync(context.Background(), c, desired, opts); err != nil {
			t.Fatal(err)
		}
		if w := writes(s); len(w) != 0 {
			t.Errorf("seed %d: second sync wrote %v", seed, w)
		}
	}
}

func slicesContain(a, b []*scim.User, externalID string) bool {
	for _, list := range [][]*scim.User{a, b} {
		for _, u := range list {
			if u.ExternalID == externalID {
				return true
			}
		}
	}
	return false
}

// TestSyncReportStatus: each step says whether it was applied, failed
// (with the error) or not attempted, and the counts add up, for a dry
// run, a run with a failure, and a cancelled run.
func TestSyncReportStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Two employees who swap emails: each update is refused, as the other
	// still holds the userName (a failure only the endpoint finds).
	a, b := employee(1, true), employee(2, true)
	_, c := serve(t, scimtest.WithUsers(a, b, employee(9, true)))
	swappedA, swappedB := employee(1, true), employee(2, true)
	swappedA.UserName, swappedA.Emails = b.UserName, b.Emails
	swappedB.UserName, swappedB.Emails = a.UserName, a.Emails
	desired := []*scim.User{employee(3, true), employee(4, true), swappedA, swappedB}
	opts := scimclient.SyncOptions{Key: scimclient.KeyExternalID}

	type count struct{ Action, Status string }
	counts := func(rep *scimclient.Report) map[count]int {
		out := map[count]int{}
		for _, st := range rep.Steps {
			out[count{string(st.Action), string(st.Status)}]++
			if (st.Status == scimclient.StatusFailed) != (st.Err != nil) {
				t.Errorf("%s %s: status %s with err %v", st.Action, st.UserName, st.Status, st.Err)
			}
		}
		return out
	}
	opts.DryRun = true
	rep, err := scimclient.Sync(ctx, c, desired, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[count]int{{"create", "not attempted"}: 2, {"update", "not attempted"}: 2, {"deactivate", "not attempted"}: 1}
	if diff := cmp.Diff(want, counts(rep)); diff != "" {
		t.Errorf("dry run (-want +got):\n%s", diff)
	}
	opts.DryRun = false
	rep, err = scimclient.Sync(ctx, c, desired, opts)
	if err != nil {
		t.Fatal(err)
	}
	want = map[count]int{{"create", "applied"}: 2, {"update", "failed"}: 2, {"deactivate", "applied"}: 1}
	if diff := cmp.Diff(want, counts(rep)); diff != "" {
		t.Errorf("applied (-want +got):\n%s", diff)
	}
	if got := fmt.Sprintf("created %d, failed %d", rep.Count(scimclient.ActionCreate, scimclient.StatusApplied), rep.Count("", scimclient.StatusFailed)); got != "created 2, failed 2" {
		t.Errorf("summary %q", got)
	}
	for _, f := range rep.Failed() {
		var re *scimclient.RequestError
		var se *scim.Error
		if !errors.As(f.Err, &re) || re.Method != "PATCH" || re.Path != "/Users/"+f.ID || !errors.As(f.Err, &se) || se.Status != 409 {
			t.Errorf("failed: %s", stepsString(rep))
		}
	}
}

// TestSyncUserNameHeld: a new employee whose userName an absent employee
// holds is refused at plan time, as the endpoint would refuse it.
func TestSyncUserNameHeld(t *testing.T) {
	t.Parallel()
	holder := employee(1, true)
	s := scimtest.NewServer(t, scimtest.WithUsers(holder, employee(2, true)))
	newcomer := employee(3, true)
	newcomer.UserName, newcomer.Emails = holder.UserName, holder.Emails
	rep, err := scimclient.Sync(context.Background(), newClient(s), []*scim.User{employee(2, true), newcomer},
		scimclient.SyncOptions{Key: scimclient.KeyExternalID, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	st := rep.Steps[len(rep.Steps)-1]
	if st.Action != scimclient.ActionSkip || st.Index != 1 || !strings.Contains(fmt.Sprint(st.Err), "belongs to employee") {
		t.Errorf("steps:%s", stepsString(rep))
	}
}
