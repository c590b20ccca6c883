package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/scimkit/scim"
)

// A field is what a column sets: one of the command's own (Email, Active,
// ...) or a company's custom attribute.
type field struct {
	name    string   // as the help lists it: "Email", "Manager email", or the attribute's display name
	aliases []string // further headers accepted as is
	attrs   []string // the attributes it manages (SyncOptions.Attributes)
	paths   []string // how the endpoint's messages name it, replaced by the column's name
	custom  *scim.Attribute
	set     func(u *scim.User, v string) error
	get     func(u *scim.User) string
}

const enterprise = scim.SchemaEnterpriseUser + ":"

// fields are the command's own columns, in the order the help lists them.
var fields = []*field{
	{name: "Email", aliases: []string{"Work Email", "Email Address", "Work Email Address", "Primary Email"},
		attrs: []string{"userName", "emails"}, paths: []string{"emails[0].value", "userName"},
		set: func(u *scim.User, v string) error {
			u.UserName = v
			u.Emails = []scim.MultiValue{{Value: v, Type: "work", Primary: true}}
			return nil
		},
		get: func(u *scim.User) string { return u.UserName }},
	{name: "First name", aliases: []string{"Given name"}, attrs: []string{"name.givenName"}, paths: []string{"name.givenName"},
		set: func(u *scim.User, v string) error { u.Name.GivenName = v; return nil },
		get: func(u *scim.User) string { return u.Name.GivenName }},
	{name: "Last name", aliases: []string{"Family name", "Surname"}, attrs: []string{"name.familyName"}, paths: []string{"name.familyName"},
		set: func(u *scim.User, v string) error { u.Name.FamilyName = v; return nil },
		get: func(u *scim.User) string { return u.Name.FamilyName }},
	{name: "Employee number", aliases: []string{"Employee #", "Employee No", "Employee No."},
		attrs: []string{enterprise + "employeeNumber"}, paths: []string{enterprise + "employeeNumber", "employeeNumber"},
		set: func(u *scim.User, v string) error { u.Enterprise.EmployeeNumber = v; return nil },
		get: func(u *scim.User) string { return u.Enterprise.EmployeeNumber }},
	{name: "Locale", attrs: []string{"locale"}, paths: []string{"locale"},
		set: checked(checkLocale, func(u *scim.User) *string { return &u.Locale }),
		get: func(u *scim.User) string { return u.Locale }},
	{name: "Timezone", aliases: []string{"TZ"}, attrs: []string{"timezone"}, paths: []string{"timezone"},
		set: checked(checkTimezone, func(u *scim.User) *string { return &u.Timezone }),
		get: func(u *scim.User) string { return u.Timezone }},
	{name: "External ID", aliases: []string{"Employee ID"}, attrs: []string{"externalId"}, paths: []string{"externalId"},
		set: func(u *scim.User, v string) error { u.ExternalID = v; return nil },
		get: func(u *scim.User) string { return u.ExternalID }},
	{name: "Active", aliases: []string{"Status", "Employment status"}, attrs: []string{"active"},
		set: func(u *scim.User, v string) error {
			b, err := parseActive(v)
			u.Active = b
			return err
		},
		get: func(u *scim.User) string { return fmt.Sprint(u.Active) }},
	{name: "Enterprise manager", aliases: []string{"Manager", "Manager email", "Manager email address"},
		attrs: []string{enterprise + "manager"}, paths: []string{enterprise + "manager", "manager"},
		set: func(u *scim.User, v string) error { u.Enterprise.Manager.Value = v; return nil },
		get: func(u *scim.User) string { return u.Enterprise.Manager.Value }},
}

// checked returns the setter of the string at, for values check accepts.
func checked(check func(string) error, at func(*scim.User) *string) func(*scim.User, string) error {
	return func(u *scim.User, v string) error {
		if err := check(v); err != nil {
			return err
		}
		*at(u) = v
		return nil
	}
}

// fold is how headers, -map names and attribute names are compared:
// ignoring case, spaces, underscores and hyphens.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '_', '-', '\ufeff':
			return -1
		}
		return r
	}, strings.ToLower(s))
}

// A catalog finds what a header or a -map target names: the command's
// own column by its name, then the company's custom attribute (by display
// name or alias), then the command's own column by an alias. So a Manager
// or Manager email column sets the company's custom attribute of that name
// when it has one, and the Enterprise manager otherwise; -map
// 'Manager=Enterprise manager' always reaches the Enterprise manager.
type catalog struct {
	names, aliases, custom map[string]*field
	attributes             []*scim.Attribute // the company's, in their order
}

func newCatalog(m *scim.Model) *catalog {
	c := &catalog{names: map[string]*field{}, aliases: map[string]*field{}, custom: map[string]*field{}}
	for _, f := range fields {
		c.names[fold(f.name)] = f
		for _, a := range f.aliases {
			c.aliases[fold(a)] = f
		}
	}
	if m == nil {
		return c
	}
	for _, sc := range m.Schemas() {
		if sc.ID != scim.SchemaPeakonUser {
			continue
		}
		for _, a := range sc.Attributes {
			c.attributes = append(c.attributes, a)
			f := customField(a)
			for _, n := range append([]string{a.Name}, a.Aliases...) {
				if _, ok := c.custom[fold(n)]; !ok {
					c.custom[fold(n)] = f
				}
			}
		}
	}
	return c
}

func customField(a *scim.Attribute) *field {
	name := a.Name
	urn := scim.SchemaPeakonUser + ":" + name
	return &field{name: name, custom: a, attrs: []string{urn}, paths: []string{urn},
		set: func(u *scim.User, v string) error {
			if u.Custom == nil {
				u.Custom = map[string]string{}
			}
			u.Custom[name] = v
			return nil
		},
		get: func(u *scim.User) string { return u.Custom[name] }}
}

func (c *catalog) find(name string) *field {
	k := fold(name)
	if f := c.names[k]; f != nil {
		return f
	}
	if f := c.custom[k]; f != nil {
		return f
	}
	return c.aliases[k]
}

// A column is one of the file's, resolved.
type column struct {
	header string
	field  *field // nil: ignored (-map 'COLUMN=-')
}

// mapping is the -map flag: folded column name → target ("-" to ignore).
type mapping struct {
	targets map[string]string
	columns map[string]string // folded → as written, for messages
}

// parseMap reads -map 'Work Email=Email,Employee ID=External ID,Notes=-'.
func parseMap(s string) (*mapping, error) {
	mp := &mapping{targets: map[string]string{}, columns: map[string]string{}}
	if strings.TrimSpace(s) == "" {
		return mp, nil
	}
	for item := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		col, target, ok := strings.Cut(item, "=")
		col, target = strings.TrimSpace(col), strings.TrimSpace(target)
		if !ok || col == "" || target == "" {
			return nil, fmt.Errorf("-map: %q is not COLUMN=NAME (or COLUMN=- to ignore the column)", strings.TrimSpace(item))
		}
		if _, dup := mp.targets[fold(col)]; dup {
			return nil, fmt.Errorf("-map: the column %q is mapped twice", col)
		}
		mp.targets[fold(col)] = target
		mp.columns[fold(col)] = col
	}
	return mp, nil
}

// resolve names what each header sets, or reports every header it cannot
// place at once, with what is accepted.
func (c *catalog) resolve(header []string, mp *mapping) ([]column, error) {
	cols := make([]column, len(header))
	var unknown, badTargets []string
	byField := map[*field]string{}
	var twice []string
	used := map[string]bool{}
	for i, h := range header {
		cols[i].header = h
		k := fold(h)
		if k == "" {
			continue // a nameless column, as spreadsheets add at the end: ignored
		}
		var f *field
		if t, ok := mp.targets[k]; ok {
			used[k] = true
			if t == "-" {
				continue
			}
			if f = c.find(t); f == nil {
				badTargets = append(badTargets, fmt.Sprintf("%q=%q", h, t))
				continue
			}
		} else if f = c.find(h); f == nil {
			unknown = append(unknown, fmt.Sprintf("%q", h))
			continue
		}
		if prev, dup := byField[f]; dup {
			twice = append(twice, fmt.Sprintf("%q and %q both set %s", prev, h, f.name))
			continue
		}
		byField[f] = h
		cols[i].field = f
	}
	var problems []string
	for k, col := range mp.columns {
		if !used[k] {
			problems = append(problems, fmt.Sprintf("-map names the column %q, which the file does not have (its columns: %s)", col, quoteAll(header)))
		}
	}
	slices.Sort(problems)
	if len(unknown) > 0 {
		problems = append(problems, fmt.Sprintf("%s: not a column this command knows, nor a custom attribute of the company", plural(len(unknown), "column ", "columns ")+strings.Join(unknown, ", ")))
	}
	if len(badTargets) > 0 {
		problems = append(problems, "-map "+strings.Join(badTargets, ", ")+": not a column this command knows, nor a custom attribute of the company")
	}
	for _, t := range twice {
		problems = append(problems, t+"; ignore one with -map 'COLUMN=-'")
	}
	email := false
	for _, col := range cols {
		email = email || col.field == fields[0]
	}
	if !email && len(unknown)+len(badTargets) == 0 {
		problems = append(problems, fmt.Sprintf("no Email column (the file's columns: %s); name one with -map 'COLUMN=Email'", quoteAll(header)))
	}
	if len(problems) == 0 {
		return cols, nil
	}
	if len(unknown)+len(badTargets) > 0 {
		problems = append(problems, c.accepted())
	}
	return nil, errors.New(strings.Join(problems, "\n"))
}

// accepted lists what a column may be, for a message.
func (c *catalog) accepted() string {
	var b strings.Builder
	b.WriteString("  accepted columns (any case and spacing):")
	for _, f := range fields {
		b.WriteString("\n    " + f.name)
		if len(f.aliases) > 0 {
			b.WriteString(" (or " + strings.Join(f.aliases, ", ") + ")")
		}
	}
	if len(c.attributes) == 0 {
		b.WriteString("\n  the company has no custom attributes")
	} else {
		b.WriteString("\n  the company's custom attributes:")
		for _, a := range c.attributes {
			b.WriteString("\n    " + a.Name + " (" + a.CustomType + ")")
			if len(a.Aliases) > 0 {
				b.WriteString(", also " + strings.Join(a.Aliases, ", "))
			}
		}
	}
	b.WriteString("\n  map a column with -map 'COLUMN=NAME', ignore one with -map 'COLUMN=-'")
	return b.String()
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
