package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary serve as the servers' processes: run
// re-executes it with -serve KIND.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-serve" {
		if err := serveMain(os.Args[1:]); err != nil {
			os.Stderr.WriteString("loadcompare -serve: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRunEveryScenario runs every scenario briefly: every server answers
// every request the load generator sends (a failed request fails the run)
// and each scenario prints its lines.
func TestRunEveryScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes and SQLite databases")
	}
	var out bytes.Buffer
	if err := run([]string{"-users", "60", "-creates", "30", "-rounds", "1", "-round", "20ms", "-dir", t.TempDir()}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, s := range []string{"\nget ", "\neq ", "\npatch ", "\nsw ", "\nsqlite-get ", "\nsqlite-patch ", "creates/s with 16 client(s)", "creates/s with 1 client(s)", "  bare ", "  demo ", "  memory ", "  sqlite "} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("no %q in:\n%s", s, out.String())
		}
	}
	t.Log(out.String())
}

// TestRunOtherBuild runs a server of "another build" (this test binary,
// named by path) beside this build's, in the same rounds.
func TestRunOtherBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"-users", "30", "-run", "get", "-rounds", "2", "-round", "20ms", "-servers", "demo,memory@" + exe, "-dir", t.TempDir()}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if want := "  memory@" + filepath.Base(exe) + " "; !strings.Contains(out.String(), want) {
		t.Errorf("no %q in:\n%s", want, out.String())
	}
	// Each server's CPU set against the first one's in the same rounds.
	if want := "CPU ×demo"; !strings.Contains(out.String(), want) {
		t.Errorf("no %q in:\n%s", want, out.String())
	}
}

func TestRunRejectsUnknownScenario(t *testing.T) {
	if err := run([]string{"-run", "get,nope"}, new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("run -run get,nope: %v, want an error naming nope", err)
	}
}

// TestCallCounters checks the counters written into a call's bytes.
func TestCallCounters(t *testing.T) {
	c := newCall("PATCH", "/scim/v2/Users/x", patchBody)
	if len(c.counterAt) != 1 {
		t.Fatalf("counters at %v, want one", c.counterAt)
	}
	b := string(c.bytesFor(nil, 42))
	if !strings.Contains(b, `"Title 000000042"`) || !strings.Contains(b, fmt.Sprintf("Content-Length: %d\r\n", len(patchBody))) {
		t.Errorf("request:\n%s", b)
	}
	if p := newCall("POST", "/scim/v2/Users", createBody); len(p.counterAt) != 7 {
		t.Errorf("create counters at %v, want 7", p.counterAt)
	}
}
