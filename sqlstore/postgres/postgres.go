// Package postgres opens a [sqlstore.Store] on PostgreSQL through pgx's
// database/sql driver. Importing it links pgx and not SQLite's driver.
//
// Open connects from a DSN with pools the store bounds; New takes a pool
// the program already has, with its own DSN, TLS and limits:
//
//	st, err := postgres.Open(ctx, "postgres://scim@db/scim?sslmode=verify-full")
//
//	db, err := sql.Open("pgx", dsn) // the product's own pool
//	st, err := postgres.New(ctx, db)
package postgres

import (
	"context"
	"database/sql"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx", for New's pools

	"github.com/scimkit/scim/sqlstore"
	"github.com/scimkit/scim/sqlstore/internal/pgdialect"
)

// Dialect is PostgreSQL's [sqlstore.Dialect], for [sqlstore.Open] and
// [sqlstore.New].
type Dialect struct{}

var _ sqlstore.Dialect = Dialect{}

// impl is the dialect's code, which sqlstore's own tests share.
var impl pgdialect.Dialect

// Open opens (and creates or migrates) a store on the database at dsn, a
// pgx connection string or URL, with a pool the store bounds
// (sqlstore.WithMaxConns, default 10) and closes with it.
func Open(ctx context.Context, dsn string, opts ...sqlstore.Option) (*sqlstore.Store, error) {
	return sqlstore.Open(ctx, Dialect{}, dsn, opts...)
}

// New returns a store (creating or migrating its schema) on db, a pool
// the program opened on pgx's driver ("pgx", or stdlib.OpenDB from a
// pgxpool configuration). Its limits are the program's: the store does
// not change them, and it does not close db.
func New(ctx context.Context, db *sql.DB, opts ...sqlstore.Option) (*sqlstore.Store, error) {
	return sqlstore.New(ctx, Dialect{}, db, opts...)
}

// Name implements sqlstore.Dialect.
func (Dialect) Name() string { return impl.Name() }

// Placeholder implements sqlstore.Dialect.
func (Dialect) Placeholder(n int) string { return impl.Placeholder(n) }

// The lock_timeout and statement_timeout of the pools Open opens, unless
// the DSN sets them (see Dialect.OpenPools).
const (
	DefaultLockTimeout      = "20s"
	DefaultStatementTimeout = "20s"
)

// UniqueViolation implements sqlstore.Dialect.
func (Dialect) UniqueViolation(err error) (string, bool) { return impl.UniqueViolation(err) }

// OpenPools implements sqlstore.Dialect. Its connections keep the generic
// plan of every prepared statement (plan_cache_mode=force_generic_plan)
// unless dsn sets plan_cache_mode: the store's statements are written so
// that their plan does not depend on the values (a lookup walks the index
// of its equality whatever the value), and PostgreSQL would otherwise
// plan some of them afresh on every execution: a lookup by a custom
// attribute, whose values share a column with a few frequent ones
// (departments), would spend most of its time planning rather than
// executing. The setting travels as a startup parameter: behind a
// connection pooler that refuses those (PgBouncer unless told to ignore
// it), open the pool yourself and use New. A pool given to New keeps its
// settings; set the parameter there too.
//
// Likewise its connections wait for a lock at most DefaultLockTimeout and
// run a statement at most DefaultStatementTimeout, unless dsn sets
// lock_timeout or statement_timeout: a request blocked on a locked table
// or a frozen query then fails (scim.ErrUnavailable, answered 503) instead
// of outliving the server's timeouts and committing after its client gave
// up. Both are below the handler's request deadline
// (scim.DefaultRequestTimeout, 25 s), so that the database gives up on a
// statement first, with an error and its connection kept, rather than the
// driver cancelling it and dropping the connection; and they bound what
// runs without a deadline. The store lifts them for its migrations and
// Analyze.
func (Dialect) OpenPools(dsn string) (readers, writer *sql.DB, err error) {
	return impl.OpenPools(dsn)
}
