// Package doctest reads the documents that tests hold to the code: the
// "Where things are" maps in doc.go files and the README's examples. It is
// for tests only.
package doctest

import (
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
)

// Section returns what follows heading in the file at path, failing t
// when the file cannot be read or has no such heading.
func Section(t testing.TB, path, heading string) string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(src), heading)
	if !ok {
		t.Fatalf("%s has no section %q", path, heading)
	}
	return rest
}

// SameNames fails t for each name in have that a map (named in messages as
// doc) does not list, and each listed name that is not in have.
func SameNames(t testing.TB, doc string, listed, have []string) {
	t.Helper()
	for _, name := range have {
		if !slices.Contains(listed, name) {
			t.Errorf("%s does not name %s", doc, name)
		}
	}
	for _, name := range listed {
		if !slices.Contains(have, name) {
			t.Errorf("%s names %s, which is not there", doc, name)
		}
	}
}

// Entries returns what a "Where things are" map should name in the
// current directory: its Go files other than tests and, with folders, its
// folders as "name/" (those in internal/ as "internal/name/"); testdata/
// holds no code of the package's.
func Entries(t testing.TB, folders bool) []string {
	t.Helper()
	var have []string
	err := fs.WalkDir(os.DirFS("."), ".", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case path == "." || path == "internal":
			return nil // walked into
		case d.IsDir():
			if folders && d.Name() != "testdata" {
				have = append(have, path+"/")
			}
			return fs.SkipDir
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			have = append(have, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return have
}
