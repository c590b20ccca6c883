package scim

import (
	"context"
	"sync"
)

// reportLookups gathers the lookups of reports that follow writes
// (resolveReports) into shared queries, one company at a time, the way
// group commit gathers writes. Every create asks the store which users
// name the new employee as a pending manager; on SQLite that read, the
// first after a commit on its connection, cost as much CPU as the insert
// (BENCHMARKS.md). Writes that finish while a lookup of their company runs
// wait for the next one, which looks all their keys up in one query
// (an "or" of equalities, as lookupReferences does for a page); a lone
// writer's lookup starts at once. A lookup starts after every write it
// serves has committed, so it finds what a lookup of each would have.
type reportLookups struct {
	mu      sync.Mutex
	tenants map[string]*reportQueue
}

// reportQueue is a company's batches: the first runs while the others
// gather keys.
type reportQueue struct {
	running bool
	batches []*reportBatch
}

// reportBatch is the keys of writes looked up together, and what was found.
type reportBatch struct {
	keys  []string
	seen  map[string]bool
	lead  chan struct{} // one token: the waiter who receives it runs the batch
	done  chan struct{} // closed when found and err are set
	found []*User
	err   error
}

func (b *reportBatch) add(keys []string) {
	for _, k := range keys {
		if !b.seen[k] {
			b.seen[k] = true
			b.keys = append(b.keys, k)
		}
	}
}

// find returns the users of req's company whose manager.value is one of
// keys, read after the call began. The users may be shared with other
// callers: they must not be changed.
func (l *reportLookups) find(req *request, keys []string) ([]*User, error) {
	l.mu.Lock()
	if l.tenants == nil {
		l.tenants = make(map[string]*reportQueue)
	}
	q := l.tenants[req.tenant]
	if q == nil {
		q = &reportQueue{}
		l.tenants[req.tenant] = q
	}
	var b *reportBatch
	if n := len(q.batches); n > 0 && len(q.batches[n-1].keys)+len(keys) <= maxRefValues {
		b = q.batches[n-1]
	} else {
		b = &reportBatch{seen: map[string]bool{}, lead: make(chan struct{}, 1), done: make(chan struct{})}
		q.batches = append(q.batches, b)
	}
	b.add(keys)
	if q.running {
		l.mu.Unlock()
		select {
		case <-b.done:
			return b.found, b.err
		case <-b.lead:
		}
		l.mu.Lock()
	}
	// Lead: b is first in the queue, and no lookup of the company runs.
	q.running = true
	q.batches = q.batches[1:]
	l.mu.Unlock()
	// Shared: one writer's client going away must not fail the others'.
	b.found, b.err = req.lookupReports(context.WithoutCancel(req.ctx), b.keys)
	close(b.done)
	l.mu.Lock()
	if len(q.batches) > 0 {
		q.batches[0].lead <- struct{}{}
	} else {
		q.running = false
		delete(l.tenants, req.tenant)
	}
	l.mu.Unlock()
	return b.found, b.err
}
