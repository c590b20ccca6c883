package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"maps"
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
	// The rows are built before the transaction: on SQLite the writer
	// runs one transaction at a time, and it need not wait for encoding.
	rows := make([][]any, len(users))
	for i, u := range users {
		doc, err := encodeDoc(u)
		if err != nil {
			return err
		}
		rows[i] = append([]any{tenant, u.ID}, s.userValues(u, doc)...)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		w := &txWriter{ctx: ctx, tx: tx, s: s}
		defer w.close()
		cs := make([]change, 0, len(users))
		for i, u := range users {
			if err := w.exec(s.wsql.insertUser, rows[i]...); err != nil {
				return s.conflict(err, u)
			}
			if err := w.children(tenant, u); err != nil {
				return err
			}
			if err := w.exec(sqlFirstActivation, tenant, u.ID, fmtTime(u.Meta.Created), boolInt(u.Active)); err != nil {
				return err
			}
			cs = append(cs, change{scim.EventCreated, u.ID, u.Meta.Created})
		}
		if err := s.recordChanges(ctx, w, tenant, cs...); err != nil {
			return err
		}
		if s.follow {
			gone := make([]userEffect, len(users)) // none was there to cache
			for i, u := range users {
				gone[i] = userEffect{tenant: tenant, id: u.ID}
			}
			s.group.declare(tx, gone...)
		}
		return nil
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

// children inserts the rows of user_values and user_custom.
func (w *txWriter) children(tenant string, u *scim.User) error {
	for _, m := range multiAttrs {
		for i, v := range m.values(u) {
			if err := w.exec(sqlInsertValue, tenant, u.ID, m.name, i, v.Value, fold(v.Value), fold(v.Display), fold(v.Type), boolInt(v.Primary)); err != nil {
				return err
			}
		}
	}
	for name, v := range u.Custom {
		if err := w.exec(sqlInsertCustom, tenant, u.ID, name, v, fold(v), customNum(v)); err != nil {
			return err
		}
	}
	return nil
}

func (w *txWriter) deleteChildren(tenant, id string, history bool) error {
	queries := []string{sqlDeleteValues, sqlDeleteCustom}
	if history {
		queries = append(queries, sqlDeleteActivations)
	}
	for _, q := range queries {
		if err := w.exec(q, tenant, id); err != nil {
			return err
		}
	}
	return nil
}

// GetUser implements scim.Store.
func (s *Store) GetUser(ctx context.Context, tenant, id string) (*scim.User, error) {
	return s.getUser(ctx, tenant, id, false)
}

// ViewUser implements scim.UserViewer: a user from the user cache is lent
// without the copy GetUser makes, a user read from the database is the
// caller's anyway.
func (s *Store) ViewUser(ctx context.Context, tenant, id string) (*scim.User, error) {
	return s.getUser(ctx, tenant, id, true)
}

// ViewUsers implements scim.UserViewer. Every listed user is decoded for
// the call, so it is ListUsers.
func (s *Store) ViewUsers(ctx context.Context, tenant string, q *scim.Query) (*scim.Page, error) {
	return s.ListUsers(ctx, tenant, q)
}

// ListUsers implements scim.Store (list.go's listUsers), with the
// driver's errors classified (fault).
func (s *Store) ListUsers(ctx context.Context, tenant string, q *scim.Query) (*scim.Page, error) {
	p, err := s.listUsers(ctx, tenant, q)
	return p, s.fault(err)
}

func (s *Store) getUser(ctx context.Context, tenant, id string, lend bool) (_ *scim.User, err error) {
	defer func() { err = s.fault(err) }()
	// The user cache (usercache.go), outside a batch, whose transaction
	// may hold uncommitted writes.
	var version int64
	var gen uint64
	cache := s.users != nil && s.btx == nil
	follow := cache && s.follow
	switch {
	case follow:
		// The cache follows the wal-index header (usercache.go).
		h, ok := s.totals.wal.header()
		cache = false
		if ok {
			var u *scim.User
			var hit bool
			if u, hit, gen, cache = s.users.lookupAt(tenant, id, h, lend); hit {
				return u, nil
			}
		}
	case cache:
		version, cache = s.totals.version(ctx, tenant)
		if u, hit := s.users.get(tenant, id, version, lend); cache && hit {
			return u, nil
		}
	}
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
	u, err := decodeDoc(doc)
	switch {
	case err != nil || !cache:
	case follow:
		s.users.putAt(tenant, u, gen)
	default:
		s.users.put(tenant, u, version)
	}
	return u, err
}

// UpdateUser implements scim.Store: a compare-and-swap on the version
// column inside a transaction that also rewrites the child rows and
// records an activation when Active changes.
//
// It writes only what the update changed: the columns whose values differ
// from those of the stored document (read under the row's lock) and the
// child rows only if they differ. Every column of users set by an UPDATE
// costs its index a delete and an insert, and every page those touch is
// written to the log at commit: a PATCH of one attribute that rewrote all
// of them (users has ten indexes, user_values and user_custom five more)
// wrote several times the pages it needed. The columns and child rows are
// derived from the document by every write (userValues, children), so the
// stored document tells what they hold.
func (s *Store) UpdateUser(ctx context.Context, tenant string, u *scim.User, version string) error {
	doc, err := encodeDoc(u)
	if err != nil {
		return err
	}
	vals := s.userValues(u, doc)
	stored := s.storedUser(doc)
	// The UPDATE for the user the cache holds now, worked out before the
	// transaction; used if the transaction finds that same user.
	pre, preQuery, preArgs := s.updateFromCache(tenant, u.ID, version, vals)
	var prepare string // an UPDATE to prepare for later transactions
	err = s.tx(ctx, func(tx *sql.Tx) error {
		w := &txWriter{ctx: ctx, tx: tx, s: s}
		defer w.close()
		// The stored user: the user cache's when it holds the user at
		// version as the database is now (the store's own writes keep
		// it), which the UPDATE's compare-and-swap then confirms; else
		// read under the write lock.
		old, cached := s.storedForWrite(tx, tenant, u.ID, version)
		wasActive := cached && old.Active
		if !cached {
			var err error
			if old, wasActive, err = w.lockedUser(s, tenant, u.ID, version); err != nil {
				return err
			}
		}
		query, args := s.wsql.updateUser, append(vals, tenant, u.ID, version)
		switch {
		case cached && old == pre:
			query, args = preQuery, preArgs
		case old != nil && len(userColumnsByAttr) < 64: // a bit each
			query, args = s.changedColumns(old, vals, tenant, u.ID, version)
		}
		if query != s.wsql.updateUser && s.writeStmt(s.q(query)) == nil {
			prepare = query
		}
		res, err := w.result(query, args...)
		if err != nil {
			return s.conflict(err, u)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			if cached {
				// Not expected, the cache having held the user at
				// version: the locked read says what changed.
				if _, _, err := w.lockedUser(s, tenant, u.ID, version); err != nil {
					return err
				}
			}
			return scim.ErrVersionMismatch
		}
		if old == nil || !sameChildren(old, u) {
			if err := w.deleteChildren(tenant, u.ID, false); err != nil {
				return err
			}
			if err := w.children(tenant, u); err != nil {
				return err
			}
		}
		if wasActive != u.Active {
			if err := w.exec(sqlNextActivation, tenant, u.ID, fmtTime(u.Meta.LastModified), boolInt(u.Active), tenant, u.ID); err != nil {
				return err
			}
		}
		if err := s.recordChanges(ctx, w, tenant, change{updateKind(wasActive, u.Active), u.ID, u.Meta.LastModified}); err != nil {
			return err
		}
		s.declareStored(tx, tenant, u.ID, stored)
		return nil
	})
	if prepare != "" && s.btx == nil {
		// Outside the transaction, whose connection is the writer's
		// only one on SQLite.
		s.prepareUpdate(ctx, s.q(prepare))
	}
	return err
}

// lockedUser reads the stored user id of tenant in the writer's
// transaction, failing with ErrNotFound or, when it is not at version,
// ErrVersionMismatch. old is nil for a document that does not decode
// (never written by this store), which is then rewritten whole.
func (w *txWriter) lockedUser(s *Store, tenant, id, version string) (old *scim.User, active bool, err error) {
	if s.group != nil {
		s.group.lockedReads.Add(1)
	}
	var stored, storedDoc string
	var n int
	err = w.scan(s.wsql.lockUser, []any{tenant, id}, &stored, &n, &storedDoc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, scim.ErrNotFound
	}
	if err != nil {
		return nil, false, err
	}
	if stored != version {
		return nil, false, scim.ErrVersionMismatch
	}
	if old, err = decodeDoc(storedDoc); err != nil {
		old = nil
	}
	return old, n == 1, nil
}

// updateFromCache returns the user the cache holds for id of tenant at
// version, if it does, and the UPDATE of the columns of vals that differ
// from it (changedColumns).
func (s *Store) updateFromCache(tenant, id, version string, vals []any) (*scim.User, string, []any) {
	if !s.follow || len(userColumnsByAttr) >= 64 {
		return nil, "", nil
	}
	old, ok := s.cachedStored(tenant, id, version)
	if !ok {
		return nil, "", nil
	}
	query, args := s.changedColumns(old, vals, tenant, id, version)
	return old, query, args
}

// storedForWrite returns the user the cache holds for id of tenant at
// version, for the write running in tx, when that is the database's
// user: the cache follows the wal-index, whose header (read under the
// write lock, which tx holds from BEGIN) is the one the cache is at, and
// no write before this one in tx may have changed the user.
func (s *Store) storedForWrite(tx *sql.Tx, tenant, id, version string) (*scim.User, bool) {
	if !s.follow || !s.group.untouched(tx, tenant, id) {
		return nil, false
	}
	return s.cachedStored(tenant, id, version)
}

// cachedStored returns the user the cache holds for id of tenant at
// version, if it holds it as the database is now (the wal-index header).
func (s *Store) cachedStored(tenant, id, version string) (*scim.User, bool) {
	h, ok := s.totals.wal.header()
	if !ok {
		return nil, false
	}
	return s.users.storedAt(tenant, id, h, version)
}

// changedColumns returns the UPDATE of the columns of users whose values,
// vals (userValues, doc last), differ from old's, and its arguments.
func (s *Store) changedColumns(old *scim.User, vals []any, tenant, id, version string) (string, []any) {
	was := s.userValues(old, nil)
	var changed uint64
	args := make([]any, 0, 8)
	for i := range userColumnsByAttr {
		if !sameValue(was[i], vals[i]) {
			changed |= 1 << i
			args = append(args, vals[i])
		}
	}
	args = append(args, vals[len(vals)-1], tenant, id, version)
	if changed == 1<<len(userColumnsByAttr)-1 {
		return s.wsql.updateUser, args
	}
	return updateSQL(changed, s.d == postgres), args
}

// sameValue compares two values of userValues: strings, ints or nil.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case string:
		b, ok := b.(string)
		return ok && a == b
	case int:
		b, ok := b.(int)
		return ok && a == b
	case nil:
		return b == nil
	}
	return false
}

// sameChildren reports whether the rows of user_values and user_custom
// (children) would be the same for a and b.
func sameChildren(a, b *scim.User) bool {
	for _, m := range multiAttrs {
		x, y := m.values(a), m.values(b)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i].Value != y[i].Value || x[i].Display != y[i].Display || x[i].Type != y[i].Type || x[i].Primary != y[i].Primary {
				return false
			}
		}
	}
	return maps.Equal(a.Custom, b.Custom)
}

// DeleteUser implements scim.Store; it destroys the activation history too.
// With a version, the DELETE's own WHERE compares it, so that no update
// can slip in between the check and the delete.
func (s *Store) DeleteUser(ctx context.Context, tenant, id, version string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		w := &txWriter{ctx: ctx, tx: tx, s: s}
		defer w.close()
		var res sql.Result
		var err error
		if version == "" {
			res, err = w.result(sqlDeleteUser, tenant, id)
		} else {
			res, err = w.result(sqlDeleteUserVersion, tenant, id, version)
		}
		if err != nil {
			return err
		}
		if err := affectedOne(res); err != nil {
			if version != "" && errors.Is(err, scim.ErrNotFound) {
				// Gone, or at another version?
				var n int
				if err := w.scan(sqlUserExists, []any{tenant, id}, &n); err != nil {
					return err
				}
				if n > 0 {
					return scim.ErrVersionMismatch
				}
			}
			return err
		}
		if err := w.deleteChildren(tenant, id, true); err != nil {
			return err
		}
		if err := s.forgetMember(ctx, tx, tenant, id); err != nil { // groups.go: no group keeps a deleted user
			return err
		}
		if err := s.recordChanges(ctx, w, tenant, change{scim.EventDeleted, id, time.Now()}); err != nil {
			return err
		}
		if s.follow {
			s.group.declare(tx, userEffect{tenant: tenant, id: id})
		}
		return nil
	})
}

// storedUser is the user stored as doc, as GetUser would read it, for a
// cache following the wal-index (else nil, as when doc does not decode).
// It is decoded before the write's transaction: on SQLite, time in the
// transaction is time every other write waits.
func (s *Store) storedUser(doc []byte) *scim.User {
	if !s.follow {
		return nil
	}
	u, err := decodeDoc(string(doc))
	if err != nil {
		return nil
	}
	return u
}

// declareStored declares, to a cache following the wal-index, that the
// user id of tenant is now stored as u (storedUser): the cache then holds
// it (or forgets it, for nil).
func (s *Store) declareStored(tx *sql.Tx, tenant, id string, u *scim.User) {
	if s.follow {
		s.group.declare(tx, userEffect{tenant, id, u})
	}
}

// declareNoUsers declares, to a cache following the wal-index, that the
// running write of tx changed no user.
func (s *Store) declareNoUsers(tx *sql.Tx) {
	if s.follow {
		s.group.declare(tx)
	}
}
