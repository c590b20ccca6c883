package sqlstore

import (
	"database/sql"
	"fmt"
)

// A Dialect is what the store needs to know of a database and its driver.
// As with database/sql's drivers, each dialect lives in a package of its
// own that links its driver (sqlstore/sqlite, sqlstore/postgres), so that
// a program links only the driver it uses; package sqlstore links none.
//
// The SQL the store writes, and its migrations, are chosen by Name: the
// store knows the dialects "sqlite" and "postgres".
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// Placeholder is the text of the nth parameter of a statement,
	// counting from 1: "?" or "$1".
	Placeholder(n int) string
	// UniqueViolation reports whether err is the violation of a unique
	// index or primary key, and the driver's text naming the index or
	// its columns, from which the store tells which attribute conflicts.
	UniqueViolation(err error) (index string, ok bool)
	// OpenPools opens the pools of a store [Open] opens itself: readers
	// serve queries and writer write transactions. writer is readers
	// when the database serves concurrent writers; SQLite's is a pool of
	// its own, with its transactions beginning IMMEDIATE. The store sets
	// the pools' limits.
	OpenPools(dsn string) (readers, writer *sql.DB, err error)
}

// kind is what the store's SQL depends on: a dialect's Name.
type kind int

const (
	sqlite kind = iota
	postgres
)

func kindOf(d Dialect) (kind, error) {
	switch d.Name() {
	case "sqlite":
		return sqlite, nil
	case "postgres":
		return postgres, nil
	}
	return 0, fmt.Errorf("sqlstore: unknown dialect %q (want \"sqlite\" or \"postgres\")", d.Name())
}
