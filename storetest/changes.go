package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim"
)

// feedEntry is a Change without its time, which a deletion takes from the
// clock.
type feedEntry struct {
	Seq    int64
	Type   scim.EventType
	UserID string
}

func changes(t *testing.T, feed scim.ChangeFeed, tenant string, after int64, limit int) []feedEntry {
	t.Helper()
	cs, err := feed.Changes(context.Background(), tenant, after, limit)
	if err != nil {
		t.Fatalf("Changes(%s, %d, %d): %v", tenant, after, limit, err)
	}
	out := []feedEntry{}
	for _, c := range cs {
		out = append(out, feedEntry{c.Seq, c.Type, c.UserID})
	}
	return out
}

// testChangeFeed checks that every write of a user is in the feed once,
// numbered per tenant in order; that a failed write records nothing; and
// that a cursor read while writers run sees every change exactly once.
func testChangeFeed(t *testing.T, newStore func(t *testing.T) scim.Store) {
	ctx := context.Background()
	t.Run("Kinds", func(t *testing.T) {
		st := newStore(t)
		feed := st.(scim.ChangeFeed)
		users := sqlUsers()
		load(t, st, tenant, users[:2]) // u01, u02, both active
		load(t, st, "other", users[2:3])
		u := users[0].Clone()
		step := func(change func(*scim.User)) {
			t.Helper()
			old := u.Meta.Version
			change(u)
			u.Meta.Version = fmt.Sprintf(`W/"%s"`, old[3:len(old)-1]+"x")
			u.Meta.LastModified = u.Meta.LastModified.Add(time.Minute)
			if err := st.UpdateUser(ctx, tenant, u, old); err != nil {
				t.Fatal(err)
			}
		}
		step(func(u *scim.User) { u.Title = "Engineer" })
		step(func(u *scim.User) { u.Active = false })
		step(func(u *scim.User) { u.Title = "Former engineer" })
		step(func(u *scim.User) { u.Active = true })
		// Failed writes record nothing.
		if err := st.CreateUser(ctx, tenant, users[1].Clone()); err == nil {
			t.Fatal("creating u02 again succeeded")
		}
		if err := st.UpdateUser(ctx, tenant, u, `W/"stale"`); !errors.Is(err, scim.ErrVersionMismatch) {
			t.Fatalf("stale update: %v", err)
		}
		if err := st.DeleteUser(ctx, tenant, "u02", `W/"stale"`); !errors.Is(err, scim.ErrVersionMismatch) {
			t.Fatalf("stale delete: %v", err)
		}
		if err := st.DeleteUser(ctx, tenant, "u02", ""); err != nil {
			t.Fatal(err)
		}
		want := []feedEntry{
			{1, scim.EventCreated, "u01"},
			{2, scim.EventCreated, "u02"},
			{3, scim.EventUpdated, "u01"},
			{4, scim.EventDeactivated, "u01"},
			{5, scim.EventUpdated, "u01"},
			{6, scim.EventReactivated, "u01"},
			{7, scim.EventDeleted, "u02"},
		}
		if d := cmp.Diff(want, changes(t, feed, tenant, 0, 0)); d != "" {
			t.Errorf("Changes from 0 (-want +got):\n%s", d)
		}
		if d := cmp.Diff(want[2:4], changes(t, feed, tenant, 2, 2)); d != "" {
			t.Errorf("Changes after 2, 2 of them (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]feedEntry{}, changes(t, feed, tenant, 7, 10)); d != "" {
			t.Errorf("Changes after the last (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]feedEntry{{1, scim.EventCreated, "u03"}}, changes(t, feed, "other", 0, 10)); d != "" {
			t.Errorf("the other tenant's changes (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]feedEntry{}, changes(t, feed, "nobody", 0, 10)); d != "" {
			t.Errorf("an unknown tenant's changes (-want +got):\n%s", d)
		}
		// Times: a creation's is Meta.Created, an update's Meta.LastModified.
		cs, err := feed.Changes(ctx, tenant, 0, 3)
		if err != nil {
			t.Fatal(err)
		}
		gotTimes := []time.Time{cs[0].Time, cs[2].Time}
		wantTimes := []time.Time{users[0].Meta.Created, users[0].Meta.LastModified.Add(time.Minute)}
		if d := cmp.Diff(wantTimes, gotTimes, cmpopts.EquateApproxTime(time.Millisecond)); d != "" {
			t.Errorf("change times (-want +got):\n%s", d)
		}
	})
	t.Run("Batch", func(t *testing.T) {
		st := newStore(t)
		b := implemented[scim.Batcher](t, st)
		users := sqlUsers()
		load(t, st, tenant, users[:1])
		err := b.Batch(ctx, func(bs scim.Store) error {
			if err := bs.CreateUser(ctx, tenant, users[1].Clone()); err != nil {
				return err
			}
			if err := bs.CreateUser(ctx, tenant, users[0].Clone()); err == nil {
				return errors.New("a duplicate create succeeded in the batch")
			}
			return bs.CreateUser(ctx, tenant, users[2].Clone())
		})
		if err != nil {
			t.Fatal(err)
		}
		errRollback := errors.New("rolled back")
		if err := b.Batch(ctx, func(bs scim.Store) error {
			if err := bs.CreateUser(ctx, tenant, users[3].Clone()); err != nil {
				return err
			}
			return errRollback
		}); !errors.Is(err, errRollback) {
			t.Fatalf("Batch = %v, want the function's error", err)
		}
		want := []feedEntry{{1, scim.EventCreated, "u01"}, {2, scim.EventCreated, "u02"}, {3, scim.EventCreated, "u03"}}
		if d := cmp.Diff(want, changes(t, st.(scim.ChangeFeed), tenant, 0, 0)); d != "" {
			t.Errorf("Changes after a batch with a failed write and a rolled-back batch (-want +got):\n%s", d)
		}
	})
	t.Run("ConcurrentCursor", func(t *testing.T) {
		st := newStore(t)
		feed := st.(scim.ChangeFeed)
		const writers, each = 4, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					u := sqlUsers()[0].Clone()
					u.ID = fmt.Sprintf("w%d-%02d", w, i)
					u.UserName = u.ID + "@example.com"
					if err := st.CreateUser(ctx, tenant, u); err != nil {
						errs <- err
					}
				}
			})
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		// A consumer reads from its cursor while the writers run: every
		// creation arrives once, numbered one after the other.
		seen := map[string]int{}
		var cursor int64
		for finished := false; ; {
			select {
			case <-done:
				finished = true
			default:
			}
			cs, err := feed.Changes(ctx, tenant, cursor, 7)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				if c.Seq != cursor+1 {
					t.Fatalf("change %d after cursor %d", c.Seq, cursor)
				}
				cursor = c.Seq
				seen[c.UserID]++
			}
			if finished && len(cs) == 0 {
				break
			}
		}
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if len(seen) != writers*each {
			t.Errorf("the consumer saw %d users, want %d", len(seen), writers*each)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("user %s seen %d times", id, n)
			}
		}
	})
}
