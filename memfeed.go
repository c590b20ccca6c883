package scim

import (
	"context"
	"time"
)

// changeRing is a company's change feed in the memory store: its newest
// changes, oldest first, at most a bound of them. Past the bound a change
// overwrites the oldest in place, so that a busy store neither copies the
// feed nor lets it grow (a copy of the newest MaxChanges every quarter of
// them was a tenth of a PATCH's CPU).
type changeRing struct {
	buf   []Change
	start int // the oldest change's index in buf
}

// add records c, keeping at most bound changes (0: no bound).
func (r *changeRing) add(c Change, bound int) {
	if bound <= 0 || len(r.buf) < bound {
		if r.start != 0 {
			r.unroll() // the bound was raised: grow from oldest first
		}
		if len(r.buf) == cap(r.buf) && bound > 0 {
			// Grow by doubling, but never past the bound.
			grown := make([]Change, len(r.buf), min(max(2*cap(r.buf), 16), bound))
			copy(grown, r.buf)
			r.buf = grown
		}
		r.buf = append(r.buf, c)
		return
	}
	if len(r.buf) > bound { // the bound was lowered: keep the newest
		r.unroll()
		r.buf = append([]Change(nil), r.buf[len(r.buf)-bound:]...)
	}
	r.buf[r.start] = c
	r.start = (r.start + 1) % len(r.buf)
}

// unroll puts the oldest change first.
func (r *changeRing) unroll() {
	out := make([]Change, 0, cap(r.buf))
	out = append(out, r.buf[r.start:]...)
	r.buf = append(out, r.buf[:r.start]...)
	r.start = 0
}

func (r *changeRing) len() int { return len(r.buf) }

// at is the i-th oldest change kept.
func (r *changeRing) at(i int) Change { return r.buf[(r.start+i)%len(r.buf)] }

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
