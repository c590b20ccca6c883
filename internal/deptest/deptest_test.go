package deptest_test

import (
	"testing"

	"github.com/scimkit/scim/internal/deptest"
)

// The demo's dependencies: its browser tests' driver and its metrics.
var demoOnly = []string{"github.com/chromedp/", "github.com/prometheus/"}

// TestLibraryModuleGraph pins that the demo's dependencies stay in the
// examples module: a product importing the library, its stores, its client
// and its fake Peakon finds neither chromedp nor prometheus in go list -m
// all, nor in go.sum.
func TestLibraryModuleGraph(t *testing.T) {
	mods := deptest.Modules(t)
	if len(mods) == 0 || mods[0] != "github.com/scimkit/scim" {
		t.Fatalf("go list -m all does not start with the library: %v", mods)
	}
	deptest.Forbid(t, "the library's module graph", mods, append(demoOnly, "github.com/scimkit/scim/examples")...)
}

// TestLibraryLinks pins the same for what those packages link.
func TestLibraryLinks(t *testing.T) {
	deps := deptest.List(t,
		"github.com/scimkit/scim",
		"github.com/scimkit/scim/sqlstore/sqlite",
		"github.com/scimkit/scim/sqlstore/postgres",
		"github.com/scimkit/scim/scimclient",
		"github.com/scimkit/scim/scimtest",
	)
	deptest.Forbid(t, "the library", deps, append(demoOnly, "/examples/")...)
}
