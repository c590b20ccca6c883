package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/deptest"
	"github.com/scimkit/scim/sqlstore/sqlite"
	"github.com/scimkit/scim/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) scim.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "scim.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

// TestUniqueViolation checks the dialect's error mapping on the driver's
// own errors, and that other errors are not taken for conflicts.
func TestUniqueViolation(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "scim.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.DB()
	if _, err := db.ExecContext(ctx, `CREATE TEMP TABLE t (k TEXT PRIMARY KEY, u TEXT UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO t VALUES ('a', 'x')`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		stmt  string
		index string // "" for no violation
	}{
		{`INSERT INTO t VALUES ('b', 'x')`, "t.u"},
		{`INSERT INTO t VALUES ('a', 'y')`, "t.k"},
		{`INSERT INTO t VALUES (NULL)`, ""},
		{`SELECT nonsense`, ""},
	} {
		_, err := db.ExecContext(ctx, tc.stmt)
		index, ok := sqlite.Dialect{}.UniqueViolation(err)
		if ok != (tc.index != "") || !strings.Contains(index, tc.index) {
			t.Errorf("%s: UniqueViolation(%v) = %q, %v; want one naming %q", tc.stmt, err, index, ok, tc.index)
		}
	}
	if _, ok := (sqlite.Dialect{}).UniqueViolation(errors.New("UNIQUE constraint failed: t.u")); ok {
		t.Error("a text that only looks like a violation was taken for one")
	}
}

// TestLinksOnlySQLite lists what a program importing only this package
// links: no package of PostgreSQL's driver. The shared package links no
// driver at all.
func TestLinksOnlySQLite(t *testing.T) {
	deps := deptest.List(t, "./testdata/onlysqlite")
	deptest.Forbid(t, "./testdata/onlysqlite", deps, "github.com/jackc/")
	if !slices.Contains(deps, "modernc.org/sqlite") {
		t.Errorf("./testdata/onlysqlite does not link modernc.org/sqlite")
	}
	deptest.Forbid(t, "sqlstore", deptest.List(t, "github.com/scimkit/scim/sqlstore"), "github.com/jackc/", "modernc.org/")
}
