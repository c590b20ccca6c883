package scim

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// gatedLists is a MemoryStore whose next lookup of reports, once armed,
// waits for a gate, so a test can hold a lookup running.
type gatedLists struct {
	*MemoryStore
	entered chan struct{} // receives when a manager lookup starts
	gate    chan struct{} // closed to let the first one go on

	mu      sync.Mutex
	armed   bool // gate the next lookup
	lookups int
}

func (s *gatedLists) ListUsers(ctx context.Context, tenant string, q *Query) (*Page, error) {
	if isManagerLookup(q.Filter) {
		s.mu.Lock()
		s.lookups++
		first := s.armed
		s.armed = false
		s.mu.Unlock()
		if first {
			s.entered <- struct{}{}
			<-s.gate
		}
	}
	return s.MemoryStore.ListUsers(ctx, tenant, q)
}

func isManagerLookup(f Filter) bool {
	switch n := f.(type) {
	case *LogicalExpr:
		return isManagerLookup(n.Left)
	case *AttrExpr:
		return n.Path.Name == "manager"
	}
	return false
}

// TestReportLookupsShared: creates that finish while the lookup of their
// company's pending reports runs share the next lookup, one query for all
// of them, and each still resolves the reports waiting for it.
func TestReportLookupsShared(t *testing.T) {
	store := &gatedLists{MemoryStore: NewMemoryStore(), entered: make(chan struct{}, 1), gate: make(chan struct{})}
	e := newPeakonEnv(t, func(h *Handler) { h.Store = store })
	e.store = store.MemoryStore
	tenant, tok := e.company("Acme", nil)
	ctx := context.Background()

	// Reports waiting for managers who do not exist yet.
	const n = 5
	reports := make([]string, n)
	for i := range n {
		reports[i] = e.create(tok, userJSON(fmt.Sprintf("report%d@acme.test", i),
			`"`+SchemaEnterpriseUser+`":{"manager":"boss`+fmt.Sprint(i)+`@acme.test"}`))
	}
	store.mu.Lock()
	store.lookups = 0 // the reports' own creates looked too
	store.armed = true
	store.mu.Unlock()

	// The first manager's lookup is held while the others are created.
	ids := make([]string, n)
	var wg sync.WaitGroup
	wg.Go(func() { ids[0] = e.create(tok, userJSON("boss0@acme.test", "")) })
	<-store.entered
	for i := 1; i < n; i++ {
		wg.Go(func() { ids[i] = e.create(tok, userJSON(fmt.Sprintf("boss%d@acme.test", i), "")) })
	}
	// Wait (bounded) until the four wait in one batch.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		e.h.reports.mu.Lock()
		waiting := 0
		if q := e.h.reports.tenants[tenant]; q != nil && len(q.batches) == 1 {
			waiting = len(q.batches[0].keys)
		}
		e.h.reports.mu.Unlock()
		if waiting >= 2*(n-1) { // each boss is at least its id and its email
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other creates did not gather in one batch (%d keys)", waiting)
		}
	}
	close(store.gate)
	wg.Wait()

	store.mu.Lock()
	lookups := store.lookups
	store.mu.Unlock()
	if lookups != 2 {
		t.Errorf("%d lookups of reports for %d creates, want 2 (the held one, then one shared)", lookups, n)
	}
	for i, r := range reports {
		u, err := e.store.GetUser(ctx, tenant, r)
		if err != nil {
			t.Fatal(err)
		}
		if m := u.Enterprise.Manager; m.Value != ids[i] || m.DisplayName == "" {
			t.Errorf("report %d: manager %+v, want %s resolved", i, m, ids[i])
		}
	}
	if e.h.reports.tenants[tenant] != nil {
		t.Error("the company's queue outlived its lookups")
	}
	e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+reports[0], "")
}
