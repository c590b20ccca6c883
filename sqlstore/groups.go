package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"math"
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

// queryGroups runs query, a SELECT of groupColumns, and returns the groups
// read (none: an empty slice); more than maxRows, when above 0, is
// scim.ErrTooMany.
func (s *Store) queryGroups(ctx context.Context, maxRows int, query string, args ...any) ([]*scim.Group, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	groups := []*scim.Group{}
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		if groups = append(groups, g); maxRows > 0 && len(groups) > maxRows {
			return nil, scim.ErrTooMany
		}
	}
	return groups, rows.Err()
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

// memberChunk is how many members one statement checks, inserts or
// removes: a PATCH naming tens of thousands costs a few hundred
// statements, not two per member.
const memberChunk = 500

// addMembers checks that each member is a user or group of the tenant and
// inserts its row unless it is there, memberChunk members a statement. On
// PostgreSQL the referenced rows are read FOR SHARE: a concurrent
// DeleteUser or DeleteGroup then waits for this transaction, and its
// cascade (forgetMember), which runs after its own DELETE, sees the new
// membership and removes it; or the member is gone and this refuses it.
// SQLite has one writer and needs no lock.
func (s *Store) addMembers(ctx context.Context, tx *sql.Tx, tenant, id string, ms []scim.Member) error {
	lock := ""
	if s.d == postgres {
		lock = " FOR SHARE"
	}
	for chunk := range slices.Chunk(ms, memberChunk) {
		types := make(map[string]string, len(chunk))
		for _, m := range chunk {
			types[m.Value] = ""
		}
		for _, c := range [...]struct{ table, typ string }{{"users", scim.MemberUser}, {"scim_groups", scim.MemberGroup}} {
			var unknown []any
			for v, t := range types {
				if t == "" {
					unknown = append(unknown, v)
				}
			}
			if len(unknown) == 0 {
				break
			}
			rows, err := tx.QueryContext(ctx, s.q(`SELECT id FROM `+c.table+` WHERE company = ? AND id IN (?`+strings.Repeat(", ?", len(unknown)-1)+`)`+lock), append([]any{tenant}, unknown...)...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var v string
				if err := rows.Scan(&v); err != nil {
					rows.Close()
					return err
				}
				types[v] = c.typ
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		args := make([]any, 0, 5*len(chunk))
		for _, m := range chunk {
			if types[m.Value] == "" {
				return scim.MemberError(m.Value)
			}
			args = append(args, tenant, id, m.Value, types[m.Value], m.Display)
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO group_members (company, group_id, value, type, display) VALUES (?, ?, ?, ?, ?)`+
			strings.Repeat(", (?, ?, ?, ?, ?)", len(chunk)-1)+` ON CONFLICT (company, group_id, value) DO NOTHING`), args...)
		if err != nil {
			return err
		}
	}
	return nil
}

// removeMembers deletes the rows of the values, memberChunk a statement.
func (s *Store) removeMembers(ctx context.Context, tx *sql.Tx, tenant, id string, values []string) error {
	for chunk := range slices.Chunk(values, memberChunk) {
		args := make([]any, 0, 2+len(chunk))
		args = append(args, tenant, id)
		for _, v := range chunk {
			args = append(args, v)
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM group_members WHERE company = ? AND group_id = ? AND value IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`), args...); err != nil {
			return err
		}
	}
	return nil
}

// GetGroup implements scim.GroupStore.
func (s *Store) GetGroup(ctx context.Context, tenant, id string) (*scim.Group, error) {
	g, err := s.getGroup(ctx, tenant, id)
	return g, s.fault(err)
}

func (s *Store) getGroup(ctx context.Context, tenant, id string) (*scim.Group, error) {
	g, err := scanGroup(s.queryRow(ctx, s.q(`SELECT `+groupColumns+` FROM scim_groups WHERE company = ? AND id = ?`), tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, scim.ErrNotFound
	}
	return g, err
}

// memberReadChunk is how many members Members reads per query.
const memberReadChunk = 1000

// Members implements scim.GroupStore: the group's rows in primary-key
// order, read memberReadChunk at a time by keyset (value > the last one
// read), each chunk's rows closed, and its connection back in the pool,
// before yield sees them. A reader that waits on a slow client (yield
// writing the response) therefore never holds a connection: memory stays
// bounded by the chunk, and the pool by the queries. A group changed
// between chunks is read as it is at each chunk; each member still comes
// once, in order.
func (s *Store) Members(ctx context.Context, tenant, id string, yield func(scim.Member) error) error {
	return s.fault(s.members(ctx, tenant, id, yield))
}

func (s *Store) members(ctx context.Context, tenant, id string, yield func(scim.Member) error) error {
	var n int
	if err := s.queryRow(ctx, s.q(`SELECT COUNT(*) FROM scim_groups WHERE company = ? AND id = ?`), tenant, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return scim.ErrNotFound
	}
	chunk := make([]scim.Member, 0, memberReadChunk)
	for after := ""; ; {
		rows, err := s.query(ctx, s.q(`SELECT value, type, display FROM group_members WHERE company = ? AND group_id = ? AND value > ? ORDER BY value LIMIT ?`), tenant, id, after, memberReadChunk)
		if err != nil {
			return err
		}
		chunk = chunk[:0]
		for rows.Next() {
			var m scim.Member
			if err := rows.Scan(&m.Value, &m.Type, &m.Display); err != nil {
				rows.Close()
				return err
			}
			chunk = append(chunk, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range chunk {
			if err := yield(m); err != nil {
				return err
			}
		}
		if len(chunk) < memberReadChunk {
			return nil
		}
		after = chunk[len(chunk)-1].Value
	}
}

// ListGroups implements scim.GroupStore. An id, displayName or externalId
// equality narrows by index; member tests are set queries, one per page of
// candidates (GroupQuery.MatchGroups); the rest of the filter is evaluated
// in Go.
func (s *Store) ListGroups(ctx context.Context, tenant string, q *scim.GroupQuery) (*scim.GroupPage, error) {
	p, err := s.listGroups(ctx, tenant, q)
	return p, s.fault(err)
}

func (s *Store) listGroups(ctx context.Context, tenant string, q *scim.GroupQuery) (*scim.GroupPage, error) {
	if q.Filter == nil && (q.SortBy == "" || q.SortBy == "id") {
		if q.Cursor {
			return s.listGroupsKeyset(ctx, tenant, q)
		}
		return s.listGroupsPage(ctx, tenant, q)
	}
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
	candidates, err := s.queryGroups(ctx, s.maxScan, s.q(`SELECT `+groupColumns+` FROM scim_groups WHERE `+where+` ORDER BY id`), args...)
	if err != nil {
		return nil, err
	}
	matched, err := q.MatchGroups(candidates, s.memberTester(ctx, tenant, len(candidates)))
	if err != nil {
		return nil, err
	}
	if q.Cursor {
		// Every candidate is read for the total anyway: the page is the
		// matches after the position in Go (GroupQuery.CursorPage).
		return q.CursorPage(matched)
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

// Member tests of a group list: a few (candidates × values up to
// probeLimit) probe the primary key; more read the memberships of the
// values once, through the value index, when they are at most
// valueScanLimit rows (a user is in tens of groups, not thousands), and
// answer every page of candidates from them; else, they probe page by page
// (GroupQuery.MatchGroups bounds the probes).
var (
	probeLimit     = 20_000
	valueScanLimit = 200_000
)

// listGroupsPage answers a list without filter, in id order, by pushing
// the page down: a count and one page of rows, not every group of the
// company (an identity provider's import reads them page by page).
func (s *Store) listGroupsPage(ctx context.Context, tenant string, q *scim.GroupQuery) (*scim.GroupPage, error) {
	page := &scim.GroupPage{Groups: []*scim.Group{}}
	if err := s.queryRow(ctx, s.q(`SELECT COUNT(*) FROM scim_groups WHERE company = ?`), tenant).Scan(&page.Total); err != nil {
		return nil, err
	}
	skip, count := q.Bounds()
	if count == 0 || skip >= page.Total {
		return page, nil
	}
	order := "id"
	if q.Descending {
		order = "id DESC"
	}
	groups, err := s.queryGroups(ctx, 0, s.q(`SELECT `+groupColumns+` FROM scim_groups WHERE company = ? ORDER BY `+order+` LIMIT ? OFFSET ?`), tenant, min(count, page.Total-skip), skip)
	if err != nil {
		return nil, err
	}
	page.Groups = groups
	return page, nil
}

// listGroupsKeyset answers a cursor query without filter, in id order:
// the count+1 groups after the previous page's last id, read from the
// primary key, so that a page costs the same at any depth and a group
// present for the whole walk is on exactly one page whatever is created
// or deleted meanwhile. The position is that id, as encodeKeys writes it.
func (s *Store) listGroupsKeyset(ctx context.Context, tenant string, q *scim.GroupQuery) (*scim.GroupPage, error) {
	where, args := `company = ?`, []any{tenant}
	order, op := "id", " > ?"
	if q.Descending {
		order, op = "id DESC", " < ?"
	}
	if q.After != "" {
		vals, err := decodeKeys(q.After, 1)
		if err != nil {
			return nil, err
		}
		id, ok := vals[0].(string)
		if !ok {
			return nil, scim.ErrInvalidPosition
		}
		where, args = where+` AND id`+op, append(args, id)
	}
	page := &scim.GroupPage{Groups: []*scim.Group{}}
	if err := s.queryRow(ctx, s.q(`SELECT COUNT(*) FROM scim_groups WHERE company = ?`), tenant).Scan(&page.Total); err != nil {
		return nil, err
	}
	count := max(q.Count, 0)
	if count == 0 {
		return page, nil
	}
	limit := count
	if limit < math.MaxInt {
		limit++ // one more than the page: is there a next?
	}
	groups, err := s.queryGroups(ctx, 0, s.q(`SELECT `+groupColumns+` FROM scim_groups WHERE `+where+` ORDER BY `+order+` LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, err
	}
	if len(groups) > count {
		groups = groups[:count]
		if page.Next, err = encodeKeys([]any{groups[count-1].ID}); err != nil {
			return nil, err
		}
	}
	page.Groups = groups
	return page, nil
}

// memberTester returns the memberships function of a list query over
// candidates groups.
func (s *Store) memberTester(ctx context.Context, tenant string, candidates int) func(groupIDs, values []string) ([][2]string, error) {
	var byValue [][2]string // the values' memberships, once read
	scanned, probe := false, false
	return func(groupIDs, values []string) ([][2]string, error) {
		if !scanned && !probe {
			if candidates*len(values) <= probeLimit {
				probe = true
			} else {
				var err error
				if byValue, probe, err = s.membershipsOf(ctx, tenant, values, valueScanLimit); err != nil {
					return nil, err
				}
				scanned = !probe
			}
		}
		if probe {
			return s.memberships(ctx, tenant, groupIDs, values)
		}
		in := make(map[string]bool, len(groupIDs))
		for _, id := range groupIDs {
			in[id] = true
		}
		var out [][2]string
		for _, p := range byValue {
			if in[p[0]] {
				out = append(out, p)
			}
		}
		return out, nil
	}
}

// membershipsOf returns the memberships of the values in every group, as
// (group id, value) pairs, read through the value index, or over true
// when there are more than limit.
func (s *Store) membershipsOf(ctx context.Context, tenant string, values []string, limit int) (pairs [][2]string, over bool, err error) {
	index := ""
	if s.d == sqlite {
		index = " INDEXED BY group_members_value" // whatever the statistics say
	}
	for chunk := range slices.Chunk(values, memberChunk) {
		args := make([]any, 0, 2+len(chunk))
		args = append(args, tenant)
		for _, v := range chunk {
			args = append(args, v)
		}
		args = append(args, limit+1-len(pairs))
		rows, err := s.query(ctx, s.q(`SELECT group_id, value FROM group_members`+index+` WHERE company = ? AND value IN (?`+strings.Repeat(", ?", len(chunk)-1)+`) LIMIT ?`), args...)
		if err != nil {
			return nil, false, err
		}
		for rows.Next() {
			var p [2]string
			if err := rows.Scan(&p[0], &p[1]); err != nil {
				rows.Close()
				return nil, false, err
			}
			pairs = append(pairs, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, err
		}
		if len(pairs) > limit {
			return nil, true, nil
		}
	}
	return pairs, false, nil
}

// memberships returns which of values are members of which of groupIDs,
// as (group id, value) pairs: one query per memberChunk values, each
// probing the primary key.
func (s *Store) memberships(ctx context.Context, tenant string, groupIDs, values []string) ([][2]string, error) {
	var out [][2]string
	for chunk := range slices.Chunk(values, memberChunk) {
		args := make([]any, 0, 1+len(groupIDs)+len(chunk))
		args = append(args, tenant)
		for _, id := range groupIDs {
			args = append(args, id)
		}
		for _, v := range chunk {
			args = append(args, v)
		}
		rows, err := s.query(ctx, s.q(`SELECT group_id, value FROM group_members WHERE company = ? AND group_id IN (?`+strings.Repeat(", ?", len(groupIDs)-1)+`) AND value IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var p [2]string
			if err := rows.Scan(&p[0], &p[1]); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
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
		if err := s.removeMembers(ctx, tx, tenant, g.ID, ch.Remove); err != nil {
			return err
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

// groupsOfSQL is GroupsOf's query for n users. On SQLite it names the
// value index: without statistics (before ANALYZE, or after a bulk load)
// the planner would otherwise read every membership of the company for
// each user, which every GET of a user with groups on pays.
func (s *Store) groupsOfSQL(n int) string {
	index := ""
	if s.d == sqlite {
		index = " INDEXED BY group_members_value"
	}
	return s.q(`SELECT m.value, g.id, g.display_name FROM group_members m` + index + ` JOIN scim_groups g ON g.company = m.company AND g.id = m.group_id
			WHERE m.company = ? AND m.value IN (?` + strings.Repeat(", ?", n-1) + `) ORDER BY m.value, g.id`)
}

// GroupsOf implements scim.GroupStore: one indexed query per 500 users.
func (s *Store) GroupsOf(ctx context.Context, tenant string, userIDs []string) (map[string][]scim.GroupRef, error) {
	m, err := s.groupsOf(ctx, tenant, userIDs)
	return m, s.fault(err)
}

func (s *Store) groupsOf(ctx context.Context, tenant string, userIDs []string) (map[string][]scim.GroupRef, error) {
	out := make(map[string][]scim.GroupRef)
	for chunk := range slices.Chunk(userIDs, 500) {
		args := make([]any, 0, len(chunk)+1)
		args = append(args, tenant)
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := s.query(ctx, s.groupsOfSQL(len(chunk)), args...)
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
