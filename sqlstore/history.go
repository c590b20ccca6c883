package sqlstore

import (
	"context"
	"time"

	"github.com/scimkit/scim"
)

// Activations implements scim.HistoryStore.
func (s *Store) Activations(ctx context.Context, tenant, id string) ([]scim.Activation, error) {
	rows, err := s.query(ctx, s.q(`SELECT at, active FROM user_activations WHERE company = ? AND user_id = ? ORDER BY n`), tenant, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []scim.Activation
	for rows.Next() {
		var at string
		var active int
		if err := rows.Scan(&at, &active); err != nil {
			return nil, err
		}
		out = append(out, scim.Activation{Time: parseTime(at), Active: active == 1})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, scim.ErrNotFound
	}
	return out, nil
}

// ActiveAt implements scim.HistoryStore: a user was active at t when its
// last activation at or before t says so (scim.ActiveIn).
func (s *Store) ActiveAt(ctx context.Context, tenant string, t time.Time) ([]string, error) {
	at := fmtTime(t)
	rows, err := s.query(ctx, s.q(`SELECT a.user_id FROM user_activations a
		WHERE a.company = ? AND a.at <= ? AND a.active = 1
		AND NOT EXISTS (SELECT 1 FROM user_activations b
			WHERE b.company = a.company AND b.user_id = a.user_id AND b.n > a.n AND b.at <= ?)
		ORDER BY a.user_id`), tenant, at, at)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
