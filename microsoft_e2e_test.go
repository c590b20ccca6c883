package scim

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// microsoftUser is a create body in the shape of Microsoft's SCIM
// validation collection: capitalised keys, "active" as the string "True",
// meta and an empty roles array, the enterprise extension's Department.
func microsoftUser(userName, externalID, family, email string) string {
	return fmt.Sprintf(`{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "ExternalId": %q,
  "UserName": %q,
  "Active": "True",
  "DisplayName": "BobIsAmazing",
  "Emails": [{"Primary": "True", "Type": "work", "Value": %q}],
  "Meta": {"ResourceType": "User"},
  "Name": {"FamilyName": %q, "GivenName": "Bob"},
  "Roles": [],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"Department": "Sales", "EmployeeNumber": null}
}`, externalID, userName, email, family)
}

// TestMicrosoftConformance replays the requests of Microsoft's SCIM
// validation collection for Entra ID, in its order, over HTTP against the
// memory store.
func TestMicrosoftConformance(t *testing.T) {
	s := newTestServer(t)
	ids := map[string]string{} // userName → id
	create := func(t *testing.T, userName, externalID, family, email string) map[string]any {
		t.Helper()
		s := &testServer{Server: s.Server, h: s.h, store: s.store, t: t}
		res := s.do("POST", "/scim/v2/Users", microsoftUser(userName, externalID, family, email),
			"User-Agent", "Microsoft.AAD.Provisioning", "Content-Type", "application/scim+json")
		u := s.expect(res, 201)
		ids[userName] = u["id"].(string)
		return u
	}
	list := func(t *testing.T, query string) (names []string, doc map[string]any) {
		t.Helper()
		s := &testServer{Server: s.Server, h: s.h, store: s.store, t: t}
		doc = s.expect(s.do("GET", "/scim/v2/Users?"+query, ""), 200)
		for _, r := range doc["Resources"].([]any) {
			names = append(names, r.(map[string]any)["userName"].(string))
		}
		slices.Sort(names)
		return names, doc
	}

	t.Run("Create", func(t *testing.T) {
		u := create(t, "Employee1@contoso.com", "ext-1", "Employee", "employee1@example.com")
		want := map[string]any{
			"schemas":            []any{SchemaUser, SchemaEnterpriseUser},
			"id":                 u["id"],
			"externalId":         "ext-1",
			"userName":           "Employee1@contoso.com",
			"active":             true,
			"displayName":        "BobIsAmazing",
			"emails":             []any{map[string]any{"primary": true, "type": "work", "value": "employee1@example.com"}},
			"name":               map[string]any{"familyName": "Employee", "givenName": "Bob"},
			SchemaEnterpriseUser: map[string]any{"department": "Sales"},
			"meta":               u["meta"],
		}
		if diff := cmp.Diff(want, u); diff != "" {
			t.Errorf("created user (-want +got):\n%s", diff)
		}
		create(t, "Employee2@contoso.com", "ext-2", "Employee", "employee2@example.org")
		create(t, "Employee3@contoso.com", "ext-3", "Employee", "employee3@example.net")
		create(t, "Manager1@contoso.com", "ext-4", "Manager", "manager1@example.com")
		create(t, "Employee4@contoso.com", "ext-5", "employee", "employee4@EXAMPLE.COM")
	})

	t.Run("DuplicateUserName", func(t *testing.T) {
		s := &testServer{Server: s.Server, h: s.h, store: s.store, t: t}
		e := s.expect(s.do("POST", "/scim/v2/Users", microsoftUser("EMPLOYEE1@contoso.com", "ext-9", "Employee", "x@example.com")), 409)
		if e["scimType"] != SCIMTypeUniqueness {
			t.Errorf("duplicate userName: %v", e)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		for _, c := range []struct {
			filter string
			want   []string
		}{
			{`userName eq "employee1@CONTOSO.com"`, []string{"Employee1@contoso.com"}},
			{`externalId eq ext-2`, []string{"Employee2@contoso.com"}},
			{`DisplayName eq "BobIsAmazing" and name.GivenName eq Bob`,
				[]string{"Employee1@contoso.com", "Employee2@contoso.com", "Employee3@contoso.com", "Employee4@contoso.com", "Manager1@contoso.com"}},
			// Unquoted values with dots, capitalised attribute names.
			{`name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)`,
				[]string{"Employee1@contoso.com", "Employee2@contoso.com", "Employee4@contoso.com"}},
			{`emails[Type eq "work" and Value ew "example.net"]`, []string{"Employee3@contoso.com"}},
			{`meta.Created gt 2015-10-10T14:38:21.8617979-07:00`,
				[]string{"Employee1@contoso.com", "Employee2@contoso.com", "Employee3@contoso.com", "Employee4@contoso.com", "Manager1@contoso.com"}},
			{`meta.Created lt 2015-10-10T14:38:21.8617979-07:00`, nil},
			{`department eq "Sales" and userName sw "manager"`, []string{"Manager1@contoso.com"}},
			// "Test connection": a random GUID finds nobody, with 200.
			{`userName eq "4d2f7b1c-61c3-4f7a-9f7e-1f0c1b8a9e55"`, nil},
		} {
			names, doc := list(t, "filter="+url.QueryEscape(c.filter))
			if diff := cmp.Diff(c.want, names); diff != "" {
				t.Errorf("filter %s (-want +got):\n%s", c.filter, diff)
			}
			if doc["totalResults"] != float64(len(c.want)) {
				t.Errorf("filter %s: totalResults %v, want %d", c.filter, doc["totalResults"], len(c.want))
			}
		}
	})

	t.Run("Paging", func(t *testing.T) {
		var all []string
		for start := 1; ; start += 2 {
			names, doc := list(t, fmt.Sprintf("startIndex=%d&count=2", start))
			if doc["totalResults"] != float64(5) || doc["startIndex"] != float64(start) || doc["itemsPerPage"] != float64(len(names)) {
				t.Fatalf("page at %d: totalResults %v startIndex %v itemsPerPage %v (%d resources)",
					start, doc["totalResults"], doc["startIndex"], doc["itemsPerPage"], len(names))
			}
			if len(names) > 2 {
				t.Fatalf("page at %d holds %d users; count=2", start, len(names))
			}
			all = append(all, names...)
			if len(names) < 2 {
				break
			}
		}
		slices.Sort(all)
		want := []string{"Employee1@contoso.com", "Employee2@contoso.com", "Employee3@contoso.com", "Employee4@contoso.com", "Manager1@contoso.com"}
		if diff := cmp.Diff(want, all); diff != "" {
			t.Errorf("users over the pages (-want +got):\n%s", diff)
		}
	})

	t.Run("Patch", func(t *testing.T) {
		s := &testServer{Server: s.Server, h: s.h, store: s.store, t: t}
		id, boss := ids["Employee1@contoso.com"], ids["Manager1@contoso.com"]
		u := s.expect(s.do("PATCH", "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@example.com"},
			{"op":"Add","path":"emails[type eq \"other\"].value","value":"bob@example.org"},
			{"op":"Add","path":"emails","value":[{"value":"BOB@example.org","type":"other"}]},
			{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"},
			{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0100"},
			{"op":"Add","path":"manager","value":[{"$ref":"../Users/`+boss+`","value":"`+boss+`"}]},
			{"op":"Replace","path":"employeeNumber","value":"701985"},
			{"op":"Replace","path":"active","value":"False"}]}`,
			"Content-Type", "application/scim+json"), 200)
		if diff := cmp.Diff([]any{
			map[string]any{"primary": true, "type": "work", "value": "updatedEmail@example.com"},
			map[string]any{"type": "other", "value": "bob@example.org"},
		}, u["emails"]); diff != "" {
			t.Errorf("emails (-want +got):\n%s", diff)
		}
		ent, _ := u[SchemaEnterpriseUser].(map[string]any)
		mgr, _ := ent["manager"].(map[string]any)
		if mgr["value"] != boss || ent["employeeNumber"] != "701985" || u["active"] != false ||
			u["name"].(map[string]any)["familyName"] != "updatedFamilyName" ||
			!cmp.Equal(u["phoneNumbers"], []any{map[string]any{"type": "mobile", "value": "+1 555 0100"}}) {
			t.Errorf("patched user: %v", u)
		}
		e := s.expect(s.do("PATCH", "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"Replace","path":"emails[type eq \"nonexistent\"].value","value":"x@example.com"}]}`), 400)
		if e["scimType"] != SCIMTypeNoTarget {
			t.Errorf("replace with a filter matching nothing: %v", e)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := &testServer{Server: s.Server, h: s.h, store: s.store, t: t}
		id := ids["Employee3@contoso.com"]
		s.expect(s.do("DELETE", "/scim/v2/Users/"+id, ""), 204)
		s.expect(s.do("GET", "/scim/v2/Users/"+id, ""), 404)
		s.expect(s.do("DELETE", "/scim/v2/Users/"+id, ""), 404)
	})

	// Issue 13, item 2: externalId is not unique (RFC 7643 gives it no
	// uniqueness); Microsoft's collection creates several users with one
	// externalId and expects 201 each time.
	t.Run("SameExternalID", func(t *testing.T) {
		const ext = "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
		for i := range 3 {
			create(t, fmt.Sprintf("Shared%d@contoso.com", i), ext, "Shared", fmt.Sprintf("shared%d@example.com", i))
		}
		names, _ := list(t, "filter="+url.QueryEscape(`externalId eq "`+ext+`"`))
		if diff := cmp.Diff([]string{"Shared0@contoso.com", "Shared1@contoso.com", "Shared2@contoso.com"}, names); diff != "" {
			t.Errorf("users with externalId %s (-want +got):\n%s", ext, diff)
		}
	})
}
