package scim

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scim/internal/fold"
)

// MemoryStore is a Store that keeps users in memory, for tests, demos and
// single-process products. It indexes id, case-folded userName (unique)
// and externalId (not unique) per tenant, keeps creation order for stable paging, answers
// userName, externalId and id equality filters from its indexes, "sw" on
// userName, name.familyName and emails.value from ordered indexes of their
// case-folded values, and scans with the compiled filter otherwise. It
// records activation history (HistoryStore) and every change in a
// ChangeFeed. The zero value is ready to use.
type MemoryStore struct {
	// MaxResults, when positive, is the most matches a list query may have:
	// ListUsers answers ErrTooMany (400 tooMany) beyond it, as a store that
	// refuses to materialise a large result set would.
	MaxResults int
	// MaxChanges bounds each tenant's change feed (ChangeFeed): past it
	// the oldest changes are dropped (default [DefaultMaxChanges];
	// negative: none is). A consumer that falls further behind sees it:
	// the first change Changes returns is numbered past its cursor + 1.
	MaxChanges int
	// HistoryRetention is how long activation histories stay exact,
	// counted back from a user's newest change of active (default
	// [DefaultHistoryRetention]; negative: for ever). Older changes are
	// collapsed into the state they left the user in: WasActive and
	// ActiveAt answer as recorded for any time since the horizon, and for
	// a time between the user's creation and the horizon as if the user
	// had been in that state since creation. Set both before first use.
	HistoryRetention time.Duration

	mu      sync.RWMutex
	tenants map[string]*memTenant
	co      memCompanies // CompanyStore, in memcompany.go
	// feedSeq is the last change number of each tenant (ChangeFeed). It
	// outlives a deleted company, so that numbers never repeat.
	feedSeq map[string]int64
	groups  memGroups // GroupStore, in memgroups.go
	// erased are the companies DeleteCompany erased and CreateCompany has
	// not created again: their writes are ErrErased.
	erased map[string]bool
}

// The memory store's retention, unless its fields say otherwise: a
// hundred thousand changes of each company's feed (about 11 MB), and
// thirteen months of activation history, a year of surveys looked back on.
const (
	DefaultMaxChanges       = 100_000
	DefaultHistoryRetention = 396 * 24 * time.Hour
)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

type memTenant struct {
	byID       map[string]*memEntry
	byUserName map[string]*memEntry // folded userName
	// byExternalID holds every user with the externalId: it is not
	// unique (RFC 7643 §3.1).
	byExternalID memIndex
	// byManager indexes enterprise manager.value (exact, as it is
	// caseExact): the handler looks up the reports waiting for a new
	// employee by it on every creation.
	byManager memIndex
	// prefixes order the case-folded values of the attributes people
	// page by, for "sw" (memprefix.go).
	prefixes [numPrefixIndexes]prefixIndex
	order    []*memEntry // ascending seq: creation order
	seq      uint64
	history  map[string][]Activation
	changes  changeRing // ChangeFeed (memfeed.go)
}

type memEntry struct {
	seq  uint64
	user *User // never mutated once stored: writers install a new *User
}

var (
	_ HistoryStore = (*MemoryStore)(nil)
	_ ChangeFeed   = (*MemoryStore)(nil)
)

// tenant returns the tenant's data, creating it when create is set. The
// caller holds the lock (write lock when create is set).
func (s *MemoryStore) tenant(name string, create bool) *memTenant {
	t := s.tenants[name]
	if t == nil && create {
		if s.tenants == nil {
			s.tenants = make(map[string]*memTenant)
		}
		t = &memTenant{
			byID:         make(map[string]*memEntry),
			byUserName:   make(map[string]*memEntry),
			byExternalID: make(memIndex),
			byManager:    make(memIndex),
			history:      make(map[string][]Activation),
		}
		s.tenants[name] = t
	}
	return t
}

// check is a call's first step, taken under the lock (the write lock for a
// write), so that a call that waited for the lock sees a context that ran
// out meanwhile: the context must be live and, for a write, the company
// not erased.
func (s *MemoryStore) check(ctx context.Context, tenant string, write bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if write && s.erased[tenant] {
		return ErrErased
	}
	return nil
}

// userEntry returns the tenant's users and the entry of the user id, after
// check: the caller holds the lock (the write lock for a write).
func (s *MemoryStore) userEntry(ctx context.Context, tenant, id string, write bool) (*memTenant, *memEntry, error) {
	if err := s.check(ctx, tenant, write); err != nil {
		return nil, nil, err
	}
	t := s.tenant(tenant, false)
	if t == nil || t.byID[id] == nil {
		return nil, nil, ErrNotFound
	}
	return t, t.byID[id], nil
}

// foldKey is the userName index key: equal for userNames that are equal
// ignoring case exactly as the filter matcher compares them.
func foldKey(s string) string { return fold.Key(s) }

// CreateUser implements Store.
func (s *MemoryStore) CreateUser(ctx context.Context, tenant string, u *User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, tenant, true); err != nil {
		return err
	}
	t := s.tenant(tenant, true)
	if _, ok := t.byID[u.ID]; ok {
		return ConflictError("id", u.ID)
	}
	if err := t.checkUnique(u, nil); err != nil {
		return err
	}
	t.seq++
	e := &memEntry{seq: t.seq, user: u.Clone()}
	t.byID[u.ID] = e
	t.byUserName[foldKey(u.UserName)] = e
	t.byExternalID.move(e, "", u.ExternalID)
	t.order = append(t.order, e)
	t.byManager.move(e, "", u.Enterprise.Manager.Value)
	t.movePrefixes(e, nil, u)
	t.history[u.ID] = []Activation{{Time: u.Meta.Created, Active: u.Active}}
	s.record(tenant, t, EventCreated, u.ID, u.Meta.Created)
	return nil
}

// memIndex maps a value that several users may hold to those users.
type memIndex map[string]map[*memEntry]struct{}

// move moves e in the index from the value old to new; "" is no value.
func (x memIndex) move(e *memEntry, old, new string) {
	if old == new {
		return
	}
	if set := x[old]; old != "" {
		delete(set, e)
		if len(set) == 0 {
			delete(x, old)
		}
	}
	if new != "" {
		set := x[new]
		if set == nil {
			set = make(map[*memEntry]struct{}, 1)
			x[new] = set
		}
		set[e] = struct{}{}
	}
}

// lookup appends the users holding v to buf, in creation order.
func (x memIndex) lookup(buf []*memEntry, v string) []*memEntry {
	set := x[v]
	if cap(buf)-len(buf) < len(set) {
		buf = slices.Grow(buf, len(set))
	}
	n := len(buf)
	for e := range set {
		buf = append(buf, e)
	}
	slices.SortFunc(buf[n:], bySeq)
	return buf
}

// checkUnique enforces the one unique attribute a client sets, userName,
// ignoring case.
func (t *memTenant) checkUnique(u *User, self *memEntry) error {
	if e, ok := t.byUserName[foldKey(u.UserName)]; ok && e != self {
		return ConflictError("userName", u.UserName)
	}
	return nil
}

// GetUser implements Store.
func (s *MemoryStore) GetUser(ctx context.Context, tenant, id string) (*User, error) {
	u, err := s.ViewUser(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	return u.Clone(), nil
}

// ResultLimit implements [ResultLimiter]: MaxResults.
func (s *MemoryStore) ResultLimit() int { return s.MaxResults }

// ViewUser implements [UserViewer]: stored users are never mutated
// (writers install a new *User), so the entry's user is lent as it is.
func (s *MemoryStore) ViewUser(ctx context.Context, tenant, id string) (*User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, e, err := s.userEntry(ctx, tenant, id, false)
	if err != nil {
		return nil, err
	}
	return e.user, nil
}

// UpdateUser implements Store.
func (s *MemoryStore) UpdateUser(ctx context.Context, tenant string, u *User, version string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, e, err := s.userEntry(ctx, tenant, u.ID, true)
	if err != nil {
		return err
	}
	old := e.user
	if old.Meta.Version != version {
		return ErrVersionMismatch
	}
	// Most updates keep the userName: its index entry stays as it is.
	if u.UserName != old.UserName {
		if err := t.checkUnique(u, e); err != nil {
			return err
		}
		delete(t.byUserName, foldKey(old.UserName))
		t.byUserName[foldKey(u.UserName)] = e
	}
	e.user = u.Clone()
	t.byManager.move(e, old.Enterprise.Manager.Value, u.Enterprise.Manager.Value)
	t.byExternalID.move(e, old.ExternalID, u.ExternalID)
	t.movePrefixes(e, old, u)
	if old.Active != u.Active {
		h := append(t.history[u.ID], Activation{Time: u.Meta.LastModified, Active: u.Active})
		if r := cacheTTL(s.HistoryRetention, DefaultHistoryRetention); r > 0 {
			h = collapseHistory(h, u.Meta.LastModified.Add(-r))
		}
		t.history[u.ID] = h
	}
	s.record(tenant, t, eventType(old, u), u.ID, u.Meta.LastModified)
	return nil
}

// DeleteUser implements Store.
func (s *MemoryStore) DeleteUser(ctx context.Context, tenant, id, version string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, e, err := s.userEntry(ctx, tenant, id, true)
	if err != nil {
		return err
	}
	if version != "" && e.user.Meta.Version != version {
		return ErrVersionMismatch
	}
	delete(t.byID, id)
	delete(t.byUserName, foldKey(e.user.UserName))
	t.byExternalID.move(e, e.user.ExternalID, "")
	t.byManager.move(e, e.user.Enterprise.Manager.Value, "")
	t.movePrefixes(e, e.user, nil)
	delete(t.history, id)
	s.record(tenant, t, EventDeleted, id, time.Now().UTC())
	s.forgetMember(tenant, id) // in the same critical section: no group keeps a deleted user
	if i, found := slices.BinarySearchFunc(t.order, e.seq, func(x *memEntry, seq uint64) int { return cmp.Compare(x.seq, seq) }); found {
		t.order = slices.Delete(t.order, i, i+1)
	}
	return nil
}

// ListUsers implements Store.
func (s *MemoryStore) ListUsers(ctx context.Context, tenant string, q *Query) (*Page, error) {
	page, err := s.ViewUsers(ctx, tenant, q)
	if err != nil {
		return nil, err
	}
	for i, u := range page.Users {
		page.Users[i] = u.Clone() // only the page is copied
	}
	return page, nil
}

// ViewUsers implements [UserViewer], lending the stored users.
func (s *MemoryStore) ViewUsers(ctx context.Context, tenant string, q *Query) (*Page, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, tenant, false); err != nil {
		return nil, err
	}
	t := s.tenant(tenant, false)
	if t == nil {
		return &Page{Users: []*User{}}, nil
	}
	candidates := t.order
	var one [1]*memEntry // a unique index hit, without allocating
	if es, ok := t.indexed(q.Filter, one[:0]); ok {
		candidates = es
	} else if es, ok := t.managed(q.Filter); ok {
		candidates = es
	} else if es, ok := t.prefixed(q.Filter); ok {
		candidates = es
	}
	if q.Cursor && q.SortBy == nil {
		return s.cursorPage(t, q, candidates)
	}
	// Creation order is the store's order without sortBy.
	p := q.Pager(q.SortBy == nil)
	p.Expect(len(candidates))
	for _, e := range candidates {
		p.Offer(e.user)
	}
	if s.MaxResults > 0 && p.Total() > s.MaxResults {
		return nil, ErrTooMany
	}
	return p.Page(), p.Err()
}

// seqPosition reads a cursor position of the memory store, "m" and the
// sequence number of the last user or group a page listed ("" is before
// the first); anything else is ErrInvalidPosition.
func seqPosition(after string) (uint64, error) {
	if after == "" {
		return 0, nil
	}
	n, ok := strings.CutPrefix(after, "m")
	seq, err := strconv.ParseUint(n, 10, 64)
	if !ok || err != nil {
		return 0, ErrInvalidPosition
	}
	return seq, nil
}

// cursorPage answers a cursor query without sortBy in creation order: its
// position is the last user's sequence number ("m<seq>"), found again by
// binary search, so a page reads only its own users at any depth (the
// total still evaluates the filter on every candidate). A user's sequence
// never changes, and new users come last, so a walk lists every user
// present throughout once. With sortBy the Pager's positions serve.
func (s *MemoryStore) cursorPage(t *memTenant, q *Query, es []*memEntry) (*Page, error) {
	after, err := seqPosition(q.After)
	if err != nil {
		return nil, err
	}
	page := &Page{Users: []*User{}, Total: len(es)}
	if q.Filter != nil {
		page.Total = 0
		for _, e := range es {
			if q.Matches(e.user) {
				page.Total++
			}
		}
	}
	if s.MaxResults > 0 && page.Total > s.MaxResults {
		return nil, ErrTooMany
	}
	count := max(q.Count, 0)
	if count == 0 {
		return page, nil
	}
	start, _ := slices.BinarySearchFunc(es, after, func(e *memEntry, seq uint64) int { return cmp.Compare(e.seq, seq) })
	var last *memEntry
	for _, e := range es[start:] {
		if e.seq <= after || !q.Matches(e.user) {
			continue
		}
		if len(page.Users) == count {
			page.Next = "m" + strconv.FormatUint(last.seq, 10)
			break
		}
		page.Users = append(page.Users, e.user)
		last = e
	}
	return page, nil
}

// indexed answers id, userName and externalId equality (alone or as a term
// of an "and") from the indexes: ok reports that the filter can match
// only the users returned (appended to buf, in creation order). The caller
// still applies the whole filter to them.
func (t *memTenant) indexed(f Filter, buf []*memEntry) (es []*memEntry, ok bool) {
	switch n := f.(type) {
	case *AttrExpr:
		var v string
		switch x := n.Value.(type) {
		case string:
			v = x
		case json.Number: // userName eq 42, read by the matcher as "42"
			v = x.String()
		default:
			return nil, false
		}
		if n.Op != OpEqual || n.Path.SubAttr != nil || n.Path.Attr == nil || n.Path.Attr.Schema != SchemaUser {
			return nil, false
		}
		var e *memEntry
		switch n.Path.Attr.Name {
		case "id":
			e = t.byID[v]
		case "userName":
			var key [64]byte
			e = t.byUserName[string(fold.AppendKey(key[:0], v))]
		case "externalId":
			return t.byExternalID.lookup(buf, v), true
		default:
			return nil, false
		}
		if e != nil {
			buf = append(buf, e)
		}
		return buf, true
	case *LogicalExpr:
		if n.Op != "and" {
			return nil, false
		}
		if c, ok := t.indexed(n.Left, buf); ok {
			return c, true
		}
		return t.indexed(n.Right, buf)
	}
	return nil, false
}

// managed answers manager.value equality from the manager index: alone, as
// a term of an "and", or in every branch of an "or". The candidates come in
// creation order; the caller still applies the whole filter.
func (t *memTenant) managed(f Filter) ([]*memEntry, bool) {
	switch n := f.(type) {
	case *AttrExpr:
		v, ok := n.Value.(string)
		p := n.Path
		if !ok || n.Op != OpEqual || p.Attr == nil || p.Attr.Schema != SchemaEnterpriseUser || p.Attr.Name != "manager" || p.SubAttr == nil || p.SubAttr.Name != "value" {
			return nil, false
		}
		return t.byManager.lookup(nil, v), true
	case *LogicalExpr:
		l, lok := t.managed(n.Left)
		if n.Op == "and" {
			if lok {
				return l, true
			}
			return t.managed(n.Right)
		}
		r, rok := t.managed(n.Right)
		if !lok || !rok {
			return nil, false
		}
		out := append(l, r...)
		slices.SortFunc(out, bySeq)
		return slices.Compact(out), true
	}
	return nil, false
}

func bySeq(a, b *memEntry) int { return cmp.Compare(a.seq, b.seq) }

// Activations implements HistoryStore.
func (s *MemoryStore) Activations(ctx context.Context, tenant, id string) ([]Activation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, _, err := s.userEntry(ctx, tenant, id, false) // a user has a history from creation to deletion
	if err != nil {
		return nil, err
	}
	return slices.Clone(t.history[id]), nil
}

// ActiveAt implements HistoryStore.
func (s *MemoryStore) ActiveAt(ctx context.Context, tenant string, at time.Time) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, tenant, false); err != nil {
		return nil, err
	}
	ids := []string{}
	if t := s.tenant(tenant, false); t != nil {
		for id, h := range t.history {
			if ActiveIn(h, at) {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
	}
	return ids, nil
}

// record appends a change to the tenant's feed. The caller holds the write
// lock, so the change is recorded with the write it describes.
func (s *MemoryStore) record(tenant string, t *memTenant, typ EventType, id string, at time.Time) {
	if s.feedSeq == nil {
		s.feedSeq = make(map[string]int64)
	}
	seq := s.feedSeq[tenant] + 1
	s.feedSeq[tenant] = seq
	t.changes.add(Change{Seq: seq, Type: typ, UserID: id, Time: at}, s.maxChanges())
}

// maxChanges is MaxChanges with its default; 0 is no bound.
func (s *MemoryStore) maxChanges() int {
	switch {
	case s.MaxChanges < 0:
		return 0
	case s.MaxChanges == 0:
		return DefaultMaxChanges
	}
	return s.MaxChanges
}

// Changes implements ChangeFeed.
func (s *MemoryStore) Changes(ctx context.Context, tenant string, after int64, limit int) ([]Change, error) {
	if limit <= 0 {
		limit = DefaultChangeLimit
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, tenant, false); err != nil {
		return nil, err
	}
	out := []Change{}
	t := s.tenant(tenant, false)
	if t == nil {
		return out, nil
	}
	// Numbers grow by one along the feed, from the first one kept.
	n := t.changes.len()
	i := 0
	if n > 0 {
		i = int(min(max(after-t.changes.at(0).Seq+1, 0), int64(n)))
	}
	for ; i < n && len(out) < limit; i++ {
		out = append(out, t.changes.at(i))
	}
	return out, nil
}

// collapseHistory forgets the changes of a history older than horizon
// (see MemoryStore.HistoryRetention): its creation and those changes
// become one entry, at the creation's time, with the state the horizon
// found. h is in time order; the cost is what it drops.
func collapseHistory(h []Activation, horizon time.Time) []Activation {
	k := 0 // h[1:k+1] are the changes since creation before the horizon
	for k+1 < len(h) && h[k+1].Time.Before(horizon) {
		k++
	}
	if k == 0 {
		return h
	}
	h[k] = Activation{Time: h[0].Time, Active: h[k].Active}
	return h[k:]
}
