package scim

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strconv"
)

// memGroups is the MemoryStore's groups, per tenant, guarded by the
// store's lock so that a user's deletion and its removal from every group
// are one step.
type memGroups map[string]*memGroupTenant

type memGroupTenant struct {
	byID map[string]*memGroup
	// order holds the groups in creation order (by seq), the store's own
	// order: a page of a list without filter or sortBy is a slice of it.
	order []*memGroup
	seq   uint64
	// memberOf maps a member id (user or group) to the ids of the groups
	// naming it.
	memberOf map[string]map[string]struct{}
}

type memGroup struct {
	seq     uint64
	group   *Group            // without members; never mutated once stored
	members map[string]Member // by value; Type set, Ref and Display as kept
}

var _ GroupStore = (*MemoryStore)(nil)

// groupTenant returns the tenant's groups, creating them when create is set.
// The caller holds the lock.
func (s *MemoryStore) groupTenant(tenant string, create bool) *memGroupTenant {
	t := s.groups[tenant]
	if t == nil && create {
		if s.groups == nil {
			s.groups = make(memGroups)
		}
		t = &memGroupTenant{byID: make(map[string]*memGroup), memberOf: make(map[string]map[string]struct{})}
		s.groups[tenant] = t
	}
	return t
}

// groupEntry returns the tenant's groups and the group id, after checking
// ctx. The caller holds the lock.
func (s *MemoryStore) groupEntry(ctx context.Context, tenant, id string) (*memGroupTenant, *memGroup, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	t := s.groupTenant(tenant, false)
	if t == nil || t.byID[id] == nil {
		return nil, nil, ErrNotFound
	}
	return t, t.byID[id], nil
}

// resolveMembers checks that every member names a user or group of the
// tenant and returns them with their Type set, once each. The caller holds
// the lock.
func (s *MemoryStore) resolveMembers(tenant string, gt *memGroupTenant, ms []Member) ([]Member, error) {
	users := s.tenant(tenant, false)
	out := make([]Member, 0, len(ms))
	seen := make(map[string]bool, len(ms))
	for _, m := range ms {
		if seen[m.Value] {
			continue
		}
		seen[m.Value] = true
		switch {
		case users != nil && users.byID[m.Value] != nil:
			m.Type = MemberUser
		case gt.byID[m.Value] != nil:
			m.Type = MemberGroup
		default:
			return nil, MemberError(m.Value)
		}
		m.Ref = ""
		out = append(out, m)
	}
	return out, nil
}

func (t *memGroupTenant) link(g *memGroup, m Member) {
	g.members[m.Value] = m
	set := t.memberOf[m.Value]
	if set == nil {
		set = make(map[string]struct{}, 1)
		t.memberOf[m.Value] = set
	}
	set[g.group.ID] = struct{}{}
}

func (t *memGroupTenant) unlink(g *memGroup, value string) {
	delete(g.members, value)
	if set := t.memberOf[value]; set != nil {
		delete(set, g.group.ID)
		if len(set) == 0 {
			delete(t.memberOf, value)
		}
	}
}

// CreateGroup implements GroupStore.
func (s *MemoryStore) CreateGroup(ctx context.Context, tenant string, g *Group) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, tenant, true); err != nil {
		return err
	}
	t := s.groupTenant(tenant, true)
	if t.byID[g.ID] != nil {
		return ConflictError("id", g.ID)
	}
	ms, err := s.resolveMembers(tenant, t, g.Members)
	if err != nil {
		return err
	}
	stored := *g
	stored.Members = nil
	t.seq++
	e := &memGroup{seq: t.seq, group: &stored, members: make(map[string]Member, len(ms))}
	t.byID[g.ID] = e
	t.order = append(t.order, e)
	for _, m := range ms {
		t.link(e, m)
	}
	return nil
}

// GetGroup implements GroupStore.
func (s *MemoryStore) GetGroup(ctx context.Context, tenant, id string) (*Group, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, e, err := s.groupEntry(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	g := *e.group
	return &g, nil
}

// Members implements GroupStore. The memory store copies the member list
// under its lock and yields outside it, so a slow reader never holds up
// writers; the copy is the group's size, which the store holds anyway.
func (s *MemoryStore) Members(ctx context.Context, tenant, id string, yield func(Member) error) error {
	s.mu.RLock()
	_, e, err := s.groupEntry(ctx, tenant, id)
	if err != nil {
		s.mu.RUnlock()
		return err
	}
	ms := slices.Collect(maps.Values(e.members))
	s.mu.RUnlock()
	slices.SortFunc(ms, func(a, b Member) int { return cmp.Compare(a.Value, b.Value) })
	for _, m := range ms {
		if err := yield(m); err != nil {
			return err
		}
	}
	return nil
}

// ListGroups implements GroupStore.
func (s *MemoryStore) ListGroups(ctx context.Context, tenant string, q *GroupQuery) (*GroupPage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.groupTenant(tenant, false)
	if t == nil {
		return &GroupPage{Groups: []*Group{}}, nil
	}
	skip, count := q.Bounds()
	if q.Cursor && q.Filter == nil && q.SortBy == "" && !q.Descending {
		return s.groupCursorPage(t, q)
	}
	if q.Filter == nil && q.SortBy == "" && !q.Descending {
		// The store's order, no filter: the page is a slice of the index.
		if s.MaxResults > 0 && len(t.order) > s.MaxResults {
			return nil, ErrTooMany
		}
		page := &GroupPage{Groups: []*Group{}, Total: len(t.order)}
		if skip < len(t.order) {
			for _, e := range t.order[skip : skip+min(count, len(t.order)-skip)] {
				c := *e.group
				page.Groups = append(page.Groups, &c)
			}
		}
		return page, nil
	}
	var groups []*Group
	if id, ok := q.EqualityValue("id"); ok {
		if e := t.byID[id]; e != nil {
			groups = append(groups, e.group)
		}
	} else {
		groups = make([]*Group, len(t.order))
		for i, e := range t.order {
			groups[i] = e.group
		}
	}
	matched, err := q.MatchGroups(groups, func(groupIDs, values []string) ([][2]string, error) {
		var out [][2]string
		for _, id := range groupIDs {
			for _, v := range values {
				if _, ok := t.byID[id].members[v]; ok {
					out = append(out, [2]string{id, v})
				}
			}
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	if s.MaxResults > 0 && len(matched) > s.MaxResults {
		return nil, ErrTooMany
	}
	if q.Cursor {
		page, err := q.CursorPage(matched)
		if err != nil {
			return nil, err
		}
		for i, g := range page.Groups {
			c := *g
			page.Groups[i] = &c
		}
		return page, nil
	}
	if q.SortBy != "" || q.Descending {
		slices.SortStableFunc(matched, q.Compare)
	}
	page := &GroupPage{Groups: []*Group{}, Total: len(matched)}
	if skip < len(matched) {
		for _, g := range matched[skip : skip+min(count, len(matched)-skip)] {
			c := *g
			page.Groups = append(page.Groups, &c)
		}
	}
	return page, nil
}

// groupCursorPage answers a cursor query without filter or sortBy in
// creation order, as cursorPage does users': the position is the last
// group's sequence number ("m<seq>"), found again by binary search, so a
// page reads only its own groups at any depth; new groups come last, so a
// walk lists every group present throughout once. The caller holds the
// lock.
func (s *MemoryStore) groupCursorPage(t *memGroupTenant, q *GroupQuery) (*GroupPage, error) {
	after, err := seqPosition(q.After)
	if err != nil {
		return nil, err
	}
	if s.MaxResults > 0 && len(t.order) > s.MaxResults {
		return nil, ErrTooMany
	}
	page := &GroupPage{Groups: []*Group{}, Total: len(t.order)}
	count := max(q.Count, 0)
	if count == 0 {
		return page, nil
	}
	start, _ := slices.BinarySearchFunc(t.order, after+1, func(e *memGroup, seq uint64) int { return cmp.Compare(e.seq, seq) })
	rest := t.order[start:]
	if len(rest) > count {
		rest = rest[:count]
		page.Next = "m" + strconv.FormatUint(rest[count-1].seq, 10)
	}
	for _, e := range rest {
		c := *e.group
		page.Groups = append(page.Groups, &c)
	}
	return page, nil
}

// UpdateGroup implements GroupStore.
func (s *MemoryStore) UpdateGroup(ctx context.Context, tenant string, g *Group, version string, ch MemberChange) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, e, err := s.groupEntry(ctx, tenant, g.ID)
	if err != nil {
		return err
	}
	if e.group.Meta.Version != version {
		return ErrVersionMismatch
	}
	add, err := s.resolveMembers(tenant, t, ch.Add)
	if err != nil {
		return err
	}
	if ch.Replace {
		for v := range e.members {
			t.unlink(e, v)
		}
	}
	for _, v := range ch.Remove {
		t.unlink(e, v)
	}
	for _, m := range add {
		t.link(e, m)
	}
	stored := *g
	stored.Members = nil
	e.group = &stored
	return nil
}

// DeleteGroup implements GroupStore.
func (s *MemoryStore) DeleteGroup(ctx context.Context, tenant, id, version string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, e, err := s.groupEntry(ctx, tenant, id)
	if err != nil {
		return err
	}
	if version != "" && e.group.Meta.Version != version {
		return ErrVersionMismatch
	}
	for v := range e.members {
		t.unlink(e, v)
	}
	t.forget(id)
	delete(t.byID, id)
	if i, found := slices.BinarySearchFunc(t.order, e.seq, func(x *memGroup, seq uint64) int { return cmp.Compare(x.seq, seq) }); found {
		t.order = slices.Delete(t.order, i, i+1)
	}
	return nil
}

// forget removes a deleted user or group from every group naming it.
func (t *memGroupTenant) forget(id string) {
	for gid := range t.memberOf[id] {
		delete(t.byID[gid].members, id)
	}
	delete(t.memberOf, id)
}

// forgetMember is DeleteUser's cascade; the caller holds the write lock.
func (s *MemoryStore) forgetMember(tenant, id string) {
	if t := s.groupTenant(tenant, false); t != nil {
		t.forget(id)
	}
}

// GroupsOf implements GroupStore.
func (s *MemoryStore) GroupsOf(ctx context.Context, tenant string, userIDs []string) (map[string][]GroupRef, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, tenant, false); err != nil {
		return nil, err
	}
	out := make(map[string][]GroupRef)
	t := s.groupTenant(tenant, false)
	if t == nil {
		return out, nil
	}
	for _, id := range userIDs {
		set := t.memberOf[id]
		if len(set) == 0 {
			continue
		}
		refs := make([]GroupRef, 0, len(set))
		for _, gid := range slices.Sorted(maps.Keys(set)) {
			refs = append(refs, GroupRef{Value: gid, Display: t.byID[gid].group.DisplayName, Type: "direct"})
		}
		out[id] = refs
	}
	return out, nil
}
