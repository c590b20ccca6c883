package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim"
)

// CreateUser implements scim.Store.
func (s *Store) CreateUser(ctx context.Context, tenant string, u *scim.User) error {
	return s.CreateUsers(ctx, tenant, []*scim.User{u})
}

// CreateUsers creates several users in one transaction: all or none. It is
// the fast way to load many users (one commit, one fsync).
func (s *Store) CreateUsers(ctx context.Context, tenant string, users []*scim.User) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		n := strings.Count(userColumns, ",") + 3 // company, id and the columns
		ins := s.q(`INSERT INTO users (company, id, ` + userColumns + `) VALUES (` + strings.Repeat("?, ", n-1) + `?)`)
		if s.d == postgres {
			last := "$" + strconv.Itoa(n) + ")"
			ins = strings.Replace(ins, last, "$"+strconv.Itoa(n)+"::jsonb)", 1)
		}
		stmt, err := tx.PrepareContext(ctx, ins)
		if err != nil {
			return err
		}
		defer stmt.Close()
		w := &txWriter{ctx: ctx, tx: tx, s: s}
		defer w.close()
		cs := make([]change, 0, len(users))
		for _, u := range users {
			doc, err := encodeDoc(u)
			if err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, append([]any{tenant, u.ID}, s.userValues(u, doc)...)...); err != nil {
				return s.conflict(err, u)
			}
			if err := w.children(tenant, u); err != nil {
				return err
			}
			if err := w.exec(`INSERT INTO user_activations (company, user_id, n, at, active) VALUES (?, ?, 0, ?, ?)`,
				tenant, u.ID, fmtTime(u.Meta.Created), boolInt(u.Active)); err != nil {
				return err
			}
			cs = append(cs, change{scim.EventCreated, u.ID, u.Meta.Created})
		}
		return s.recordChanges(ctx, w, tenant, cs...)
	})
}

// conflict maps the violation of a unique index to scim.ConflictError
// naming the attribute, by the index the database names: the attributes
// the model declares unique (uniqueColumns), else id.
func (s *Store) conflict(err error, u *scim.User) error {
	index, ok := s.dialect.UniqueViolation(err)
	if !ok {
		return err
	}
	for _, c := range uniqueColumns {
		if strings.Contains(index, strings.TrimSuffix(c.name, "_f")) {
			v, _ := c.attr.Value(u)
			s, _ := v.(string)
			return scim.ConflictError(c.attr.Name, s)
		}
	}
	return scim.ConflictError("id", u.ID)
}

// txWriter runs the statements of one write transaction, preparing each
// once: bulk loads repeat them for every user.
type txWriter struct {
	ctx   context.Context
	tx    *sql.Tx
	s     *Store
	stmts map[string]*sql.Stmt
}

func (w *txWriter) exec(query string, args ...any) error {
	if w.s.bstmts != nil && w.tx == w.s.btx {
		st, err := w.s.batchStmt(w.ctx, w.s.q(query))
		if err != nil {
			return err
		}
		_, err = st.ExecContext(w.ctx, args...)
		return err
	}
	st := w.stmts[query]
	if st == nil {
		var err error
		if st, err = w.tx.PrepareContext(w.ctx, w.s.q(query)); err != nil {
			return err
		}
		if w.stmts == nil {
			w.stmts = make(map[string]*sql.Stmt)
		}
		w.stmts[query] = st
	}
	_, err := st.ExecContext(w.ctx, args...)
	return err
}

func (w *txWriter) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

// children inserts the rows of user_values and user_custom.
func (w *txWriter) children(tenant string, u *scim.User) error {
	for _, m := range multiAttrs {
		for i, v := range m.values(u) {
			if err := w.exec(`INSERT INTO user_values (company, user_id, attr, idx, value, value_f, display_f, type_f, is_primary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				tenant, u.ID, m.name, i, v.Value, fold(v.Value), fold(v.Display), fold(v.Type), boolInt(v.Primary)); err != nil {
				return err
			}
		}
	}
	for name, v := range u.Custom {
		if err := w.exec(`INSERT INTO user_custom (company, user_id, name, value, value_f, num) VALUES (?, ?, ?, ?, ?, ?)`,
			tenant, u.ID, name, v, fold(v), customNum(v)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) deleteChildren(ctx context.Context, tx *sql.Tx, tenant, id string, history bool) error {
	tables := []string{"user_values", "user_custom"}
	if history {
		tables = append(tables, "user_activations")
	}
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM `+t+` WHERE company = ? AND user_id = ?`), tenant, id); err != nil {
			return err
		}
	}
	return nil
}

// GetUser implements scim.Store.
func (s *Store) GetUser(ctx context.Context, tenant, id string) (*scim.User, error) {
	var doc string
	st, release, err := s.stmt(ctx, s.q(`SELECT doc FROM users WHERE company = ? AND id = ?`))
	if err != nil {
		return nil, err
	}
	defer release()
	err = st.QueryRowContext(ctx, tenant, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, scim.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return decodeDoc(doc)
}

// UpdateUser implements scim.Store: a compare-and-swap on the version
// column inside a transaction that also rewrites the child rows and
// records an activation when Active changes.
func (s *Store) UpdateUser(ctx context.Context, tenant string, u *scim.User, version string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		lock := ""
		if s.d == postgres {
			lock = " FOR UPDATE"
		}
		var stored string
		var active int
		err := tx.QueryRowContext(ctx, s.q(`SELECT version, active FROM users WHERE company = ? AND id = ?`+lock), tenant, u.ID).Scan(&stored, &active)
		if errors.Is(err, sql.ErrNoRows) {
			return scim.ErrNotFound
		}
		if err != nil {
			return err
		}
		if stored != version {
			return scim.ErrVersionMismatch
		}
		doc, err := encodeDoc(u)
		if err != nil {
			return err
		}
		set := strings.ReplaceAll(userColumns, ",", " = ?,") + " = ?"
		if s.d == postgres {
			set = strings.Replace(set, "doc = ?", "doc = ?::jsonb", 1)
		}
		args := append(s.userValues(u, doc), tenant, u.ID, version)
		res, err := tx.ExecContext(ctx, s.q(`UPDATE users SET `+set+` WHERE company = ? AND id = ? AND version = ?`), args...)
		if err != nil {
			return s.conflict(err, u)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return scim.ErrVersionMismatch
		}
		if err := s.deleteChildren(ctx, tx, tenant, u.ID, false); err != nil {
			return err
		}
		w := &txWriter{ctx: ctx, tx: tx, s: s}
		defer w.close()
		if err := w.children(tenant, u); err != nil {
			return err
		}
		if (active == 1) != u.Active {
			_, err = tx.ExecContext(ctx, s.q(`INSERT INTO user_activations (company, user_id, n, at, active)
				SELECT ?, ?, COALESCE(MAX(n), -1) + 1, ?, ? FROM user_activations WHERE company = ? AND user_id = ?`),
				tenant, u.ID, fmtTime(u.Meta.LastModified), boolInt(u.Active), tenant, u.ID)
			if err != nil {
				return err
			}
		}
		return s.recordChanges(ctx, w, tenant, change{updateKind(active == 1, u.Active), u.ID, u.Meta.LastModified})
	})
}

// DeleteUser implements scim.Store; it destroys the activation history too.
// With a version, the DELETE's own WHERE compares it, so that no update
// can slip in between the check and the delete.
func (s *Store) DeleteUser(ctx context.Context, tenant, id, version string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if version == "" {
			res, err = tx.ExecContext(ctx, s.q(`DELETE FROM users WHERE company = ? AND id = ?`), tenant, id)
		} else {
			res, err = tx.ExecContext(ctx, s.q(`DELETE FROM users WHERE company = ? AND id = ? AND version = ?`), tenant, id, version)
		}
		if err != nil {
			return err
		}
		if err := affectedOne(res); err != nil {
			if version != "" && errors.Is(err, scim.ErrNotFound) {
				// Gone, or at another version?
				var n int
				if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM users WHERE company = ? AND id = ?`), tenant, id).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					return scim.ErrVersionMismatch
				}
			}
			return err
		}
		if err := s.deleteChildren(ctx, tx, tenant, id, true); err != nil {
			return err
		}
		if err := s.forgetMember(ctx, tx, tenant, id); err != nil { // groups.go: no group keeps a deleted user
			return err
		}
		w := &txWriter{ctx: ctx, tx: tx, s: s}
		defer w.close()
		return s.recordChanges(ctx, w, tenant, change{scim.EventDeleted, id, time.Now()})
	})
}
