package scim

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// memCompanies is [MemoryStore]'s [CompanyStore]. It has its own lock: company
// and token calls never contend with user traffic. The zero value is ready
// to use.
type memCompanies struct {
	mu        sync.RWMutex
	companies map[string]*Company
	tokens    map[string]*memToken // by token id
	byHash    map[[32]byte]*memToken
	seq       uint64
	// gen numbers the changes of companies and tokens, and changed holds
	// each company's last (CompanyChangeStore).
	gen     int64
	changed map[string]int64
}

type memToken struct {
	seq   uint64 // creation order, for ListTokens
	token Token
}

var _ CompanyChangeStore = (*MemoryStore)(nil)

// changedCompany numbers a change of the company. The caller holds m.mu
// for writing, so numbers become visible in order.
func (m *memCompanies) changedCompany(id string) {
	if m.changed == nil {
		m.changed = make(map[string]int64)
	}
	m.gen++
	m.changed[id] = m.gen
}

// CompanyChanges implements [CompanyChangeStore]. It goes through every
// company changed so far: once per TTL and process, see [Companies].
func (s *MemoryStore) CompanyChanges(ctx context.Context, since int64) (int64, []string, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	m := &s.co
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []string
	if since > 0 {
		for id, g := range m.changed {
			if g > since {
				out = append(out, id)
			}
		}
	}
	return m.gen, out, nil
}

// lookupEntry returns m[k] after checking ctx: the context's error, or ErrNotFound
// when m has no k. The caller holds the lock guarding m.
func lookupEntry[K comparable, V any](ctx context.Context, m map[K]V, k K) (V, error) {
	if err := ctx.Err(); err != nil {
		var zero V
		return zero, err
	}
	v, ok := m[k]
	if !ok {
		return v, ErrNotFound // v is the zero value
	}
	return v, nil
}

// CreateCompany implements [CompanyStore]. The id of an erased company
// starts empty.
func (s *MemoryStore) CreateCompany(ctx context.Context, c *Company) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &s.co
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, ok := m.companies[c.ID]; ok {
		return ConflictError("company id", c.ID)
	}
	if s.erased[c.ID] {
		// Nothing is written for an erased company, but tokens are
		// stored after the company is checked (Companies.AddToken):
		// one added during the erasure must not open the new company.
		m.deleteTokens(c.ID)
		delete(s.tenants, c.ID)
		delete(s.groups, c.ID)
		delete(s.erased, c.ID)
	}
	if m.companies == nil {
		m.companies = make(map[string]*Company)
	}
	m.companies[c.ID] = cloneCompany(c)
	m.changedCompany(c.ID)
	return nil
}

// GetCompany implements [CompanyStore].
func (s *MemoryStore) GetCompany(ctx context.Context, id string) (*Company, error) {
	s.co.mu.RLock()
	defer s.co.mu.RUnlock()
	c, err := lookupEntry(ctx, s.co.companies, id)
	if err != nil {
		return nil, err
	}
	return cloneCompany(c), nil
}

// UpdateCompany implements [CompanyStore].
func (s *MemoryStore) UpdateCompany(ctx context.Context, c *Company) error {
	s.co.mu.Lock()
	defer s.co.mu.Unlock()
	cur, err := lookupEntry(ctx, s.co.companies, c.ID)
	if err != nil {
		return err
	}
	next := cloneCompany(c)
	next.Created = cur.Created // not the caller's to change
	s.co.companies[c.ID] = next
	s.co.changedCompany(c.ID)
	return nil
}

// CreateToken implements [CompanyStore]. The company must exist.
func (s *MemoryStore) CreateToken(ctx context.Context, t *Token) error {
	m := &s.co
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := lookupEntry(ctx, m.companies, t.Company); err != nil {
		return err
	}
	if _, ok := m.tokens[t.ID]; ok {
		return ConflictError("token id", t.ID)
	}
	if _, ok := m.byHash[t.Hash]; ok {
		return fmt.Errorf("%w: a token with the same hash exists", ErrConflict)
	}
	if m.tokens == nil {
		m.tokens = make(map[string]*memToken)
		m.byHash = make(map[[32]byte]*memToken)
	}
	m.seq++
	e := &memToken{seq: m.seq, token: *t}
	m.tokens[t.ID] = e
	m.byHash[t.Hash] = e
	m.changedCompany(t.Company)
	return nil
}

// TokenByHash implements [CompanyStore].
func (s *MemoryStore) TokenByHash(ctx context.Context, hash [32]byte) (*Token, error) {
	s.co.mu.RLock()
	defer s.co.mu.RUnlock()
	e, err := lookupEntry(ctx, s.co.byHash, hash)
	if err != nil {
		return nil, err
	}
	t := e.token
	return &t, nil
}

// ListTokens implements [CompanyStore].
func (s *MemoryStore) ListTokens(ctx context.Context, company string) ([]*Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := &s.co
	m.mu.RLock()
	// Copies, taken under the lock: TouchToken writes a token's LastUsed
	// in place.
	var entries []memToken
	for _, e := range m.tokens {
		if e.token.Company == company {
			entries = append(entries, *e)
		}
	}
	m.mu.RUnlock()
	// Creation order: Created may tie within a clock tick, seq never does.
	slices.SortFunc(entries, func(a, b memToken) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]*Token, len(entries))
	for i := range entries {
		out[i] = &entries[i].token
	}
	return out, nil
}

// DeleteToken implements [CompanyStore].
func (s *MemoryStore) DeleteToken(ctx context.Context, company, id string) error {
	s.co.mu.Lock()
	defer s.co.mu.Unlock()
	e, err := lookupEntry(ctx, s.co.tokens, id)
	if err == nil && e.token.Company != company {
		err = ErrNotFound
	}
	if err != nil {
		return err
	}
	delete(s.co.tokens, id)
	delete(s.co.byHash, e.token.Hash)
	s.co.changedCompany(company)
	return nil
}

// TouchToken implements [CompanyStore].
func (s *MemoryStore) TouchToken(ctx context.Context, id string, at time.Time) error {
	s.co.mu.Lock()
	defer s.co.mu.Unlock()
	e, err := lookupEntry(ctx, s.co.tokens, id)
	if err != nil {
		return err
	}
	e.token.LastUsed = at
	return nil
}

// ListCompanies implements [CompanyStore].
func (s *MemoryStore) ListCompanies(ctx context.Context) ([]*Company, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := &s.co
	m.mu.RLock()
	out := make([]*Company, 0, len(m.companies))
	for _, c := range m.companies {
		out = append(out, cloneCompany(c))
	}
	m.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Company) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// DeleteCompany implements CompanyStore: the company's users and history go
// with it, under both locks, so no reader sees the company half-erased.
func (s *MemoryStore) DeleteCompany(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &s.co
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := lookupEntry(ctx, m.companies, id); err != nil {
		return err
	}
	delete(m.companies, id)
	m.deleteTokens(id)
	m.changedCompany(id)
	delete(s.tenants, id)
	delete(s.groups, id)
	// The tombstone: writes still in flight, or from instances whose
	// caches still know the company, are refused (ErrErased).
	if s.erased == nil {
		s.erased = make(map[string]bool)
	}
	s.erased[id] = true
	return nil
}

// deleteTokens deletes the company's tokens. The caller holds s.co.mu.
func (m *memCompanies) deleteTokens(company string) {
	for tid, e := range m.tokens {
		if e.token.Company == company {
			delete(m.tokens, tid)
			delete(m.byHash, e.token.Hash)
		}
	}
}
