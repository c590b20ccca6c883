package scim

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocMapNamesEveryFile fails when a root file is missing from doc.go's
// "Where things are", or the map names a file that is gone.
func TestDocMapNamesEveryFile(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	_, m, ok := strings.Cut(string(doc), "# Where things are")
	if !ok {
		t.Fatal(`doc.go has no "Where things are" section`)
	}
	named := map[string]bool{}
	for _, f := range regexp.MustCompile(`[a-z_]+\.go`).FindAllString(m, -1) {
		named[f] = true
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		have[f] = true
		if !named[f] {
			t.Errorf("%s is not in doc.go's map (Where things are)", f)
		}
	}
	for f := range named {
		if !have[f] {
			t.Errorf("doc.go's map names %s, which is not a file of the package", f)
		}
	}
}
