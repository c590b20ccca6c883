package scim

import (
	"math"
	"slices"
)

// Pager collects one page of a query's results from users offered one by
// one, for stores that evaluate a query in Go (all of it, as the memory
// store does, or the part they cannot push down). It counts every match for
// Page.Total and keeps only what the page needs: with the users arriving in
// the query's order, the page itself; otherwise the first startIndex+count
// under [Query.Compare], in a bounded heap, so that a page never sorts more
// users than it needs.
//
//	p := q.Pager(false)
//	for _, u := range candidates {
//		p.Offer(u)
//	}
//	page := p.Page()
type Pager struct {
	q       *Query
	ordered bool
	skip    int
	count   int
	limit   int // skip+count, at most math.MaxInt: how many users the heap keeps
	page    Page
	heap    userHeap
	offers  int // how many users will be offered, when known (Expect)
}

// Pager returns a [Pager] for q. ordered says the users will be offered in
// q's order (SQL ORDER BY, or creation order when q has no SortBy and that
// is the store's order).
func (q *Query) Pager(ordered bool) Pager {
	skip, count := q.Bounds()
	limit := skip + count
	switch {
	case count == 0:
		limit = 0 // count=0 asks only for the total: keep and sort nothing
	case skip > math.MaxInt-count:
		limit = math.MaxInt // a startIndex near the largest int: no overflow
	}
	return Pager{q: q, ordered: ordered, skip: skip, count: count, limit: limit}
}

// Bounds returns how many matches the page skips (StartIndex-1) and how
// many it holds at most (Count), both at least 0 whatever the [Query] holds,
// so that a store can compute offsets without overflowing: skip+count may
// still exceed the largest int, and a store adding them must check.
func (q *Query) Bounds() (skip, count int) {
	if q.StartIndex > 1 {
		skip = q.StartIndex - 1
	}
	return skip, max(q.Count, 0)
}

// Expect tells the [Pager] that at most n users will be offered, so that it
// allocates no more than the page can hold.
func (p *Pager) Expect(n int) { p.offers = n }

// Offer considers u: it counts it if it matches the filter, and keeps it
// while it may be on the page. The [Pager] keeps u itself, not a copy.
func (p *Pager) Offer(u *User) {
	if !p.q.Matches(u) {
		return
	}
	p.page.Total++
	switch {
	case p.ordered:
		if p.page.Total > p.skip && len(p.page.Users) < p.count {
			if p.page.Users == nil {
				n := min(p.count, 128)
				if p.offers > 0 {
					n = min(n, p.offers)
				}
				p.page.Users = make([]*User, 0, n)
			}
			p.page.Users = append(p.page.Users, u)
		}
	case p.limit == 0:
	case len(p.heap) < p.limit:
		p.heap.push(u, p.q)
	case p.q.Compare(u, p.heap[0]) < 0:
		p.heap.replaceTop(u, p.q)
	}
}

// Total returns the number of matches offered so far.
func (p *Pager) Total() int { return p.page.Total }

// Page returns the page: the matches from startIndex, at most count of
// them, in the query's order, with the total number of matches.
func (p *Pager) Page() *Page {
	page := p.page
	if !p.ordered && p.skip < len(p.heap) { // past the end: nothing to sort
		sorted := p.heap
		slices.SortFunc(sorted, p.q.Compare)
		page.Users = append(page.Users, sorted[p.skip:]...)
	}
	if page.Users == nil {
		page.Users = []*User{}
	}
	return &page
}

// userHeap is a max-heap under [Query].Compare: its root is the worst user
// kept. It is written out rather than built on container/heap so that a
// [Pager] on the stack stays there (no interface conversions).
type userHeap []*User

func (h *userHeap) push(u *User, q *Query) {
	*h = append(*h, u)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if q.Compare(s[i], s[parent]) <= 0 {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

// replaceTop puts u in place of the root and restores the heap.
func (h userHeap) replaceTop(u *User, q *Query) {
	h[0] = u
	for i := 0; ; {
		worst, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && q.Compare(h[l], h[worst]) > 0 {
			worst = l
		}
		if r < len(h) && q.Compare(h[r], h[worst]) > 0 {
			worst = r
		}
		if worst == i {
			return
		}
		h[i], h[worst] = h[worst], h[i]
		i = worst
	}
}
