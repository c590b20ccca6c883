package storetest

import (
	"testing"

	"github.com/scimkit/scim"
)

func TestMemoryStore(t *testing.T) {
	Run(t, func(t *testing.T) scim.Store { return scim.NewMemoryStore() })
}
