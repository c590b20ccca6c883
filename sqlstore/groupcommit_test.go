package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

// TestGroupCommit: writes that arrive while a transaction runs commit
// together in the next one, and a write that fails in the group (a taken
// userName) fails alone, its neighbours committed.
func TestGroupCommit(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	user := func(id, userName string) *scim.User {
		return &scim.User{ID: id, UserName: userName, Active: true, Meta: scim.Meta{Version: `W/"1"`}}
	}
	started, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- st.tx(ctx, func(tx *sql.Tx) error {
			close(started)
			<-release // hold the transaction while others queue
			_, err := tx.ExecContext(ctx, `SELECT 1`)
			return err
		})
	}()
	<-started
	before := st.group.commits.Load()

	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("u%d@x.test", i)
			if i == 3 {
				name = "u1@x.test" // taken by its neighbour in the group
			}
			errs[i] = st.CreateUser(ctx, "acme", user(fmt.Sprintf("id%d", i), name))
		})
	}
	// Wait (bounded) until every write is queued behind the first.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		st.group.mu.Lock()
		queued := len(st.group.queue)
		st.group.mu.Unlock()
		if queued == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", queued, n)
		}
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	conflicts := 0
	for i, err := range errs {
		switch {
		case errors.Is(err, scim.ErrConflict):
			conflicts++
		case err != nil:
			t.Errorf("write %d: %v", i, err)
		}
	}
	if conflicts != 1 {
		t.Errorf("%d conflicts, want 1 (u1 and u3 share a userName): %v", conflicts, errs)
	}
	page, err := st.ListUsers(ctx, "acme", &scim.Query{StartIndex: 1, Count: 100})
	if err != nil || page.Total != n-1 {
		t.Fatalf("%d users stored, want %d (%v)", page.Total, n-1, err)
	}
	// The first transaction plus one group for the six.
	if got := st.group.commits.Load() - before; got != 1 {
		t.Errorf("%d group transactions after the first, want 1", got)
	}
	// The group numbered its writes' changes together: one each for the
	// five committed, none for the one that failed, numbers 1 to 5.
	changes, err := st.Changes(ctx, "acme", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	ids := map[string]bool{}
	for _, c := range changes {
		seqs = append(seqs, c.Seq)
		ids[c.UserID] = true
	}
	if diff := cmp.Diff([]int64{1, 2, 3, 4, 5}, seqs); diff != "" {
		t.Errorf("change numbers (-want +got):\n%s", diff)
	}
	for i, err := range errs {
		if ids[fmt.Sprintf("id%d", i)] != (err == nil) {
			t.Errorf("write %d (error %v): in the feed %v", i, err, ids[fmt.Sprintf("id%d", i)])
		}
	}
	if v, err := st.companyVersion(ctx, "acme"); err != nil || v != 5 {
		t.Errorf("company counter %d (%v), want 5", v, err)
	}
}

// TestGroupCommitCancelled: a write whose context ends while it waits in
// the queue fails with the context's error and changes nothing; the others
// commit.
func TestGroupCommitCancelled(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	go st.tx(ctx, func(tx *sql.Tx) error { close(started); <-release; return nil })
	<-started
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 2)
	go func() {
		done <- st.CreateUser(cctx, "acme", &scim.User{ID: "gone", UserName: "gone", Meta: scim.Meta{Version: `W/"1"`}})
	}()
	go func() {
		done <- st.CreateUser(ctx, "acme", &scim.User{ID: "kept", UserName: "kept", Meta: scim.Meta{Version: `W/"1"`}})
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		st.group.mu.Lock()
		queued := len(st.group.queue)
		st.group.mu.Unlock()
		if queued == 2 || time.Now().After(deadline) {
			break
		}
	}
	cancel()
	close(release)
	var errs []error
	for range 2 {
		errs = append(errs, <-done)
	}
	if !errors.Is(errors.Join(errs...), context.Canceled) {
		t.Errorf("errors %v, want one context.Canceled", errs)
	}
	if _, err := st.GetUser(ctx, "acme", "kept"); err != nil {
		t.Errorf("the other write was lost: %v", err)
	}
	if _, err := st.GetUser(ctx, "acme", "gone"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("the cancelled write was stored: %v", err)
	}
}

// queueInOneGroup runs the writes, in order, in one transaction of st's
// group commit (a held transaction, which leaves the user cache as it is,
// lets them queue) and returns their errors.
func queueInOneGroup(t *testing.T, st *Store, writes ...func() error) []error {
	t.Helper()
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- st.tx(ctx, func(tx *sql.Tx) error {
			close(started)
			<-release
			st.group.declare(tx) // it changed no user: the cache stays
			return nil
		})
	}()
	<-started
	before := st.group.commits.Load()
	errs := make([]error, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Go(func() { errs[i] = w() })
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			st.group.mu.Lock()
			queued := len(st.group.queue)
			st.group.mu.Unlock()
			if queued == i+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d writes queued, want %d", queued, i+1)
			}
		}
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if got := st.group.commits.Load() - before; got != 1 {
		t.Errorf("%d transactions after the held one, want 1", got)
	}
	return errs
}

// TestGroupChangesPrepared: on SQLite, every INSERT number runs to record
// a group's changes was prepared when the store started, so that no
// statement is parsed inside the writer's transaction.
func TestGroupChangesPrepared(t *testing.T) {
	st := openSQLite(t)
	for left := 1; left <= 3*changeRows; left++ {
		n := st.changeChunk(left)
		if n < 1 || n > left {
			t.Fatalf("changeChunk(%d) = %d", left, n)
		}
		if st.writeStmt(st.q(changesInsert(n))) == nil {
			t.Errorf("%d changes: the INSERT of %d rows is not prepared", left, n)
		}
	}
	if n := st.changeChunk(12); n != 12 {
		t.Errorf("12 changes take %d INSERTs of %d rows, want one", (12+n-1)/n, n)
	}
}
