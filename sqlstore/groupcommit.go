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

	commits atomic.Int64 // transactions committed, for tests
}

type groupWrite struct {
	ctx  context.Context
	f    func(*sql.Tx) error
	err  error
	done chan struct{} // closed when the write is committed or failed
	lead chan struct{} // closed when the write must lead
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
// transaction itself fails (a write's cancelled context interrupted
// SQLite, which then rolls back the whole transaction), the writes that
// had not failed on their own run again, each in its own transaction, so
// that one client's failure is never another's.
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
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		for _, w := range batch {
			w.err = err
		}
		return groupBroken
	}
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
		if err := tx.Commit(); err == nil {
			g.commits.Add(1)
			return groupCommitted
		}
		return groupBroken
	}
	tx.Rollback()
	return outcome
}

// commitAlone runs one write in its own transaction.
func commitAlone(s *Store, w *groupWrite) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(context.WithoutCancel(w.ctx), nil)
	if err != nil {
		return err
	}
	if err := w.f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
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
