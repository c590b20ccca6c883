package sqlstore

import (
	"io/fs"
	"path/filepath"
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
	var have []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case path == "." || path == "internal":
		case d.IsDir() && d.Name() == "testdata":
			return filepath.SkipDir
		case d.IsDir():
			have = append(have, filepath.ToSlash(path)+"/")
			return filepath.SkipDir
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			have = append(have, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	doctest.SameNames(t, "doc.go's map", mapped, have)
}
