package scim

import (
	"context"
	"errors"
	"fmt"
)

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
	// memory used does not grow with the group.
	Members(ctx context.Context, tenant, id string, yield func(Member) error) error
	// ListGroups returns one page of the groups matching q, without their
	// members. Stores evaluate q with q.Matches and q.Compare, or push it
	// down with the same results.
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

// ErrNoMember is the store error for a member value that names no user or
// group of the tenant.
var ErrNoMember = errors.New("scim: no such user or group")

// MemberError wraps ErrNoMember naming the value, so that the client's
// detail says which member it is.
func MemberError(value string) error {
	return fmt.Errorf("%w: member %q is not a user or group of this company", ErrNoMember, value)
}

// GroupPage is one page of a group list query.
type GroupPage struct {
	Groups []*Group
	// Total is the number of groups matching the filter, all pages together.
	Total int
}
