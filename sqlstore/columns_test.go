package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim"
)

// TestColumnNames pins the columns derived from the model to the names
// the migrations gave them.
func TestColumnNames(t *testing.T) {
	want := map[string]string{
		"id": "u.id", "externalId": "u.external_id", "userName": "u.user_name_f", "displayName": "u.display_name_f",
		"name.givenName": "u.given_name_f", "name.familyName": "u.family_name_f", "name.formatted": "u.formatted_f",
		"name.middleName": "u.middle_name_f", "name.honorificPrefix": "u.honorific_prefix_f",
		"name.honorificSuffix": "u.honorific_suffix_f", "title": "u.title_f", "active": "u.active",
		"nickName": "u.nick_name_f", "userType": "u.user_type_f", "preferredLanguage": "u.preferred_language_f",
		"locale": "u.locale_f", "timezone": "u.timezone_f", "profileUrl": "u.profile_url_f",
		"meta.created": "u.created", "meta.lastModified": "u.last_modified", "meta.version": "u.version",
		"meta.resourceType": "u.resource_type", "meta.location": "u.location",
		scim.SchemaEnterpriseUser + ":employeeNumber":      "u.employee_number_f",
		scim.SchemaEnterpriseUser + ":department":          "u.department_f",
		scim.SchemaEnterpriseUser + ":costCenter":          "u.cost_center_f",
		scim.SchemaEnterpriseUser + ":organization":        "u.organization_f",
		scim.SchemaEnterpriseUser + ":division":            "u.division_f",
		scim.SchemaEnterpriseUser + ":manager.value":       "u.manager_id",
		scim.SchemaEnterpriseUser + ":manager.$ref":        "u.manager_ref_f",
		scim.SchemaEnterpriseUser + ":manager.displayName": "u.manager_name_f",
	}
	got := make(map[string]string)
	for path, c := range columns {
		got[path] = c.expr
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("columns (-want +got):\n%s", d)
	}
	var nullable, unique, multi []string
	for path, c := range columns {
		if c.nullable {
			nullable = append(nullable, path)
		}
	}
	for _, c := range uniqueColumns {
		unique = append(unique, c.attr.Path())
	}
	for _, m := range multiAttrs {
		multi = append(multi, m.name)
	}
	for _, tc := range []struct {
		name      string
		got, want []string
	}{
		{"nullable", nullable, []string{"externalId", "meta.created", "meta.lastModified", scim.SchemaEnterpriseUser + ":manager.value"}},
		{"unique", unique, []string{"userName"}},
		{"multi-valued", multi, []string{"emails", "phoneNumbers", "ims", "photos", "entitlements", "roles", "x509Certificates"}},
	} {
		if d := cmp.Diff(tc.want, tc.got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}

// TestOpenChecksColumns checks that a database lacking the column of an
// attribute of the model is refused at Open, naming what to add, rather
// than failing on the first write.
func TestOpenChecksColumns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "scim.db")
	st := openStore(t, "sqlite", path)
	_, err := st.w.ExecContext(ctx, `ALTER TABLE users DROP COLUMN title_f`)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, err = openDriver(ctx, "sqlite", path)
	if err == nil || !strings.Contains(err.Error(), "no column title_f for the attribute title") {
		t.Errorf("Open = %v, want the missing column named", err)
	}
}

// TestUserValuesBoxOnce: a string column's value is the one Value boxed,
// not boxed again, and a folded one that folding left alone too; the
// allocations left are the slice, the other strings' boxes, the folded
// keys, the times' strings and the document. userValues runs twice for
// every update (the user written and the user it replaces).
func TestUserValuesBoxOnce(t *testing.T) {
	st := &Store{d: postgres, nullCols: map[string]bool{"external_id": true, "manager_id": true, "created": true, "last_modified": true}}
	doc := []byte(`{}`)
	// benchUser's names fold ("Given5"); folded's are folded already.
	folded := benchUser(5)
	folded.Name = scim.Name{GivenName: "given", FamilyName: "family"}
	for _, u := range []*scim.User{benchUser(5), folded} {
		vals := st.userValues(u, doc)
		for i, c := range userColumnsByAttr {
			v, _ := c.attr.Value(u)
			str, ok := v.(string)
			if !ok || vals[i] == nil && str == "" {
				continue
			}
			want := str
			if c.folded {
				want = fold(str)
			}
			if vals[i] != any(want) {
				t.Errorf("%s = %#v, want %q", c.name, vals[i], want)
			}
		}
	}
	// Seven strings (externalId, userName, the two names, resourceType,
	// version, employeeNumber) boxed once each, two times boxed by Value
	// and their strings formatted and boxed (6), the slice, the document
	// copied and boxed: 16 (23 when each string was boxed twice).
	if n := testing.AllocsPerRun(50, func() { st.userValues(folded, doc) }); n > 16 {
		t.Errorf("userValues: %v allocations, want 16 or fewer", n)
	}
}

// BenchmarkUserValues measures the column values of one user, computed by
// walking the model's columns on every write.
func BenchmarkUserValues(b *testing.B) {
	st := &Store{d: postgres, nullCols: map[string]bool{"external_id": true, "manager_id": true, "created": true, "last_modified": true}}
	u := benchUser(5)
	doc := []byte(`{}`)
	b.ReportAllocs()
	for b.Loop() {
		st.userValues(u, doc)
	}
}
