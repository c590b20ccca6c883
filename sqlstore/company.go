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

// CreateCompany implements scim.CompanyStore.
func (s *Store) CreateCompany(ctx context.Context, c *scim.Company) error {
	attrs, err := json.Marshal(c.Attributes)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, s.q(`INSERT INTO companies (id, name, attributes, created) VALUES (?, ?, `+s.jsonParam()+`, ?)`),
		c.ID, c.Name, string(attrs), fmtTime(c.Created))
	if s.isUnique(err) {
		return scim.ConflictError("company", c.ID)
	}
	return err
}

// GetCompany implements scim.CompanyStore.
func (s *Store) GetCompany(ctx context.Context, id string) (*scim.Company, error) {
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
	attrs, err := json.Marshal(c.Attributes)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, s.q(`UPDATE companies SET name = ?, attributes = `+s.jsonParam()+` WHERE id = ?`), c.Name, string(attrs), c.ID)
	if err != nil {
		return err
	}
	return affectedOne(res)
}

// CreateToken implements scim.CompanyStore; only the hash is stored.
func (s *Store) CreateToken(ctx context.Context, t *scim.Token) error {
	_, err := s.exec(ctx, s.q(`INSERT INTO tokens (id, company, hash, label, created, last_used, expires) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		t.ID, t.Company, t.Hash[:], t.Label, fmtTime(t.Created), optTime(t.LastUsed), optTime(t.Expires))
	if s.isUnique(err) {
		return scim.ConflictError("token", t.ID)
	}
	return err
}

// TokenByHash implements scim.CompanyStore.
func (s *Store) TokenByHash(ctx context.Context, hash [32]byte) (*scim.Token, error) {
	rows, err := s.query(ctx, s.q(`SELECT id, company, hash, label, created, last_used, expires FROM tokens WHERE hash = ?`), hash[:])
	if err != nil {
		return nil, err
	}
	ts, err := scanTokens(rows)
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
	rows, err := s.query(ctx, s.q(`SELECT id, company, hash, label, created, last_used, expires FROM tokens WHERE company = ? ORDER BY created, id`), company)
	if err != nil {
		return nil, err
	}
	return scanTokens(rows)
}

func scanTokens(rows *sql.Rows) ([]*scim.Token, error) {
	defer rows.Close()
	var out []*scim.Token
	for rows.Next() {
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
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteToken implements scim.CompanyStore.
func (s *Store) DeleteToken(ctx context.Context, company, id string) error {
	res, err := s.exec(ctx, s.q(`DELETE FROM tokens WHERE company = ? AND id = ?`), company, id)
	if err != nil {
		return err
	}
	return affectedOne(res)
}

// TouchToken implements scim.CompanyStore.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.exec(ctx, s.q(`UPDATE tokens SET last_used = ? WHERE id = ?`), fmtTime(at), id)
	if err != nil {
		return err
	}
	return affectedOne(res)
}

// ListCompanies implements scim.CompanyStore.
func (s *Store) ListCompanies(ctx context.Context) ([]*scim.Company, error) {
	rows, err := s.query(ctx, s.q(`SELECT id, name, attributes, created FROM companies ORDER BY id`))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*scim.Company
	for rows.Next() {
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
		out = append(out, c)
	}
	return out, rows.Err()
}

// companyTables are the tables holding a company's data, children first;
// DeleteCompany empties them of the company in one transaction.
var companyTables = []string{"user_values", "user_custom", "user_activations", "users", "tokens", "user_changes", "group_members", "scim_groups"}

// DeleteCompany implements scim.CompanyStore.
func (s *Store) DeleteCompany(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM companies WHERE id = ?`), id)
		if err != nil {
			return err
		}
		if err := affectedOne(res); err != nil {
			return err
		}
		for _, table := range companyTables {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM `+table+` WHERE company = ?`), id); err != nil {
				return err
			}
		}
		return s.bumpVersion(ctx, tx, id)
	})
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
