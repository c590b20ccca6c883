package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/scimkit/scim"
)

// The users table has a column for every singular attribute of the core
// and enterprise schemas that a filter or sortBy can name, and
// user_values a row for every element of the multi-valued attributes
// shaped like emails. Both are derived here from the attribute model, so
// that an attribute added to the model is stored, filtered and sorted
// with no further edit here; its column comes with a migration, which
// Open checks for.

// column describes how a singular attribute is stored in users.
type column struct {
	expr   string
	kind   byte // 's' string, 'b' boolean, 't' date-time
	folded bool // holds fold(value): only for attributes with caseExact false
	// nullable: NULL means "" (externalId, so that its index skips
	// absent ones; manager.value on PostgreSQL, for its plans)
	nullable bool
}

// userColumn is a column of users and the attribute it holds.
type userColumn struct {
	name string
	attr *scim.Attribute
	column
}

// multiAttr is a multi-valued attribute whose elements are
// scim.MultiValue; its elements are rows of user_values.
type multiAttr struct {
	name string
	attr *scim.Attribute
}

var (
	// columns maps an attribute's Path() to its column. Attributes
	// without one (addresses, groups, custom attributes) are filtered in
	// Go after a pushed-down prefilter, never silently dropped.
	columns = map[string]column{}
	// userColumns are the columns of users after company and id, in
	// insert order; userColumns names them, then doc.
	userColumnsByAttr []userColumn
	userColumns       string
	// uniqueColumns hold the attributes the model declares unique, id
	// aside (the key): a violation of their index is a conflict on them.
	uniqueColumns []userColumn
	multiAttrs    []multiAttr
)

// renamedColumns are the columns the first schema named otherwise than
// columnName would: migrations never rename a column.
var renamedColumns = map[string]string{
	scim.SchemaEnterpriseUser + ":manager.value":       "manager_id",
	scim.SchemaEnterpriseUser + ":manager.displayName": "manager_name_f",
}

func init() {
	m := scim.NewModel(nil)
	for _, s := range []*scim.Schema{m.Core(), m.Enterprise()} {
		for _, a := range s.Attributes {
			if a.MultiValued {
				if v, ok := a.Value(&scim.User{}); ok {
					if _, ok := v.([]scim.MultiValue); ok {
						multiAttrs = append(multiAttrs, multiAttr{a.Name, a})
					}
				}
				continue
			}
			if a.Type != scim.TypeComplex {
				addColumn(a)
				continue
			}
			for _, sub := range a.SubAttributes {
				addColumn(sub)
			}
		}
	}
	names := make([]string, 0, len(userColumnsByAttr)+1)
	for _, c := range userColumnsByAttr {
		names = append(names, c.name)
	}
	userColumns = strings.Join(append(names, "doc"), ", ")
}

// addColumn gives a the column of users its type calls for, if any.
func addColumn(a *scim.Attribute) {
	if _, ok := a.Value(&scim.User{}); !ok || a.MultiValued {
		return // password: never stored as such
	}
	var c column
	switch a.Type {
	case scim.TypeString, scim.TypeReference:
		// An exact value a client sets that need not be unique may be
		// absent and is looked up by equality: NULL keeps the absent
		// ones out of its index.
		c = column{kind: 's', folded: !a.CaseExact,
			nullable: a.CaseExact && a.Mutability == scim.ReadWrite && (a.Uniqueness == "" || a.Uniqueness == scim.UniquenessNone)}
	case scim.TypeBoolean:
		c = column{kind: 'b'}
	case scim.TypeDateTime:
		c = column{kind: 't', nullable: true}
	default:
		return
	}
	name := columnName(a, c.folded)
	c.expr = "u." + name
	columns[a.Path()] = c
	if a.Name == "id" && a.Parent() == nil {
		return // the key, beside company
	}
	uc := userColumn{name, a, c}
	userColumnsByAttr = append(userColumnsByAttr, uc)
	if a.Uniqueness == scim.UniquenessServer || a.Uniqueness == scim.UniquenessGlobal {
		uniqueColumns = append(uniqueColumns, uc)
	}
}

// columnName is the attribute's name in snake case ("$ref" as "ref"),
// after its parent's for sub-attributes of an extension's complex
// attribute, and "_f" last for a folded value.
func columnName(a *scim.Attribute, folded bool) string {
	if n, ok := renamedColumns[a.Path()]; ok {
		return n
	}
	name := snake(a.Name)
	if p := a.Parent(); p != nil && p.Schema != scim.SchemaUser {
		name = snake(p.Name) + "_" + name
	}
	if folded {
		name += "_f"
	}
	return name
}

func snake(name string) string {
	var b strings.Builder
	for i, r := range strings.TrimPrefix(name, "$") {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// userValues are the values of userColumns for u, doc last. A column the
// database lets be NULL holds NULL for an absent nullable value (on
// SQLite manager_id is NOT NULL and holds "").
func (s *Store) userValues(u *scim.User, doc []byte) []any {
	out := make([]any, 0, len(userColumnsByAttr)+1)
	for _, c := range userColumnsByAttr {
		v, _ := c.attr.Value(u)
		switch c.kind {
		case 'b':
			out = append(out, boolInt(v.(bool)))
		case 't':
			out = append(out, nullTime(v.(time.Time)))
		default:
			// v already holds the string: appending it, rather than str,
			// saves boxing it a second time (an allocation a column).
			str := v.(string)
			switch {
			case str == "" && c.nullable && s.nullCols[c.name]:
				out = append(out, nil)
			case c.folded:
				if f := fold(str); f != str {
					out = append(out, f)
				} else {
					out = append(out, v)
				}
			default:
				out = append(out, v)
			}
		}
	}
	return append(out, string(doc)) // pgx encodes text into jsonb
}

// values returns the elements of m in u.
func (m multiAttr) values(u *scim.User) []scim.MultiValue {
	v, _ := m.attr.Value(u)
	return v.([]scim.MultiValue)
}

func isMultiAttr(a *scim.Attribute) bool {
	if a == nil || a.Schema != scim.SchemaUser || a.Parent() != nil {
		return false
	}
	for _, m := range multiAttrs {
		if m.name == a.Name {
			return true
		}
	}
	return false
}

// readColumns checks that users has a column for every attribute (an
// attribute added to the model needs a migration adding its column) and
// records those that may hold NULL.
func (s *Store) readColumns(ctx context.Context) error {
	text := `SELECT name, "notnull" = 0 FROM pragma_table_info('users')`
	if s.d == postgres {
		text = `SELECT column_name, is_nullable = 'YES' FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'users'`
	}
	rows, err := s.w.QueryContext(ctx, text)
	if err != nil {
		return fmt.Errorf("sqlstore: reading the columns of users: %w", err)
	}
	defer rows.Close()
	have := make(map[string]bool)
	s.nullCols = make(map[string]bool)
	for rows.Next() {
		var name string
		var null bool
		if err := rows.Scan(&name, &null); err != nil {
			return err
		}
		have[name] = true
		if null {
			s.nullCols[name] = true
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range userColumnsByAttr {
		if !have[c.name] {
			return fmt.Errorf("sqlstore: the users table has no column %s for the attribute %s: a migration must add it", c.name, c.attr.Path())
		}
	}
	return nil
}
