package scim

import (
	"context"
	"net/http"
	"strings"
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
	// result set returns [ErrTooMany].
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

// Page is one page of a list query.
type Page struct {
	Users []*User
	// Total is the number of users matching the filter, all pages together.
	Total int
}

// Query is a list request as a store receives it: the parsed filter, the
// sort and the page. Build one with [Model.NewQuery].
type Query struct {
	// Filter is the resolved filter (paths carry their [Attribute]), or nil
	// for all users.
	Filter Filter
	// SortBy is the resolved sort attribute, or nil for the store's own
	// stable order.
	SortBy *AttrPath
	// Descending reverses the sort order (sortOrder=descending).
	Descending bool
	// StartIndex is the 1-based index of the first result (at least 1).
	StartIndex int
	// Count is the page size (at least 0; 0 asks only for the total).
	Count int

	match   Matcher
	compare func(a, b *User) int
}

// Matches reports whether u satisfies the query's filter.
func (q *Query) Matches(u *User) bool { return q.match == nil || q.match(u) }

// Compare orders two users as q.SortBy and q.Descending ask; ties are
// broken by id, so paging is stable. Without SortBy it compares ids.
func (q *Query) Compare(a, b *User) int {
	if q.compare != nil {
		if c := q.compare(a, b); c != 0 {
			return c
		}
	}
	return strings.Compare(a.ID, b.ID)
}

// NewQuery builds a query from the list parameters as a client sends them.
// filter and sortBy may be empty; sortOrder is "ascending" (default) or
// "descending". startIndex and count are taken as given (the handler
// clamps them to RFC 7644 §3.4.2.4 first).
func (m *Model) NewQuery(filter, sortBy, sortOrder string, startIndex, count int) (*Query, error) {
	var f Filter
	if strings.TrimSpace(filter) != "" {
		var err error
		if f, err = ParseFilter(filter); err != nil {
			return nil, err
		}
	}
	return m.newQuery(f, sortBy, sortOrder, startIndex, count)
}

// newQuery is NewQuery with the filter parsed (nil for none).
func (m *Model) newQuery(f Filter, sortBy, sortOrder string, startIndex, count int) (*Query, error) {
	q := &Query{StartIndex: max(startIndex, 1), Count: max(count, 0)}
	if f != nil {
		r, match, err := m.compileFilter(f)
		if err != nil {
			return nil, err
		}
		q.Filter, q.match = r, match
	}
	switch {
	case sortOrder == "" || strings.EqualFold(sortOrder, "ascending"):
	case strings.EqualFold(sortOrder, "descending"):
		q.Descending = true
	default:
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "sortOrder must be \"ascending\" or \"descending\", not %q", sortOrder)
	}
	if strings.TrimSpace(sortBy) != "" {
		p, cmp, err := m.compileSort(strings.TrimSpace(sortBy))
		if err != nil {
			return nil, err
		}
		q.SortBy = p
		if q.Descending {
			q.compare = func(a, b *User) int { return -cmp(a, b) }
		} else {
			q.compare = cmp
		}
	}
	return q, nil
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
