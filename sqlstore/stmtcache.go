package sqlstore

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// maxStmts is how many prepared statements the cache keeps by default.
// Filter shapes repeat, so a few hundred hold every query an identity
// provider sends; past it the least recently used statement is closed.
const maxStmts = 512

// stmtCache holds prepared read statements by text, at most max of them.
// Filter values are arguments, so a filter's shape repeats (userName eq ?)
// and the database need not parse and plan it again, which costs more than
// the lookup. Statements are server-side resources (on PostgreSQL, one per
// connection that ran it), and texts come from clients' filters: the cache
// evicts the least recently used statement and closes it, so that the
// statements a store holds stay bounded however many shapes clients send.
type stmtCache struct {
	mu  sync.Mutex
	max int
	m   map[string]*cachedStmt
	lru list.List // of *cachedStmt, most recently used first
	// open counts the statements prepared and not yet closed, for tests.
	open atomic.Int64
}

// cachedStmt is a statement and the number of callers using it: an
// evicted statement is closed when the last one releases it, never under
// a running query.
type cachedStmt struct {
	text    string
	st      *sql.Stmt
	refs    int
	evicted bool
	elem    *list.Element
}

func newStmtCache(max int) *stmtCache {
	return &stmtCache{max: max, m: make(map[string]*cachedStmt)}
}

// get returns the statement for text, preparing it on db if the cache does
// not hold it. The caller must call release once done with the statement
// (after closing its rows).
func (c *stmtCache) get(ctx context.Context, db *sql.DB, text string) (st *sql.Stmt, release func(), err error) {
	c.mu.Lock()
	if e := c.m[text]; e != nil {
		e.refs++
		c.lru.MoveToFront(e.elem)
		c.mu.Unlock()
		return e.st, func() { c.release(e) }, nil
	}
	c.mu.Unlock()
	// Prepared outside the lock: on PostgreSQL a prepare is a round trip,
	// and other statements' callers need not wait for it.
	st, err = db.PrepareContext(ctx, text)
	if err != nil {
		return nil, nil, err
	}
	c.open.Add(1)
	c.mu.Lock()
	if e := c.m[text]; e != nil {
		// Another caller prepared it meanwhile: use theirs.
		e.refs++
		c.lru.MoveToFront(e.elem)
		c.mu.Unlock()
		c.close(st)
		return e.st, func() { c.release(e) }, nil
	}
	e := &cachedStmt{text: text, st: st, refs: 1}
	if c.max <= 0 {
		// No cache: the statement is the caller's alone.
		e.evicted = true
		c.mu.Unlock()
		return st, func() { c.release(e) }, nil
	}
	var idle []*sql.Stmt
	for len(c.m) >= c.max {
		old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.m, old.text)
		old.evicted = true
		if old.refs == 0 {
			idle = append(idle, old.st)
		}
	}
	e.elem = c.lru.PushFront(e)
	c.m[text] = e
	c.mu.Unlock()
	for _, st := range idle {
		c.close(st)
	}
	return st, func() { c.release(e) }, nil
}

// release ends a caller's use of e, closing it if it was evicted and this
// was its last user.
func (c *stmtCache) release(e *cachedStmt) {
	c.mu.Lock()
	e.refs--
	done := e.evicted && e.refs == 0
	c.mu.Unlock()
	if done {
		c.close(e.st)
	}
}

func (c *stmtCache) close(st *sql.Stmt) {
	st.Close()
	c.open.Add(-1)
}

// closeAll closes every cached statement, when the store closes.
func (c *stmtCache) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.m {
		e.evicted = true
		if e.refs == 0 {
			c.close(e.st)
		}
	}
	clear(c.m)
	c.lru.Init()
}
