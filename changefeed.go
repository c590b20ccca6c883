package scim

import (
	"context"
	"time"
)

// ChangeFeed is implemented by stores that record every change of a user
// durably, in the same transaction as the change itself, so that any
// instance or worker can read them in order. It is the durable path for
// what Handler.OnChange reports in-process: OnChange runs in the instance
// that committed, after the commit, and an event is lost if that process
// stops in between; a change in the feed is not.
//
// A survey scheduler consumes deactivations exactly once by keeping its
// cursor (the last Seq it handled) beside the effects of handling it, in
// one transaction of its own, and asking for the changes after it:
//
//	for {
//		cs, err := feed.Changes(ctx, company, cursor, 100)
//		...
//		for _, c := range cs {
//			if c.Type == scim.EventDeactivated { ... }
//			cursor = c.Seq
//		}
//	}
type ChangeFeed interface {
	// Changes returns the tenant's changes numbered after after, oldest
	// first, at most limit of them (DefaultChangeLimit if limit is 0 or
	// less). Numbers start at 1 and grow by one per change of the tenant,
	// in commit order: a change never appears before one it follows, nor
	// behind a cursor that has passed it.
	Changes(ctx context.Context, tenant string, after int64, limit int) ([]Change, error)
}

// DefaultChangeLimit is how many changes ChangeFeed.Changes returns when
// asked for 0 or less.
const DefaultChangeLimit = 1000

// Change is one committed change of a user in a ChangeFeed. Type is one of
// the Event types: created, updated, deactivated, reactivated or deleted.
// Time is the user's Meta.Created for a creation, Meta.LastModified for an
// update, and the time of the deletion for a deletion.
type Change struct {
	Seq    int64
	Type   EventType
	UserID string
	Time   time.Time
}
