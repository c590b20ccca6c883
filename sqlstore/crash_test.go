package sqlstore

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/scimkit/scim"
)

const crashEnv = "SCIMKIT_CRASH_DB"

// TestCrashChild is the writer the crash test kills; it does nothing
// unless re-executed by TestCrash.
func TestCrashChild(t *testing.T) {
	st := childStore(t, crashEnv, "TestCrash")
	ctx := context.Background()
	// Concurrent writers, so that writes commit in groups.
	var mu sync.Mutex
	for w := 0; ; w++ {
		if w < crashWriters {
			go func() {
				for i := 0; ; i++ {
					id := fmt.Sprintf("c%d-%06d", w, i)
					u := &scim.User{ID: id, UserName: id, Active: true, Meta: scim.Meta{Version: `W/"1"`}}
					if err := st.CreateUser(ctx, "acme", u); err != nil {
						fmt.Println("error", err)
						os.Exit(1)
					}
					// Acknowledge only after the commit returned, as a handler would.
					mu.Lock()
					fmt.Println("ack", id)
					mu.Unlock()
				}
			}()
			continue
		}
		select {}
	}
}

// crashWriters is how many goroutines write concurrently in the child.
const crashWriters = 8

// TestCrash kills a process writing from several goroutines (group
// commit) with SIGKILL and checks that every write it acknowledged
// survived.
func TestCrash(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("inside the child")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := childCommand("TestCrashChild", crashEnv, path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "error") {
			t.Fatalf("child: %s", line)
		}
		if id, ok := strings.CutPrefix(line, "ack "); ok {
			acked = append(acked, id)
		}
		if len(acked) == 150 && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true // keep reading what it acknowledged before dying
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("the child stopped by itself after %d writes", len(acked))
	}
	st, err := openDriver(context.Background(), "sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range acked {
		if _, err := st.GetUser(context.Background(), "acme", id); err != nil {
			t.Errorf("acknowledged write %s lost: %v", id, err)
		}
	}
	t.Logf("%d acknowledged writes survived SIGKILL", len(acked))
}
