package sqlstore

import (
	"context"

	"github.com/scimkit/scim/sqlstore/internal/pgdialect"
	"github.com/scimkit/scim/sqlstore/internal/sqlitedialect"
)

// The package's own tests cannot import sqlstore/sqlite and
// sqlstore/postgres (they import this package), so they open stores with
// the code those packages wrap, sqlstore/internal/sqlitedialect and
// sqlstore/internal/pgdialect; the subpackages' tests run the conformance
// suite through their wrappers.
var (
	_ Dialect = sqlitedialect.Dialect{}
	_ Dialect = pgdialect.Dialect{}
)

// openDriver opens a store of the named dialect on dsn, as Open did when
// it took a driver name.
func openDriver(ctx context.Context, name, dsn string, opts ...Option) (*Store, error) {
	switch name {
	case "sqlite":
		return Open(ctx, sqlitedialect.Dialect{}, dsn, opts...)
	case "postgres":
		return Open(ctx, pgdialect.Dialect{}, dsn, opts...)
	}
	return Open(ctx, unknownDialect{}, dsn, opts...)
}

type unknownDialect struct{ sqlitedialect.Dialect }

func (unknownDialect) Name() string { return "mysql" }
