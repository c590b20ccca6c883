package scim

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
