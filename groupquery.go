package scim

import (
	"net/http"
	"reflect"
	"strings"
)

// groupModel is the Group schema as a [Model]: a group's plain attributes
// (id, externalId, displayName, meta) resolve, filter, sort and decode
// through the machinery users' do, reading the [Group] struct through the
// fields groupSchema binds. Groups have no extensions. Members stay
// special: a stored group does not hold them (they are rows, streamed), so
// member tests and member PATCH are the group files' own.
var groupModel = &Model{core: groupSchema, enterprise: &Schema{}, peakon: &Schema{}}

// GroupQuery is a group list request as a store receives it. Build one
// with [NewGroupQuery]. Filters name id, externalId, displayName,
// meta.created, meta.lastModified, meta.version, and members (members,
// members.value, members[value eq "..."]) with eq only: membership is
// tested member by member, never by reading the member list.
type GroupQuery struct {
	// Filter is the parsed filter, or nil for all groups.
	Filter Filter
	// SortBy is the canonical name of the sort attribute (id, externalId,
	// displayName, meta.created, meta.lastModified), or "" for the
	// store's own stable order.
	SortBy     string
	Descending bool
	// StartIndex is the 1-based index of the first result (at least 1);
	// Count the page size (at least 0).
	StartIndex int
	Count      int
	// Cursor asks for a page by position (RFC 9865 cursor paging), as
	// [Query.Cursor] does for users: the first Count matches after After
	// in Compare's order (or the store's own order without SortBy),
	// StartIndex 1, Total still counting every match, and the store sets
	// GroupPage.Next. A store reads by keyset, so that a page costs the
	// same at any depth and a group that exists for the whole walk is on
	// exactly one page while others are created and deleted;
	// [GroupQuery.CursorPage] does this for stores that evaluate in Go.
	Cursor bool
	// After is where a cursor page starts: "" for the first match, else a
	// GroupPage.Next this store returned for the same query. A position
	// the store cannot read is [ErrInvalidPosition].
	After string

	match groupEval // compiled Filter; nil until needed
}

// groupEval evaluates a compiled group filter on a [Group] struct.
type groupEval func(g reflect.Value, isMember func(string) bool) bool

// NewGroupQuery builds a group query from the list parameters as a client
// sends them, checking the filter and sortBy against the Group schema.
func NewGroupQuery(filter, sortBy, sortOrder string, startIndex, count int) (*GroupQuery, error) {
	q := &GroupQuery{StartIndex: max(startIndex, 1), Count: max(count, 0)}
	if strings.TrimSpace(filter) != "" {
		f, err := ParseFilter(filter)
		if err != nil {
			return nil, err
		}
		if q.match, err = compileGroupFilter(f); err != nil {
			return nil, err
		}
		q.Filter = f
	}
	desc, err := parseSortOrder(sortOrder)
	if err != nil {
		return nil, err
	}
	q.Descending = desc
	if s := strings.TrimSpace(sortBy); s != "" {
		name, ok := groupSortName(s)
		if !ok {
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "groups cannot be sorted by %q; sort by id, externalId, displayName, meta.created or meta.lastModified", s)
		}
		q.SortBy = name
	}
	return q, nil
}

// groupLeaf resolves a path naming one of a group's plain values through
// groupModel: the attribute and its sub-attribute (meta's), or ok false
// for members, complex attributes without a sub-attribute, and what a
// stored group does not hold (meta.location is rendered, not stored).
func groupLeaf(p AttrPath) (a, sub *Attribute, ok bool) {
	if err := groupModel.resolvePath(&p); err != nil || p.Attr == membersAttr {
		return nil, nil, false
	}
	a, sub = p.Attr, p.SubAttr
	if a.Type == TypeComplex && (sub == nil || sub.Name == "location") {
		return nil, nil, false
	}
	return a, sub, true
}

// leafName is the canonical name of a resolved plain path: "displayName",
// "meta.created".
func leafName(a, sub *Attribute) string {
	if sub != nil {
		return a.Name + "." + sub.Name
	}
	return a.Name
}

// groupSortName resolves sortBy to its canonical name.
func groupSortName(sortBy string) (string, bool) {
	p, ok := splitPath(sortBy)
	if !ok {
		return "", false
	}
	a, sub, ok := groupLeaf(p)
	if !ok {
		return "", false
	}
	return leafName(a, sub), true
}

// groupSorts holds a comparator per canonical sort name, built from the
// model once.
var groupSorts = func() map[string]func(x, y reflect.Value) int {
	m := map[string]func(x, y reflect.Value) int{}
	for _, a := range groupSchema.Attributes {
		switch {
		case a == membersAttr:
		case a.Type == TypeComplex:
			for _, sub := range a.SubAttributes {
				if _, _, ok := groupLeaf(AttrPath{Name: a.Name, Sub: sub.Name}); ok {
					m[leafName(a, sub)] = fieldCompare(a, sub)
				}
			}
		default:
			m[a.Name] = fieldCompare(a, nil)
		}
	}
	return m
}()

// isMemberPath reports whether p names members or members.value.
func isMemberPath(p AttrPath) bool {
	if p.URN != "" && !strings.EqualFold(p.URN, SchemaGroup) {
		return false
	}
	return strings.EqualFold(p.Name, membersAttr.Name) && (p.Sub == "" || strings.EqualFold(p.Sub, "value"))
}

// memberTest returns the member id a filter node tests (members eq "x",
// members.value eq "x", members[value eq "x"]) once checked by
// compileGroupFilter.
func memberTest(f Filter) (string, bool) {
	switch n := f.(type) {
	case *ValuePathExpr:
		if e, ok := n.Filter.(*AttrExpr); ok && isMemberPath(n.Path) && n.Path.Sub == "" && e.Op == OpEqual {
			v, ok := e.Value.(string)
			return v, ok
		}
	case *AttrExpr:
		if isMemberPath(n.Path) && n.Op == OpEqual {
			v, ok := n.Value.(string)
			return v, ok
		}
	}
	return "", false
}

// compileGroupFilter checks a group filter and compiles it: member tests
// ask isMember, every other comparison is the model's (compileCompare),
// read from the group's fields.
func compileGroupFilter(f Filter) (groupEval, error) {
	switch n := f.(type) {
	case *LogicalExpr:
		l, err := compileGroupFilter(n.Left)
		if err != nil {
			return nil, err
		}
		r, err := compileGroupFilter(n.Right)
		if err != nil {
			return nil, err
		}
		if n.Op == "and" {
			return func(g reflect.Value, m func(string) bool) bool { return l(g, m) && r(g, m) }, nil
		}
		return func(g reflect.Value, m func(string) bool) bool { return l(g, m) || r(g, m) }, nil
	case *NotExpr:
		e, err := compileGroupFilter(n.Filter)
		if err != nil {
			return nil, err
		}
		return func(g reflect.Value, m func(string) bool) bool { return !e(g, m) }, nil
	case *ValuePathExpr:
		if !isMemberPath(n.Path) || n.Path.Sub != "" {
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "%s: groups have no multi-valued attribute but members", n.Path)
		}
		inner, ok := n.Filter.(*AttrExpr)
		if !ok || !strings.EqualFold(inner.Path.Name, "value") || inner.Path.Sub != "" || inner.Path.URN != "" {
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "members can be filtered only as members[value eq \"<id>\"]")
		}
		return memberEval(inner)
	case *AttrExpr:
		if isMemberPath(n.Path) {
			return memberEval(n)
		}
		a, sub, ok := groupLeaf(n.Path)
		if !ok {
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "groups cannot be filtered by %s; use id, externalId, displayName, meta.created, meta.lastModified or members", n.Path)
		}
		if n.Op != OpPresent {
			if _, ok := n.Value.(string); !ok {
				return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "%s compares with a string, not %s", n.Path, formatValue(n.Value))
			}
		}
		c := *n
		c.Path.Attr, c.Path.SubAttr = a, sub
		ev, err := groupModel.compileCompare(&c, nil)
		if err != nil {
			return nil, err
		}
		return func(g reflect.Value, _ func(string) bool) bool { return ev(g) }, nil
	}
	return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "unsupported expression %T", f)
}

func memberEval(n *AttrExpr) (groupEval, error) {
	v, ok := n.Value.(string)
	if !ok || n.Op != OpEqual {
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "members can be filtered only with eq and a member id (members eq \"<id>\")")
	}
	return func(_ reflect.Value, isMember func(string) bool) bool { return isMember(v) }, nil
}

// Matches reports whether g satisfies the query's filter; isMember reports
// whether a value is a member of g.
func (q *GroupQuery) Matches(g *Group, isMember func(value string) bool) bool {
	if q.Filter == nil {
		return true
	}
	if q.match == nil { // a query built by hand
		ev, err := compileGroupFilter(q.Filter)
		if err != nil {
			return false
		}
		q.match = ev
	}
	return q.match(reflect.ValueOf(g).Elem(), isMember)
}

// Bounds returns how many matches the page skips (StartIndex-1) and how
// many it holds at most (Count), both at least 0, as [Query.Bounds] does.
func (q *GroupQuery) Bounds() (skip, count int) {
	if q.StartIndex > 1 {
		skip = q.StartIndex - 1
	}
	return skip, max(q.Count, 0)
}

// MaxGroupMemberTests bounds the member tests one group list query may
// ask of a store: the distinct member ids its filter tests, times the
// groups that are candidates for it. Past it, [GroupQuery.MatchGroups] is
// 400 invalidFilter: a filter such as members eq "a" or members eq "b" or
// ... over every group of a large company costs that many index probes.
const MaxGroupMemberTests = 1_000_000

// groupMatchPage is how many candidates MatchGroups asks memberships
// about at once.
const groupMatchPage = 500

// MemberTests returns the distinct member ids the filter tests, anywhere
// in it (under or and not too), in the order they first appear.
func (q *GroupQuery) MemberTests() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(Filter)
	walk = func(f Filter) {
		switch n := f.(type) {
		case *LogicalExpr:
			walk(n.Left)
			walk(n.Right)
		case *NotExpr:
			walk(n.Filter)
		default:
			if v, ok := memberTest(f); ok && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	walk(q.Filter)
	return out
}

// MatchGroups returns the candidates the filter matches, in their order,
// for a store that evaluates the filter in Go. The member tests are
// answered by memberships, which returns, as (group id, value) pairs,
// which of values are members of which of groupIDs: one set query per
// page of candidates (at most 500 groups), instead of a query per group
// per test. More than [MaxGroupMemberTests] tests are refused, before
// memberships is called.
func (q *GroupQuery) MatchGroups(candidates []*Group, memberships func(groupIDs, values []string) ([][2]string, error)) ([]*Group, error) {
	if q.Filter == nil {
		return candidates, nil
	}
	values := q.MemberTests()
	if n := len(values); n > 0 && len(candidates) > MaxGroupMemberTests/n {
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "the filter tests %d member ids against %d groups; at most %d such tests are answered: narrow the filter (by id, displayName or externalId, or with members eq \"<id>\" and ...) or test fewer members", n, len(candidates), MaxGroupMemberTests)
	}
	var out []*Group
	has := map[[2]string]bool{}
	for start := 0; start < len(candidates); start += groupMatchPage {
		page := candidates[start:min(len(candidates), start+groupMatchPage)]
		clear(has)
		if len(values) > 0 {
			ids := make([]string, len(page))
			for i, g := range page {
				ids[i] = g.ID
			}
			pairs, err := memberships(ids, values)
			if err != nil {
				return nil, err
			}
			for _, p := range pairs {
				has[p] = true
			}
		}
		for _, g := range page {
			if q.Matches(g, func(v string) bool { return has[[2]string{g.ID, v}] }) {
				out = append(out, g)
			}
		}
	}
	return out, nil
}

// Compare orders two groups as q.SortBy and q.Descending ask; ties are
// broken by id, so paging is stable. Without SortBy it compares ids.
// Groups without a value sort after those with one, as users do.
func (q *GroupQuery) Compare(a, b *Group) int {
	c := 0
	if cmp := groupSorts[q.SortBy]; cmp != nil && q.SortBy != "id" {
		c = cmp(reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem())
	}
	if c == 0 {
		c = strings.Compare(a.ID, b.ID)
	}
	if q.Descending {
		return -c
	}
	return c
}

// MemberValues returns the member ids the filter requires, when it is a
// member test alone or a term of a top-level "and": a store answers such
// a filter (Entra's id eq "g" and members eq "u") without scanning.
func (q *GroupQuery) MemberValues() []string {
	var out []string
	for _, t := range andTerms(q.Filter, nil) {
		if v, ok := memberTest(t); ok {
			out = append(out, v)
		}
	}
	return out
}

// EqualityValue returns the literal of an attribute's eq test that the
// filter requires (alone or as a top-level "and" term), for a store to
// narrow by an index: attr is "id", "externalId" or "displayName".
func (q *GroupQuery) EqualityValue(attr string) (string, bool) {
	want := groupSchema.Attribute(attr)
	if want == nil || want == membersAttr {
		return "", false
	}
	for _, t := range andTerms(q.Filter, nil) {
		e, ok := t.(*AttrExpr)
		if !ok || e.Op != OpEqual || isMemberPath(e.Path) {
			continue
		}
		a, sub, ok := groupLeaf(e.Path)
		if v, isStr := e.Value.(string); ok && isStr && a == want && sub == nil {
			return v, true
		}
	}
	return "", false
}

// andTerms appends the terms of f's top-level "and" (f itself when it is
// no "and") to dst.
func andTerms(f Filter, dst []Filter) []Filter {
	if n, ok := f.(*LogicalExpr); ok && n.Op == "and" {
		return andTerms(n.Right, andTerms(n.Left, dst))
	}
	if f == nil {
		return dst
	}
	return append(dst, f)
}
