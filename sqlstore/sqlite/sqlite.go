// Package sqlite opens a [sqlstore.Store] on SQLite through
// modernc.org/sqlite (pure Go, no cgo). Importing it links that driver
// and not PostgreSQL's.
//
//	st, err := sqlite.Open(ctx, "/var/lib/scim/users.db")
package sqlite

import (
	"context"
	"database/sql"

	"github.com/scimkit/scim/sqlstore"
	"github.com/scimkit/scim/sqlstore/internal/sqlitedialect"
)

// Dialect is SQLite's [sqlstore.Dialect], for [sqlstore.Open] and
// [sqlstore.New].
type Dialect struct{}

var _ sqlstore.Dialect = Dialect{}

// impl is the dialect's code, which sqlstore's own tests share.
var impl sqlitedialect.Dialect

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
func (Dialect) Name() string { return impl.Name() }

// Placeholder implements sqlstore.Dialect. SQLite's parameters are all
// "?", whatever their number.
func (Dialect) Placeholder(int) string { return impl.Placeholder(0) }

// UniqueViolation implements sqlstore.Dialect.
func (Dialect) UniqueViolation(err error) (string, bool) { return impl.UniqueViolation(err) }

// OpenPools implements sqlstore.Dialect.
func (Dialect) OpenPools(dsn string) (readers, writer *sql.DB, err error) {
	return impl.OpenPools(dsn)
}
