package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/scimkit/scim"
)

// ResultLimit implements scim.ResultLimiter: the rows a list evaluated in
// Go may read (WithMaxScan).
func (s *Store) ResultLimit() int { return s.maxScan }

// listUsers is ListUsers (write.go) before its errors are classified. The
// filter, sort and page are pushed down when they all compile to SQL;
// otherwise the compiled part narrows a streaming scan evaluated with
// q.Matches and q.Compare.
func (s *Store) listUsers(ctx context.Context, tenant string, q *scim.Query) (*scim.Page, error) {
	sq := s.compile(tenant, q)
	if sq.exact && q.Cursor {
		return s.listKeyset(ctx, sq, q)
	}
	if sq.exact {
		return s.listPushed(ctx, sq, q)
	}
	return s.listScan(ctx, sq, q)
}

type sqlQuery struct {
	tenant             string
	from, where, order string
	terms              []orderTerm // order, term by term
	args               []any
	nJoin              int  // args[:nJoin] belong to the join in from
	exact              bool // filter and sort both in SQL
	sorted             bool // order is q's order
	indexOrder         bool // an index on the filtered column gives the order
}

func (s *Store) compile(tenant string, q *scim.Query) sqlQuery {
	c := &compiler{pg: s.d == postgres, tenant: tenant, correlated: uniqueLookup(q.Filter)}
	join, order, terms, sorted := c.sortKey(q)
	if !sorted {
		join, order, terms = "", "u.id", []orderTerm{{expr: "u.id"}}
		c.args = c.args[:0]
	}
	nJoin := len(c.args)
	where := "u.company = " + c.arg(tenant)
	exact := true
	if q.Filter != nil {
		cond, x := c.filter(q.Filter)
		if cond != "" {
			where += " AND " + cond
		}
		exact = x
	}
	// The order follows the index the filter ranges over: reading the page
	// walks that index and stops after it.
	rc := rangeColumn(q.Filter)
	indexOrder := rc != "" && (strings.HasPrefix(order, rc+" ") || strings.HasPrefix(order, rc+","))
	return sqlQuery{tenant: tenant, from: "users u" + join, where: where, order: order, terms: terms, args: c.args, nJoin: nJoin,
		exact: exact && sorted, sorted: sorted, indexOrder: indexOrder}
}

func (s *Store) listPushed(ctx context.Context, sq sqlQuery, q *scim.Query) (*scim.Page, error) {
	page := &scim.Page{Users: []*scim.User{}}
	skip, count := q.Bounds()
	countSQL := "SELECT COUNT(*) FROM " + sq.from + " WHERE " + sq.where
	if count == 0 {
		n, err := s.total(ctx, sq.tenant, countSQL, sq.args)
		page.Total = n
		return page, err
	}
	// Unless the page will likely tell the total itself (below), the count
	// runs with the page. SQLite reuses the total it counted before if no
	// commit has happened since (totals.go), or else counts on another
	// connection while the page is read: the count walks every match, the
	// page only its own rows, and the two take about as long. PostgreSQL
	// reuses a total while the company's change counter is unchanged, or
	// else counts in the page's statement. Either continues from where the
	// previous page of the query ended, if it knows (keyset.go). On SQLite the count is a statement of
	// its own, outside a transaction: under concurrent writes it may count
	// a slightly different state than the page shows, as a client paging
	// through a changing set sees anyway.
	countNow := s.btx == nil && (skip > 0 || !selective(q.Filter))
	total := -1
	var counted chan countResult
	var l totalLookup
	pq := q // the page's query: q, or its keyset continuation
	if countNow {
		var n int
		var hit bool
		l, n, hit = s.lookupTotal(ctx, sq.tenant, countSQL, sq.args)
		if hit {
			total = n
			if last, ok := s.totals.pos.get(l.key, skip, l.version); ok && sq.order == "u.id" {
				sq, pq = s.keyset(sq, q, last)
			}
		} else if s.d == sqlite {
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			counted = make(chan countResult, 1)
			args := sq.args
			go func() {
				n, err := s.count(cctx, countSQL, args)
				if err == nil {
					l.store(n)
				}
				counted <- countResult{n, err}
			}()
		}
	}
	withTotal := countNow && s.d == postgres && total < 0
	if withTotal {
		s.counts.Add(1)
	}
	text, args := s.pageSQL(sq, pq, withTotal)
	st, release, err := s.stmt(ctx, text)
	if err != nil {
		return nil, err
	}
	defer release()
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var doc string
		if withTotal {
			err = rows.Scan(&doc, &total)
		} else {
			err = rows.Scan(&doc)
		}
		if err != nil {
			return nil, err
		}
		u, err := decodeDoc(doc)
		if err != nil {
			return nil, err
		}
		page.Users = append(page.Users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if n := len(page.Users); n == count && l.t != nil && sq.order == "u.id" {
		l.t.pos.put(l.key, skip+n, l.version, page.Users[n-1].ID)
	}
	if withTotal && total >= 0 {
		l.store(total)
	}
	// A short, non-empty page (or a short first page) ends the result: it
	// tells the total without counting, which makes lookups by userName,
	// externalId or email one statement, with no transaction around it.
	if n := len(page.Users); n < count && (n > 0 || skip == 0) {
		page.Total = skip + n
		return page, nil
	}
	if total >= 0 {
		page.Total = total
		return page, nil
	}
	if counted == nil {
		page.Total, err = s.total(ctx, sq.tenant, countSQL, sq.args)
		return page, err
	}
	r := <-counted
	page.Total = r.n
	return page, r.err
}

type countResult struct {
	n   int
	err error
}

// count runs a COUNT(*) statement.
func (s *Store) count(ctx context.Context, text string, args []any) (int, error) {
	s.counts.Add(1)
	st, release, err := s.stmt(ctx, text)
	if err != nil {
		return 0, err
	}
	defer release()
	var n int
	err = st.QueryRowContext(ctx, args...).Scan(&n)
	return n, err
}

// directSkip is the offset up to which an index-ordered SQLite page reads
// documents in one statement rather than through the deferred join:
// measured, each skipped row costs the direct read about 60 ns, the join
// about 30 µs in all.
const directSkip = 500

// pageSQL is the query of one page of a pushed-down list. On PostgreSQL,
// withTotal adds the count of all matches as a second column.
func (s *Store) pageSQL(sq sqlQuery, q *scim.Query, withTotal bool) (string, []any) {
	c := &compiler{pg: s.d == postgres, args: slices.Clone(sq.args)}
	// Both at least 0: SQLite reads a negative LIMIT as none, PostgreSQL
	// refuses a negative OFFSET. Each fits in a BIGINT; the databases add
	// them without overflowing.
	skip, count := q.Bounds()
	if s.d == sqlite && (sq.order == "+u.id" || sq.indexOrder && skip < directSkip) {
		// A selective filter (see sortKey): few rows match, so read their
		// documents directly; the deferred join below would only add a
		// temporary table. Likewise when the index delivers the order and
		// the page starts early: the walk stops after the page, and the
		// few rows skipped cost less than the join's temporary table.
		text := "SELECT u.doc FROM " + sq.from + " WHERE " + sq.where + " ORDER BY " + sq.order + " LIMIT " + c.arg(count) + " OFFSET " + c.arg(skip)
		return text, c.args
	}
	if s.d == sqlite {
		// A deferred join without a window function (SQLite would number
		// every match first): the inner query picks the page's rowids,
		// from covering indexes where it can, and the outer one reads
		// the documents of those rows only, ordering them again.
		c.args = append(slices.Clone(sq.args[:sq.nJoin]), c.args...)
		text := "SELECT u.doc FROM " + sq.from + " WHERE u.seq IN (SELECT u.seq FROM " + sq.from + " WHERE " + sq.where +
			" ORDER BY " + sq.order + " LIMIT " + c.arg(count) + " OFFSET " + c.arg(skip) + ") ORDER BY " + sq.order
		return text, c.args
	}
	if sq.order == "u.id || ''" && !withTotal {
		// A selective filter (see sortKey): a few rows match, found by
		// the equality's index. Reading their documents in the same
		// statement saves the join's second probe of the id index, and
		// the planning of two more relations for every lookup whose
		// generic plan PostgreSQL does not keep.
		text := "SELECT u.doc FROM " + sq.from + " WHERE " + sq.where + " ORDER BY " + sq.order + " LIMIT " + c.arg(count) + " OFFSET " + c.arg(skip)
		return text, c.args
	}
	// PostgreSQL: a deferred join. The inner query orders and cuts the
	// page reading only indexed columns (index-only where it can), and
	// documents are fetched for the page's rows alone, not for every match.
	// The page's ids come as an array, whose ordinality keeps their order
	// through the join; numbering rows with a window function instead
	// would number every skipped row too (7 ms at an offset of 50,000).
	inner := "SELECT u.id FROM " + sq.from + " WHERE " + sq.where + " ORDER BY " + sq.order +
		" LIMIT " + c.arg(count) + " OFFSET " + c.arg(skip)
	total := ""
	if withTotal {
		// Numbered parameters can repeat: the count reuses the filter's.
		// PostgreSQL runs the uncorrelated subquery once, and saves the
		// round trip of a second statement.
		total = ", (SELECT COUNT(*) FROM " + sq.from + " WHERE " + sq.where + ")"
	}
	text := "SELECT d.doc" + total + " FROM unnest(ARRAY(" + inner + ")) WITH ORDINALITY AS p(pid, rn) JOIN users d ON d.company = " +
		c.arg(sq.tenant) + " AND d.id = p.pid ORDER BY p.rn"
	return text, c.args
}

// listScan streams the rows the SQL part selects and finishes in Go.
func (s *Store) listScan(ctx context.Context, sq sqlQuery, q *scim.Query) (*scim.Page, error) {
	rows, err := s.query(ctx, "SELECT u.doc FROM "+sq.from+" WHERE "+sq.where+" ORDER BY "+sq.order, sq.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ordered := sq.sorted
	if q.Cursor && q.SortBy == nil && len(sq.terms) > 1 {
		// Ordered by the filter's range column: not Query.Compare's id
		// order, which the Pager's positions follow.
		ordered = false
	}
	p := q.Pager(ordered)
	scanned := 0
	for rows.Next() {
		scanned++
		if s.maxScan > 0 && scanned > s.maxScan {
			return nil, scim.ErrTooMany
		}
		u, err := scanDoc(rows)
		if err != nil {
			return nil, err
		}
		p.Offer(u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return p.Page(), p.Err()
}

// scanDoc decodes the user document of the current row.
func scanDoc(rows *sql.Rows) (*scim.User, error) {
	var doc string
	if err := rows.Scan(&doc); err != nil {
		return nil, err
	}
	return decodeDoc(doc)
}
