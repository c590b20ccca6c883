package scimclient_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimclient"
	"github.com/scimkit/scim/scimtest"
)

func newClient(s *scimtest.Server, opts ...scimclient.Option) *scimclient.Client {
	opts = append([]scimclient.Option{scimclient.WithHTTPClient(s.Client()), scimclient.WithBackoff(time.Millisecond, 5*time.Millisecond)}, opts...)
	return scimclient.New(s.URL(), s.Token(), opts...)
}

func employee(i int, active bool) *scim.User {
	email := fmt.Sprintf("e%03d@example.com", i)
	return &scim.User{UserName: email, ExternalID: fmt.Sprintf("x%03d", i), Active: active,
		Name:   scim.Name{GivenName: fmt.Sprintf("Given%d", i), FamilyName: "Family"},
		Emails: []scim.MultiValue{{Value: email, Type: "work", Primary: true}}}
}

// writes returns the recorded requests that are not reads.
func writes(s *scimtest.Server) []string {
	var out []string
	for _, r := range s.Requests() {
		if r.Method != "GET" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

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

func TestSyncRefusesMassDeactivation(t *testing.T) {
	t.Parallel()
	var seed []*scim.User
	for i := range 10 {
		seed = append(seed, employee(i, true))
	}
	s := scimtest.NewServer(t, scimtest.WithUsers(seed...))
	c := newClient(s)
	_, err := scimclient.Sync(context.Background(), c, seed[:8], scimclient.SyncOptions{})
	if !errors.Is(err, scimclient.ErrTooManyDeactivations) {
		t.Fatalf("err %v, want ErrTooManyDeactivations", err)
	}
	if w := writes(s); len(w) != 0 {
		t.Errorf("wrote %v", w)
	}
	if _, err := scimclient.Sync(context.Background(), c, seed[:9], scimclient.SyncOptions{}); err != nil {
		t.Errorf("10 %% refused: %v", err)
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
