package sqlstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
)

// TestUpdateChangedOnly checks that UpdateUser, which writes only the
// columns and child rows an update changed, leaves every column and child
// row that filters read as a whole rewrite would: each update below
// changes one kind of value, and every filter then finds the user by its
// new values only. A second user keeps its values throughout.
func TestUpdateChangedOnly(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			var st *Store
			if dialect == "sqlite" {
				st = openSQLite(t)
			} else {
				st = openPostgres(t)
			}
			ctx := context.Background()
			u, other := benchUser(1), benchUser(2)
			if err := st.CreateUsers(ctx, "acme", []*scim.User{u, other}); err != nil {
				t.Fatal(err)
			}
			steps := []struct {
				name   string
				change func(u *scim.User)
			}{
				{"title, no index", func(u *scim.User) { u.Title = "Engineer" }},
				{"familyName, indexed", func(u *scim.User) { u.Name.FamilyName = "Zeta" }},
				{"userName, unique", func(u *scim.User) { u.UserName = "renamed@example.com" }},
				{"email", func(u *scim.User) { u.Emails[0].Value = "new@mail.example.com" }},
				{"second email", func(u *scim.User) {
					u.Emails = append(u.Emails, scim.MultiValue{Value: "two@mail.example.com", Type: "home"})
				}},
				{"email type", func(u *scim.User) { u.Emails[1].Type = "other" }},
				{"custom", func(u *scim.User) { u.Custom["Department"] = "dept-new" }},
				{"externalId removed", func(u *scim.User) { u.ExternalID = "" }},
				{"deactivated", func(u *scim.User) { u.Active = false }},
				{"nothing but the version", func(*scim.User) {}},
			}
			for i, step := range steps {
				step.change(u)
				version := u.Meta.Version
				u.Meta.Version = fmt.Sprintf(`W/"%d"`, i+2)
				if err := st.UpdateUser(ctx, "acme", u, version); err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
				got, err := st.GetUser(ctx, "acme", u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(u, got); diff != "" {
					t.Errorf("%s: stored user (-want +got):\n%s", step.name, diff)
				}
				for _, c := range []struct {
					filter string
					want   []string
				}{
					{fmt.Sprintf(`title eq %q`, u.Title), []string{u.ID}},
					{fmt.Sprintf(`name.familyName eq %q`, u.Name.FamilyName), []string{u.ID}},
					{fmt.Sprintf(`userName eq %q`, u.UserName), []string{u.ID}},
					{`userName eq "user000001@example.com"`, ids(u, u.UserName == "user000001@example.com")},
					{fmt.Sprintf(`emails.value eq %q`, u.Emails[0].Value), []string{u.ID}},
					{`emails.value eq "user000001@mail.example.com"`, ids(u, u.Emails[0].Value == "user000001@mail.example.com")},
					{`emails.type eq "home"`, ids(u, len(u.Emails) > 1 && u.Emails[1].Type == "home")},
					{`emails.type eq "other"`, ids(u, len(u.Emails) > 1 && u.Emails[1].Type == "other")},
					{fmt.Sprintf(`urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Department eq %q`, u.Custom["Department"]), []string{u.ID}},
					{`externalId eq "ext-000001"`, ids(u, u.ExternalID != "")},
					{`active eq false`, ids(u, !u.Active)},
					{`userName eq "user000002@example.com" and emails.value eq "user000002@mail.example.com"`, []string{other.ID}},
				} {
					var got []string
					for _, r := range listUsers(t, st, benchModel, c.filter, "", 1, 10).Users {
						got = append(got, r.ID)
					}
					if diff := cmp.Diff(c.want, got); diff != "" {
						t.Errorf("%s: %s (-want +got):\n%s", step.name, c.filter, diff)
					}
				}
			}
		})
	}
}

// ids is u's id if ok, else none.
func ids(u *scim.User, ok bool) []string {
	if ok {
		return []string{u.ID}
	}
	return nil
}
