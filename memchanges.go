package scim

import (
	"context"
	"time"
)

// record appends a change to the tenant's feed. The caller holds the write
// lock, so the change is recorded with the write it describes.
func (s *MemoryStore) record(tenant string, t *memTenant, typ EventType, id string, at time.Time) {
	if s.feedSeq == nil {
		s.feedSeq = make(map[string]int64)
	}
	s.feedSeq[tenant]++
	t.changes = append(t.changes, Change{Seq: s.feedSeq[tenant], Type: typ, UserID: id, Time: at})
}

// Changes implements ChangeFeed.
func (s *MemoryStore) Changes(ctx context.Context, tenant string, after int64, limit int) ([]Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultChangeLimit
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []Change{}
	t := s.tenant(tenant, false)
	if t == nil {
		return out, nil
	}
	// Numbers grow by one along the slice, from the first one kept.
	i := 0
	if n := len(t.changes); n > 0 {
		i = int(min(max(after-t.changes[0].Seq+1, 0), int64(n)))
	}
	for _, c := range t.changes[i:] {
		if len(out) == limit {
			break
		}
		out = append(out, c)
	}
	return out, nil
}
