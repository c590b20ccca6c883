package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/deptest"
	"github.com/scimkit/scim/sqlstore"
	"github.com/scimkit/scim/sqlstore/postgres"
	"github.com/scimkit/scim/storetest"
)

// schemaDSN creates a schema of its own, dropped at cleanup, and returns
// a DSN using it; it skips when SCIMKIT_POSTGRES_DSN is not set.
func schemaDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("SCIMKIT_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SCIMKIT_POSTGRES_DSN is not set")
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	return withParam(dsn, "search_path", schema)
}

// schemaDB opens a pool on pgx's driver in a schema of its own (see
// schemaDSN), as a program opens its own, closed at cleanup.
func schemaDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", schemaDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// withParam sets a connection parameter in a URL or keyword/value DSN.
func withParam(dsn, key, value string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return strings.TrimSpace(dsn) + " " + key + "=" + value
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestConformance runs the conformance suite on a store Open opens from
// a DSN and on one New makes on the program's own pool.
func TestConformance(t *testing.T) {
	for _, c := range []struct {
		name string
		open func(t *testing.T) (*sqlstore.Store, error)
	}{
		{"Open", func(t *testing.T) (*sqlstore.Store, error) {
			return postgres.Open(context.Background(), schemaDSN(t))
		}},
		{"New", func(t *testing.T) (*sqlstore.Store, error) {
			return postgres.New(context.Background(), schemaDB(t))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) scim.Store {
				st, err := c.open(t)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			})
		})
	}
}

// TestNewKeepsThePool checks that a store on the program's pool leaves
// its limits alone and does not close it.
func TestNewKeepsThePool(t *testing.T) {
	ctx := context.Background()
	db := schemaDB(t)
	db.SetMaxOpenConns(3)
	st, err := postgres.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, "acme", &scim.User{ID: "1", UserName: "ann", Meta: scim.Meta{Version: "v1"}}); err != nil {
		t.Fatal(err)
	}
	if got := db.Stats().MaxOpenConnections; got != 3 {
		t.Errorf("MaxOpenConnections = %d after New, want the program's 3", got)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil || n != 1 {
		t.Errorf("after the store's Close, the program's pool reads %d users (%v), want 1", n, err)
	}
	if st.Dialect().Name() != "postgres" {
		t.Errorf("Dialect().Name() = %q", st.Dialect().Name())
	}
}

// TestUniqueViolation checks the dialect's error mapping on the driver's
// own errors.
func TestUniqueViolation(t *testing.T) {
	ctx := context.Background()
	db := schemaDB(t)
	for _, s := range []string{`CREATE TABLE t (k TEXT PRIMARY KEY, u TEXT CONSTRAINT t_u_uq UNIQUE)`, `INSERT INTO t VALUES ('a', 'x')`} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	type result struct {
		Index string
		OK    bool
	}
	for _, tc := range []struct {
		stmt string
		want result
	}{
		{`INSERT INTO t VALUES ('b', 'x')`, result{"t_u_uq", true}},
		{`INSERT INTO t VALUES ('a', 'y')`, result{"t_pkey", true}},
		{`INSERT INTO t VALUES (NULL, 'z')`, result{}},
		{`SELECT nonsense`, result{}},
	} {
		_, err := db.ExecContext(ctx, tc.stmt)
		var got result
		got.Index, got.OK = postgres.Dialect{}.UniqueViolation(err)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (%v): -want +got\n%s", tc.stmt, err, diff)
		}
	}
	if _, ok := (postgres.Dialect{}).UniqueViolation(errors.New("duplicate key value violates unique constraint")); ok {
		t.Error("a text that only looks like a violation was taken for one")
	}
}

// TestLinksOnlyPostgres lists what a program importing only this package
// links: no package of SQLite's driver.
func TestLinksOnlyPostgres(t *testing.T) {
	deps := deptest.List(t, "./testdata/onlypostgres")
	deptest.Forbid(t, "./testdata/onlypostgres", deps, "modernc.org/")
	if !slices.Contains(deps, "github.com/jackc/pgx/v5/stdlib") {
		t.Errorf("./testdata/onlypostgres does not link github.com/jackc/pgx/v5/stdlib")
	}
	deptest.Forbid(t, "sqlstore", deptest.List(t, "github.com/scimkit/scim/sqlstore"), "github.com/jackc/", "modernc.org/")
}

// TestGenericPlans checks that the pools Open opens keep generic plans
// (see OpenPools), unless the DSN says otherwise.
func TestGenericPlans(t *testing.T) {
	ctx := context.Background()
	dsn := schemaDSN(t)
	for _, c := range []struct{ dsn, want string }{
		{dsn, "force_generic_plan"},
		{withParam(dsn, "plan_cache_mode", "auto"), "auto"},
	} {
		st, err := postgres.Open(ctx, c.dsn)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = st.DB().QueryRowContext(ctx, "SHOW plan_cache_mode").Scan(&got)
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("plan_cache_mode = %q, want %q", got, c.want)
		}
	}
}

// TestTimeouts: the pools Open opens bound lock waits and statements
// unless the DSN says otherwise, and a write that waits on a locked table
// past lock_timeout answers 503 with Retry-After and commits nothing
// (issue 23, items 25 and 26).
func TestTimeouts(t *testing.T) {
	ctx := context.Background()
	dsn := schemaDSN(t)
	for _, c := range []struct{ dsn, lock, statement string }{
		{dsn, postgres.DefaultLockTimeout, postgres.DefaultStatementTimeout},
		{withParam(withParam(dsn, "lock_timeout", "5s"), "statement_timeout", "0"), "5s", "0"},
	} {
		st, err := postgres.Open(ctx, c.dsn)
		if err != nil {
			t.Fatal(err)
		}
		var lock, statement string
		err = st.DB().QueryRowContext(ctx, "SELECT current_setting('lock_timeout'), current_setting('statement_timeout')").Scan(&lock, &statement)
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		if lock != c.lock || statement != c.statement {
			t.Errorf("lock_timeout %q, statement_timeout %q; want %q, %q", lock, statement, c.lock, c.statement)
		}
	}

	st, err := postgres.Open(ctx, withParam(dsn, "lock_timeout", "50ms"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := &scim.Handler{Store: st, Auth: scim.StaticTokens{"tok": "acme"}}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	tx, err := admin.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "LOCK TABLE users IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/Users", strings.NewReader(`{"userName":"locked-out"}`))
	r.Header.Set("Authorization", "Bearer tok")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("POST on a locked table: %d, Retry-After %q: %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	page, err := st.ListUsers(ctx, "acme", &scim.Query{StartIndex: 1, Count: 10})
	if err != nil || page.Total != 0 {
		t.Errorf("after the lock: %v, %v; want nothing committed", page, err)
	}
}
