package scim

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestMemoryFeedRetention: the memory store's change feed keeps the newest
// MaxChanges changes of each company (issue 23, item 21); a consumer left
// behind sees the numbers jump.
func TestMemoryFeedRetention(t *testing.T) {
	ctx := context.Background()
	s := &MemoryStore{MaxChanges: 10}
	u := &User{ID: "u", UserName: "ann", Active: true, Meta: Meta{Version: "v0", Created: t0, LastModified: t0}}
	if err := s.CreateUser(ctx, "acme", u); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 100; i++ {
		next := u.Clone()
		next.Title = fmt.Sprint(i)
		next.Meta.Version = fmt.Sprint("v", i)
		if err := s.UpdateUser(ctx, "acme", next, u.Meta.Version); err != nil {
			t.Fatal(err)
		}
		u = next
	}
	if n := s.tenants["acme"].changes.len(); n != 10 {
		t.Errorf("%d changes kept, want 10", n)
	}
	cs, err := s.Changes(ctx, "acme", 0, 0)
	if err != nil || len(cs) < 10 || cs[len(cs)-1].Seq != 100 || cs[0].Seq <= 1 {
		t.Fatalf("Changes from 0: %d changes, %v; want the newest, ending at 100, starting past 1", len(cs), err)
	}
	for i := 1; i < len(cs); i++ {
		if cs[i].Seq != cs[i-1].Seq+1 {
			t.Errorf("numbers %d then %d", cs[i-1].Seq, cs[i].Seq)
		}
	}
	if cs, err := s.Changes(ctx, "acme", 95, 0); err != nil || len(cs) != 5 || cs[0].Seq != 96 {
		t.Errorf("Changes after 95: %v, %v", cs, err)
	}
}

// TestMemoryHistoryRetention: toggles of active older than
// HistoryRetention collapse into the state they left (issue 23, item 21):
// the history stays small, answers since the horizon are those of the
// whole history, and a time before it finds the state at the horizon.
func TestMemoryHistoryRetention(t *testing.T) {
	ctx := context.Background()
	const day = 24 * time.Hour
	short, full := &MemoryStore{HistoryRetention: day}, &MemoryStore{HistoryRetention: -1}
	var last time.Time
	for _, s := range []*MemoryStore{short, full} {
		u := &User{ID: "u", UserName: "ann", Active: true, Meta: Meta{Version: "v0", Created: t0, LastModified: t0}}
		if err := s.CreateUser(ctx, "acme", u); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 1000; i++ { // toggled every hour for 41 days
			next := u.Clone()
			next.Active = !u.Active
			next.Meta.Version = fmt.Sprint("v", i)
			next.Meta.LastModified = t0.Add(time.Duration(i) * time.Hour)
			if err := s.UpdateUser(ctx, "acme", next, u.Meta.Version); err != nil {
				t.Fatal(err)
			}
			u = next
		}
		last = u.Meta.LastModified
	}
	h, err := short.Activations(ctx, "acme", "u")
	if err != nil || len(h) > 30 {
		t.Fatalf("history of 1001 changes with a day's retention: %d kept (%v), want about 25", len(h), err)
	}
	horizon := last.Add(-day)
	for at := horizon; !at.After(last.Add(time.Hour)); at = at.Add(30 * time.Minute) {
		got, _ := WasActive(ctx, short, "acme", "u", at)
		want, _ := WasActive(ctx, full, "acme", "u", at)
		if got != want {
			t.Errorf("WasActive at %v: %v, the whole history says %v", at, got, want)
		}
		ids, _ := short.ActiveAt(ctx, "acme", at)
		if (len(ids) == 1) != want {
			t.Errorf("ActiveAt %v: %v, want active %v", at, ids, want)
		}
	}
	atHorizon, _ := WasActive(ctx, full, "acme", "u", horizon.Add(-time.Nanosecond))
	if got, _ := WasActive(ctx, short, "acme", "u", t0.Add(90*time.Minute)); got != atHorizon {
		t.Errorf("before the horizon: %v, want the state the horizon found, %v", got, atHorizon)
	}
	if got, _ := WasActive(ctx, short, "acme", "u", t0.Add(-time.Minute)); got {
		t.Error("active before creation")
	}
}

// TestChangeRing: the feed keeps the newest changes, oldest first, up to
// its bound; a bound raised or lowered later keeps the order.
func TestChangeRing(t *testing.T) {
	seqs := func(r *changeRing) []int64 {
		var out []int64
		for i := range r.len() {
			out = append(out, r.at(i).Seq)
		}
		return out
	}
	for _, c := range []struct {
		name   string
		bounds []int // the bound of each add, in turn
		want   []int64
	}{
		{"under the bound", []int{5, 5, 5}, []int64{1, 2, 3}},
		{"at the bound", []int{3, 3, 3}, []int64{1, 2, 3}},
		{"past the bound", []int{3, 3, 3, 3, 3, 3, 3}, []int64{5, 6, 7}},
		{"no bound", []int{0, 0, 0, 0}, []int64{1, 2, 3, 4}},
		{"raised after wrapping", []int{2, 2, 2, 4, 4}, []int64{2, 3, 4, 5}},
		{"lowered after wrapping", []int{4, 4, 4, 4, 4, 4, 2}, []int64{6, 7}},
		{"lowered then wrapping", []int{4, 4, 4, 4, 2, 2, 2}, []int64{6, 7}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r changeRing
			for i, b := range c.bounds {
				r.add(Change{Seq: int64(i + 1)}, b)
			}
			if diff := cmp.Diff(c.want, seqs(&r)); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
		})
	}
}
