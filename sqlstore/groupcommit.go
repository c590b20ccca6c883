package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
)

// maxGroup bounds how many writes commit in one transaction.
const maxGroup = 128

// groupCommit commits concurrent SQLite writes together. SQLite has one
// writer and each commit waits for an fsync (synchronous=FULL), so writes
// committed one by one queue behind each other's fsyncs. Here the writes
// that arrive while a transaction commits wait in a queue, and the next
// transaction takes them all: one BEGIN, a savepoint per write (so each
// still succeeds or fails alone), one COMMIT and one fsync, after which
// every write of the group is answered. There is no timer: a write that
// finds no transaction running starts one at once, so a lone writer waits
// for nothing.
//
// The writer whose write starts a transaction leads: it runs groups until
// its own write is committed, then hands the lead to the first write still
// queued.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*groupWrite
	leading bool
	// tx and changes are the running group's transaction and the changes
	// its writes recorded (recordChanges), numbered together before it
	// commits: one bump of the company's counter and one insert into the
	// feed for the group instead of two statements for each write.
	tx      *sql.Tx
	changes []batchChange
	// declTx is the transaction whose writes declare what they did to
	// users (declare), current the write running in it.
	declTx  *sql.Tx
	current *groupWrite
	// prior are the writes that ran in declTx before current.
	prior []*groupWrite

	commits     atomic.Int64 // transactions committed, for tests
	lockedReads atomic.Int64 // stored users read under the write lock, for tests
}

type groupWrite struct {
	ctx  context.Context
	f    func(*sql.Tx) error
	err  error
	done chan struct{} // closed when the write is committed or failed
	lead chan struct{} // closed when the write must lead
	// effects is what the write declared it did to users, if it declared
	// (usercache.go): a write that does not leaves the cache emptied.
	effects  []userEffect
	declared bool
}

// run runs f in a transaction shared with the writes that arrive meanwhile
// and returns once that transaction has committed (or f failed).
func (g *groupCommit) run(ctx context.Context, s *Store, f func(*sql.Tx) error) error {
	w := &groupWrite{ctx: ctx, f: f, done: make(chan struct{}), lead: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	if g.leading {
		g.mu.Unlock()
		select {
		case <-w.done:
			return w.err
		case <-w.lead:
		}
	} else {
		g.leading = true
		g.mu.Unlock()
	}
	// Lead: commit groups until this write is done.
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxGroup)
		batch := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		g.commitGroup(s, batch)
		select {
		case <-w.done:
			g.mu.Lock()
			if len(g.queue) > 0 {
				close(g.queue[0].lead)
			} else {
				g.leading = false
			}
			g.mu.Unlock()
			return w.err
		default:
		}
	}
}

// commitGroup runs the writes in one transaction and commits. It first
// runs them without savepoints, which cost a statement before and after
// each write and a copy of every page a write first touches; if a write
// fails, that attempt is rolled back and the group runs again with a
// savepoint per write, so that the failing one fails alone. If the
// transaction itself fails (SQLite rolls it back whole on a full disk, on
// a busy lock, and when a write's cancelled context interrupts a
// statement: the company and group writes run theirs on the request's
// context, the users' writes detached, see txWriter.runCtx), the writes
// that had not failed on their own run again, each in its own
// transaction, so that one client's failure is never another's.
func (g *groupCommit) commitGroup(s *Store, batch []*groupWrite) {
	defer func() {
		for _, w := range batch {
			close(w.done)
		}
	}()
	if len(batch) == 1 {
		batch[0].err = commitAlone(s, batch[0])
		return
	}
	outcome := g.runGroup(s, batch, false)
	if outcome == groupWriteFailed {
		outcome = g.runGroup(s, batch, true)
	}
	if outcome == groupCommitted {
		return
	}
	for _, w := range batch {
		if w.err == nil || !errors.Is(w.err, w.ctx.Err()) {
			w.err = commitAlone(s, w)
		}
	}
}

// The outcomes of runGroup.
const (
	groupCommitted   = iota
	groupWriteFailed // without savepoints: rolled back, nothing committed
	groupBroken      // the transaction failed: rolled back
)

// runGroup runs the writes of batch in one transaction, with a savepoint
// per write or none, and commits it.
func (g *groupCommit) runGroup(s *Store, batch []*groupWrite, savepoints bool) int {
	// The transaction belongs to the group: no one request's context may
	// roll it back.
	ctx := context.Background()
	wt, err := g.beginTx(ctx, s)
	if err != nil {
		for _, w := range batch {
			w.err = err
		}
		return groupBroken
	}
	tx := wt.tx
	sp := &txWriter{ctx: ctx, tx: tx, s: s}
	defer sp.close()
	g.mu.Lock()
	g.tx, g.changes = tx, g.changes[:0]
	g.mu.Unlock()
	defer func() {
		// Alone, each write numbers its own changes.
		g.mu.Lock()
		g.tx, g.changes = nil, g.changes[:0]
		g.mu.Unlock()
	}()
	outcome := groupCommitted
	for _, w := range batch {
		if w.err = w.ctx.Err(); w.err != nil {
			continue
		}
		g.running(w)
		if !savepoints {
			if w.err = w.f(tx); w.err != nil {
				outcome = groupWriteFailed
				break
			}
			continue
		}
		if err := sp.exec(sqlSavepoint); err != nil {
			outcome = groupBroken
			break
		}
		recorded := g.recorded()
		w.err = w.f(tx)
		if w.err != nil {
			g.forget(recorded)
			err = sp.exec(sqlRollbackTo)
		}
		if err == nil {
			err = sp.exec(sqlReleaseSavepoint)
		}
		if err != nil {
			outcome = groupBroken
			break
		}
	}
	if outcome == groupCommitted && s.commitChanges(ctx, tx, g.recordedChanges()) != nil {
		outcome = groupBroken
	}
	if outcome == groupCommitted {
		if err := g.endTx(wt, true, batch); err == nil {
			g.commits.Add(1)
			return groupCommitted
		}
		return groupBroken
	}
	g.endTx(wt, false, batch)
	return outcome
}

// commitAlone runs one write in its own transaction.
func commitAlone(s *Store, w *groupWrite) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	g := s.group
	wt, err := g.beginTx(context.WithoutCancel(w.ctx), s)
	if err != nil {
		return err
	}
	g.running(w)
	if w.err = w.f(wt.tx); w.err != nil {
		g.endTx(wt, false, nil)
		return w.err
	}
	return g.endTx(wt, true, []*groupWrite{w})
}

// writeTx is a transaction of the group commit. When the user cache
// follows the wal-index (usercache.go), it holds the writer's connection
// from BEGIN until the cache has been moved past its commit, so that no
// other write of the store's commits in between.
type writeTx struct {
	tx   *sql.Tx
	conn *sql.Conn  // the writer's connection, held; nil when not following
	c    *userCache // the cache to move
	wal  *walIndex
}

func (g *groupCommit) beginTx(ctx context.Context, s *Store) (*writeTx, error) {
	wt := &writeTx{}
	if s.follow {
		conn, err := s.w.Conn(ctx)
		if err != nil {
			return nil, err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			conn.Close()
			return nil, err
		}
		wt.tx, wt.conn, wt.c, wt.wal = tx, conn, s.users, s.totals.wal
		wt.c.beginWrite()
	} else {
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		wt.tx = tx
	}
	g.mu.Lock()
	g.declTx, g.prior = wt.tx, g.prior[:0]
	g.mu.Unlock()
	return wt, nil
}

// running makes w the write whose declarations count, none yet.
func (g *groupCommit) running(w *groupWrite) {
	g.mu.Lock()
	if g.current != nil {
		g.prior = append(g.prior, g.current)
	}
	g.current, w.effects, w.declared = w, w.effects[:0], false
	g.mu.Unlock()
}

// endTx commits wt (or rolls it back) and moves the user cache past it:
// the header its writes started from (read before COMMIT, under the write
// lock), the header after, and the writer's data_version after that (see
// userCache.endWrite). writes are the transaction's writes; those that
// failed changed nothing.
func (g *groupCommit) endTx(wt *writeTx, commit bool, writes []*groupWrite) error {
	g.mu.Lock()
	g.declTx, g.current = nil, nil
	clear(g.prior)
	g.prior = g.prior[:0]
	g.mu.Unlock()
	if wt.c == nil {
		if !commit {
			return wt.tx.Rollback()
		}
		return wt.tx.Commit()
	}
	defer wt.conn.Close()
	var none walHeader
	if !commit {
		err := wt.tx.Rollback()
		wt.c.endWrite(false, none, none, writerVersion{}, false, false, nil)
		return err
	}
	pre, preOK := wt.wal.header()
	described := preOK
	var effects []userEffect
	for _, w := range writes {
		if w.err != nil {
			continue
		}
		if !w.declared {
			described = false
			break
		}
		effects = append(effects, w.effects...)
	}
	wt.c.committingWrite(pre, described, effects)
	if err := wt.tx.Commit(); err != nil {
		// Committed or not, nothing is known of what the cache holds.
		wt.c.endWrite(true, none, none, writerVersion{}, false, false, nil)
		return err
	}
	wt.c.committed()
	post, postOK := wt.wal.header()
	// data_version counts per connection: it is compared only with a
	// reading on the same one.
	var dv int64
	var conn any
	dvErr := wt.conn.QueryRowContext(context.Background(), "PRAGMA data_version").Scan(&dv)
	wt.conn.Raw(func(dc any) error { conn = dc; return nil })
	wt.c.endWrite(true, pre, post, writerVersion{conn, dv}, postOK && dvErr == nil, described, effects)
	return nil
}

// declare records what the running write of tx did to users, if tx is a
// transaction of the group commit, and reports whether it did.
func (g *groupCommit) declare(tx *sql.Tx, effects ...userEffect) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.declTx == nil || g.declTx != tx || g.current == nil {
		return false
	}
	g.current.effects = append(g.current.effects, effects...)
	g.current.declared = true
	return true
}

// untouched reports whether the running write of tx is the first of tx
// that may have changed the user id of tenant: every write that ran
// before it in tx either failed (and changed nothing) or declared what it
// did, and none declared anything of that user.
func (g *groupCommit) untouched(tx *sql.Tx, tenant, id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.declTx == nil || g.declTx != tx || g.current == nil {
		return false
	}
	for _, w := range g.prior {
		if w.err != nil {
			continue
		}
		if !w.declared || touches(w.effects, tenant, id) {
			return false
		}
	}
	return true
}

// record keeps cs for the group's numbering if tx is the running group's
// transaction, and reports whether it did.
func (g *groupCommit) record(tx *sql.Tx, tenant string, cs []change) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.tx == nil || g.tx != tx {
		return false
	}
	g.changes = append(g.changes, batchChange{tenant, cs})
	return true
}

// recorded, forget and recordedChanges read and cut the group's recorded
// changes: a write that fails leaves none.
func (g *groupCommit) recorded() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.changes)
}

func (g *groupCommit) forget(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.changes = g.changes[:n]
}

func (g *groupCommit) recordedChanges() []batchChange {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.changes
}
