package sqlstore

import (
	"strings"
	"testing"

	"github.com/scimkit/scim/internal/doctest"
)

// TestWhereThingsAre checks that the package documentation's map names
// every file and folder of the package, and nothing that is gone.
func TestWhereThingsAre(t *testing.T) {
	m := doctest.Section(t, "doc.go", "// # Where things are\n")
	var mapped []string
	for line := range strings.Lines(m) {
		item, ok := strings.CutPrefix(line, "//   - ")
		if !ok {
			continue
		}
		names, _, _ := strings.Cut(item, ": ")
		mapped = append(mapped, strings.Split(names, ", ")...)
	}
	doctest.SameNames(t, "doc.go's map", mapped, doctest.Entries(t, true))
}
