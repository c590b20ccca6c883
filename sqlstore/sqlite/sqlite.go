// Package sqlite opens a [sqlstore.Store] on SQLite through
// modernc.org/sqlite (pure Go, no cgo). Importing it links that driver
// and not PostgreSQL's.
//
//	st, err := sqlite.Open(ctx, "/var/lib/scim/users.db")
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/scimkit/scim/sqlstore"
)

// Dialect is SQLite's [sqlstore.Dialect], for [sqlstore.Open] and
// [sqlstore.New].
type Dialect struct{}

// Open opens (and creates or migrates) a store in the SQLite database at
// path, a file path or a "file:" URI. The store opens two pools: one
// connection for writes, so that writers queue in Go instead of failing
// with SQLITE_BUSY, and readers beside it (WAL mode). It adds the pragmas
// it relies on: WAL, synchronous=FULL (an acknowledged write survives a
// power cut), busy_timeout, case-sensitive LIKE, foreign keys.
func Open(ctx context.Context, path string, opts ...sqlstore.Option) (*sqlstore.Store, error) {
	return sqlstore.Open(ctx, Dialect{}, path, opts...)
}

// Name implements sqlstore.Dialect.
func (Dialect) Name() string { return "sqlite" }

// Placeholder implements sqlstore.Dialect.
func (Dialect) Placeholder(int) string { return "?" }

// UniqueViolation implements sqlstore.Dialect.
func (Dialect) UniqueViolation(err error) (string, bool) {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return "", false
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return e.Error(), true // "UNIQUE constraint failed: users.company, users.user_name_f"
	}
	return "", false
}

// OpenPools implements sqlstore.Dialect.
func (Dialect) OpenPools(dsn string) (readers, writer *sql.DB, err error) {
	if writer, err = sql.Open("sqlite", withPragmas(dsn, true)); err != nil {
		return nil, nil, err
	}
	if readers, err = sql.Open("sqlite", withPragmas(dsn, false)); err != nil {
		writer.Close()
		return nil, nil, err
	}
	return readers, writer, nil
}

// withPragmas adds the pragmas the store relies on. WAL lets readers run
// beside the writer; synchronous=FULL makes every acknowledged commit
// durable even against power loss (NORMAL would already survive a killed
// process); busy_timeout covers other processes writing the same file;
// case_sensitive_like makes LIKE binary, as the store folds case itself;
// temp_store keeps the statement journals of a batch's savepoints in
// memory.
//
// Reads do not map the file (mmap_size stays 0): SQLite unmaps a
// connection's mapping whenever another connection has committed, so under
// writes every read paid for munmap, mmap and the page faults after them
// (creates with 16 clients were 8 % slower with a 256 MB mapping); reads
// between writes are served by the store's user cache instead.
//
// The writer's transactions begin IMMEDIATE: they take the write lock at
// BEGIN, so a read-then-write transaction never fails to upgrade.
func withPragmas(dsn string, writer bool) string {
	if !strings.HasPrefix(dsn, "file:") {
		dsn = "file:" + dsn
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	p := url.Values{}
	for _, pr := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "case_sensitive_like(1)", "foreign_keys(1)", "temp_store(MEMORY)"} {
		p.Add("_pragma", pr)
	}
	if writer {
		p.Set("_txlock", "immediate")
	}
	return dsn + sep + p.Encode()
}
