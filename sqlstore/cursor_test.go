package sqlstore

import (
	"context"
	"strings"
	"testing"
)

// explainKeyset returns the plan of a cursor page's statement after the
// position after (nil: the first page).
func explainKeyset(t *testing.T, st *Store, filter, sortBy string, after []any) (plan, text string) {
	t.Helper()
	order := ""
	if s, ok := strings.CutSuffix(sortBy, " descending"); ok {
		sortBy, order = s, "descending"
	}
	q, err := planModel.NewQuery(filter, sortBy, order, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	q.Cursor = true
	sq := st.compile("acme", q)
	if !sq.exact {
		t.Fatalf("filter %q sortBy %q is not pushed down", filter, sortBy)
	}
	if after != nil { // from a real first page: the values as the database returns them
		q.Count = 5
		p, err := st.ListUsers(context.Background(), "acme", q)
		if err != nil {
			t.Fatal(err)
		}
		if after, err = decodeKeys(p.Next, len(sq.terms)); err != nil {
			t.Fatalf("position %q: %v", p.Next, err)
		}
	}
	cond, terms := "", sq.terms
	if t := terms[0]; t.absent != "" { // the users with the value, as listKeyset reads them first
		cond, terms = "NOT ("+t.absent+")", terms[1:]
		if after != nil {
			after = after[1:]
		}
	}
	text, args := st.keysetSQL(sq, cond, terms, after, 11)
	return queryPlan(t, st, text, args), text
}

// TestKeysetPlans: on SQLite a cursor page seeks the index that gives its
// order to the position rather than walking from the start (no OFFSET) or
// sorting the matches, so a page costs the same at any depth: in id order,
// and sorted (the users with the value read in its index's order, those
// without by id). One by a range filter's column walks that index within
// the range.
func TestKeysetPlans(t *testing.T) {
	st := openSQLite(t)
	loadPlanUsers(t, st)
	for _, c := range []struct {
		filter, sortBy string
		after          []any
		want           string
	}{
		{"", "", []any{}, "SEARCH u USING INDEX users_id_uq (company=? AND id>?)"},
		{`name.familyName sw "B"`, "", []any{}, "SEARCH u USING INDEX users_family_name_ix (company=? AND family_name_f>? AND family_name_f<?)"},
		{"", "userName", []any{}, "SEARCH u USING INDEX users_user_name_uq (company=? AND user_name_f>?)"},
		{"", "name.familyName", []any{}, "SEARCH u USING INDEX users_family_name_ix (company=? AND (family_name_f,id)>(?,?))"},
		// Descending by value, ties by ascending id: the index read
		// backwards from the position, each tie group sorted alone.
		{"", "name.familyName descending", []any{}, "SEARCH u USING INDEX users_family_name_ix (company=? AND family_name_f<?)"},
	} {
		plan, text := explainKeyset(t, st, c.filter, c.sortBy, c.after)
		if !strings.Contains(plan, c.want) || strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
			t.Errorf("filter %q sortBy %q: plan\n%s\nwant %q, no temporary b-tree for the whole order; statement %s", c.filter, c.sortBy, plan, c.want, text)
		}
	}
}

// TestKeysetPlansPostgres: on PostgreSQL too a cursor page seeks the
// index to the position (an Index Cond from the row value) and does not
// sort the matches.
func TestKeysetPlansPostgres(t *testing.T) {
	st := openPostgres(t)
	loadPlanUsers(t, st)
	for _, c := range []struct{ sortBy, want string }{
		{"", "Index Cond: ((company = 'acme'::text) AND (id > 'id-"},
		// userName's unique index has no id: ties (none) are sorted
		// incrementally, group by group, not the whole result.
		{"userName", "Index Cond: ((company = 'acme'::text) AND (user_name_f >= "},
		{"name.familyName", "Index Cond: ((company = 'acme'::text) AND (ROW(family_name_f, id) > ROW("},
		{"name.familyName descending", "Index Cond: ((company = 'acme'::text) AND (family_name_f <= "},
	} {
		plan, text := explainKeyset(t, st, "", c.sortBy, []any{})
		if !strings.Contains(plan, c.want) || strings.Contains(plan, "->  Sort ") || strings.HasPrefix(plan, "Sort ") {
			t.Errorf("sortBy %q: plan\n%s\nwant %q, no full Sort; statement %s", c.sortBy, plan, c.want, text)
		}
	}
}

// TestKeysetPath: cursor queries that compile to SQL are answered by
// listKeyset (their positions are its typed values), the others by the
// Pager.
func TestKeysetPath(t *testing.T) {
	st := openSQLite(t)
	createPlanUsers(t, st)
	ctx := context.Background()
	for _, c := range []struct {
		filter, sortBy string
		keyset         bool
	}{
		{"", "", true},
		{"", "userName", true},
		{"", "name.familyName", true},
		{`active eq true`, "", true},
		{"", "addresses.locality", false},
	} {
		q, err := planModel.NewQuery(c.filter, c.sortBy, "", 1, 5)
		if err != nil {
			t.Fatal(err)
		}
		q.Cursor = true
		p, err := st.ListUsers(ctx, "acme", q)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.HasPrefix(p.Next, "["); got != c.keyset {
			t.Errorf("filter %q sortBy %q: position %s, want keyset %v", c.filter, c.sortBy, p.Next, c.keyset)
		}
	}
}
