package scim

import (
	"context"
	"time"
)

// EventType says what a committed change did to a user.
type EventType string

// The kinds of change. Deactivated and Reactivated are updates that
// changed active; they are what a survey scheduler listens for.
const (
	EventCreated     EventType = "created"
	EventUpdated     EventType = "updated"
	EventDeactivated EventType = "deactivated"
	EventReactivated EventType = "reactivated"
	EventDeleted     EventType = "deleted"
)

// Event is one committed change of a user, as delivered to
// Handler.OnChange. Before is nil for a creation, After nil for a deletion;
// both are the hook's own, to keep or change. A single write's event is
// delivered once its answer is written (before OnRequest), a bulk
// request's events once its batch has committed. The
// context OnChange receives carries the request's values but is not
// cancelled when the client goes away, since the change is committed either
// way.
type Event struct {
	Type    EventType
	Company string
	Time    time.Time
	Before  *User
	After   *User
}

// eventType classifies a change.
func eventType(before, after *User) EventType {
	switch {
	case before == nil:
		return EventCreated
	case after == nil:
		return EventDeleted
	case before.Active && !after.Active:
		return EventDeactivated
	case !before.Active && after.Active:
		return EventReactivated
	}
	return EventUpdated
}

// committed delivers the event of a change the store has committed.
func (req *request) committed(before, after *User) {
	if req.h.OnChange == nil {
		return
	}
	e := Event{Type: eventType(before, after), Company: req.tenant, Before: before, After: after}
	if after != nil {
		e.Time = after.Meta.LastModified
	} else {
		e.Time = req.h.now().UTC()
	}
	if before != nil {
		// The store's, or lent by it (UserViewer): the hook's own copy.
		e.Before = before.Clone()
	}
	if req.afterAnswer && !req.deferEvents {
		// A single write: the answer is written from after before the
		// event is delivered, so the hook can have after itself.
		req.answered = append(req.answered, e)
		return
	}
	if after != nil {
		e.After = after.Clone()
	}
	if req.deferEvents { // inside a bulk batch: deliver after its commit
		req.pending = append(req.pending, e)
		return
	}
	req.deliver(e)
}

// deliverAnswered delivers the events of a single write once its answer
// is written (or its handling ended otherwise), before OnRequest hears of
// the request.
func (req *request) deliverAnswered() {
	answered := req.answered
	req.answered = nil
	for _, e := range answered {
		req.deliver(e)
	}
}

// deliver hands a committed change to OnChange. The change is committed
// whether or not the client is still waiting for the answer, so the context
// carries the request's values but not its cancellation: single writes and
// bulk batches alike. It is the request's detached context (below),
// where context.WithoutCancel cost an allocation and another on every
// Value. It is set once: a hook may still be reading the context it got
// for one event (from a goroutine of its own) when the next is delivered.
func (req *request) deliver(e Event) {
	if req.detached.parent == nil {
		req.detached = detached{req.ctx}
	}
	req.h.OnChange(&req.detached, e)
}

// detached is what context.WithoutCancel(parent) stands for: never done,
// never an error, and the values of parent. The hooks get one each:
// OnRequest's kept in the observed request (observe.go), OnChange's in
// the request (deliver). WithoutCancel's cost an allocation, and another
// on every Value, where it passes itself on as an interface: a hook
// reading a middleware's value paid it on every request.
type detached struct{ parent context.Context }

func (d *detached) Deadline() (time.Time, bool) { return time.Time{}, false }
func (d *detached) Done() <-chan struct{}       { return nil }
func (d *detached) Err() error                  { return nil }
func (d *detached) String() string              { return "scim.detached" }

// Value is parent's. The standard library looks for a context's
// cancellation among its values only when it is done or has an error
// (context.Cause, and the link a child makes to its parent), which a
// detached context never has.
func (d *detached) Value(key any) any { return d.parent.Value(key) }
