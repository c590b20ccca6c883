package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
)

// The statements every write of a user runs. They are prepared once, when
// the store starts (prepareWrites), and each transaction binds them to its
// connection (Tx.StmtContext), which reuses the statement already prepared
// there: parsing them again in every transaction cost about a tenth of a
// create's CPU on SQLite, and on PostgreSQL two round trips a statement.
const (
	sqlSavepoint        = `SAVEPOINT w`
	sqlReleaseSavepoint = `RELEASE SAVEPOINT w`
	sqlRollbackTo       = `ROLLBACK TO SAVEPOINT w`

	sqlInsertValue     = `INSERT INTO user_values (company, user_id, attr, idx, value, value_f, display_f, type_f, is_primary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlInsertCustom    = `INSERT INTO user_custom (company, user_id, name, value, value_f, num) VALUES (?, ?, ?, ?, ?, ?)`
	sqlFirstActivation = `INSERT INTO user_activations (company, user_id, n, at, active) VALUES (?, ?, 0, ?, ?)`
	sqlNextActivation  = `INSERT INTO user_activations (company, user_id, n, at, active)
				SELECT ?, ?, COALESCE(MAX(n), -1) + 1, ?, ? FROM user_activations WHERE company = ? AND user_id = ?`
	sqlDeleteValues      = `DELETE FROM user_values WHERE company = ? AND user_id = ?`
	sqlDeleteCustom      = `DELETE FROM user_custom WHERE company = ? AND user_id = ?`
	sqlDeleteActivations = `DELETE FROM user_activations WHERE company = ? AND user_id = ?`
	sqlDeleteUser        = `DELETE FROM users WHERE company = ? AND id = ?`
	sqlDeleteUserVersion = `DELETE FROM users WHERE company = ? AND id = ? AND version = ?`
	sqlUserExists        = `SELECT COUNT(*) FROM users WHERE company = ? AND id = ?`
	sqlBumpCounter       = `INSERT INTO company_versions (company, version) VALUES (?, ?)
		ON CONFLICT (company) DO UPDATE SET version = company_versions.version + excluded.version
		RETURNING version, erased`
)

// writeSQL holds the write statements whose text depends on the dialect or
// on the columns of users.
type writeSQL struct {
	insertUser, updateUser, lockUser string
}

func newWriteSQL(pg bool) writeSQL {
	n := strings.Count(userColumns, ",") + 3 // company, id and the columns
	doc, lock := "?", ""
	if pg {
		doc, lock = "?::jsonb", " FOR UPDATE"
	}
	set := strings.ReplaceAll(userColumns, ",", " = ?,") + " = ?"
	set = strings.TrimSuffix(set, "doc = ?") + "doc = " + doc
	return writeSQL{
		insertUser: `INSERT INTO users (company, id, ` + userColumns + `) VALUES (` + strings.Repeat("?, ", n-1) + doc + `)`,
		updateUser: `UPDATE users SET ` + set + ` WHERE company = ? AND id = ? AND version = ?`,
		lockUser:   `SELECT version, active, doc FROM users WHERE company = ? AND id = ?` + lock,
	}
}

// queries lists every statement prepareWrites prepares; on SQLite, the
// INSERTs of up to smallChangeRows changes (number).
func (w writeSQL) queries(sqlite bool) []string {
	qs := []string{w.insertUser, w.updateUser, w.lockUser,
		sqlSavepoint, sqlReleaseSavepoint, sqlRollbackTo,
		sqlInsertValue, sqlInsertCustom, sqlFirstActivation, sqlNextActivation,
		sqlDeleteValues, sqlDeleteCustom, sqlDeleteActivations, sqlDeleteUser, sqlDeleteUserVersion, sqlUserExists,
		sqlBumpCounter, changesInsert(1), changesInsert(changeRows)}
	if sqlite {
		for n := 2; n <= smallChangeRows; n++ {
			qs = append(qs, changesInsert(n))
		}
	}
	return qs
}

// prepareWrites prepares the write statements on the writer's pool, while
// no transaction holds its connection (SQLite's writer pool has one).
func (s *Store) prepareWrites(ctx context.Context) error {
	s.wsql = newWriteSQL(s.d == postgres)
	s.wstmts = make(map[string]*sql.Stmt)
	for _, q := range s.wsql.queries(s.d == sqlite) {
		text := s.q(q)
		st, err := s.w.PrepareContext(ctx, text)
		if err != nil {
			return err
		}
		s.wstmts[text] = st
	}
	return nil
}

func (s *Store) closeWrites() error {
	var err error
	for _, st := range s.wstmts {
		err = errors.Join(err, st.Close())
	}
	s.updates.m.Range(func(_, st any) bool {
		err = errors.Join(err, st.(*sql.Stmt).Close())
		return true
	})
	return err
}

// writeStmt returns the statement of text prepared on the writer's pool,
// or nil.
func (s *Store) writeStmt(text string) *sql.Stmt {
	if st := s.wstmts[text]; st != nil {
		return st
	}
	if st, ok := s.updates.m.Load(text); ok {
		return st.(*sql.Stmt)
	}
	return nil
}

// updateStmts holds the UPDATEs of some of users' columns that UpdateUser
// has run, prepared on the writer's pool. They are prepared after the
// transaction that first needed one (which prepared its own copy): SQLite's
// writer pool has one connection, which that transaction holds. A client's
// updates touch a few sets of attributes, so there are few; past
// maxUpdateStmts, a new set is prepared in each transaction that needs it.
type updateStmts struct {
	m sync.Map // text → *sql.Stmt
	n atomic.Int32
}

const maxUpdateStmts = 64

// prepareUpdate prepares text, an UPDATE of updateSQL, on the writer's
// pool for later transactions, unless it is already or the cache is full.
func (s *Store) prepareUpdate(ctx context.Context, text string) {
	if s.writeStmt(text) != nil || s.updates.n.Load() >= maxUpdateStmts {
		return
	}
	st, err := s.w.PrepareContext(ctx, text)
	if err != nil {
		return // the next transaction prepares it again
	}
	if _, loaded := s.updates.m.LoadOrStore(text, st); loaded {
		st.Close()
		return
	}
	s.updates.n.Add(1)
}

// updateSQL is the UPDATE of users setting the columns of userColumnsByAttr
// whose bit is set in changed, and doc, at a version.
func updateSQL(changed uint64, pg bool) string {
	var b strings.Builder
	b.WriteString("UPDATE users SET ")
	for i, c := range userColumnsByAttr {
		if changed&(1<<i) != 0 {
			b.WriteString(c.name)
			b.WriteString(" = ?, ")
		}
	}
	if pg {
		b.WriteString("doc = ?::jsonb")
	} else {
		b.WriteString("doc = ?")
	}
	b.WriteString(" WHERE company = ? AND id = ? AND version = ?")
	return b.String()
}

// txWriter runs the statements of one write transaction: those prepared
// when the store started, bound to the transaction, and any other prepared
// once per transaction (bulk loads repeat them for every user).
type txWriter struct {
	ctx   context.Context
	tx    *sql.Tx
	s     *Store
	stmts map[string]*sql.Stmt
	run   context.Context // see runCtx
}

// runCtx is the context w's statements run with. In a transaction of the
// group commit, a write's statements run to their end once the write has
// started (runGroup checks its context first, and a write is a few
// statements): with a cancellable context, modernc's driver starts a
// goroutine to watch it for every statement, in the writer's time, which
// every other write waits for. A Batch's statements stay cancellable.
func (w *txWriter) runCtx() context.Context {
	if w.run == nil {
		w.run = w.ctx
		if w.s.group != nil && w.tx != w.s.btx {
			w.run = context.WithoutCancel(w.ctx)
		}
	}
	return w.run
}

// stmt returns query's statement in the transaction.
func (w *txWriter) stmt(query string) (*sql.Stmt, error) {
	if w.s.bstmts != nil && w.tx == w.s.btx {
		return w.s.batchStmt(w.ctx, w.s.q(query))
	}
	if st := w.stmts[query]; st != nil {
		return st, nil
	}
	var st *sql.Stmt
	text := w.s.q(query)
	if ws := w.s.writeStmt(text); ws != nil {
		st = w.tx.StmtContext(w.runCtx(), ws)
	} else {
		var err error
		if st, err = w.tx.PrepareContext(w.runCtx(), text); err != nil {
			return nil, err
		}
	}
	if w.stmts == nil {
		w.stmts = make(map[string]*sql.Stmt)
	}
	w.stmts[query] = st
	return st, nil
}

func (w *txWriter) exec(query string, args ...any) error {
	_, err := w.result(query, args...)
	return err
}

func (w *txWriter) result(query string, args ...any) (sql.Result, error) {
	st, err := w.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(w.runCtx(), args...)
}

// scan runs a query of one row and scans it into dest.
func (w *txWriter) scan(query string, args []any, dest ...any) error {
	st, err := w.stmt(query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(w.runCtx(), args...).Scan(dest...)
}

func (w *txWriter) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}
