package webui

import (
	"net/url"
	"strings"

	"github.com/scimkit/scim"
)

// A filter names attributes as the library resolves them: a name without
// a schema URN is a core attribute if one has it, else an Enterprise
// attribute, else one of the company's (Peakon) attributes (the
// deliberate rule of README's "Deliberate choices", scim.Model.Lookup). So
// with a company attribute "Department", `Department eq "Sales"` means the
// Enterprise department. The filter box says so: it lists the spelling
// that reaches each of the company's attributes, and, for a filter, what
// each bare name in it means.

// attrSpelling is how a filter reaches one of the company's attributes.
type attrSpelling struct {
	Name string
	// Spelling reaches the attribute in a filter; "" when nothing does (a
	// name with a space, and no alias without one).
	Spelling string
	// Shadowed names the core or Enterprise attribute the bare name means
	// instead, if any.
	Shadowed string
}

// nameNote says what a bare name of the filter meant.
type nameNote struct {
	Written string
	// Means is the attribute, fully qualified, and Kind its schema in
	// words ("core", "Enterprise", "the company's").
	Means, Kind string
	// Custom is the company's attribute the name did not reach, if it has
	// one of that name, and Spelling what reaches it; Rewritten is the
	// query string of the filter with the name so written.
	Custom, Spelling, Rewritten string
}

// spellings lists how a filter reaches each of the company's attributes,
// in the order they are defined. Each candidate spelling (the name, then
// each alias; bare, then with the Peakon URN) is tried through the
// model's own query parser, so the answer is the library's.
func spellings(model *scim.Model, attrs []scim.CustomAttribute) []attrSpelling {
	var out []attrSpelling
	for _, ca := range attrs {
		a := model.CustomAttribute(ca.Name)
		if a == nil {
			continue
		}
		s := attrSpelling{Name: a.Name, Spelling: spelling(model, a)}
		if b, _ := model.Lookup(a.Name); b != nil && b != a {
			s.Shadowed = kindOf(b) + " " + b.Name
		}
		out = append(out, s)
	}
	return out
}

// spelling returns the shortest way a filter reaches the custom attribute
// a, or "".
func spelling(model *scim.Model, a *scim.Attribute) string {
	names := append([]string{a.Name}, a.Aliases...)
	for _, qualified := range []bool{false, true} {
		for _, n := range names {
			if qualified {
				n = scim.SchemaPeakonUser + ":" + n
			}
			if resolvesTo(model, n, a) {
				return n
			}
		}
	}
	return ""
}

// resolvesTo reports whether the filter "name pr" compares attribute a.
func resolvesTo(model *scim.Model, name string, a *scim.Attribute) bool {
	q, err := model.NewQuery(name+" pr", "", "", 1, 0)
	if err != nil {
		return false
	}
	e, ok := q.Filter.(*scim.AttrExpr)
	return ok && e.Path.Attr != nil && e.Path.Attr.Custom && e.Path.Attr.Name == a.Name
}

// kindOf names the schema of an attribute in words.
func kindOf(a *scim.Attribute) string {
	switch {
	case a.Custom:
		return "the company's attribute"
	case a.Schema == scim.SchemaEnterpriseUser:
		return "the Enterprise attribute"
	}
	return "the core attribute"
}

// explain says what each bare name of the filter means, when that is not
// plainly a core attribute: an Enterprise attribute, a company attribute,
// or a core or Enterprise attribute that a company attribute of the same
// name would otherwise be taken for. It offers the filter rewritten to
// reach the company's attribute instead.
func explain(model *scim.Model, filter string) []nameNote {
	f, err := scim.ParseFilter(filter)
	if err != nil {
		return nil
	}
	var out []nameNote
	seen := map[string]bool{}
	for _, p := range barePaths(f) {
		key := strings.ToLower(p.Name)
		if seen[key] {
			continue
		}
		seen[key] = true
		a, _ := model.Lookup(p.Name)
		if a == nil {
			continue // the filter's error says so
		}
		n := nameNote{Written: p.Name, Means: a.Path(), Kind: kindOf(a)}
		if c := model.CustomAttribute(p.Name); c != nil && c != a {
			n.Custom, n.Spelling = c.Name, spelling(model, c)
			if n.Spelling != "" {
				n.Rewritten = rewrite(filter, p.Name, n.Spelling)
			}
		} else if !a.Custom && a.Schema == scim.SchemaUser {
			continue // a core attribute, and no other of that name
		}
		out = append(out, n)
	}
	return out
}

// barePaths returns the attribute paths of f written without a schema
// URN, at the top level (not the sub-attributes inside a value path).
func barePaths(f scim.Filter) []*scim.AttrPath {
	var out []*scim.AttrPath
	var walk func(f scim.Filter)
	walk = func(f scim.Filter) {
		switch e := f.(type) {
		case *scim.AttrExpr:
			if e.Path.URN == "" {
				out = append(out, &e.Path)
			}
		case *scim.ValuePathExpr:
			if e.Path.URN == "" {
				out = append(out, &e.Path)
			}
		case *scim.LogicalExpr:
			walk(e.Left)
			walk(e.Right)
		case *scim.NotExpr:
			walk(e.Filter)
		}
	}
	walk(f)
	return out
}

// rewrite returns the query string of the employees page for filter with
// every bare use of name written as spelling.
func rewrite(filter, name, spelling string) string {
	f, err := scim.ParseFilter(filter)
	if err != nil {
		return ""
	}
	urn, bare := "", spelling
	if i := strings.LastIndexByte(spelling, ':'); i >= 0 {
		urn, bare = spelling[:i], spelling[i+1:]
	}
	for _, p := range barePaths(f) {
		if strings.EqualFold(p.Name, name) {
			p.URN, p.Name = urn, bare
		}
	}
	return "?" + url.Values{"filter": {f.String()}}.Encode()
}
