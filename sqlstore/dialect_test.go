package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers "pgx"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The package's own tests cannot import sqlstore/sqlite and
// sqlstore/postgres (they import this package), so they open stores with
// these copies of those dialects; the subpackages' tests run the
// conformance suite on the real ones.

type testSQLite struct{}

func (testSQLite) Name() string           { return "sqlite" }
func (testSQLite) Placeholder(int) string { return "?" }
func (testSQLite) UniqueViolation(err error) (string, bool) {
	var e *msqlite.Error
	if errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return e.Error(), true
	}
	return "", false
}
func (testSQLite) OpenPools(dsn string) (readers, writer *sql.DB, err error) {
	if !strings.HasPrefix(dsn, "file:") {
		dsn = "file:" + dsn
	}
	p := url.Values{}
	for _, pr := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "case_sensitive_like(1)", "foreign_keys(1)", "temp_store(MEMORY)"} {
		p.Add("_pragma", pr)
	}
	if readers, err = sql.Open("sqlite", dsn+"?"+p.Encode()); err != nil {
		return nil, nil, err
	}
	p.Set("_txlock", "immediate")
	writer, err = sql.Open("sqlite", dsn+"?"+p.Encode())
	return readers, writer, err
}

type testPostgres struct{}

func (testPostgres) Name() string             { return "postgres" }
func (testPostgres) Placeholder(n int) string { return "$" + strconv.Itoa(n) }
func (testPostgres) UniqueViolation(err error) (string, bool) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return pg.ConstraintName, true
	}
	return "", false
}
func (testPostgres) OpenPools(dsn string) (readers, writer *sql.DB, err error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := cfg.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}
	db := stdlib.OpenDB(*cfg)
	return db, db, nil
}

// openDriver opens a store of the named dialect on dsn, as Open did when
// it took a driver name.
func openDriver(ctx context.Context, name, dsn string, opts ...Option) (*Store, error) {
	switch name {
	case "sqlite":
		return Open(ctx, testSQLite{}, dsn, opts...)
	case "postgres":
		return Open(ctx, testPostgres{}, dsn, opts...)
	}
	return Open(ctx, unknownDialect{}, dsn, opts...)
}

type unknownDialect struct{ testSQLite }

func (unknownDialect) Name() string { return "mysql" }
