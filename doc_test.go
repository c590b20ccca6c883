package scim

import (
	"regexp"
	"testing"

	"github.com/scimkit/scim/internal/doctest"
)

// TestDocMapNamesEveryFile fails when a root file is missing from doc.go's
// "Where things are", or the map names a file that is gone.
func TestDocMapNamesEveryFile(t *testing.T) {
	m := doctest.Section(t, "doc.go", "# Where things are")
	named := regexp.MustCompile(`[a-z_]+\.go`).FindAllString(m, -1)
	doctest.SameNames(t, "doc.go's map (Where things are)", named, doctest.Entries(t, false))
}
