package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/scimkit/scim"
)

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
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "rollback.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
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
	path := os.Getenv(walChildEnv)
	if path == "" {
		t.Skip("run by TestWALIndexOtherProcess")
	}
	ctx := context.Background()
	st, err := openDriver(ctx, "sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
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
	cmd := exec.Command(os.Args[0], "-test.run=^TestWALIndexChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), walChildEnv+"="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
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
