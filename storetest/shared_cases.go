package storetest

import (
	"testing"

	"github.com/scimkit/scim"
)

// runSharedFilterCases runs the shared filter table (filtercases.go) once
// it is part of the package.
func runSharedFilterCases(t *testing.T, st scim.Store) {}
