package scimclient_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimclient"
	"github.com/scimkit/scim/scimtest"
)

func TestClientCRUD(t *testing.T) {
	t.Parallel()
	s, c := serve(t)
	ctx := context.Background()
	u := create(t, c, employee(1, true))
	got, err := c.Get(ctx, u.ID)
	if err != nil || got.UserName != "e001@example.com" {
		t.Fatalf("Get: %+v %v", got, err)
	}
	got.Title = "Lead"
	if got, err = c.Replace(ctx, got); err != nil || got.Title != "Lead" {
		t.Fatalf("Replace: %+v %v", got, err)
	}
	if r := s.RequestsMatching("PUT", "/Users/{id}"); r[0].Header.Get("If-Match") == "" {
		t.Error("Replace sent no If-Match though the version was known")
	}
	if got, err = c.Patch(ctx, u.ID, scimclient.NewPatch().Replace("name.givenName", "Ada").Remove("title")); err != nil || got.Name.GivenName != "Ada" || got.Title != "" {
		t.Fatalf("Patch: %+v %v", got, err)
	}
	if got, err = c.Deactivate(ctx, got); err != nil || got.Active {
		t.Fatalf("Deactivate: %+v %v", got, err)
	}
	if got, err = c.Reactivate(ctx, got); err != nil || !got.Active {
		t.Fatalf("Reactivate: %+v %v", got, err)
	}
	// A stale version is 412, as a *scim.Error.
	_, err = c.Patch(ctx, u.ID, scimclient.NewPatch().Replace("title", "x").IfMatch(`W/"1"`))
	var se *scim.Error
	if !errors.As(err, &se) || se.Status != http.StatusPreconditionFailed {
		t.Fatalf("stale patch: %v", err)
	}
	if err := c.Delete(ctx, u.ID, ""); err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(ctx, u.ID)
	if !errors.As(err, &se) || se.Status != http.StatusNotFound {
		t.Fatalf("Get after Delete: %v", err)
	}
	_, err = c.Create(ctx, &scim.User{Active: true})
	if !errors.As(err, &se) || se.Status != http.StatusBadRequest || se.SCIMType != scim.SCIMTypeInvalidValue || se.Detail == "" {
		t.Fatalf("invalid create: %#v", err)
	}
}

func TestListPages(t *testing.T) {
	t.Parallel()
	var seed []*scim.User
	for i := range 25 {
		seed = append(seed, employee(i, i%5 != 0))
	}
	for _, tc := range []struct {
		name    string
		byIndex bool
		// the startIndex and whether a cursor was sent, page by page
		want []string
	}{
		{"by cursor, as the endpoint offers", false, []string{"start= cursor=first", "start= cursor=next", "start= cursor=next"}},
		{"by index", true, []string{"start=1 cursor=none", "start=8 cursor=none", "start=15 cursor=none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := serve(t, scimtest.WithUsers(seed...))
			var names []string
			for u, err := range c.List(context.Background(), scimclient.ListOptions{Filter: "active eq true", Attributes: []string{"userName"}, PageSize: 7, ByIndex: tc.byIndex}) {
				if err != nil {
					t.Fatal(err)
				}
				if u.Name.GivenName != "" {
					t.Errorf("projection ignored: %+v", u)
				}
				names = append(names, u.UserName)
			}
			if len(names) != 20 {
				t.Errorf("listed %d users, want 20", len(names))
			}
			var pages []string
			for _, r := range s.RequestsMatching("GET", "/Users") {
				cursor := "none"
				if r.Query.Has("cursor") {
					cursor = "next"
					if r.Query.Get("cursor") == "" {
						cursor = "first"
					}
				}
				pages = append(pages, "start="+r.Query.Get("startIndex")+" cursor="+cursor)
			}
			if diff := cmp.Diff(tc.want, pages); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	s, c := serve(t)
	ctx := context.Background()
	u := create(t, c, employee(1, true))
	// 429 with Retry-After is retried, whatever the method.
	s.FailMatching("POST", "/Users", 1, scimtest.RateLimited(0))
	if _, err := c.Create(ctx, employee(2, true)); err != nil {
		t.Errorf("after 429: %v", err)
	}
	// 500 on a GET and on a conditional PATCH is retried.
	s.FailMatching("GET", "/Users/{id}", 2, scimtest.Status(500))
	if _, err := c.Get(ctx, u.ID); err != nil {
		t.Errorf("GET after 500s: %v", err)
	}
	s.FailMatching("PATCH", "/Users/{id}", 1, scimtest.Status(503))
	if _, err := c.Patch(ctx, u.ID, scimclient.NewPatch().Replace("title", "x").IfMatch(u.Meta.Version)); err != nil {
		t.Errorf("conditional PATCH after 503: %v", err)
	}
	// An unconditional PATCH is not repeated after a 500.
	s.FailMatching("PATCH", "/Users/{id}", 1, scimtest.Status(500))
	var se *scim.Error
	if _, err := c.Patch(ctx, u.ID, scimclient.NewPatch().Replace("title", "y")); !errors.As(err, &se) || se.Status != 500 {
		t.Errorf("unconditional PATCH after 500: %v, want the 500", err)
	}
	s.AssertRequestCount(t, "PATCH", "/Users/{id}", 3)
	// Retries give up.
	s.FailMatching("GET", "/Users/{id}", scimtest.Always, scimtest.Status(500))
	if _, err := scimclient.New(s.URL(), s.Token(), scimclient.WithHTTPClient(s.Client()), scimclient.WithRetries(2),
		scimclient.WithBackoff(time.Millisecond, time.Millisecond)).Get(ctx, u.ID); !errors.As(err, &se) || se.Status != 500 {
		t.Errorf("endless 500s: %v", err)
	}
}

// TestCreateLostAnswer: the POST was committed but its answer lost; the
// client finds the user instead of creating a second one.
func TestCreateLostAnswer(t *testing.T) {
	t.Parallel()
	s, c := serve(t)
	s.FailMatching("POST", "/Users", 1, scimtest.LoseAnswer())
	u := create(t, c, employee(1, true))
	if u.ID == "" || len(s.Users()) != 1 {
		t.Errorf("created %+v; the endpoint holds %d users", u, len(s.Users()))
	}
	s.AssertRequestCount(t, "POST", "/Users", 1)
}

// TestSyncFaults: a sync through 429s, 500s and a bulk request whose
// answer is lost after it was committed converges without a duplicate.
func TestSyncFaults(t *testing.T) {
	t.Parallel()
	s, c := serve(t)
	desired := employees(40)
	s.FailMatching("GET", "/Users", 1, scimtest.RateLimited(0))
	s.FailMatching("GET", "/Users", 1, scimtest.Status(500))
	s.FailMatching("POST", "/Bulk", 1, scimtest.LoseAnswer())
	rep, err := scimclient.Sync(context.Background(), c, desired, scimclient.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.Failed(); len(f) > 0 {
		t.Fatalf("failed: %+v", *f[0])
	}
	if n := len(s.Users()); n != 40 {
		t.Errorf("the endpoint holds %d users, want 40", n)
	}
	if n := rep.Count(scimclient.ActionCreate, scimclient.StatusApplied); n != 40 {
		t.Errorf("report: %d creates", n)
	}
	s.ResetRequests()
	if _, err := scimclient.Sync(context.Background(), c, desired, scimclient.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if w := writes(s); len(w) != 0 {
		t.Errorf("second sync wrote %v", w)
	}
}

// TestSyncCancel: a sync cancelled half way stops with the context's
// error, and a re-run converges.
func TestSyncCancel(t *testing.T) {
	t.Parallel()
	s, c := serve(t, scimtest.WithRecordLimit(0))
	desired := employees(3000)
	ctx, cancel := context.WithCancel(context.Background())
	rep, err := scimclient.Sync(ctx, c, desired, scimclient.SyncOptions{Progress: func(done, total int) {
		cancel() // after the first bulk request
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	// The report says what was applied and what was not attempted.
	applied, notAttempted := rep.Count("", scimclient.StatusApplied), rep.Count("", scimclient.StatusNotAttempted)
	if applied != 1000 || notAttempted != 2000 || len(rep.Failed()) != 0 {
		t.Errorf("after the cancellation: %d applied, %d not attempted, %d failed", applied, notAttempted, len(rep.Failed()))
	}
	for _, st := range rep.Steps {
		if st.Status == scimclient.StatusNotAttempted && !errors.Is(st.Err, context.Canceled) {
			t.Fatalf("%s %s not attempted: %v, want the cancellation", st.Action, st.UserName, st.Err)
		}
	}
	s.Wait()
	if n := len(s.Users()); n == 0 || n == 3000 {
		t.Fatalf("%d users after the cancellation: want part of them", n)
	}
	rep, err = scimclient.Sync(context.Background(), c, desired, scimclient.SyncOptions{})
	if err != nil || len(rep.Failed()) > 0 {
		t.Fatalf("re-run: %v %v", err, rep.Failed())
	}
	if n := len(s.Users()); n != 3000 {
		t.Errorf("%d users after the re-run, want 3000", n)
	}
}
