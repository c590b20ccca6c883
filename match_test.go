package scim_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	scim "github.com/scimkit/scim"
	"github.com/scimkit/scim/storetest"
)

// compile parses and compiles filter for m.
func compile(t *testing.T, m *scim.Model, filter string) scim.Matcher {
	t.Helper()
	f, err := scim.ParseFilter(filter)
	if err != nil {
		t.Fatal(err)
	}
	match, err := m.CompileFilter(f)
	if err != nil {
		t.Fatalf("CompileFilter(%q): %v", filter, err)
	}
	return match
}

// The compiled matcher must not allocate per user: a list over a large
// tenant evaluates it once per stored user.
func TestMatchDoesNotAllocate(t *testing.T) {
	m := storetest.FixtureModel()
	users := storetest.FixtureUsers()
	filters := []string{
		`userName eq "BJENSEN"`,
		`name.familyName sw "A"`,
		`emails[type eq "work" and value co "@EXAMPLE.com"] or emails.value ew "org"`,
		`meta.created gt 2015-10-10T14:38:21.8617979-07:00 and meta.lastModified le "2020-06-01"`,
		`active eq true and not (title pr)`,
		storetest.PeakonURN + `Employed_Since ge "2020-01-01"`,
		storetest.PeakonURN + `Salary gt 100000 or ` + storetest.PeakonURN + `Salary eq 52000.5`,
		storetest.PeakonURN + `Department eq "engineering" and ` + storetest.PeakonURN + `Manager pr`,
		storetest.PeakonURN + `Business_Unit ne "Platform"`,
		storetest.EnterpriseURN + `manager.value eq "u05" and ` + storetest.EnterpriseURN + `employeeNumber co "10"`,
		`name[givenName eq "Ahmed"] and displayName co "ü" and emails eq null`,
		`phoneNumbers.type ne "work" and addresses pr`,
	}
	for _, filter := range filters {
		match := compile(t, m, filter)
		n := 0
		allocs := testing.AllocsPerRun(20, func() {
			for _, u := range users {
				if match(u) {
					n++
				}
			}
		})
		if allocs != 0 {
			t.Errorf("matching %q allocates %v times per %d users, want 0", filter, allocs, len(users))
		}
	}
}

func TestResolveFilter(t *testing.T) {
	m := storetest.FixtureModel()
	f, err := scim.ParseFilter(`emails[type eq "work"] and urn:ietf:params:scim:schemas:extension:peakon:2.0:User:employed_since pr and name.FamilyName eq "x"`)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := scim.ParseFilter(f.String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.CompileFilter(f); err != nil {
		t.Fatal(err)
	}
	r, err := m.ResolveFilter(f)
	if err != nil {
		t.Fatal(err)
	}
	// Resolution works on a copy: the parsed filter stays as parsed.
	if diff := cmp.Diff(parsed, f); diff != "" {
		t.Errorf("CompileFilter and resolveFilter changed the parsed filter (-before +after):\n%s", diff)
	}
	and := r.(*scim.LogicalExpr)
	vp := and.Left.(*scim.LogicalExpr).Left.(*scim.ValuePathExpr)
	custom := and.Left.(*scim.LogicalExpr).Right.(*scim.AttrExpr)
	name := and.Right.(*scim.AttrExpr)
	got := []string{
		vp.Path.Attr.Name, vp.Filter.(*scim.AttrExpr).Path.Attr.Path(),
		custom.Path.Attr.Name, custom.Path.Attr.CustomType,
		name.Path.Attr.Name, name.Path.SubAttr.Path(),
	}
	want := []string{"emails", "emails.type", "Employed Since", scim.CustomDate, "name", "name.familyName"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolved attributes (-want +got):\n%s", diff)
	}
}

// Stores and callers may build filters by hand; incomplete trees are
// errors, not panics.
func TestCompileFilterHandBuilt(t *testing.T) {
	m := storetest.FixtureModel()
	u := storetest.FixtureUsers()[0]
	match, err := m.CompileFilter(nil)
	if err != nil || !match(u) {
		t.Errorf("CompileFilter(nil) = %v; want a matcher of every user", err)
	}
	ok := &scim.AttrExpr{Path: scim.AttrPath{Name: "userName"}, Op: scim.OpEqual, Value: "BJensen"}
	match, err = m.CompileFilter(&scim.NotExpr{Filter: ok})
	if err != nil || match(u) {
		t.Errorf("hand-built not: %v", err)
	}
	var nilAttr *scim.AttrExpr
	for _, f := range []scim.Filter{
		&scim.LogicalExpr{Op: "and", Left: ok},
		&scim.LogicalExpr{Op: "xor", Left: ok, Right: ok},
		&scim.NotExpr{},
		&scim.ValuePathExpr{Path: scim.AttrPath{Name: "emails"}},
		&scim.AttrExpr{Path: scim.AttrPath{Name: "userName"}, Op: "like", Value: "x"},
		&scim.AttrExpr{Path: scim.AttrPath{Name: "userName"}},
		&scim.AttrExpr{Path: scim.AttrPath{Name: "userName"}, Op: scim.OpEqual, Value: 42},
		&scim.AttrExpr{Path: scim.AttrPath{URN: scim.SchemaPeakonUser, Name: "Salary"}, Op: scim.OpEqual, Value: 42},
		&scim.ValuePathExpr{Path: scim.AttrPath{Name: "name", Sub: "givenName"}, Filter: ok},
		&scim.ValuePathExpr{Path: scim.AttrPath{Name: "emails"}, Filter: &scim.ValuePathExpr{Path: scim.AttrPath{Name: "value"}, Filter: ok}},
		nilAttr,
	} {
		_, err := m.CompileFilter(f)
		var e *scim.Error
		if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.SCIMType != scim.SCIMTypeInvalidFilter {
			t.Errorf("CompileFilter(%#v) = %v, want 400 invalidFilter", f, err)
		}
	}
}

// Every filter of the table means the same after a trip through its
// canonical text.
func TestFilterCasesCanonicalText(t *testing.T) {
	m := storetest.FixtureModel()
	users := storetest.FixtureUsers()
	for _, c := range storetest.FilterCases {
		if c.WantErr != "" {
			continue
		}
		f, err := scim.ParseFilter(c.Filter)
		if err != nil {
			t.Fatal(err)
		}
		g, err := scim.ParseFilter(f.String())
		if err != nil {
			t.Errorf("ParseFilter(%q).String() = %q does not parse: %v", c.Filter, f.String(), err)
			continue
		}
		mf, err1 := m.CompileFilter(f)
		mg, err2 := m.CompileFilter(g)
		if err1 != nil || err2 != nil {
			t.Fatalf("CompileFilter: %v, %v", err1, err2)
		}
		for _, u := range users {
			if mf(u) != mg(u) {
				t.Errorf("%q and its canonical text %q disagree on %s", c.Filter, f.String(), u.ID)
			}
		}
	}
}

// A user without custom attributes or extensions at all.
func TestMatchBareUser(t *testing.T) {
	m := storetest.FixtureModel()
	u := &scim.User{ID: "x", UserName: "bare"}
	tests := map[string]bool{
		storetest.PeakonURN + `Department eq "x"`:                         false,
		storetest.PeakonURN + `Department ne "x"`:                         true,
		storetest.PeakonURN + `Salary lt 0`:                               false,
		storetest.PeakonURN + `Employed_Since eq null`:                    true,
		`meta.created lt "2100-01-01"`:                                    false,
		`meta.created ne "2100-01-01"`:                                    true,
		`emails[type ne "work"]`:                                          false,
		`emails.value ne "x"`:                                             true,
		`name pr or meta pr or ` + storetest.EnterpriseURN + `manager pr`: false,
		`active eq false and active pr`:                                   true,
	}
	for filter, want := range tests {
		match := compile(t, m, filter)
		if got := match(u); got != want {
			t.Errorf("%q on a bare user = %v, want %v", filter, got, want)
		}
	}
}

// TestUnqualifiedExtensionNames: a filter may name an extension attribute
// without its URN when no core attribute has the name; the Enterprise
// extension wins over a custom attribute of the same name (the fixture's
// custom Department and Manager), a core attribute over both.
func TestUnqualifiedExtensionNames(t *testing.T) {
	m := storetest.FixtureModel()
	users := storetest.FixtureUsers()
	cases := []struct {
		filter, same string // same: the qualified filter it must mean
		attr         string // the resolved attribute's Path
	}{
		{`manager.value eq "u05"`, storetest.EnterpriseURN + `manager.value eq "u05"`, storetest.EnterpriseURN + "manager"},
		{`Manager pr`, storetest.EnterpriseURN + `manager pr`, storetest.EnterpriseURN + "manager"},
		{`department eq "Engineering"`, storetest.EnterpriseURN + `department eq "Engineering"`, storetest.EnterpriseURN + "department"},
		{`employeeNumber co "10"`, storetest.EnterpriseURN + `employeeNumber co "10"`, storetest.EnterpriseURN + "employeeNumber"},
		{`Employed_Since ge "2020-01-01"`, storetest.PeakonURN + `Employed_Since ge "2020-01-01"`, storetest.PeakonURN + "Employed Since"},
		{`salary gt 100000`, storetest.PeakonURN + `Salary gt 100000`, storetest.PeakonURN + "Salary"},
		{`business_unit eq "Platform" or title pr`, storetest.PeakonURN + `Business_Unit eq "Platform" or title pr`, storetest.PeakonURN + "Business Unit"},
	}
	for _, c := range cases {
		f, err := scim.ParseFilter(c.filter)
		if err != nil {
			t.Fatal(err)
		}
		match, err := m.CompileFilter(f)
		if err != nil {
			t.Errorf("CompileFilter(%q): %v", c.filter, err)
			continue
		}
		r, err := m.ResolveFilter(f)
		if err != nil {
			t.Fatal(err)
		}
		first := r
		if l, ok := r.(*scim.LogicalExpr); ok {
			first = l.Left
		}
		if got := first.(*scim.AttrExpr).Path.Attr.Path(); got != c.attr {
			t.Errorf("%q resolved to %s, want %s", c.filter, got, c.attr)
		}
		g, _ := scim.ParseFilter(c.same)
		same, err := m.CompileFilter(g)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, u := range users {
			if match(u) != same(u) {
				t.Errorf("%q and %q disagree on %s", c.filter, c.same, u.ID)
			}
			if match(u) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("%q matches no fixture user: the case tests nothing", c.filter)
		}
	}
	for _, filter := range []string{`shoeSize eq "9"`, `manager.bogus eq "x"`} {
		f, _ := scim.ParseFilter(filter)
		_, err := m.CompileFilter(f)
		var e *scim.Error
		if !errors.As(err, &e) || e.SCIMType != scim.SCIMTypeInvalidFilter {
			t.Errorf("CompileFilter(%q) = %v, want 400 invalidFilter", filter, err)
		}
	}
}

// TestStringEqualityShortcut checks that the one-closure compilation of
// an equality of a single-valued string attribute (compileFilter's
// shortcut for userName eq "x") matches exactly the users the general
// compilation matches, for every attribute of the fixture model and
// literals of several cases, types and lengths.
func TestStringEqualityShortcut(t *testing.T) {
	m := storetest.FixtureModel()
	users := storetest.FixtureUsers()
	lits := []string{`""`, `"x"`, `42`, `true`, `null`, `"ß"`, `"SS"`, `"straße"`}
	for _, u := range users {
		for _, v := range []string{u.UserName, u.ExternalID, u.DisplayName, u.Title, u.Locale, u.UserType, u.Name.FamilyName, u.Enterprise.Department} {
			for _, s := range []string{v, strings.ToUpper(v), strings.ToLower(v)} {
				lits = append(lits, strconv.Quote(s))
			}
		}
	}
	var paths []string
	for _, a := range m.Core().Attributes {
		paths = append(paths, a.Name)
		for _, sub := range a.SubAttributes {
			paths = append(paths, a.Name+"."+sub.Name)
		}
	}
	for _, a := range m.Enterprise().Attributes {
		paths = append(paths, storetest.EnterpriseURN+a.Name)
	}
	paths = append(paths, "Department", "Manager", "meta.created", "id")
	for _, p := range paths {
		for _, lit := range lits {
			filter := p + " eq " + lit
			f, err := scim.ParseFilter(filter)
			if err != nil {
				t.Fatalf("%s: %v", filter, err)
			}
			fast, fastErr := m.CompileFilter(f)
			general, generalErr := m.CompileFilterGeneral(f)
			if (fastErr == nil) != (generalErr == nil) {
				t.Errorf("%s: error %v, the general path's %v", filter, fastErr, generalErr)
				continue
			}
			if fastErr != nil {
				continue
			}
			for _, u := range users {
				if got, want := fast(u), general(u); got != want {
					t.Errorf("%s on %s: %v, the general path %v", filter, u.UserName, got, want)
				}
			}
		}
	}
}
