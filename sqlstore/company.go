package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/scimkit/scim"
)

func (s *Store) isUnique(err error) bool {
	_, ok := s.dialect.UniqueViolation(err)
	return ok
}

func (s *Store) jsonParam() string {
	if s.d == postgres {
		return "?::jsonb"
	}
	return "?"
}

// CreateCompany implements scim.CompanyStore. On the id of an erased
// company it first deletes what is left of it (a token or rate usage
// recorded during the erasure), then clears the tombstone.
func (s *Store) CreateCompany(ctx context.Context, c *scim.Company) error {
	attrs, err := json.Marshal(c.Attributes)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO companies (id, name, attributes, created) VALUES (?, ?, `+s.jsonParam()+`, ?)`),
			c.ID, c.Name, string(attrs), fmtTime(c.Created))
		if s.isUnique(err) {
			return scim.ConflictError("company", c.ID)
		}
		if err != nil {
			return err
		}
		var erased int64
		err = tx.QueryRowContext(ctx, s.q(`SELECT erased FROM company_versions WHERE company = ?`+s.forUpdate()), c.ID).Scan(&erased)
		if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
		if err != nil {
			return err
		}
		if erased != 0 {
			if err := s.deleteCompanyRows(ctx, tx, c.ID); err != nil {
				return err
			}
		}
		// Bumped, so that nothing cached of the old company is taken for
		// the new one's.
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO company_versions (company, version, erased) VALUES (?, 1, 0)
			ON CONFLICT (company) DO UPDATE SET version = company_versions.version + 1, erased = 0`), c.ID)
		if err != nil {
			return err
		}
		return s.changedCompany(ctx, tx, c.ID)
	})
}

// forUpdate is the row lock a company's re-creation takes on its counter
// row (PostgreSQL; SQLite has one writer).
func (s *Store) forUpdate() string {
	if s.d == postgres {
		return " FOR UPDATE"
	}
	return ""
}

// GetCompany implements scim.CompanyStore.
func (s *Store) GetCompany(ctx context.Context, id string) (*scim.Company, error) {
	v, err := s.getCompany(ctx, id)
	return v, s.fault(err)
}

func (s *Store) getCompany(ctx context.Context, id string) (*scim.Company, error) {
	c := &scim.Company{ID: id}
	var attrs []byte
	var created string
	err := s.queryRow(ctx, s.q(`SELECT name, attributes, created FROM companies WHERE id = ?`), id).Scan(&c.Name, &attrs, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, scim.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(attrs, &c.Attributes); err != nil {
		return nil, err
	}
	c.Created = parseTime(created)
	return c, nil
}

// UpdateCompany implements scim.CompanyStore.
func (s *Store) UpdateCompany(ctx context.Context, c *scim.Company) error {
	return s.fault(s.updateCompany(ctx, c))
}

func (s *Store) updateCompany(ctx context.Context, c *scim.Company) error {
	attrs, err := json.Marshal(c.Attributes)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE companies SET name = ?, attributes = `+s.jsonParam()+` WHERE id = ?`), c.Name, string(attrs), c.ID)
		if err != nil {
			return err
		}
		if err := affectedOne(res); err != nil {
			return err
		}
		return s.changedCompany(ctx, tx, c.ID)
	})
}

// CreateToken implements scim.CompanyStore; only the hash is stored.
func (s *Store) CreateToken(ctx context.Context, t *scim.Token) error {
	return s.fault(s.createToken(ctx, t))
}

func (s *Store) createToken(ctx context.Context, t *scim.Token) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO tokens (id, company, hash, label, created, last_used, expires) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			t.ID, t.Company, t.Hash[:], t.Label, fmtTime(t.Created), optTime(t.LastUsed), optTime(t.Expires))
		if s.isUnique(err) {
			return scim.ConflictError("token", t.ID)
		}
		if err != nil {
			return err
		}
		return s.changedCompany(ctx, tx, t.Company)
	})
}

// TokenByHash implements scim.CompanyStore.
func (s *Store) TokenByHash(ctx context.Context, hash [32]byte) (*scim.Token, error) {
	v, err := s.tokenByHash(ctx, hash)
	return v, s.fault(err)
}

func (s *Store) tokenByHash(ctx context.Context, hash [32]byte) (*scim.Token, error) {
	rows, err := s.query(ctx, s.q(`SELECT id, company, hash, label, created, last_used, expires FROM tokens WHERE hash = ?`), hash[:])
	if err != nil {
		return nil, err
	}
	ts, err := scanAll(rows, scanToken)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, scim.ErrNotFound
	}
	return ts[0], nil
}

// ListTokens implements scim.CompanyStore.
func (s *Store) ListTokens(ctx context.Context, company string) ([]*scim.Token, error) {
	v, err := s.listTokens(ctx, company)
	return v, s.fault(err)
}

func (s *Store) listTokens(ctx context.Context, company string) ([]*scim.Token, error) {
	rows, err := s.query(ctx, s.q(`SELECT id, company, hash, label, created, last_used, expires FROM tokens WHERE company = ? ORDER BY created, id`), company)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanToken)
}

func scanToken(rows *sql.Rows) (*scim.Token, error) {
	t := &scim.Token{}
	var hash []byte
	var created string
	var lastUsed, expires sql.NullString
	if err := rows.Scan(&t.ID, &t.Company, &hash, &t.Label, &created, &lastUsed, &expires); err != nil {
		return nil, err
	}
	copy(t.Hash[:], hash)
	t.Created = parseTime(created)
	if lastUsed.Valid {
		t.LastUsed = parseTime(lastUsed.String)
	}
	if expires.Valid {
		t.Expires = parseTime(expires.String)
	}
	return t, nil
}

// scanAll scans every row with scan and closes rows; nil when there are
// none.
func scanAll[T any](rows *sql.Rows, scan func(*sql.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// DeleteToken implements scim.CompanyStore.
func (s *Store) DeleteToken(ctx context.Context, company, id string) error {
	return s.fault(s.deleteToken(ctx, company, id))
}

func (s *Store) deleteToken(ctx context.Context, company, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE company = ? AND id = ?`), company, id)
		if err != nil {
			return err
		}
		if err := affectedOne(res); err != nil {
			return err
		}
		return s.changedCompany(ctx, tx, company)
	})
}

// TouchToken implements scim.CompanyStore.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	return s.fault(s.touchToken(ctx, id, at))
}

func (s *Store) touchToken(ctx context.Context, id string, at time.Time) error {
	query := s.q(`UPDATE tokens SET last_used = ? WHERE id = ?`)
	if s.group == nil {
		res, err := s.exec(ctx, query, fmtTime(at), id)
		if err != nil {
			return err
		}
		return affectedOne(res)
	}
	// Through the group commit, saying it changed no user: the user cache
	// keeps every user past it. A commit that says nothing empties the
	// cache, and every token in use is touched once a minute.
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, fmtTime(at), id)
		if err != nil {
			return err
		}
		if err := affectedOne(res); err != nil {
			return err
		}
		s.declareNoUsers(tx)
		return nil
	})
}

// ListCompanies implements scim.CompanyStore.
func (s *Store) ListCompanies(ctx context.Context) ([]*scim.Company, error) {
	v, err := s.listCompanies(ctx)
	return v, s.fault(err)
}

func (s *Store) listCompanies(ctx context.Context) ([]*scim.Company, error) {
	rows, err := s.query(ctx, s.q(`SELECT id, name, attributes, created FROM companies ORDER BY id`))
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(rows *sql.Rows) (*scim.Company, error) {
		c := &scim.Company{}
		var attrs []byte
		var created string
		if err := rows.Scan(&c.ID, &c.Name, &attrs, &created); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(attrs, &c.Attributes); err != nil {
			return nil, err
		}
		c.Created = parseTime(created)
		return c, nil
	})
}

// companyTables are the tables holding a company's data, children first;
// DeleteCompany empties them of the company in one transaction. (On
// PostgreSQL rate_usage too, see deleteCompanyRows; company_versions keeps
// the company's row, its tombstone.)
var companyTables = []string{"user_values", "user_custom", "user_activations", "users", "tokens", "user_changes", "group_members", "scim_groups"}

// DeleteCompany implements scim.CompanyStore, in two transactions. The
// first sets the company's tombstone on its counter row: it waits only for
// the writes that have already taken that row (the last thing a write
// does, see recordChanges and guarded), which commit before it; every
// other write, in flight or to come, finds the tombstone when it takes the
// row and rolls back with scim.ErrErased. The second deletes the company's
// rows: everything committed before the tombstone, and nothing can commit
// after it. (One transaction would hold the counter row while deleting
// users that a write in flight holds and waits on the counter with: a
// deadlock.) If the second fails, the company stays, tombstoned, and
// Delete may be called again.
func (s *Store) DeleteCompany(ctx context.Context, id string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM companies WHERE id = ?`), id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return scim.ErrNotFound
		}
		// Bumped too, so that cached totals of the company are not reused.
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO company_versions (company, version, erased) VALUES (?, 1, 1)
			ON CONFLICT (company) DO UPDATE SET version = company_versions.version + 1, erased = 1`), id)
		if err != nil {
			return err
		}
		return s.changedCompany(ctx, tx, id)
	})
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM companies WHERE id = ?`), id)
		if err != nil {
			return err
		}
		if err := affectedOne(res); err != nil {
			return err // a concurrent Delete won
		}
		if err := s.deleteCompanyRows(ctx, tx, id); err != nil {
			return err
		}
		// Numbered again: a cache that read the company or its tokens
		// between the two transactions drops them.
		return s.changedCompany(ctx, tx, id)
	})
}

// changedCompany numbers a change of the company or of its tokens
// (scim.CompanyChangeStore), as the last statement of the change's
// transaction: the generation's row lock (PostgreSQL) is then held only
// until the commit, so changes commit in the order of their numbers and no
// transaction holding it waits on another lock.
func (s *Store) changedCompany(ctx context.Context, tx *sql.Tx, id string) error {
	var gen int64
	if err := tx.QueryRowContext(ctx, `UPDATE cache_generation SET generation = generation + 1 WHERE id = 1 RETURNING generation`).Scan(&gen); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO company_generations (company, generation) VALUES (?, ?)
		ON CONFLICT (company) DO UPDATE SET generation = excluded.generation`), id, gen)
	return err
}

// CompanyChanges implements scim.CompanyChangeStore, in one statement (one
// snapshot): the current generation and the companies changed after
// since, through the index on company_generations (generation).
func (s *Store) CompanyChanges(ctx context.Context, since int64) (int64, []string, error) {
	gen, changed, err := s.companyChanges(ctx, since)
	return gen, changed, s.fault(err)
}

func (s *Store) companyChanges(ctx context.Context, since int64) (int64, []string, error) {
	if since <= 0 {
		// The caller drops everything it holds: the list is not needed.
		var gen int64
		err := s.queryRow(ctx, `SELECT generation FROM cache_generation WHERE id = 1`).Scan(&gen)
		return gen, nil, err
	}
	rows, err := s.query(ctx, s.q(`SELECT g.generation, c.company FROM cache_generation g
		LEFT JOIN company_generations c ON c.generation > ? WHERE g.id = 1`), since)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var gen int64
	var changed []string
	for rows.Next() {
		var company sql.NullString
		if err := rows.Scan(&gen, &company); err != nil {
			return 0, nil, err
		}
		if company.Valid {
			changed = append(changed, company.String)
		}
	}
	return gen, changed, rows.Err()
}

// deleteCompanyRows deletes the company's rows from every table but
// companies and company_versions.
func (s *Store) deleteCompanyRows(ctx context.Context, tx *sql.Tx, id string) error {
	tables := companyTables
	if s.d == postgres {
		tables = append(tables[:len(tables):len(tables)], "rate_usage")
	}
	for _, table := range tables {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM `+table+` WHERE company = ?`), id); err != nil {
			return err
		}
	}
	return nil
}

// optTime renders a time that may be zero (absent) for a nullable column.
func optTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}

// affectedOne maps a statement that changed no row to scim.ErrNotFound.
func affectedOne(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return scim.ErrNotFound
	}
	return nil
}
