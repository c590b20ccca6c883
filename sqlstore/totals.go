package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// totals remembers the totalResults of list queries between commits. A
// client paging through a large result (Okta's import reads every user, a
// hundred at a time) would otherwise count every match again for each
// page. A total is reused only while a version read before each use is
// unchanged: on SQLite the header of the wal-index (walindex.go), or where
// it cannot be mapped the data_version read on a connection of its own,
// either of which changes with every commit made by any connection, the
// store's writer and other processes alike; on PostgreSQL the company's
// change counter (company_versions), which every write of the company's
// users bumps in its transaction, whichever instance makes it.
type totals struct {
	mu   sync.Mutex
	conn *sql.Conn // SQLite; nil on PostgreSQL
	// wal reads the wal-index header (walindex.go); where it cannot be
	// mapped, dv reads PRAGMA data_version on conn (dataVersion).
	wal *walIndex
	dv  *dataVersion
	// company reads the company's counter (PostgreSQL).
	company func(ctx context.Context, tenant string) (int64, error)
	m       map[string]total
	// pos remembers where pages ended (keyset.go).
	pos positions
}

type total struct {
	version int64
	n       int
}

// maxTotals bounds the cache; past it, it starts again empty.
const maxTotals = 1024

func openTotals(ctx context.Context, db *sql.DB) (*totals, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	st, err := conn.PrepareContext(ctx, "PRAGMA data_version")
	if err != nil {
		conn.Close()
		return nil, err
	}
	t := &totals{conn: conn, dv: &dataVersion{stmt: st}, m: make(map[string]total)}
	if _, err := t.dv.read(ctx); err != nil {
		t.close()
		return nil, err
	}
	// The reading above opened the wal-index for conn.
	if t.wal, err = openWALIndex(ctx, conn); err != nil {
		if !errors.Is(err, errNoWALIndex) {
			t.close()
			return nil, err
		}
		t.wal = nil
	}
	return t, nil
}

// companyTotals returns the totals of a PostgreSQL store, validated
// against company_versions.
func companyTotals(s *Store) *totals {
	return &totals{company: s.companyVersion, m: make(map[string]total)}
}

// version reads the database's version (SQLite: the wal-index header's
// count, or data_version) or the company's counter (PostgreSQL), or
// reports false if it cannot.
func (t *totals) version(ctx context.Context, tenant string) (int64, bool) {
	if t.company != nil {
		v, err := t.company(ctx, tenant)
		return v, err == nil
	}
	if t.wal != nil {
		return t.wal.version()
	}
	v, err := t.dv.read(ctx)
	return v, err == nil
}

// dataVersion reads SQLite's data_version for concurrent requests,
// sharing readings: a request may use any reading that started after it
// arrived, which sees every commit acknowledged before it. Requests that
// arrive while a reading runs wait for the next one, which they all share;
// under load that is two readings for a crowd of requests instead of one
// each (one reading is about 17 µs of CPU through database/sql).
type dataVersion struct {
	mu      sync.Mutex
	stmt    *sql.Stmt
	started atomic.Uint64 // readings started
	// last is the newest reading's value and the number it started as.
	last      int64
	lastStart uint64
	lastErr   error
}

func (d *dataVersion) read(ctx context.Context) (int64, error) {
	arrived := d.started.Load()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lastStart > arrived {
		return d.last, d.lastErr
	}
	n := d.started.Add(1)
	var v int64
	err := d.stmt.QueryRowContext(ctx).Scan(&v)
	if ctx.Err() != nil {
		// Cancelled: not a reading others may share.
		return v, err
	}
	d.last, d.lastStart, d.lastErr = v, n, err
	return v, err
}

func (t *totals) get(key string, version int64) (int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[key]
	return e.n, ok && e.version == version
}

// put records n, counted after the version was read as version. Were a
// commit to land between the two, the count would be of a later state, but
// the version then differs from every later reading, so it is never
// reused.
func (t *totals) put(key string, version int64, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.m) >= maxTotals {
		clear(t.m)
	}
	t.m[key] = total{version, n}
}

func (t *totals) close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conn == nil {
		return nil
	}
	t.dv.stmt.Close()
	var err error
	if t.wal != nil {
		err = t.wal.close()
	}
	return errors.Join(err, t.conn.Close())
}

// totalKey identifies a count: its statement and arguments, the tenant
// among them.
func totalKey(text string, args []any) string {
	var b strings.Builder
	b.WriteString(text)
	for _, a := range args {
		b.WriteByte(0)
		switch v := a.(type) {
		case string:
			b.WriteString(strconv.Quote(v))
		default:
			fmt.Fprintf(&b, "%T:%v", v, v)
		}
	}
	return b.String()
}

// totalLookup is a count's place in the totals cache.
type totalLookup struct {
	t       *totals // nil: not cached
	key     string
	version int64
}

// lookupTotal looks a COUNT statement of the tenant up in the totals
// cache (outside a batch), and reports the total if no commit has changed
// what it counts since it was counted.
func (s *Store) lookupTotal(ctx context.Context, tenant, text string, args []any) (l totalLookup, n int, hit bool) {
	if s.totals == nil || s.btx != nil {
		return l, 0, false
	}
	v, ok := s.totals.version(ctx, tenant)
	if !ok {
		return l, 0, false
	}
	l = totalLookup{s.totals, totalKey(text, args), v}
	n, hit = s.totals.get(l.key, v)
	return l, n, hit
}

// store records the total counted after the lookup.
func (l totalLookup) store(n int) {
	if l.t != nil {
		l.t.put(l.key, l.version, n)
	}
}

// total returns the number of matches of a COUNT statement, from the
// totals cache when it can.
func (s *Store) total(ctx context.Context, tenant, text string, args []any) (int, error) {
	l, n, hit := s.lookupTotal(ctx, tenant, text, args)
	if hit {
		return n, nil
	}
	n, err := s.count(ctx, text, args)
	if err == nil {
		l.store(n)
	}
	return n, err
}
