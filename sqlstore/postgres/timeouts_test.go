package postgres

import (
	"testing"

	"github.com/scimkit/scim/sqlstore/internal/pgdialect"
)

// TestDefaultTimeoutsAreTheDialects pins that the documented defaults are
// the ones the pools are opened with (the internal dialect's).
func TestDefaultTimeoutsAreTheDialects(t *testing.T) {
	if DefaultLockTimeout != pgdialect.LockTimeout || DefaultStatementTimeout != pgdialect.StatementTimeout {
		t.Errorf("postgres defaults %s, %s; the dialect opens pools with %s, %s",
			DefaultLockTimeout, DefaultStatementTimeout, pgdialect.LockTimeout, pgdialect.StatementTimeout)
	}
}
