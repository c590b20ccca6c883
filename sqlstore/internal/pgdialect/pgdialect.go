// Package pgdialect is PostgreSQL's dialect of sqlstore, through pgx's
// database/sql driver: the code behind package sqlstore/postgres, and the
// dialect sqlstore's own tests open stores with, as they cannot import
// sqlstore/postgres (it imports sqlstore). It does not import sqlstore
// either: [Dialect] implements sqlstore.Dialect by its method set.
package pgdialect

import (
	"database/sql"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers "pgx"
)

// Dialect is PostgreSQL's sqlstore.Dialect.
type Dialect struct{}

// Name implements sqlstore.Dialect.
func (Dialect) Name() string { return "postgres" }

// Placeholder implements sqlstore.Dialect.
func (Dialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// The lock_timeout and statement_timeout of the pools OpenPools opens,
// unless the DSN sets them (see postgres.Dialect.OpenPools for why).
const (
	LockTimeout      = "20s"
	StatementTimeout = "20s"
)

// uniqueViolation is PostgreSQL's SQLSTATE for unique_violation.
const uniqueViolation = "23505"

// UniqueViolation implements sqlstore.Dialect.
func (Dialect) UniqueViolation(err error) (string, bool) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == uniqueViolation {
		return pg.ConstraintName, true // "users_user_name_uq"
	}
	return "", false
}

// OpenPools implements sqlstore.Dialect: one pool serves both, its
// connections keeping generic plans and bounding lock waits and statements
// unless dsn sets plan_cache_mode, lock_timeout or statement_timeout (see
// postgres.Dialect.OpenPools for why).
func (Dialect) OpenPools(dsn string) (readers, writer *sql.DB, err error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range map[string]string{
		"plan_cache_mode":   "force_generic_plan",
		"lock_timeout":      LockTimeout,
		"statement_timeout": StatementTimeout,
	} {
		if _, ok := cfg.RuntimeParams[k]; !ok {
			cfg.RuntimeParams[k] = v
		}
	}
	db := stdlib.OpenDB(*cfg)
	return db, db, nil
}
