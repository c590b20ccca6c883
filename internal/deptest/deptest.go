// Package deptest lists what packages link and what modules the library's
// graph holds, for the tests that keep the library's dependencies small: a
// product importing one store links only that store's driver, and neither
// the library's packages nor its module graph carry the demo's.
package deptest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// List returns the packages that pkgs link (go list -deps, without their
// tests). It skips the test under -short or without a go command.
func List(t testing.TB, pkgs ...string) []string {
	t.Helper()
	out, err := goCommand(t, append([]string{"list", "-deps", "-test=false"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", strings.Join(pkgs, " "), err, out)
	}
	return strings.Fields(string(out))
}

// Modules returns the module paths of the library module's graph (go list
// -m all, the workspace left out), the library first. A product requiring
// the library gets no module that is not in it. It skips the test under
// -short or without a go command.
func Modules(t testing.TB) []string {
	t.Helper()
	cmd := goCommand(t, "list", "-m", "-f", "{{.Path}}", "all")
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -m all: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

// goCommand returns the go command with args. It skips the test under
// -short or without a go command.
func goCommand(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the go command")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	return exec.Command(goCmd, args...)
}

// Forbid reports every package or module of deps, which what includes,
// whose path contains one of banned.
func Forbid(t testing.TB, what string, deps []string, banned ...string) {
	t.Helper()
	for _, d := range deps {
		for _, b := range banned {
			if strings.Contains(d, b) {
				t.Errorf("%s includes %s", what, d)
			}
		}
	}
}
