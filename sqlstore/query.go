package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/literal"
)

// elementColumn is the column of user_values holding a sub-attribute of
// an emails-like attribute.
func elementColumn(sub *scim.Attribute) (column, bool) {
	switch sub.Name {
	case "value":
		if sub.CaseExact {
			return column{expr: "v.value", kind: 's'}, true
		}
		return column{expr: "v.value_f", kind: 's', folded: true}, true
	case "display":
		return column{expr: "v.display_f", kind: 's', folded: !sub.CaseExact}, !sub.CaseExact
	case "type":
		return column{expr: "v.type_f", kind: 's', folded: !sub.CaseExact}, !sub.CaseExact
	case "primary":
		return column{expr: "v.is_primary", kind: 'b'}, true
	}
	return column{}, false
}

// compiler turns a resolved filter into a parameterised SQL condition.
// Literals only ever become arguments.
type compiler struct {
	pg     bool
	tenant string
	args   []any
	// correlated compiles element and custom conditions as correlated
	// EXISTS probes instead of IN (subquery): right when a unique lookup
	// already pins the user, since SQLite materialises an uncorrelated IN
	// subquery in full before using it.
	correlated bool
}

func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	if c.pg {
		return "$" + strconv.Itoa(len(c.args))
	}
	return "?"
}

const sqlTrue, sqlFalse = "1=1", "1=0"

// not negates a condition as the matcher does: a condition that is NULL
// (a comparison with a NULL column: the value is absent) is false, so its
// negation is true. SQL's bare NOT would keep it NULL, and drop the user.
func not(cond string) string { return "NOT COALESCE(" + cond + ", " + sqlFalse + ")" }

// filter compiles f. exact reports whether the condition is exactly f;
// otherwise cond is a necessary condition (possibly "", none) and the
// caller must still evaluate f in Go.
func (c *compiler) filter(f scim.Filter) (cond string, exact bool) {
	mark := len(c.args)
	cond, exact = c.node(f)
	if cond == "" {
		c.args = c.args[:mark] // drop what a failed compilation emitted
	}
	return cond, exact
}

func (c *compiler) node(f scim.Filter) (string, bool) {
	switch n := f.(type) {
	case *scim.LogicalExpr:
		if n.Op == "or" {
			return c.or(n)
		}
		mark := len(c.args)
		l, lx := c.filter(n.Left)
		r, rx := c.filter(n.Right)
		if n.Op == "and" {
			switch {
			case l == "" && r == "":
				return "", false
			case l == "":
				return r, false
			case r == "":
				return l, false
			}
			return "(" + l + " AND " + r + ")", lx && rx
		}
		if !lx || !rx {
			c.args = c.args[:mark]
			return "", false
		}
		return "(" + l + " OR " + r + ")", true
	case *scim.NotExpr:
		mark := len(c.args)
		in, x := c.filter(n.Filter)
		if !x {
			c.args = c.args[:mark]
			return "", false
		}
		return not(in), true
	case *scim.ValuePathExpr:
		return c.valuePath(n)
	case *scim.AttrExpr:
		return c.attrExpr(n)
	}
	return "", false
}

// or compiles a chain of "or" flat, with the equalities of each attribute
// as one IN list (manager.value eq "id" or manager.value eq "email", the
// lookup that follows every create; id eq a or id eq b or userName eq c
// ..., the lookup of a page's references). Either database then probes
// that attribute's index once per value, whatever its statistics say; as
// an OR of equalities, PostgreSQL planning with stale statistics (a table
// that has grown since it was last analysed) would rather read every user
// of the company through any index. Flat, a long chain also compiles
// without recursing as deep as it is long. The condition is exact only
// when every term is.
func (c *compiler) or(n *scim.LogicalExpr) (string, bool) {
	var terms []scim.Filter
	for stack := []scim.Filter{n}; len(stack) > 0; {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x, ok := f.(*scim.LogicalExpr); ok && x.Op == "or" {
			stack = append(stack, x.Right, x.Left)
			continue
		}
		terms = append(terms, f)
	}
	type list struct {
		first int
		path  *scim.AttrPath
		lits  []string
	}
	lists := map[[2]*scim.Attribute]*list{}
	in := make([]*list, len(terms))
	for i, f := range terms {
		e, ok := f.(*scim.AttrExpr)
		if !ok || !listable(e) {
			continue
		}
		k := [2]*scim.Attribute{e.Path.Attr, e.Path.SubAttr}
		if lists[k] == nil {
			lists[k] = &list{first: i, path: &e.Path}
		}
		lists[k].lits = append(lists[k].lits, e.Value.(string))
		in[i] = lists[k]
	}
	mark := len(c.args)
	var parts []string
	for i, f := range terms {
		if l := in[i]; l != nil && len(l.lits) > 1 {
			if l.first == i {
				parts = append(parts, c.inList(l.path, l.lits))
			}
			continue
		}
		cond, exact := c.filter(f)
		if !exact {
			c.args = c.args[:mark]
			return "", false
		}
		parts = append(parts, cond)
	}
	if len(parts) == 1 {
		return parts[0], true
	}
	return "(" + strings.Join(parts, " OR ") + ")", true
}

// listable reports whether e is an equality with a string that inList
// can compile with others of its attribute.
func listable(e *scim.AttrExpr) bool {
	v, ok := e.Value.(string)
	if !ok || v == "" || e.Op != scim.OpEqual || e.Path.Attr == nil {
		return false
	}
	_, _, ok = listColumn(&e.Path)
	return ok
}

// listColumn returns the column equalities on p compare, and whether it
// is an element column of user_values.
func listColumn(p *scim.AttrPath) (col column, element, ok bool) {
	a, leaf := p.Attr, p.Attr.Leaf(p.SubAttr)
	switch {
	case a.Custom || leaf == nil:
		return column{}, false, false
	case isMultiAttr(a):
		col, ok = elementColumn(leaf)
		return col, true, ok && col.kind == 's'
	case a.MultiValued || p.SubAttr == nil && a.Type == scim.TypeComplex:
		return column{}, false, false
	}
	col, ok = columns[leaf.Path()]
	return col, false, ok && col.kind == 's' && col.folded != leaf.CaseExact
}

// inList compiles equalities of the attribute at p (as listable allows)
// with lits as one IN list. The list is padded to a power of two by
// repeating its last value, so that lists of many lengths share a few
// statement texts (and prepared statements).
func (c *compiler) inList(p *scim.AttrPath, lits []string) string {
	col, element, _ := listColumn(p)
	head := ""
	if element {
		head = c.valuesIn(p.Attr.Name) + " AND "
	}
	n := 1
	for n < len(lits) {
		n *= 2
	}
	args := make([]string, n)
	for i := range args {
		lit := lits[min(i, len(lits)-1)]
		if col.folded {
			lit = fold(lit)
		}
		args[i] = c.arg(lit)
	}
	cond := col.expr + " IN (" + strings.Join(args, ", ") + ")"
	if element {
		return head + cond + ")"
	}
	return cond
}

func (c *compiler) valuePath(n *scim.ValuePathExpr) (string, bool) {
	a := n.Path.Attr
	mark := len(c.args)
	// Arguments are positional: emit the attribute's before the inner ones.
	head := ""
	if isMultiAttr(a) {
		head = c.valuesIn(a.Name)
	}
	var inner func(scim.Filter) (string, bool)
	inner = func(f scim.Filter) (string, bool) {
		switch x := f.(type) {
		case *scim.LogicalExpr:
			l, lx := inner(x.Left)
			r, rx := inner(x.Right)
			if !lx || !rx {
				return "", false
			}
			return "(" + l + " " + strings.ToUpper(x.Op) + " " + r + ")", true
		case *scim.NotExpr:
			in, ok := inner(x.Filter)
			if !ok {
				return "", false
			}
			return not(in), true
		case *scim.AttrExpr:
			sub := x.Path.Attr
			var col column
			var ok bool
			if isMultiAttr(a) {
				col, ok = elementColumn(sub)
			} else {
				col, ok = columns[sub.Path()]
				ok = ok && (col.folded == !sub.CaseExact || col.kind != 's')
			}
			if !ok {
				return "", false
			}
			return c.compare(col, x.Op, x.Value)
		}
		return "", false
	}
	cond, ok := inner(n.Filter)
	if !ok {
		c.args = c.args[:mark]
		return "", false
	}
	if isMultiAttr(a) {
		return head + " AND " + cond + ")", true
	}
	return cond, true
}

// valuesIn opens "the user has an element of attr such that": an
// uncorrelated IN, so the planner can start from the value index rather
// than probe every user. The caller appends " AND cond)" or ")".
func (c *compiler) valuesIn(attr string) string {
	if c.correlated {
		return "EXISTS (SELECT 1 FROM user_values v WHERE v.company = u.company AND v.user_id = u.id AND v.attr = " + c.arg(attr)
	}
	return "u.id IN (SELECT v.user_id FROM user_values v WHERE v.company = " + c.arg(c.tenant) + " AND v.attr = " + c.arg(attr)
}

// attrExpr compiles a comparison outside a value path, with the matcher's
// rules: "eq null" is "not pr" and "ne null" is "pr"; ne is "not eq", so
// absent values match it; a multi-valued attribute matches when one of
// its elements does, for ne too (or when it has none).
func (c *compiler) attrExpr(e *scim.AttrExpr) (string, bool) {
	a, sub := e.Path.Attr, e.Path.SubAttr
	if a.Custom {
		return c.custom(a, e.Op, e.Value)
	}
	switch {
	case e.Op == scim.OpPresent || e.Value == nil && e.Op == scim.OpNotEqual:
		return c.presence(a, sub)
	case e.Value == nil && e.Op == scim.OpEqual:
		if pr, ok := c.presence(a, sub); ok {
			return not(pr), true
		}
		return "", false
	case e.Value == nil:
		return "", false
	}
	leaf := a.Leaf(sub)
	op, negate := e.Op, false
	if op == scim.OpNotEqual {
		op, negate = scim.OpEqual, true
	}
	var cond string
	var ok bool
	switch {
	case isMultiAttr(a):
		col, found := elementColumn(leaf)
		if !found {
			return "", false
		}
		mark := len(c.args)
		if negate {
			// RFC 7644 §3.4.2.2: some element differs (an absent value
			// differs), or there is no element. The arguments are
			// positional: the first term's come first.
			none := not(c.valuesIn(a.Name) + ")")
			head := c.valuesIn(a.Name)
			in, ok := c.leaf(col, op, e.Value)
			if !ok {
				c.args = c.args[:mark]
				return "", false
			}
			return "(" + none + " OR " + head + " AND " + not(in) + "))", true
		}
		head := c.valuesIn(a.Name)
		var in string
		if in, ok = c.leaf(col, op, e.Value); ok {
			cond = head + " AND " + in + ")"
		} else {
			c.args = c.args[:mark]
		}
	case a.MultiValued:
		return "", false
	default:
		col, found := columns[leaf.Path()]
		if !found || col.kind == 's' && col.folded == leaf.CaseExact {
			return "", false
		}
		cond, ok = c.leaf(col, op, e.Value)
	}
	if !ok {
		return "", false
	}
	if negate {
		cond = not(cond)
	}
	return cond, true
}

// presence compiles "pr" on a top-level path.
func (c *compiler) presence(a, sub *scim.Attribute) (string, bool) {
	switch {
	case isMultiAttr(a) && sub == nil:
		return c.valuesIn(a.Name) + ")", true
	case isMultiAttr(a):
		col, ok := elementColumn(sub)
		if !ok {
			return "", false
		}
		return c.valuesIn(a.Name) + " AND " + present(col) + ")", true
	case a.MultiValued:
		return "", false
	case sub == nil && a.Type == scim.TypeComplex:
		// name pr, manager pr: any sub-attribute holds a value.
		var terms []string
		for _, s := range a.SubAttributes {
			col, ok := columns[s.Path()]
			if !ok {
				return "", false
			}
			terms = append(terms, present(col))
		}
		return "(" + strings.Join(terms, " OR ") + ")", true
	}
	leaf := a
	if sub != nil {
		leaf = sub
	}
	col, ok := columns[leaf.Path()]
	if !ok {
		return "", false
	}
	return present(col), true
}

// present is the SQL of "the column holds a value".
func present(col column) string {
	switch {
	case col.kind == 'b':
		return sqlTrue
	case col.kind == 't' || col.nullable && col.kind != 's':
		return col.expr + " IS NOT NULL"
	case col.nullable:
		return "COALESCE(" + col.expr + ", '') <> ''"
	}
	return col.expr + " <> ''"
}

// compare compiles a comparison inside a value path (on the element's or
// the complex attribute's columns): the same rules as attrExpr.
func (c *compiler) compare(col column, op scim.CompareOp, v any) (string, bool) {
	switch {
	case op == scim.OpPresent || v == nil && op == scim.OpNotEqual:
		return present(col), true
	case v == nil && op == scim.OpEqual:
		return not(present(col)), true
	case v == nil:
		return "", false
	case op == scim.OpNotEqual:
		if in, ok := c.leaf(col, scim.OpEqual, v); ok {
			return not(in), true
		}
		return "", false
	}
	return c.leaf(col, op, v)
}

// leaf compiles a comparison of one stored value with a non-null literal;
// op is never ne (callers negate eq). As in the matcher, an absent value
// (empty string, zero time) satisfies no comparison.
func (c *compiler) leaf(col column, op scim.CompareOp, v any) (string, bool) {
	e := col.expr
	switch col.kind {
	case 'b':
		want, ok := boolValue(v)
		if !ok || op != scim.OpEqual {
			return "", false
		}
		return e + " = " + c.arg(boolInt(want)), true
	case 't':
		s, ok := v.(string)
		if !ok {
			return "", false
		}
		t, ok := parseDateTime(s)
		if !ok {
			return "", false
		}
		sqlOp, ok := orderOps[op]
		if !ok {
			return "", false
		}
		return "(" + e + " IS NOT NULL AND " + e + " " + sqlOp + " " + c.arg(fmtTime(t)) + ")", true
	}
	lit, ok := literal.Text(v)
	if !ok {
		return "", false
	}
	if col.folded {
		lit = fold(lit)
	}
	if op == scim.OpEqual {
		if lit == "" {
			return sqlFalse, true // an empty value is absent, never equal
		}
		// Plain, so that an index serves it, alone or in an OR; a NULL
		// column makes it NULL, which not() reads as false.
		return e + " = " + c.arg(lit), true
	}
	if col.nullable {
		e = "COALESCE(" + e + ", '')"
	}
	return c.stringOp(e, op, lit)
}

var orderOps = map[scim.CompareOp]string{
	scim.OpEqual: "=", scim.OpNotEqual: "<>", scim.OpGreater: ">", scim.OpGreaterOrEqual: ">=",
	scim.OpLess: "<", scim.OpLessOrEqual: "<=",
}

// stringOp compares the string expression e, binary, with lit.
func (c *compiler) stringOp(e string, op scim.CompareOp, lit string) (string, bool) {
	nonEmpty := e + " <> ''"
	switch op {
	case scim.OpEqual:
		return e + " = " + c.arg(lit), true
	case scim.OpNotEqual:
		return e + " <> " + c.arg(lit), true
	case scim.OpContains:
		return "(" + nonEmpty + " AND " + e + " LIKE " + c.arg("%"+escapeLike(lit)+"%") + " ESCAPE '\\')", true
	case scim.OpEndsWith:
		return "(" + nonEmpty + " AND " + e + " LIKE " + c.arg("%"+escapeLike(lit)) + " ESCAPE '\\')", true
	case scim.OpStartsWith:
		if lit == "" {
			return nonEmpty, true
		}
		// The range lets either database use a btree index on e. When it
		// holds exactly the strings with the prefix, it is the whole
		// condition: a LIKE beside it would double the cost of counting
		// the matches. Otherwise LIKE keeps the condition exact.
		cond := "(" + e + " >= " + c.arg(lit)
		hi, ok := prefixEnd(lit)
		if ok {
			cond += " AND " + e + " < " + c.arg(hi)
		}
		if ok && exactPrefixRange(lit, hi) {
			return cond + ")", true
		}
		return cond + " AND " + e + " LIKE " + c.arg(escapeLike(lit)+"%") + " ESCAPE '\\')", true
	}
	if sqlOp, ok := orderOps[op]; ok {
		return "(" + nonEmpty + " AND " + e + " " + sqlOp + " " + c.arg(lit) + ")", true
	}
	return "", false
}

// escapeLike escapes LIKE's wildcards and the escape character itself.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// prefixEnd returns the least string greater than every string with the
// prefix p in code-point (UTF-8 byte) order: p with its last rune
// incremented.
func prefixEnd(p string) (string, bool) {
	for len(p) > 0 {
		r, size := utf8.DecodeLastRuneInString(p)
		p = p[:len(p)-size]
		if r == utf8.MaxRune || r == utf8.RuneError && size == 1 {
			continue
		}
		r++
		if r >= 0xD800 && r <= 0xDFFF {
			r = 0xE000
		}
		return p + string(r), true
	}
	return "", false
}

// exactPrefixRange reports whether [p, hi) holds exactly the byte strings
// that start with p: true when hi is p with its last byte incremented.
// Then a string in the range shares all of p but the last byte, and its
// next byte is that last byte, whatever the bytes (valid UTF-8 or not).
// When incrementing the last rune carries into a longer encoding (U+007F,
// a continuation byte 0xBF), the range also holds strings that only
// invalid UTF-8 could start, so LIKE must stay.
func exactPrefixRange(p, hi string) bool {
	n := len(p)
	return n > 0 && len(hi) == n && hi[:n-1] == p[:n-1] && hi[n-1] == p[n-1]+1
}

func boolValue(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(x) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// custom compiles a comparison of a Peakon custom attribute, with the
// same rules: an empty or missing value is absent.
func (c *compiler) custom(a *scim.Attribute, op scim.CompareOp, v any) (string, bool) {
	switch {
	case op == scim.OpPresent || v == nil && op == scim.OpNotEqual:
		return c.customIn(a, func() (string, bool) { return "x.value <> ''", true })
	case v == nil && op == scim.OpEqual:
		pr, _ := c.customIn(a, func() (string, bool) { return "x.value <> ''", true })
		return "NOT " + pr, true
	case v == nil:
		return "", false
	case op == scim.OpNotEqual:
		if eq, ok := c.customIn(a, func() (string, bool) { return c.customCond(a, scim.OpEqual, v) }); ok {
			return "NOT " + eq, true
		}
		return "", false
	}
	return c.customIn(a, func() (string, bool) { return c.customCond(a, op, v) })
}

// customIn wraps cond as "the user has a value of a such that".
func (c *compiler) customIn(a *scim.Attribute, cond func() (string, bool)) (string, bool) {
	mark := len(c.args)
	// The name's argument is emitted first: arguments are positional.
	var head string
	if c.correlated {
		head = "EXISTS (SELECT 1 FROM user_custom x WHERE x.company = u.company AND x.user_id = u.id AND x.name = " + c.arg(a.Name) + " AND "
	} else {
		head = "u.id IN (SELECT x.user_id FROM user_custom x WHERE x.company = " + c.arg(c.tenant) + " AND x.name = " + c.arg(a.Name) + " AND "
	}
	in, ok := cond()
	if !ok {
		c.args = c.args[:mark]
		return "", false
	}
	return head + in + ")", true
}

func (c *compiler) customCond(a *scim.Attribute, op scim.CompareOp, v any) (string, bool) {
	lit, _ := literal.Text(v)
	switch a.Type {
	case scim.TypeDateTime:
		d, ok := literal.Date(lit)
		sqlOp, ok2 := orderOps[op]
		if !ok || !ok2 {
			return "", false
		}
		return "x.value <> '' AND x.value " + sqlOp + " " + c.arg(d), true
	case scim.TypeInteger, scim.TypeDecimal:
		n, err := strconv.ParseFloat(strings.TrimSpace(lit), 64)
		sqlOp, ok := orderOps[op]
		if err != nil || !ok {
			return "", false
		}
		return "x.num IS NOT NULL AND x.num " + sqlOp + " " + c.arg(n), true
	}
	e := "x.value"
	if !a.CaseExact {
		e, lit = "x.value_f", fold(lit)
	}
	if op == scim.OpEqual && lit == "" {
		return sqlFalse, true
	}
	return c.stringOp(e, op, lit)
}

// sortKey returns the ORDER BY terms for q's sort, and any join it needs,
// or ok false when the sort is done in Go.
func (c *compiler) sortKey(q *scim.Query) (join, order string, ok bool) {
	if q.SortBy == nil {
		// Query.Compare's order without sortBy: by id. When an equality
		// narrows the result to a few rows, SQLite must find them by that
		// equality's index and sort them, not walk the id index in order
		// testing every user (its planner prefers the walk for ORDER BY
		// ... LIMIT): the unary plus keeps the id index out of the plan.
		if selective(q.Filter) {
			if c.pg {
				// The same for PostgreSQL's generic plan of a prepared
				// statement, which does not see the value: concatenating
				// '' sorts the same but cannot come from the id index.
				return "", "u.id || ''", true
			}
			return "", "+u.id", true
		}
		// A range over an indexed column (name.familyName sw "A",
		// meta.lastModified gt ...) would otherwise read and sort every
		// match to cut one page by id. Without sortBy the order is the
		// store's to choose (scim.Query); following that column's index,
		// then id, is as stable, and lets LIMIT stop the scan.
		if col := rangeColumn(q.Filter); col != "" {
			return "", col + ", u.id", true
		}
		return "", "u.id", true
	}
	a, sub := q.SortBy.Attr, q.SortBy.SubAttr
	var key, absent string
	switch {
	case a.Custom:
		join = " LEFT JOIN user_custom sc ON sc.company = u.company AND sc.user_id = u.id AND sc.name = " + c.arg(a.Name)
		absent = "COALESCE(sc.value, '') = ''"
		switch a.CustomType {
		case scim.CustomNumber:
			key = "sc.num"
		case scim.CustomDate:
			key = "sc.value"
		default:
			key = "sc.value_f"
		}
	case isMultiAttr(a):
		sub = a.Leaf(sub)
		col, found := elementColumn(sub)
		if !found || col.kind != 's' {
			return "", "", false
		}
		// The attribute name is one of multiAttrs' constants, not client
		// input; inlining it keeps the ORDER BY free of arguments, which
		// would otherwise have to follow the WHERE clause's.
		key = "(SELECT " + col.expr + " FROM user_values v WHERE v.company = u.company AND v.user_id = u.id AND v.attr = '" + a.Name + "' ORDER BY v.is_primary DESC, v.idx LIMIT 1)"
		key = "COALESCE(" + key + ", '')"
		absent = key + " = ''"
	default:
		leaf := a.Leaf(sub)
		col, found := columns[leaf.Path()]
		if !found || col.kind == 's' && col.folded == leaf.CaseExact {
			return "", "", false
		}
		key = col.expr
		switch col.kind {
		case 'b':
			absent = sqlFalse
		case 't':
			absent = key + " IS NULL"
		default:
			if col.nullable {
				key = "COALESCE(" + key + ", '')"
			}
			absent = key + " = ''"
		}
	}
	dir := " ASC"
	if q.Descending {
		dir = " DESC"
	}
	// Ties always break on id ascending, as Query.Compare does. Absent
	// values sort last ascending (and so first descending); all absent
	// values have the same key ('' or NULL), so among them id decides.
	order = key + dir + ", u.id ASC"
	if !presentImplied(q.Filter, q.SortBy) {
		order = "(CASE WHEN " + absent + " THEN 1 ELSE 0 END)" + dir + ", " + order
	}
	return join, order, true
}

// orderIndexes are the columns with an index on (company, column, id),
// which can deliver matches in (column, id) order. (manager_id has one too,
// but its ranges compare COALESCE(manager_id, ”), which no index serves.)
var orderIndexes = map[string]bool{
	"u.family_name_f": true, "u.given_name_f": true, "u.display_name_f": true,
	"u.employee_number_f": true, "u.created": true, "u.last_modified": true,
}

// rangeColumn returns the indexed column that a comparison with a value
// (sw, gt, ge, lt, le) in f's top-level "and" chain ranges over, or "".
func rangeColumn(f scim.Filter) string {
	switch n := f.(type) {
	case *scim.LogicalExpr:
		if n.Op != "and" {
			return ""
		}
		if col := rangeColumn(n.Left); col != "" {
			return col
		}
		return rangeColumn(n.Right)
	case *scim.AttrExpr:
		switch n.Op {
		case scim.OpStartsWith, scim.OpGreater, scim.OpGreaterOrEqual, scim.OpLess, scim.OpLessOrEqual:
		default:
			return ""
		}
		a := n.Path.Attr
		if n.Value == nil || a.Custom || a.MultiValued || n.Path.SubAttr == nil && a.Type == scim.TypeComplex {
			return ""
		}
		leaf := a
		if n.Path.SubAttr != nil {
			leaf = n.Path.SubAttr
		}
		col, ok := columns[leaf.Path()]
		if !ok || !orderIndexes[col.expr] || col.kind == 's' && col.folded == leaf.CaseExact {
			return ""
		}
		return col.expr
	}
	return ""
}

// uniqueLookup reports whether f's top-level "and" chain holds an
// equality on an attribute the model declares unique (id, userName; not
// externalId): at most one user matches.
func uniqueLookup(f scim.Filter) bool {
	switch n := f.(type) {
	case *scim.LogicalExpr:
		return n.Op == "and" && (uniqueLookup(n.Left) || uniqueLookup(n.Right))
	case *scim.AttrExpr:
		v, ok := n.Value.(string)
		a := n.Path.Attr
		return ok && v != "" && n.Op == scim.OpEqual && n.Path.SubAttr == nil && a.Schema == scim.SchemaUser &&
			!a.MultiValued && a.Uniqueness != "" && a.Uniqueness != scim.UniquenessNone
	}
	return false
}

// selective reports whether f holds an equality with a value in every
// branch, which an index can answer with few rows.
func selective(f scim.Filter) bool {
	switch n := f.(type) {
	case *scim.LogicalExpr:
		if n.Op == "and" {
			return selective(n.Left) || selective(n.Right)
		}
		return selective(n.Left) && selective(n.Right)
	case *scim.ValuePathExpr:
		return selective(n.Filter)
	case *scim.AttrExpr:
		v, ok := n.Value.(string)
		return ok && v != "" && n.Op == scim.OpEqual
	}
	return false
}

// presentImplied reports whether every user matching f has a value for
// the sort path: then the "absent last" term can go, and an index on the
// sort column can deliver the order and stop at LIMIT.
func presentImplied(f scim.Filter, p *scim.AttrPath) bool {
	switch n := f.(type) {
	case *scim.LogicalExpr:
		return n.Op == "and" && (presentImplied(n.Left, p) || presentImplied(n.Right, p))
	case *scim.AttrExpr:
		if n.Path.Attr != p.Attr || n.Path.SubAttr != p.SubAttr || p.Attr.MultiValued || p.Attr.Custom {
			return false
		}
		switch n.Op {
		case scim.OpStartsWith, scim.OpEndsWith, scim.OpContains, scim.OpGreater, scim.OpGreaterOrEqual, scim.OpLess, scim.OpLessOrEqual, scim.OpPresent:
			return true
		case scim.OpEqual:
			s, ok := n.Value.(string)
			return ok && s != ""
		}
	}
	return false
}

// ListUsers implements scim.Store. The filter, sort and page are pushed
// down when they all compile to SQL; otherwise the compiled part narrows a
// streaming scan evaluated with q.Matches and q.Compare.
func (s *Store) listUsers(ctx context.Context, tenant string, q *scim.Query) (*scim.Page, error) {
	sq := s.compile(tenant, q)
	if sq.exact {
		return s.listPushed(ctx, sq, q)
	}
	return s.listScan(ctx, sq, q)
}

type sqlQuery struct {
	tenant             string
	from, where, order string
	args               []any
	nJoin              int  // args[:nJoin] belong to the join in from
	exact              bool // filter and sort both in SQL
	sorted             bool // order is q's order
	indexOrder         bool // an index on the filtered column gives the order
}

func (s *Store) compile(tenant string, q *scim.Query) sqlQuery {
	c := &compiler{pg: s.d == postgres, tenant: tenant, correlated: uniqueLookup(q.Filter)}
	join, order, sorted := c.sortKey(q)
	if !sorted {
		join, order = "", "u.id"
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
	return sqlQuery{tenant: tenant, from: "users u" + join, where: where, order: order, args: c.args, nJoin: nJoin,
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
	p := q.Pager(sq.sorted)
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
	return p.Page(), nil
}

// parseDateTime reads a filter's date-time literal as the matcher does:
// RFC 3339, or without an offset (UTC), or a bare date.
func parseDateTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// scanDoc decodes the user document of the current row.
func scanDoc(rows *sql.Rows) (*scim.User, error) {
	var doc string
	if err := rows.Scan(&doc); err != nil {
		return nil, err
	}
	return decodeDoc(doc)
}
