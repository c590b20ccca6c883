package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/storetest"
)

// openStore opens a store of the named dialect on dsn, closed at cleanup
// (closing it before is harmless, for a test that reopens the database).
func openStore(t testing.TB, dialect, dsn string, opts ...Option) *Store {
	t.Helper()
	st, err := openDriver(context.Background(), dialect, dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// openSQLite opens a store on a database file of its own, closed at
// cleanup.
func openSQLite(t testing.TB, opts ...Option) *Store {
	t.Helper()
	return openStore(t, "sqlite", filepath.Join(t.TempDir(), "scim.db"), opts...)
}

// openSQLitePair opens two stores on one database file of their own, as
// two processes would, closed at cleanup.
func openSQLitePair(t testing.TB) (*Store, *Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scim.db")
	return openStore(t, "sqlite", path), openStore(t, "sqlite", path)
}

// listUsers lists the users of the acme company matching filter, sorted
// by sortBy, count from start, failing the test on an error.
func listUsers(t testing.TB, st *Store, m *scim.Model, filter, sortBy string, start, count int) *scim.Page {
	t.Helper()
	q, err := m.NewQuery(filter, sortBy, "", start, count)
	if err != nil {
		t.Fatalf("%s: %v", filter, err)
	}
	p, err := st.ListUsers(context.Background(), "acme", q)
	if err != nil {
		t.Fatalf("%s: %v", filter, err)
	}
	return p
}

// createUsers creates n active users in the acme company, with ids
// fmt.Sprintf(idFormat, i) and user names id@example.com, and returns them.
func createUsers(t testing.TB, st *Store, idFormat string, n int) []*scim.User {
	t.Helper()
	users := make([]*scim.User, n)
	for i := range users {
		id := fmt.Sprintf(idFormat, i)
		users[i] = &scim.User{ID: id, UserName: id + "@example.com", Active: true, Meta: scim.Meta{Version: `W/"1"`}}
	}
	if err := st.CreateUsers(context.Background(), "acme", users); err != nil {
		t.Fatal(err)
	}
	return users
}

// membersOf returns users as the members of a group.
func membersOf(users []*scim.User) []scim.Member {
	ms := make([]scim.Member, len(users))
	for i, u := range users {
		ms[i] = scim.Member{Value: u.ID}
	}
	return ms
}

// userIDsOf returns the ids of users, in order.
func userIDsOf(users []*scim.User) []string {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return ids
}

// openPostgres opens a store in a schema of its own, dropped at cleanup,
// or skips when SCIMKIT_POSTGRES_DSN is not set.
func openPostgres(t testing.TB, opts ...Option) *Store {
	t.Helper()
	return openStore(t, "postgres", postgresSchema(t), opts...)
}

// postgresSchema creates a schema of its own, dropped at cleanup, and
// returns a DSN using it; it skips when SCIMKIT_POSTGRES_DSN is not set.
// Stores opened on the DSN are instances sharing one database.
func postgresSchema(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("SCIMKIT_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SCIMKIT_POSTGRES_DSN is not set")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", dsn) // no migration: the default schema is not the tests'
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", dsn) // no migration: the default schema is not the tests'
		if err == nil {
			admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
			admin.Close()
		}
	})
	return withSearchPath(dsn, schema)
}

func withSearchPath(dsn, schema string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(dsn) + " search_path=" + schema
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) scim.Store { return openSQLite(t) })
}

func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) scim.Store { return openPostgres(t) })
}

// TestReopen checks that migrations apply once: a second Open of the same
// database finds them recorded and the data in place.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "scim.db")
	for i := range 2 {
		st, err := openDriver(ctx, "sqlite", path)
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		if i == 0 {
			if err := st.CreateUser(ctx, "acme", &scim.User{ID: "1", UserName: "a", Meta: scim.Meta{Version: "v"}}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := st.GetUser(ctx, "acme", "1"); err != nil {
			t.Errorf("after reopening: %v", err)
		}
		entries, _ := migrations.ReadDir("migrations/sqlite")
		var n int
		if err := st.db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(entries) {
			t.Errorf("Open #%d: %d migrations recorded (%v), want %d", i+1, n, err, len(entries))
		}
		st.Close()
	}
	if _, err := openDriver(ctx, "mysql", "x"); err == nil {
		t.Error("Open with an unknown driver succeeded")
	}
}

// A test that needs another process re-executes the test binary to run a
// child test, naming the database in an environment variable: childStore
// opens it in the child (skipping the child test when it runs as itself;
// printing "error ..." and exiting if it cannot, for the parent to read),
// childCommand starts the child from the parent.
func childStore(t *testing.T, env, parent string) *Store {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		t.Skip("run by " + parent)
	}
	st, err := openDriver(context.Background(), "sqlite", path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	return st
}

func childCommand(child, env, path string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^"+child+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+path)
	return cmd
}

// sqliteConn opens a connection of its own to the SQLite file at path, as
// another process would, closed at cleanup.
func sqliteConn(t testing.TB, path string) *sql.Conn {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
