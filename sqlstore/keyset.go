package sqlstore

import (
	"slices"
	"strconv"
	"sync"

	"github.com/scimkit/scim"
)

// positions remembers where the pages of list queries in id order ended,
// so that the next page continues from the last id (WHERE u.id > last)
// instead of skipping every earlier match again with OFFSET: at 100,000
// users OFFSET 99,900 costs PostgreSQL 6 ms, the keyset read 0.7 ms. A
// position is used only for the page that starts right after it, and only
// while the version it was read at (see totals) is unchanged: no write
// has moved any user in or out of the result since, so the user after the
// last id is the one at that offset.
type positions struct {
	mu sync.Mutex
	m  map[string]position
	// used counts the pages read by keyset, for tests.
	used int64
}

type position struct {
	version int64
	last    string // id of the last user of the page
}

// maxPositions bounds the positions kept; past it, they start again empty.
const maxPositions = 1024

func positionKey(query string, next int) string {
	return query + "\x00" + strconv.Itoa(next)
}

// get returns the id after which the page at offset skip starts, if known
// at the version.
func (p *positions) get(query string, skip int, version int64) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.m[positionKey(query, skip)]
	ok = ok && e.version == version
	if ok {
		p.used++
	}
	return e.last, ok
}

// keysetPages returns how many pages were read by keyset.
func (p *positions) keysetPages() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.used
}

// put records that the page of the query ending before offset next ends
// with the user last, read at the version.
func (p *positions) put(query string, next int, version int64, last string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil || len(p.m) >= maxPositions {
		p.m = make(map[string]position)
	}
	p.m[positionKey(query, next)] = position{version, last}
}

// keyset rewrites a page at offset skip of a query in id order into the
// first page after the id last: the same users, read from the id index
// without walking the skipped ones.
func (s *Store) keyset(sq sqlQuery, q *scim.Query, last string) (sqlQuery, *scim.Query) {
	c := &compiler{pg: s.d == postgres, args: slices.Clone(sq.args)}
	sq.where += " AND u.id > " + c.arg(last)
	sq.args = c.args
	kq := *q
	kq.StartIndex = 1
	return sq, &kq
}
