package scim

import (
	"context"
	"time"
)

// Store keeps users. It is the one part of the library a product plugs in;
// it stores and queries, and leaves SCIM (HTTP, validation, PATCH,
// projection, errors) to the [Handler].
//
// Every method takes the tenant (a Peakon company) as an explicit argument,
// right after the context. An argument rather than a per-tenant handle keeps
// the interface small and makes the tenant part of the identity of every
// call: an implementation cannot read or write a user without being handed
// the company it belongs to, and the conformance suite (package storetest)
// checks that it keeps companies apart. Implementations must treat
// (tenant, id) as the key: the same id in another tenant is another user,
// or none.
//
// Users passed in and returned are owned by the caller: a store copies what
// it keeps and what it returns.
type Store interface {
	// CreateUser stores a new user. The caller has set ID, Meta.Created,
	// Meta.LastModified and Meta.Version. A userName equal, ignoring case,
	// to another user's of the tenant is [ErrConflict] (wrap it with
	// [ConflictError] to name the attribute). externalId is not unique
	// (RFC 7643 §3.1): several users may share one, and a store keeps
	// looking them up by it through an index.
	CreateUser(ctx context.Context, tenant string, u *User) error
	// GetUser returns the user with the id, or [ErrNotFound].
	GetUser(ctx context.Context, tenant, id string) (*User, error)
	// UpdateUser replaces the stored user with u if the stored
	// Meta.Version equals version (compare-and-swap); the caller has
	// already set u.Meta.Version to the new version. A different stored
	// version is [ErrVersionMismatch], a missing user [ErrNotFound], a taken
	// userName [ErrConflict].
	UpdateUser(ctx context.Context, tenant string, u *User, version string) error
	// DeleteUser removes the user and its activation history, or returns
	// [ErrNotFound]. With a non-empty version it is a compare-and-swap, as
	// UpdateUser is: a different stored Meta.Version is [ErrVersionMismatch]
	// and deletes nothing, so that a DELETE with If-Match cannot remove an
	// update that happened after the client's read. An empty version
	// deletes whatever version is stored.
	DeleteUser(ctx context.Context, tenant, id, version string) error
	// ListUsers returns one page of the users matching q, with the total
	// number of matches. A store may push the query down (walking q.Filter
	// and q.SortBy) or evaluate it with q.Matches and q.Compare; either way
	// the results must be the same. A store that refuses to materialise a
	// result set returns [ErrTooMany]. With q.Cursor the page is the one
	// after q.After, and the store sets Page.Next (see [Query.Cursor]).
	ListUsers(ctx context.Context, tenant string, q *Query) (*Page, error)
}

// HistoryStore is implemented by stores that record every change of a
// user's active attribute, for survey eligibility. The store records an
// [Activation] when a user is created, and when an update changes Active,
// stamped with the user's Meta.LastModified.
type HistoryStore interface {
	Store
	// Activations returns the user's activation history, oldest first, or
	// [ErrNotFound].
	Activations(ctx context.Context, tenant, id string) ([]Activation, error)
	// ActiveAt returns the ids of the tenant's users that were active at t,
	// sorted.
	ActiveAt(ctx context.Context, tenant string, t time.Time) ([]string, error)
}

// Activation is one change of a user's active attribute.
type Activation struct {
	Time   time.Time
	Active bool
}

// UserViewer is an optional interface a [Store] may implement when it can
// lend the users it holds: users it never modifies in place (a write
// installs a new *User), or decoded anew for each call. The [Handler] reads
// the users it only renders, or builds a next version from (PATCH copies
// before it changes anything), through it and so skips a copy per user.
// The caller must not modify a lent user, nor anything it points to.
//
// As with database/sql's optional driver interfaces, a type that embeds
// a store to change what GetUser or ListUsers answer must implement
// UserViewer as well, or the handler reads past its change.
type UserViewer interface {
	// ViewUser is GetUser, lending the user.
	ViewUser(ctx context.Context, tenant, id string) (*User, error)
	// ViewUsers is ListUsers, lending the page's users.
	ViewUsers(ctx context.Context, tenant string, q *Query) (*Page, error)
}

// ResultLimiter is an optional interface a [Store] may implement to say
// how many users a list query may match, or read, before ListUsers answers
// [ErrTooMany] (0: no bound). The [Handler] applies the same bound to the
// lists it evaluates itself: users filtered by group are the group's user
// members, read from the [GroupStore].
type ResultLimiter interface {
	ResultLimit() int
}

// Batcher is implemented by stores that can run many writes as one
// transaction, which a bulk request uses to commit thousands of users at
// once. Each write inside the batch is still atomic on its own: a write that
// fails ([ErrConflict], [ErrVersionMismatch], [ErrNotFound]) changes nothing and
// leaves the batch usable, as running the writes one by one would. The batch
// commits when fn returns nil and rolls back when it returns an error.
type Batcher interface {
	Batch(ctx context.Context, fn func(s Store) error) error
}

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
	// behind a cursor that has passed it. A store may keep changes for a
	// documented retention only ([MemoryStore].MaxChanges; the SQL store
	// keeps them until the company is erased): a cursor older than that
	// sees the numbers jump.
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

// GroupStore keeps groups and their memberships. Setting [Handler].Groups
// to one turns groups on; [MemoryStore] and the SQL store implement it
// beside [Store], because integrity spans both: a member must be a user or
// group of the same tenant, and deleting a user removes it from every group
// in the same transaction. A GroupStore is therefore the handler's Store
// too.
//
// Memberships are rows, not one list: adding or removing a member costs
// the same in a group of ten as in a group of a hundred thousand, and
// GetGroup and ListGroups never read them. As for users, every method takes
// the tenant and (tenant, id) is the key.
type GroupStore interface {
	// CreateGroup stores a new group with its Members. The caller has set
	// ID and Meta. A member that is not a user or group of the tenant is
	// an error wrapping [ErrNoMember] (see [MemberError]) and stores
	// nothing; a member listed twice is kept once.
	CreateGroup(ctx context.Context, tenant string, g *Group) error
	// GetGroup returns the group without its members (Members nil), or
	// ErrNotFound.
	GetGroup(ctx context.Context, tenant, id string) (*Group, error)
	// Members calls yield for each member of the group, ordered by value
	// (bytewise), with Type set; an error from yield stops and is
	// returned. A group that does not exist is ErrNotFound. Stores stream:
	// memory used does not grow with the group. yield may block (it
	// writes to a client) and may call the store: a store holds no lock,
	// cursor or pooled connection while it runs, reading in bounded
	// chunks instead (sqlstore: 1,000 members a query).
	Members(ctx context.Context, tenant, id string, yield func(Member) error) error
	// ListGroups returns one page of the groups matching q, without their
	// members. Stores evaluate q with q.MatchGroups (q.Matches with member
	// tests asked a page of candidates at a time) and q.Compare, or push
	// it down with the same results. A page without filter or sortBy should
	// cost the page, not the company's groups: an identity provider's
	// import reads every page. With q.Cursor the page is the one after
	// q.After, and the store sets GroupPage.Next (see [GroupQuery.Cursor]).
	ListGroups(ctx context.Context, tenant string, q *GroupQuery) (*GroupPage, error)
	// UpdateGroup writes g's displayName, externalId and meta and applies
	// the membership change, atomically, if the stored Meta.Version equals
	// version (compare-and-swap): otherwise ErrVersionMismatch, or
	// ErrNotFound. Unknown members are as for CreateGroup and change
	// nothing. g.Members is ignored.
	UpdateGroup(ctx context.Context, tenant string, g *Group, version string, ch MemberChange) error
	// DeleteGroup removes the group, its memberships, and its membership
	// in other groups, or returns ErrNotFound; a non-empty version is a
	// compare-and-swap as for DeleteUser.
	DeleteGroup(ctx context.Context, tenant, id, version string) error
	// GroupsOf returns, for each of the users, the groups that name it as
	// a member directly (Value, Display as the group's displayName, Type
	// "direct"), ordered by group id. Users in no group are absent.
	GroupsOf(ctx context.Context, tenant string, userIDs []string) (map[string][]GroupRef, error)
}

// MemberChange is the membership part of a group write. Remove and Add are
// disjoint (the handler folds a PATCH's operations into their net effect);
// a store applies Remove, then Add. Removing a value that is not a member
// does nothing; adding one that is keeps it once.
type MemberChange struct {
	// Replace removes every member first: the members become Add.
	Replace bool
	Add     []Member
	Remove  []string
}

// GroupPage is one page of a group list query.
type GroupPage struct {
	Groups []*Group
	// Total is the number of groups matching the filter, all pages together.
	Total int
	// Next answers a [GroupQuery.Cursor] query as [Page].Next does: the
	// position after the page's last group when more matches follow, ""
	// otherwise.
	Next string
}
