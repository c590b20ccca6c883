package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/scimkit/scim"
)

// filterShapes returns n filters of distinct shapes, all pushed down to
// SQL: each compiles to a statement text of its own.
func filterShapes(n int) []string {
	attrs := []string{"userName", "displayName", "name.givenName", "name.familyName", "title", "nickName",
		"userType", "locale", "timezone", "name.middleName", "externalId", "profileUrl"}
	ops := []string{"eq", "co", "sw", "ew", "gt", "ge", "lt", "le"}
	var out []string
	for _, a := range attrs {
		for _, op := range ops {
			for _, b := range attrs {
				for _, op2 := range ops {
					if len(out) == n {
						return out
					}
					out = append(out, fmt.Sprintf(`%s %s "x" and %s %s "y"`, a, op, b, op2))
				}
			}
		}
	}
	return out
}

// runShapes lists users with each filter; it may run in goroutines.
func runShapes(t *testing.T, st *Store, filters []string) {
	t.Helper()
	m := scim.NewModel(nil)
	for _, f := range filters {
		q, err := m.NewQuery(f, "", "", 2, 10) // startIndex 2: the total is counted too
		if err != nil {
			t.Error(err)
			return
		}
		if sq := st.compile("acme", q); !sq.exact {
			t.Errorf("%s is not pushed down", f)
			return
		}
		if _, err := st.ListUsers(context.Background(), "acme", q); err != nil {
			t.Errorf("%s: %v", f, err)
			return
		}
	}
}

// TestStatementCacheBounded fills the statement cache beyond its size:
// the statements it evicts are closed, so that the store holds no more
// than the cache's size however many shapes clients send.
func TestStatementCacheBounded(t *testing.T) {
	for _, c := range []struct {
		name  string
		open  func(testing.TB, ...Option) *Store
		cache int
	}{
		{"SQLite/default", openSQLite, maxStmts},
		{"SQLite/8", openSQLite, 8},
		{"SQLite/none", openSQLite, 0},
		{"Postgres/8", openPostgres, 8},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := c.open(t, WithStatementCache(c.cache))
			createPlanUsers(t, st)
			runShapes(t, st, filterShapes(c.cache+100))
			if n, limit := st.cache.open.Load(), int64(max(c.cache, 0)); n > limit {
				t.Errorf("%d statements open after %d shapes, want at most %d", n, c.cache+100, limit)
			}
			if n := len(st.cache.m); n > max(c.cache, 0) {
				t.Errorf("the cache holds %d statements, want at most %d", n, c.cache)
			}
			// A cached statement is reused, not prepared again.
			before := st.cache.open.Load()
			shapes := filterShapes(c.cache + 100)
			runShapes(t, st, shapes[len(shapes)-1:])
			if after := st.cache.open.Load(); c.cache > 0 && after != before {
				t.Errorf("re-running a cached shape changed the open statements from %d to %d", before, after)
			}
		})
	}
}

// TestStatementCachePostgresServerSide checks what PostgreSQL itself
// holds: on a one-connection pool, pg_prepared_statements lists every
// statement the store left prepared. Without eviction and closing, 612
// shapes left more than 612 (the page and count of each).
func TestStatementCachePostgresServerSide(t *testing.T) {
	st := openPostgres(t, WithMaxConns(1))
	createPlanUsers(t, st)
	shapes := filterShapes(maxStmts + 100)
	runShapes(t, st, shapes)
	var n int
	if err := st.db.QueryRow(`SELECT COUNT(*) FROM pg_prepared_statements`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	// pgx keeps its own bounded cache of the statements run without
	// preparing (the store's writes and scans): a few dozen at most here.
	if limit := maxStmts + 50; n > limit {
		t.Errorf("PostgreSQL holds %d prepared statements after %d shapes, want at most %d", n, len(shapes), limit)
	}
}

// TestStatementCacheConcurrent runs shapes from many goroutines through a
// cache smaller than their number: statements evicted while another
// goroutine uses them are closed only after it is done (no "statement is
// closed"), and none stays open.
func TestStatementCacheConcurrent(t *testing.T) {
	st := openSQLite(t, WithStatementCache(3))
	createPlanUsers(t, st)
	shapes := filterShapes(24)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for i := range 3 {
				runShapes(t, st, shapes[(g*4+i)%len(shapes):][:4])
			}
		})
	}
	wg.Wait()
	if n := st.cache.open.Load(); n > 3 {
		t.Errorf("%d statements open, want at most 3", n)
	}
}

// BenchmarkStmtCacheHit is the cost the cache adds to every cached read
// (GetUser, pushed-down lists): a lookup, a reference taken and released.
func BenchmarkStmtCacheHit(b *testing.B) {
	st := openSQLite(b)
	ctx := context.Background()
	text := `SELECT doc FROM users WHERE company = ? AND id = ?`
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, release, err := st.stmt(ctx, text)
			if err != nil {
				b.Fatal(err)
			}
			release()
		}
	})
}
