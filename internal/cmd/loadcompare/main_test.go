package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRunEveryScenario runs every scenario briefly: the demo answers every
// request the load generator sends (a failed request fails the run) and
// each scenario prints its line.
func TestRunEveryScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers and SQLite databases")
	}
	var out bytes.Buffer
	if err := run([]string{"-users", "60", "-creates", "30", "-rounds", "1", "-round", "20ms", "-dir", t.TempDir()}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, s := range []string{"get ", "eq ", "patch ", "sw ", "sqlite-get ", "creates/s with 16 client(s)", "creates/s with 1 client(s)"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("no %q line in:\n%s", s, out.String())
		}
	}
}

func TestRunRejectsUnknownScenario(t *testing.T) {
	if err := run([]string{"-run", "get,nope"}, new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("run -run get,nope: %v, want an error naming nope", err)
	}
}
