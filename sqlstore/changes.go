package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/scimkit/scim"
)

var _ scim.ChangeFeed = (*Store)(nil)

// change is one write of a user, recorded by recordChanges.
type change struct {
	kind scim.EventType
	id   string
	at   time.Time
}

// recordChanges bumps the company's change counter by len(cs) and records
// each change in the feed under the numbers it took, in the write's
// transaction. On PostgreSQL the bump locks the company's counter row until
// the transaction ends: writes of one company commit one after another in
// the order of their numbers, so a reader of the feed never sees a number
// before a smaller one has committed. Writers call it last, so that the
// lock is held for the commit only.
func (s *Store) recordChanges(ctx context.Context, w *txWriter, tenant string, cs ...change) error {
	if len(cs) == 0 {
		return nil
	}
	if s.btx != nil {
		// Inside a Batch: numbered when the batch commits (see
		// commitChanges), for the counter is taken last.
		*s.bchanges = append(*s.bchanges, batchChange{tenant, cs})
		return nil
	}
	if s.group != nil && s.group.record(w.tx, tenant, cs) {
		return nil // numbered when the group commits, likewise
	}
	return s.number(ctx, w, tenant, cs)
}

// guarded wraps a write of the tenant that records no change of a user (a
// group's): it takes the company's counter last, without bumping it, so
// that the write sees a company's erasure there (scim.ErrErased), as
// number does for the writes of users.
func (s *Store) guarded(ctx context.Context, tenant string, f func(*sql.Tx) error) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		if err := f(tx); err != nil {
			return err
		}
		w := &txWriter{ctx: ctx, tx: tx, s: s}
		defer w.close()
		switch {
		case s.btx != nil:
			*s.bchanges = append(*s.bchanges, batchChange{tenant, nil})
			return nil
		case s.group != nil && s.group.record(tx, tenant, nil):
			return nil
		}
		return s.number(ctx, w, tenant, nil)
	}
}

// batchChange is a write's changes waiting for its batch to commit.
type batchChange struct {
	tenant string
	cs     []change
}

// commitChanges numbers and records the changes of a batch's writes, per
// company, just before the batch commits. Taking the counter's lock last,
// in a batch as in a single write, keeps writers from deadlocking: no
// transaction waits for a user's row while it holds a counter.
func (s *Store) commitChanges(ctx context.Context, tx *sql.Tx, pending []batchChange) error {
	by := map[string][]change{}
	var order []string
	for _, p := range pending {
		if _, ok := by[p.tenant]; !ok {
			order = append(order, p.tenant)
		}
		by[p.tenant] = append(by[p.tenant], p.cs...)
	}
	w := &txWriter{ctx: ctx, tx: tx, s: s}
	defer w.close()
	for _, tenant := range order {
		if err := s.number(ctx, w, tenant, by[tenant]); err != nil {
			return err
		}
	}
	return nil
}

// number bumps the company's counter by len(cs) and records cs under the
// numbers it took.
func (s *Store) number(ctx context.Context, w *txWriter, tenant string, cs []change) error {
	var v, erased int64
	if err := w.scan(sqlBumpCounter, []any{tenant, len(cs)}, &v, &erased); err != nil {
		return err
	}
	if erased != 0 {
		// The company was erased before this write took its counter
		// row (see DeleteCompany): the erasure wins.
		return scim.ErrErased
	}
	seq := v - int64(len(cs))
	// Up to changeRows rows a statement: a load of thousands of users
	// pays one round trip per hundred changes, not one each. SQLite has no
	// round trips, but each statement run costs the writer some µs: short
	// of changeRows it runs the largest of the statements prepared when
	// the store started (up to smallChangeRows rows), rather than prepare
	// one for the group's size in every transaction.
	for len(cs) > 0 {
		n := s.changeChunk(len(cs))
		args := make([]any, 0, 5*n)
		for _, c := range cs[:n] {
			seq++
			args = append(args, tenant, seq, string(c.kind), c.id, fmtTime(c.at))
		}
		if err := w.exec(changesInsert(n), args...); err != nil {
			return err
		}
		cs = cs[n:]
	}
	return nil
}

// changeChunk is how many of left changes number records with one INSERT.
func (s *Store) changeChunk(left int) int {
	n := min(left, changeRows)
	if s.d == sqlite && n < changeRows {
		n = min(n, smallChangeRows)
	}
	return n
}

// changesInsert is the statement recording n changes.
func changesInsert(n int) string {
	return `INSERT INTO user_changes (company, seq, kind, user_id, at) VALUES (?, ?, ?, ?, ?)` +
		strings.Repeat(`, (?, ?, ?, ?, ?)`, n-1)
}

// changeRows is how many changes one INSERT records at most.
const changeRows = 100

// smallChangeRows bounds the INSERTs of 1, 2, ... rows prepared at start
// on SQLite: a group commit's changes (one a write, usually fewer than 16
// writes a group) are recorded by one of them.
const smallChangeRows = 16

// companyVersion reads the company's change counter: 0 before its first
// write.
func (s *Store) companyVersion(ctx context.Context, tenant string) (int64, error) {
	st, release, err := s.stmt(ctx, s.q(`SELECT version FROM company_versions WHERE company = ?`))
	if err != nil {
		return 0, err
	}
	defer release()
	var v int64
	err = st.QueryRowContext(ctx, tenant).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// Changes implements scim.ChangeFeed. Numbers are the company's change
// counter (see recordChanges): gap-free and in commit order.
func (s *Store) Changes(ctx context.Context, tenant string, after int64, limit int) ([]scim.Change, error) {
	v, err := s.changes(ctx, tenant, after, limit)
	return v, s.fault(err)
}

func (s *Store) changes(ctx context.Context, tenant string, after int64, limit int) ([]scim.Change, error) {
	if limit <= 0 {
		limit = scim.DefaultChangeLimit
	}
	rows, err := s.query(ctx, s.q(`SELECT seq, kind, user_id, at FROM user_changes
		WHERE company = ? AND seq > ? ORDER BY seq LIMIT ?`), tenant, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []scim.Change{}
	for rows.Next() {
		var c scim.Change
		var kind, at string
		if err := rows.Scan(&c.Seq, &kind, &c.UserID, &at); err != nil {
			return nil, err
		}
		c.Type, c.Time = scim.EventType(kind), parseTime(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// updateKind classifies an update by active before and after, as
// scim.Event does.
func updateKind(wasActive, active bool) scim.EventType {
	switch {
	case wasActive && !active:
		return scim.EventDeactivated
	case !wasActive && active:
		return scim.EventReactivated
	}
	return scim.EventUpdated
}
