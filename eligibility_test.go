package scim

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestEligibility creates an employee at t0, deactivates them at t1 and
// reactivates them at t2, each through a different kind of write, and asks
// who was active when; change events arrive in order, once each.
func TestEligibility(t *testing.T) {
	e := newPeakonEnv(t)
	company, tok := e.company("Acme", nil)
	ctx := context.Background()
	t1, t2 := t0.Add(24*time.Hour), t0.Add(48*time.Hour)

	e.clock.Set(t0)
	jane := e.create(tok, userJSON("jane@acme.test", ""))
	steady := e.create(tok, userJSON("steady@acme.test", ""))

	e.clock.Set(t1)
	e.must(http.StatusOK, tok, http.MethodPatch, "/Users/"+jane, `{"schemas":["`+MessagePatchOp+`"],"Operations":[{"op":"Replace","value":{"active":"False"}}]}`)
	// Repeating the deactivation changes nothing and announces nothing.
	e.clock.Set(t1.Add(time.Hour))
	e.must(http.StatusOK, tok, http.MethodPatch, "/Users/"+jane, `{"schemas":["`+MessagePatchOp+`"],"Operations":[{"op":"replace","value":{"active":false}}]}`)

	e.clock.Set(t2)
	// Some Okta apps reactivate with a PUT of the whole user.
	e.must(http.StatusOK, tok, http.MethodPut, "/Users/"+jane, userJSON("jane@acme.test", `"active":true`))

	for _, c := range []struct {
		at     time.Time
		active bool
	}{
		{t0.Add(-time.Nanosecond), false}, // before creation
		{t0, true},
		{t1.Add(-time.Nanosecond), true},
		{t1, false},
		{t1.Add(12 * time.Hour), false},
		{t2.Add(-time.Nanosecond), false},
		{t2, true},
		{t2.Add(365 * 24 * time.Hour), true},
	} {
		got, err := WasActive(ctx, e.store, company, jane, c.at)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.active {
			t.Errorf("WasActive at %v = %v, want %v", c.at, got, c.active)
		}
		want := []string{jane, steady}
		if !c.active {
			want = []string{steady}
		}
		if c.at.Before(t0) {
			want = []string{}
		}
		ids, err := ActiveEmployees(ctx, e.store, company, c.at)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(sortedIDs(want), ids); diff != "" {
			t.Errorf("ActiveEmployees at %v (-want +got):\n%s", c.at, diff)
		}
	}

	type ev struct {
		Type          EventType
		Company, User string
		Time          time.Time
		Before, After bool // active before and after; false when absent
	}
	var got []ev
	for _, x := range e.takeEvents() {
		v := ev{Type: x.Type, Company: x.Company, Time: x.Time}
		if x.Before != nil {
			v.User, v.Before = x.Before.ID, x.Before.Active
		}
		if x.After != nil {
			v.User, v.After = x.After.ID, x.After.Active
		}
		got = append(got, v)
	}
	want := []ev{
		{EventCreated, company, jane, t0, false, true},
		{EventCreated, company, steady, t0, false, true},
		{EventDeactivated, company, jane, t1, true, false},
		{EventReactivated, company, jane, t2, false, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	// Deleting destroys the history, as in Peakon.
	e.clock.Set(t2.Add(time.Hour))
	e.must(http.StatusNoContent, tok, http.MethodDelete, "/Users/"+jane, "")
	if _, err := WasActive(ctx, e.store, company, jane, t2); !errors.Is(err, ErrNotFound) {
		t.Errorf("WasActive after delete: %v, want ErrNotFound", err)
	}
	if ev := e.takeEvents(); len(ev) != 1 || ev[0].Type != EventDeleted || ev[0].Before.ID != jane || ev[0].After != nil {
		t.Errorf("delete events: %+v", ev)
	}
	// Another company's employees are not in the list.
	other, otherTok := e.company("Other", nil)
	e.create(otherTok, userJSON("x@other.test", ""))
	ids, _ := ActiveEmployees(ctx, e.store, company, t2.Add(2*time.Hour))
	if diff := cmp.Diff([]string{steady}, ids); diff != "" {
		t.Errorf("Acme after delete (-want +got):\n%s", diff)
	}
	if _, err := WasActive(ctx, e.store, other, steady, t2); !errors.Is(err, ErrNotFound) {
		t.Errorf("WasActive across companies: %v, want ErrNotFound", err)
	}
}

func sortedIDs(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}
