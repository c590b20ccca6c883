package sqlstore

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestWhereThingsAre checks that the package documentation's map names
// every file and folder of the package, and nothing that is gone.
func TestWhereThingsAre(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	_, m, ok := strings.Cut(string(src), "// # Where things are\n")
	if !ok {
		t.Fatal(`doc.go has no "# Where things are" section`)
	}
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
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
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
	for _, name := range have {
		if !slices.Contains(mapped, name) {
			t.Errorf("doc.go's map does not name %s", name)
		}
	}
	for _, name := range mapped {
		if !slices.Contains(have, name) {
			t.Errorf("doc.go's map names %s, which is not there", name)
		}
	}
}
