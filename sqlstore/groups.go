package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/scimkit/scim"
)

// The SQL store keeps groups in scim_groups and memberships in
// group_members, a row each keyed by (company, group, value): adding or
// removing a member is one indexed row whatever the group's size, and
// Members streams the rows in key order through one cursor.

var _ scim.GroupStore = (*Store)(nil)

const groupColumns = `id, external_id, display_name, created, last_modified, version`

func scanGroup(sc interface{ Scan(...any) error }) (*scim.Group, error) {
	g := &scim.Group{Meta: scim.Meta{ResourceType: "Group"}}
	var created, modified string
	if err := sc.Scan(&g.ID, &g.ExternalID, &g.DisplayName, &created, &modified, &g.Meta.Version); err != nil {
		return nil, err
	}
	g.Meta.Created, g.Meta.LastModified = parseTime(created), parseTime(modified)
	return g, nil
}

// CreateGroup implements scim.GroupStore.
func (s *Store) CreateGroup(ctx context.Context, tenant string, g *scim.Group) error {
	return s.tx(ctx, s.guarded(ctx, tenant, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO scim_groups (company, `+groupColumns+`, display_f) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			tenant, g.ID, g.ExternalID, g.DisplayName, fmtTime(g.Meta.Created), fmtTime(g.Meta.LastModified), g.Meta.Version, fold(g.DisplayName))
		if err != nil {
			if s.isUnique(err) {
				return scim.ConflictError("id", g.ID)
			}
			return err
		}
		return s.addMembers(ctx, tx, tenant, g.ID, g.Members)
	}))
}

// addMembers checks that each member is a user or group of the tenant and
// inserts its row unless it is there.
func (s *Store) addMembers(ctx context.Context, tx *sql.Tx, tenant, id string, ms []scim.Member) error {
	if len(ms) == 0 {
		return nil
	}
	w := &txWriter{ctx: ctx, tx: tx, s: s}
	defer w.close()
	isUser, err := tx.PrepareContext(ctx, s.q(`SELECT COUNT(*) FROM users WHERE company = ? AND id = ?`))
	if err != nil {
		return err
	}
	defer isUser.Close()
	isGroup, err := tx.PrepareContext(ctx, s.q(`SELECT COUNT(*) FROM scim_groups WHERE company = ? AND id = ?`))
	if err != nil {
		return err
	}
	defer isGroup.Close()
	for _, m := range ms {
		var n int
		if err := isUser.QueryRowContext(ctx, tenant, m.Value).Scan(&n); err != nil {
			return err
		}
		typ := scim.MemberUser
		if n == 0 {
			if err := isGroup.QueryRowContext(ctx, tenant, m.Value).Scan(&n); err != nil {
				return err
			}
			typ = scim.MemberGroup
		}
		if n == 0 {
			return scim.MemberError(m.Value)
		}
		if err := w.exec(`INSERT INTO group_members (company, group_id, value, type, display) VALUES (?, ?, ?, ?, ?) ON CONFLICT (company, group_id, value) DO NOTHING`,
			tenant, id, m.Value, typ, m.Display); err != nil {
			return err
		}
	}
	return nil
}

// GetGroup implements scim.GroupStore.
func (s *Store) GetGroup(ctx context.Context, tenant, id string) (*scim.Group, error) {
	g, err := scanGroup(s.queryRow(ctx, s.q(`SELECT `+groupColumns+` FROM scim_groups WHERE company = ? AND id = ?`), tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, scim.ErrNotFound
	}
	return g, err
}

// Members implements scim.GroupStore: one cursor over the group's rows in
// primary-key order, so memory does not grow with the group.
func (s *Store) Members(ctx context.Context, tenant, id string, yield func(scim.Member) error) error {
	var n int
	if err := s.queryRow(ctx, s.q(`SELECT COUNT(*) FROM scim_groups WHERE company = ? AND id = ?`), tenant, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return scim.ErrNotFound
	}
	rows, err := s.query(ctx, s.q(`SELECT value, type, display FROM group_members WHERE company = ? AND group_id = ? ORDER BY value`), tenant, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m scim.Member
		if err := rows.Scan(&m.Value, &m.Type, &m.Display); err != nil {
			return err
		}
		if err := yield(m); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ListGroups implements scim.GroupStore. An id, displayName or externalId
// equality narrows by index; a member test is one indexed row per
// candidate; the rest of the filter is evaluated in Go (GroupQuery.Matches).
func (s *Store) ListGroups(ctx context.Context, tenant string, q *scim.GroupQuery) (*scim.GroupPage, error) {
	where, args := `company = ?`, []any{tenant}
	if v, ok := q.EqualityValue("id"); ok {
		where, args = where+` AND id = ?`, append(args, v)
	} else if v, ok := q.EqualityValue("displayName"); ok {
		where, args = where+` AND display_f = ?`, append(args, fold(v))
	} else if v, ok := q.EqualityValue("externalId"); ok {
		where, args = where+` AND external_id = ?`, append(args, v)
	} else if vs := q.MemberValues(); len(vs) > 0 {
		where, args = where+` AND id IN (SELECT group_id FROM group_members WHERE company = ? AND value = ?)`, append(args, tenant, vs[0])
	}
	rows, err := s.query(ctx, s.q(`SELECT `+groupColumns+` FROM scim_groups WHERE `+where+` ORDER BY id`), args...)
	if err != nil {
		return nil, err
	}
	var candidates []*scim.Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		candidates = append(candidates, g)
		if s.maxScan > 0 && len(candidates) > s.maxScan {
			rows.Close()
			return nil, scim.ErrTooMany
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var matched []*scim.Group
	var failed error
	for _, g := range candidates {
		isMember := func(v string) bool {
			var n int
			if err := s.queryRow(ctx, s.q(`SELECT COUNT(*) FROM group_members WHERE company = ? AND group_id = ? AND value = ?`), tenant, g.ID, v).Scan(&n); err != nil && failed == nil {
				failed = err
			}
			return n > 0
		}
		if q.Matches(g, isMember) {
			matched = append(matched, g)
		}
	}
	if failed != nil {
		return nil, failed
	}
	if q.SortBy != "" || q.Descending {
		slices.SortStableFunc(matched, q.Compare)
	}
	page := &scim.GroupPage{Groups: []*scim.Group{}, Total: len(matched)}
	if start := q.StartIndex - 1; start < len(matched) {
		page.Groups = matched[start:min(len(matched), start+q.Count)]
	}
	return page, nil
}

// UpdateGroup implements scim.GroupStore: a compare-and-swap on the
// version, and the membership change, in one transaction.
func (s *Store) UpdateGroup(ctx context.Context, tenant string, g *scim.Group, version string, ch scim.MemberChange) error {
	return s.tx(ctx, s.guarded(ctx, tenant, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE scim_groups SET external_id = ?, display_name = ?, display_f = ?, last_modified = ?, version = ? WHERE company = ? AND id = ? AND version = ?`),
			g.ExternalID, g.DisplayName, fold(g.DisplayName), fmtTime(g.Meta.LastModified), g.Meta.Version, tenant, g.ID, version)
		if err != nil {
			return err
		}
		if err := affectedOne(res); err != nil {
			var n int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM scim_groups WHERE company = ? AND id = ?`), tenant, g.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return scim.ErrVersionMismatch
			}
			return scim.ErrNotFound
		}
		if ch.Replace {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM group_members WHERE company = ? AND group_id = ?`), tenant, g.ID); err != nil {
				return err
			}
		}
		w := &txWriter{ctx: ctx, tx: tx, s: s}
		defer w.close()
		for _, v := range ch.Remove {
			if err := w.exec(`DELETE FROM group_members WHERE company = ? AND group_id = ? AND value = ?`, tenant, g.ID, v); err != nil {
				return err
			}
		}
		return s.addMembers(ctx, tx, tenant, g.ID, ch.Add)
	}))
}

// DeleteGroup implements scim.GroupStore.
func (s *Store) DeleteGroup(ctx context.Context, tenant, id, version string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if version == "" {
			res, err = tx.ExecContext(ctx, s.q(`DELETE FROM scim_groups WHERE company = ? AND id = ?`), tenant, id)
		} else {
			res, err = tx.ExecContext(ctx, s.q(`DELETE FROM scim_groups WHERE company = ? AND id = ? AND version = ?`), tenant, id, version)
		}
		if err != nil {
			return err
		}
		if err := affectedOne(res); err != nil {
			if version != "" && errors.Is(err, scim.ErrNotFound) {
				var n int
				if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM scim_groups WHERE company = ? AND id = ?`), tenant, id).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					return scim.ErrVersionMismatch
				}
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM group_members WHERE company = ? AND group_id = ?`), tenant, id); err != nil {
			return err
		}
		return s.forgetMember(ctx, tx, tenant, id)
	})
}

// forgetMember removes a deleted user or group from every group, inside
// the deleting transaction.
func (s *Store) forgetMember(ctx context.Context, tx *sql.Tx, tenant, id string) error {
	_, err := tx.ExecContext(ctx, s.q(`DELETE FROM group_members WHERE company = ? AND value = ?`), tenant, id)
	return err
}

// GroupsOf implements scim.GroupStore: one indexed query per 500 users.
func (s *Store) GroupsOf(ctx context.Context, tenant string, userIDs []string) (map[string][]scim.GroupRef, error) {
	out := make(map[string][]scim.GroupRef)
	for chunk := range slices.Chunk(userIDs, 500) {
		args := make([]any, 0, len(chunk)+1)
		args = append(args, tenant)
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := s.query(ctx, s.q(`SELECT m.value, g.id, g.display_name FROM group_members m JOIN scim_groups g ON g.company = m.company AND g.id = m.group_id
			WHERE m.company = ? AND m.value IN (?`+strings.Repeat(", ?", len(chunk)-1)+`) ORDER BY m.value, g.id`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var user string
			r := scim.GroupRef{Type: "direct"}
			if err := rows.Scan(&user, &r.Value, &r.Display); err != nil {
				rows.Close()
				return nil, err
			}
			out[user] = append(out[user], r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
