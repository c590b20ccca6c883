package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// totals remembers, on SQLite, the totalResults of list queries between
// commits. A client paging through a large result (Okta's import reads
// every user, a hundred at a time) would otherwise count every match again
// for each page. A total is reused only while SQLite's data_version, read
// on a connection of its own, is unchanged: it changes with every commit
// made by any other connection, the store's writer and other processes
// alike.
type totals struct {
	mu   sync.Mutex
	conn *sql.Conn
	m    map[string]total
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
	return &totals{conn: conn, m: make(map[string]total)}, nil
}

// version reads data_version, or reports false if it cannot.
func (t *totals) version(ctx context.Context) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var v int64
	err := t.conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v)
	return v, err == nil
}

func (t *totals) get(key string, version int64) (int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[key]
	return e.n, ok && e.version == version
}

// put records n, counted after data_version read version. Were a commit
// to land between the two, the count would be of a later state, but the
// version then differs from every later reading, so it is never reused.
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
	return t.conn.Close()
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

// total returns the number of matches of a COUNT statement, counted again
// only after a commit (SQLite), inside a batch and on PostgreSQL always.
func (s *Store) total(ctx context.Context, text string, args []any) (int, error) {
	if s.totals == nil || s.btx != nil {
		return s.count(ctx, text, args)
	}
	key := totalKey(text, args)
	v, ok := s.totals.version(ctx)
	if ok {
		if n, hit := s.totals.get(key, v); hit {
			return n, nil
		}
	}
	n, err := s.count(ctx, text, args)
	if err == nil && ok {
		s.totals.put(key, v, n)
	}
	return n, err
}
