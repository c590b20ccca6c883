package scim

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestModelCacheAcrossInstances runs two Companies on one store, as two
// instances on one database: a change of custom attributes through one is
// seen by the other once ModelCacheTTL has passed since it built its
// model, and at once by the one that made it.
func TestModelCacheAcrossInstances(t *testing.T) {
	ctx := context.Background()
	st := NewMemoryStore()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a := &Companies{store: st, Now: clock}
	b := &Companies{store: st, Now: clock}
	uncached := &Companies{store: st, Now: clock, ModelCacheTTL: -1}
	c, err := a.Create(ctx, "Acme", []CustomAttribute{{Name: "Department", Type: CustomOption}})
	if err != nil {
		t.Fatal(err)
	}
	has := func(cs *Companies, name string) bool {
		t.Helper()
		m, err := cs.Model(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return m.CustomAttribute(name) != nil
	}
	type seen struct{ A, B, Uncached bool }
	check := func(step string, want seen) {
		t.Helper()
		got := seen{has(a, "Level"), has(b, "Level"), has(uncached, "Level")}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: Level in the models (-want +got):\n%s", step, d)
		}
	}
	check("before", seen{})
	now = now.Add(time.Second)
	if err := a.SetAttributes(ctx, c.ID, []CustomAttribute{{Name: "Department", Type: CustomOption}, {Name: "Level", Type: CustomNumber}}); err != nil {
		t.Fatal(err)
	}
	check("after the change through a", seen{A: true, B: false, Uncached: true})
	now = now.Add(DefaultModelCacheTTL - time.Second - time.Nanosecond)
	check("just within b's TTL", seen{A: true, B: false, Uncached: true})
	now = now.Add(time.Nanosecond)
	check("at b's TTL", seen{A: true, B: true, Uncached: true})
	// A clock that goes back does not keep a model alive.
	now = now.Add(-time.Hour)
	if err := a.SetAttributes(ctx, c.ID, nil); err != nil {
		t.Fatal(err)
	}
	check("after removing Level, with the clock set back", seen{})
}
