package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

// TestTotalsSQLite pages through a result: the total is counted once, and
// counted again after a commit by the store or by another connection to
// the same file (another process).
func TestTotalsSQLite(t *testing.T) {
	ctx := context.Background()
	st, other := openSQLitePair(t)
	user := func(i int) *scim.User {
		return &scim.User{ID: fmt.Sprintf("u%03d", i), UserName: fmt.Sprintf("user%03d", i),
			Name: scim.Name{FamilyName: fmt.Sprintf("Adams%03d", i)}, Meta: scim.Meta{Version: "v"}}
	}
	var users []*scim.User
	for i := range 30 {
		users = append(users, user(i))
	}
	if err := st.CreateUsers(ctx, "acme", users); err != nil {
		t.Fatal(err)
	}
	check := func(step string, start, wantTotal int, wantCounts int64) {
		t.Helper()
		p := listUsers(t, st, planModel, `name.familyName sw "adams"`, "", start, 5)
		if p.Total != wantTotal || len(p.Users) != 5 {
			t.Errorf("%s: %d users of %d, want 5 of %d", step, len(p.Users), p.Total, wantTotal)
		}
		if n := st.counts.Load(); n != wantCounts {
			t.Errorf("%s: %d counts so far, want %d", step, n, wantCounts)
		}
	}
	check("first page", 1, 30, 1)
	check("second page", 6, 30, 1)
	check("third page", 11, 30, 1)
	if err := st.CreateUser(ctx, "acme", user(30)); err != nil {
		t.Fatal(err)
	}
	check("after a create", 1, 31, 2)
	check("after a create, again", 6, 31, 2)
	if err := other.CreateUser(ctx, "acme", user(31)); err != nil {
		t.Fatal(err)
	}
	check("after another connection's create", 1, 32, 3)
	if err := other.DeleteUser(ctx, "acme", "u000", ""); err != nil {
		t.Fatal(err)
	}
	check("after another connection's delete", 1, 31, 4)
	// Another tenant's query is another count.
	q, _ := planModel.NewQuery(`name.familyName sw "adams"`, "", "", 1, 5)
	if p, err := st.ListUsers(ctx, "other", q); err != nil || p.Total != 0 {
		t.Errorf("other tenant: %v, %v; want total 0", p, err)
	}
	// Inside a batch the count is of the batch's own, uncommitted state,
	// and not kept.
	err := st.Batch(ctx, func(b scim.Store) error {
		if err := b.CreateUser(ctx, "acme", user(32)); err != nil {
			return err
		}
		p, err := b.ListUsers(ctx, "acme", q)
		if err != nil || p.Total != 32 {
			return fmt.Errorf("in the batch: %v, %v; want total 32", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check("after the batch", 1, 32, 7)
}

// TestTotalsPostgres pages through all users, as Okta's import does, on one
// instance while another instance (a store on its own pool) writes: the
// total is counted once while nothing changes and again after each write
// of the other instance, and a page continues from the previous one's last
// id only while no write has moved the users it would skip.
func TestTotalsPostgres(t *testing.T) {
	dsn := postgresSchema(t)
	st := openStore(t, "postgres", dsn)
	other := openStore(t, "postgres", dsn)
	testTotalsAcross(t, st, other)
}

// TestKeysetSQLite is the same on one SQLite file opened twice.
func TestKeysetSQLite(t *testing.T) {
	st, other := openSQLitePair(t)
	testTotalsAcross(t, st, other)
}

func testTotalsAcross(t *testing.T, st, other *Store) {
	ctx := context.Background()
	user := func(id string) *scim.User {
		return &scim.User{ID: id, UserName: id + "@example.com", Active: true, Meta: scim.Meta{Version: "v"}}
	}
	var users []*scim.User
	for i := range 30 {
		users = append(users, user(fmt.Sprintf("u%03d", i)))
	}
	if err := st.CreateUsers(ctx, "acme", users); err != nil {
		t.Fatal(err)
	}
	var keysets int64
	page := func(step string, start, wantTotal int, wantIDs []string, wantCounts int64, keyset bool) {
		t.Helper()
		p := listUsers(t, st, planModel, "", "", start, 5)
		if d := cmp.Diff(wantIDs, userIDsOf(p.Users)); d != "" || p.Total != wantTotal {
			t.Errorf("%s: total %d, want %d; ids (-want +got):\n%s", step, p.Total, wantTotal, d)
		}
		if n := st.counts.Load(); n != wantCounts {
			t.Errorf("%s: %d counts so far, want %d", step, n, wantCounts)
		}
		if keyset {
			keysets++
		}
		if n := st.totals.pos.keysetPages(); n != keysets {
			t.Errorf("%s: %d pages read by keyset so far, want %d", step, n, keysets)
		}
	}
	page("first page", 1, 30, []string{"u000", "u001", "u002", "u003", "u004"}, 1, false)
	page("second page", 6, 30, []string{"u005", "u006", "u007", "u008", "u009"}, 1, true)
	if err := other.CreateUser(ctx, "acme", user("u007a")); err != nil {
		t.Fatal(err)
	}
	// By OFFSET: the new user moved every later one by one place.
	page("after the other's create", 11, 31, []string{"u009", "u010", "u011", "u012", "u013"}, 2, false)
	page("next page", 16, 31, []string{"u014", "u015", "u016", "u017", "u018"}, 2, true)
	// Another company's write changes nothing here on PostgreSQL, whose
	// counter is per company; SQLite's data_version is per file.
	if err := other.CreateUser(ctx, "globex", user("g001")); err != nil {
		t.Fatal(err)
	}
	perCompany := st.d == postgres
	wantCounts := int64(2)
	if !perCompany {
		wantCounts = 3
	}
	page("after another company's create", 21, 31, []string{"u019", "u020", "u021", "u022", "u023"}, wantCounts, perCompany)
	if err := other.DeleteUser(ctx, "acme", "u000", ""); err != nil {
		t.Fatal(err)
	}
	page("after the other's delete", 26, 30, []string{"u025", "u026", "u027", "u028", "u029"}, wantCounts+1, false)
	page("first page again", 1, 30, []string{"u001", "u002", "u003", "u004", "u005"}, wantCounts+1, false)
	page("second page again", 6, 30, []string{"u006", "u007", "u007a", "u008", "u009"}, wantCounts+1, true)
}

// TestWALIndexVersion pins that a SQLite store on a file reads commits from
// the wal-index header, and that the version it derives changes with every
// commit (the store's own, another store's on the file) and with nothing
// else (reads).
func TestWALIndexVersion(t *testing.T) {
	ctx := context.Background()
	a, b := openSQLitePair(t)
	if a.totals.wal == nil {
		t.Fatal("the store on a file does not read the wal-index")
	}
	version := func() int64 {
		t.Helper()
		v, ok := a.totals.version(ctx, "acme")
		if !ok {
			t.Fatal("no version")
		}
		return v
	}
	u := benchUser(1)
	steps := []struct {
		name    string
		do      func() error
		changes bool
	}{
		{"nothing", func() error { return nil }, false},
		{"a create", func() error { return a.CreateUser(ctx, "acme", u) }, true},
		{"reads", func() error {
			if _, err := a.GetUser(ctx, "acme", u.ID); err != nil {
				return err
			}
			_, err := b.GetUser(ctx, "acme", u.ID)
			return err
		}, false},
		{"another store's update", func() error {
			next := u.Clone()
			next.Name.GivenName = "Renamed"
			next.Meta.Version = `W/"2"`
			return b.UpdateUser(ctx, "acme", next, u.Meta.Version)
		}, true},
		{"a failed update (nothing committed)", func() error {
			err := a.UpdateUser(ctx, "acme", u, `W/"stale"`)
			if !errors.Is(err, scim.ErrVersionMismatch) {
				return fmt.Errorf("UpdateUser with a stale version = %v, want ErrVersionMismatch", err)
			}
			return nil
		}, false},
		{"a delete", func() error { return a.DeleteUser(ctx, "acme", u.ID, "") }, true},
	}
	for _, s := range steps {
		before := version()
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if changed := version() != before; changed != s.changes {
			t.Errorf("%s: version changed = %v, want %v", s.name, changed, s.changes)
		}
	}
}

// TestWALIndexFallback pins that where there is no wal-index to map (a
// database in another journal mode) opening one fails with errNoWALIndex,
// which the store answers by reading PRAGMA data_version.
func TestWALIndexFallback(t *testing.T) {
	ctx := context.Background()
	conn := sqliteConn(t, filepath.Join(t.TempDir(), "rollback.db"))
	if _, err := conn.ExecContext(ctx, "PRAGMA journal_mode = DELETE; CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	if w, err := openWALIndex(ctx, conn); !errors.Is(err, errNoWALIndex) {
		if w != nil {
			w.close()
		}
		t.Fatalf("openWALIndex on a rollback-journal database = %v, want errNoWALIndex", err)
	}
}

const walChildEnv = "SCIMKIT_WALINDEX_DB"

// TestWALIndexChild renames a user in the database TestWALIndexOtherProcess
// names; it does nothing unless re-executed by that test.
func TestWALIndexChild(t *testing.T) {
	st := childStore(t, walChildEnv, "TestWALIndexOtherProcess")
	defer st.Close()
	ctx := context.Background()
	u, err := st.GetUser(ctx, "acme", benchUser(1).ID)
	if err != nil {
		t.Fatal(err)
	}
	prev := u.Meta.Version
	u.Name.GivenName = "Renamed by another process"
	u.Meta.Version = `W/"child"`
	if err := st.UpdateUser(ctx, "acme", u, prev); err != nil {
		t.Fatal(err)
	}
}

// TestWALIndexOtherProcess pins that a user cached by one process is not
// served after another process committed a change to it: the other
// process writes the shared wal-index header, which the first one reads.
func TestWALIndexOtherProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "scim.db")
	st := openStore(t, "sqlite", path)
	u := benchUser(1)
	if err := st.CreateUser(ctx, "acme", u); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second read is the cache's
		if got, err := st.GetUser(ctx, "acme", u.ID); err != nil || got.Name.GivenName != u.Name.GivenName {
			t.Fatalf("GetUser = %v, %v", got, err)
		}
	}
	if out, err := childCommand("TestWALIndexChild", walChildEnv, path).CombinedOutput(); err != nil {
		t.Fatalf("the other process: %v\n%s", err, out)
	}
	got, err := st.GetUser(ctx, "acme", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name.GivenName != "Renamed by another process" || got.Meta.Version != `W/"child"` {
		t.Fatalf("after another process's commit, GetUser = %q %s, want its update", got.Name.GivenName, got.Meta.Version)
	}
}
