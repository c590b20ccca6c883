package scim

import (
	"cmp"
	"net/http"
	"strings"
	"time"
)

// GroupQuery is a group list request as a store receives it. Build one
// with [NewGroupQuery]. Filters name id, externalId, displayName,
// meta.created, meta.lastModified, and members (members, members.value,
// members[value eq "..."]) with eq only: membership is tested member by
// member, never by reading the member list.
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
}

// groupAttr is a filterable group attribute.
type groupAttr int

const (
	gaID groupAttr = iota + 1
	gaExternalID
	gaDisplayName
	gaCreated
	gaLastModified
	gaMembers
)

var groupAttrs = map[string]groupAttr{
	"id": gaID, "externalid": gaExternalID, "displayname": gaDisplayName,
	"meta.created": gaCreated, "meta.lastmodified": gaLastModified,
	"members": gaMembers, "members.value": gaMembers,
}

var groupAttrNames = map[groupAttr]string{
	gaID: "id", gaExternalID: "externalId", gaDisplayName: "displayName",
	gaCreated: "meta.created", gaLastModified: "meta.lastModified",
}

// groupPathAttr resolves a filter path against the Group schema.
func groupPathAttr(p AttrPath) (groupAttr, bool) {
	if p.URN != "" && !strings.EqualFold(p.URN, SchemaGroup) {
		return 0, false
	}
	name := strings.ToLower(p.Name)
	if p.Sub != "" {
		name += "." + strings.ToLower(p.Sub)
	}
	a, ok := groupAttrs[name]
	return a, ok
}

// NewGroupQuery builds a group query from the list parameters as a client
// sends them, checking the filter and sortBy against the Group schema.
func NewGroupQuery(filter, sortBy, sortOrder string, startIndex, count int) (*GroupQuery, error) {
	q := &GroupQuery{StartIndex: max(startIndex, 1), Count: max(count, 0)}
	if strings.TrimSpace(filter) != "" {
		f, err := ParseFilter(filter)
		if err != nil {
			return nil, err
		}
		if err := checkGroupFilter(f); err != nil {
			return nil, err
		}
		q.Filter = f
	}
	switch {
	case sortOrder == "" || strings.EqualFold(sortOrder, "ascending"):
	case strings.EqualFold(sortOrder, "descending"):
		q.Descending = true
	default:
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "sortOrder must be \"ascending\" or \"descending\", not %q", sortOrder)
	}
	if s := strings.TrimSpace(sortBy); s != "" {
		p, ok := splitPath(s)
		a, known := groupPathAttr(p)
		if !ok || !known || a == gaMembers {
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "groups cannot be sorted by %q; sort by id, externalId, displayName, meta.created or meta.lastModified", s)
		}
		q.SortBy = groupAttrNames[a]
	}
	return q, nil
}

func checkGroupFilter(f Filter) error {
	switch n := f.(type) {
	case *LogicalExpr:
		if err := checkGroupFilter(n.Left); err != nil {
			return err
		}
		return checkGroupFilter(n.Right)
	case *NotExpr:
		return checkGroupFilter(n.Filter)
	case *ValuePathExpr:
		if a, ok := groupPathAttr(n.Path); !ok || a != gaMembers || n.Path.Sub != "" {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "%s: groups have no multi-valued attribute but members", n.Path)
		}
		inner, ok := n.Filter.(*AttrExpr)
		if !ok || !strings.EqualFold(inner.Path.Name, "value") || inner.Path.Sub != "" || inner.Path.URN != "" {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "members can be filtered only as members[value eq \"<id>\"]")
		}
		return checkMemberExpr(inner)
	case *AttrExpr:
		a, ok := groupPathAttr(n.Path)
		if !ok {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "groups cannot be filtered by %s; use id, externalId, displayName, meta.created, meta.lastModified or members", n.Path)
		}
		if a == gaMembers {
			return checkMemberExpr(n)
		}
		if n.Op == OpPresent {
			return nil
		}
		s, ok := n.Value.(string)
		if !ok {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "%s compares with a string, not %s", n.Path, formatValue(n.Value))
		}
		if a == gaCreated || a == gaLastModified {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				return Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "%s compares with a date-time such as 2026-01-02T15:04:05Z, not %q", n.Path, s)
			}
		}
	}
	return nil
}

func checkMemberExpr(n *AttrExpr) error {
	if _, ok := n.Value.(string); !ok || n.Op != OpEqual {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "members can be filtered only with eq and a member id (members eq \"<id>\")")
	}
	return nil
}

// Matches reports whether g satisfies the query's filter; isMember reports
// whether a value is a member of g.
func (q *GroupQuery) Matches(g *Group, isMember func(value string) bool) bool {
	return q.Filter == nil || matchGroup(q.Filter, g, isMember)
}

func matchGroup(f Filter, g *Group, isMember func(string) bool) bool {
	switch n := f.(type) {
	case *LogicalExpr:
		if n.Op == "and" {
			return matchGroup(n.Left, g, isMember) && matchGroup(n.Right, g, isMember)
		}
		return matchGroup(n.Left, g, isMember) || matchGroup(n.Right, g, isMember)
	case *NotExpr:
		return !matchGroup(n.Filter, g, isMember)
	case *ValuePathExpr:
		v, _ := n.Filter.(*AttrExpr).Value.(string)
		return isMember(v)
	case *AttrExpr:
		a, _ := groupPathAttr(n.Path)
		if a == gaMembers {
			v, _ := n.Value.(string)
			return isMember(v)
		}
		s := groupAttrValue(g, a)
		if n.Op == OpPresent {
			return s != ""
		}
		lit, _ := n.Value.(string)
		if a == gaCreated || a == gaLastModified {
			t, _ := time.Parse(time.RFC3339Nano, lit)
			tm := g.Meta.Created
			if a == gaLastModified {
				tm = g.Meta.LastModified
			}
			return compareResult(n.Op, tm.Compare(t), false, "", "")
		}
		if a == gaDisplayName { // caseExact false
			s, lit = strings.ToLower(s), strings.ToLower(lit)
		}
		return compareResult(n.Op, strings.Compare(s, lit), true, s, lit)
	}
	return false
}

// compareResult applies a comparison operator given the ordering c of the
// value against the literal (and, for the string operators, both strings).
func compareResult(op CompareOp, c int, str bool, s, lit string) bool {
	switch op {
	case OpContains:
		return str && strings.Contains(s, lit)
	case OpStartsWith:
		return str && strings.HasPrefix(s, lit)
	case OpEndsWith:
		return str && strings.HasSuffix(s, lit)
	}
	return ordered(op, c) // match.go
}

func groupAttrValue(g *Group, a groupAttr) string {
	switch a {
	case gaID:
		return g.ID
	case gaExternalID:
		return g.ExternalID
	case gaDisplayName:
		return g.DisplayName
	case gaCreated:
		return g.Meta.Created.String()
	case gaLastModified:
		return g.Meta.LastModified.String()
	}
	return ""
}

// Compare orders two groups as q.SortBy and q.Descending ask; ties are
// broken by id, so paging is stable. Without SortBy it compares ids.
func (q *GroupQuery) Compare(a, b *Group) int {
	c := 0
	switch q.SortBy {
	case "externalId":
		c = cmp.Compare(a.ExternalID, b.ExternalID)
	case "displayName":
		c = cmp.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	case "meta.created":
		c = a.Meta.Created.Compare(b.Meta.Created)
	case "meta.lastModified":
		c = a.Meta.LastModified.Compare(b.Meta.LastModified)
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
func (q *GroupQuery) MemberValues() []string { return andTerms(q.Filter, gaMembers) }

// EqualityValue returns the literal of an attribute's eq test that the
// filter requires (alone or as a top-level "and" term), for a store to
// narrow by an index: attr is "id", "externalId" or "displayName".
func (q *GroupQuery) EqualityValue(attr string) (string, bool) {
	for a, n := range groupAttrNames {
		if n == attr {
			if v := andTerms(q.Filter, a); len(v) > 0 {
				return v[0], true
			}
		}
	}
	return "", false
}

func andTerms(f Filter, want groupAttr) []string {
	switch n := f.(type) {
	case *LogicalExpr:
		if n.Op != "and" {
			return nil
		}
		return append(andTerms(n.Left, want), andTerms(n.Right, want)...)
	case *ValuePathExpr:
		if want == gaMembers {
			v, _ := n.Filter.(*AttrExpr).Value.(string)
			return []string{v}
		}
	case *AttrExpr:
		if a, _ := groupPathAttr(n.Path); a == want && n.Op == OpEqual {
			if v, ok := n.Value.(string); ok {
				return []string{v}
			}
		}
	}
	return nil
}
