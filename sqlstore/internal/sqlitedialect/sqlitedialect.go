// Package sqlitedialect is SQLite's dialect of sqlstore, through
// modernc.org/sqlite: the code behind package sqlstore/sqlite, and the
// dialect sqlstore's own tests open stores with, as they cannot import
// sqlstore/sqlite (it imports sqlstore). It does not import sqlstore
// either: [Dialect] implements sqlstore.Dialect by its method set.
package sqlitedialect

import (
	"database/sql"
	"errors"
	"net/url"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect is SQLite's sqlstore.Dialect.
type Dialect struct{}

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

// OpenPools implements sqlstore.Dialect: one pool for the writer and
// one for readers, on the same file.
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
// writes every read paid for munmap, mmap and the page faults after them,
// and concurrent creates were slower with a mapping than without; reads
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
