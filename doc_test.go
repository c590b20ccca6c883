package scim

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scimkit/scim/internal/doctest"
)

// TestDocMapNamesEveryFile fails when a root file is missing from doc.go's
// "Where things are", or the map names a file that is gone.
func TestDocMapNamesEveryFile(t *testing.T) {
	m := doctest.Section(t, "doc.go", "# Where things are")
	named := regexp.MustCompile(`[a-z_]+\.go`).FindAllString(m, -1)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			have = append(have, f)
		}
	}
	doctest.SameNames(t, "doc.go's map (Where things are)", named, have)
}
