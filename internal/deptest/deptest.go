// Package deptest lists what packages link, for the tests that keep the
// library's dependencies small: a product importing one store links only
// that store's driver, and no library package links the demo's.
package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

// List returns the packages that pkgs link (go list -deps, without their
// tests). It skips the test under -short or without a go command.
func List(t testing.TB, pkgs ...string) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the go command")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(goCmd, append([]string{"list", "-deps", "-test=false"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", strings.Join(pkgs, " "), err, out)
	}
	return strings.Fields(string(out))
}

// Forbid reports every package of deps, which what links, whose path
// contains one of banned.
func Forbid(t testing.TB, what string, deps []string, banned ...string) {
	t.Helper()
	for _, d := range deps {
		for _, b := range banned {
			if strings.Contains(d, b) {
				t.Errorf("%s links %s", what, d)
			}
		}
	}
}
