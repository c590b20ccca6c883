package scim

import (
	"math"
	"net/http"
	"slices"
	"strings"
)

// Page is one page of a list query.
type Page struct {
	Users []*User
	// Total is the number of users matching the filter, all pages together.
	Total int
	// Next answers a [Query.Cursor] query: the position right after the
	// page's last user when more matches follow it, "" when the page is the
	// last (or Count is 0). The store chooses its form; it comes back as
	// Query.After of the next page, unchanged.
	Next string
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
	// Cursor asks for a page by position (RFC 9865 cursor paging) instead
	// of by index: the page holds the first Count matches after After in
	// the query's order, StartIndex is 1, Total still counts every match,
	// and the store sets Page.Next. A store pages by keyset, so that a
	// page costs the same at any depth and a user that exists for the
	// whole walk is on exactly one page while others are created and
	// deleted. A [Pager] does all of this for stores that evaluate in Go.
	// A store that ignored Cursor would end every walk after its first
	// page: storetest's Cursor cases check it.
	Cursor bool
	// After is where a cursor page starts: "" for the first match, else a
	// Page.Next this store returned for the same query. The handler passes
	// only positions it issued and signed, but a store answers one it
	// cannot read with [ErrInvalidPosition].
	After string

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
	desc, err := parseSortOrder(sortOrder)
	if err != nil {
		return nil, err
	}
	q.Descending = desc
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

// parseSortOrder reads the sortOrder parameter of users' and groups' lists:
// "ascending" (the default) or "descending", ignoring case.
func parseSortOrder(sortOrder string) (descending bool, err error) {
	switch {
	case sortOrder == "" || strings.EqualFold(sortOrder, "ascending"):
		return false, nil
	case strings.EqualFold(sortOrder, "descending"):
		return true, nil
	}
	return false, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "sortOrder must be \"ascending\" or \"descending\", not %q", sortOrder)
}

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
	// one holds the page and its users together when it can hold only
	// one user (an index hit): one allocation rather than two.
	one *pageOfOne

	// A cursor query's: after is the user the page starts after (its id
	// and sort key only), more that a match follows the page.
	cursor bool
	after  *User
	more   bool
	err    error
}

// Pager returns a [Pager] for q. ordered says the users will be offered in
// q's order (SQL ORDER BY, or creation order when q has no SortBy and that
// is the store's order).
//
// For a [Query.Cursor] query the Pager skips the matches at or before
// q.After (a position it made), keeps the next Count, and
// sets Page.Next when a match follows them. Its positions are its own:
// they hold the last user's id and sort key, and work for any store whose
// order is [Query.Compare]'s. An After it cannot read leaves the page
// empty and Err returning [ErrInvalidPosition].
func (q *Query) Pager(ordered bool) Pager {
	if q.Cursor {
		return q.cursorPager(ordered)
	}
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
	if p.cursor {
		p.offerAfter(u)
		return
	}
	switch {
	case p.ordered:
		if p.page.Total > p.skip && len(p.page.Users) < p.count {
			p.keep(u)
		}
	case p.limit == 0:
	case len(p.heap) < p.limit:
		p.heap.push(u, p.q)
	case p.q.Compare(u, p.heap[0]) < 0:
		p.heap.replaceTop(u, p.q)
	}
}

// keep appends u to the page of users offered in order, sizing the page
// once, to what it will hold.
func (p *Pager) keep(u *User) {
	if p.page.Users == nil {
		n := min(p.count, 128)
		if p.offers > 0 {
			n = min(n, p.offers)
		}
		if n == 1 {
			p.one = new(pageOfOne)
			p.page.Users = p.one.users[:0:1]
		} else {
			p.page.Users = make([]*User, 0, n)
		}
	}
	p.page.Users = append(p.page.Users, u)
}

// Total returns the number of matches offered so far.
func (p *Pager) Total() int { return p.page.Total }

// Page returns the page: the matches from startIndex, at most count of
// them, in the query's order, with the total number of matches.
func (p *Pager) Page() *Page {
	if p.cursor {
		return p.cursorPage()
	}
	page := p.page
	if !p.ordered && p.skip < len(p.heap) { // past the end: nothing to sort
		sorted := p.heap
		slices.SortFunc(sorted, p.q.Compare)
		page.Users = append(page.Users, sorted[p.skip:]...)
	}
	if page.Users == nil {
		page.Users = []*User{}
	}
	if p.one != nil && len(page.Users) == 1 && &page.Users[0] == &p.one.users[0] {
		p.one.page = page
		return &p.one.page
	}
	out := new(Page) // not &page: that would move page to the heap on every path
	*out = page
	return out
}

// pageOfOne is a [Page] with room for one user.
type pageOfOne struct {
	page  Page
	users [1]*User
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
