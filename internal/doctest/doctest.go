// Package doctest reads the documents that tests hold to the code: the
// "Where things are" maps in doc.go files and the README's examples. It is
// for tests only.
package doctest

import (
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
