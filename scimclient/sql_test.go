package scimclient_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/demo"
	"github.com/scimkit/scim/scimclient"
	"github.com/scimkit/scim/sqlstore/sqlite"
)

// sqlDemo serves the demo handler over a fresh SQLite store, rate limit off.
func sqlDemo(tb testing.TB) (url, token string) {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), tb.TempDir()+"/sync.db")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	h, _, err := demo.NewHandler(context.Background(), demo.Config{Tokens: []string{"sync-token"}, Store: st,
		Attributes: []scim.CustomAttribute{{Name: "Department", Type: scim.CustomOption}}})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.URL + demo.Prefixes[0], "sync-token"
}

func bulkEmployees(n int) []*scim.User {
	users := make([]*scim.User, n)
	for i := range users {
		email := fmt.Sprintf("load%06d@example.com", i)
		users[i] = &scim.User{UserName: email, ExternalID: fmt.Sprintf("hr%06d", i), Active: true,
			Name:   scim.Name{GivenName: fmt.Sprint("Given", i), FamilyName: "Family"},
			Emails: []scim.MultiValue{{Value: email, Type: "work", Primary: true}},
			Custom: map[string]string{"Department": fmt.Sprint("dept-", i%50)}}
	}
	return users
}

// TestSyncSQLDemo syncs against the SQL-backed demo endpoint: creates,
// then a change of a few, then nothing.
func TestSyncSQLDemo(t *testing.T) {
	t.Parallel()
	url, token := sqlDemo(t)
	c := scimclient.New(url, token)
	users := bulkEmployees(300)
	ctx := context.Background()
	opts := scimclient.SyncOptions{Key: scimclient.KeyExternalID}
	rep, err := scimclient.Sync(ctx, c, users, opts)
	if err != nil || len(rep.Failed()) > 0 || rep.Count(scimclient.ActionCreate, scimclient.StatusApplied) != 300 {
		t.Fatalf("first sync: %v, %d failed, %d creates", err, len(rep.Failed()), rep.Count(scimclient.ActionCreate, scimclient.StatusApplied))
	}
	users[7].Custom["Department"] = "moved"
	users[9].Active = false
	rep, err = scimclient.Sync(ctx, c, users[:299], opts)
	if err != nil || len(rep.Failed()) > 0 {
		t.Fatalf("second sync: %v %v", err, rep.Failed())
	}
	if rep.Count(scimclient.ActionUpdate, scimclient.StatusApplied) != 1 || rep.Count(scimclient.ActionDeactivate, scimclient.StatusApplied) != 2 || rep.Unchanged != 297 {
		t.Errorf("second sync: %d updates, %d deactivations, %d unchanged", rep.Count(scimclient.ActionUpdate, scimclient.StatusApplied), rep.Count(scimclient.ActionDeactivate, scimclient.StatusApplied), rep.Unchanged)
	}
	rep, err = scimclient.Sync(ctx, c, users[:299], opts)
	if err != nil || len(rep.Steps) != 0 || rep.Unchanged != 299 {
		t.Errorf("third sync: %v, %d changes", err, len(rep.Steps))
	}
}

// BenchmarkSyncSQLite measures Sync over loopback into the SQLite-backed
// demo handler (rate limit off): 10,000 new employees through bulk, and a
// sync of the same 10,000 that finds nothing to change.
func BenchmarkSyncSQLite(b *testing.B) {
	users := bulkEmployees(10000)
	opts := scimclient.SyncOptions{Key: scimclient.KeyExternalID}
	b.Run("Create10000", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			url, token := sqlDemo(b)
			c := scimclient.New(url, token)
			b.StartTimer()
			rep, err := scimclient.Sync(context.Background(), c, users, opts)
			if err != nil || len(rep.Failed()) > 0 {
				b.Fatal(err, rep.Failed())
			}
		}
	})
	b.Run("NoChange10000", func(b *testing.B) {
		url, token := sqlDemo(b)
		c := scimclient.New(url, token)
		if _, err := scimclient.Sync(context.Background(), c, users, opts); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			rep, err := scimclient.Sync(context.Background(), c, users, opts)
			if err != nil || len(rep.Steps) != 0 {
				b.Fatal(err, len(rep.Steps))
			}
		}
	})
}
