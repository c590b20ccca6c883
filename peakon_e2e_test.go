package scim

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPeakonCustomAttributesEndToEnd drives the Peakon extension the way
// Okta and an HRIS (Sapling) do, through HTTP.
func TestPeakonCustomAttributesEndToEnd(t *testing.T) {
	e := newPeakonEnv(t)
	_, tok := e.company("Acme", mustParseAttrs(t, demoAttrs))

	bossID := e.create(tok, userJSON("boss@acme.test", `"name":{"givenName":"Bea","familyName":"Boss"}`))

	// Okta: look up first, then create; custom attributes arrive in the
	// Peakon object, keyed by alias, with the URN missing from schemas.
	r := e.must(http.StatusOK, tok, http.MethodGet, filterPath(`userName eq "JANE@acme.test"`)+"&startIndex=1&count=100", "")
	if got := r.body["totalResults"]; got != 0.0 {
		t.Fatalf("lookup before create: totalResults = %v", got)
	}
	janeID := e.create(tok, `{
		"schemas": ["`+SchemaUser+`"],
		"userName": "jane@acme.test",
		"name": {"givenName": "Jane", "familyName": "Doe"},
		"emails": [{"value": "jane@acme.test", "type": "work", "primary": true}],
		"password": "ignored", "groups": [], "active": true,
		"`+SchemaPeakonUser+`": {
			"Employed_Since": "2019-04-01T00:00:00Z",
			"department": "IT",
			"Manager": "boss@acme.test"
		}
	}`)

	r = e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+janeID, "")
	want := map[string]any{"Employed Since": "2019-04-01", "Department": "IT", "Manager": "boss@acme.test"}
	if diff := cmp.Diff(want, r.obj(SchemaPeakonUser)); diff != "" {
		t.Errorf("GET after Okta create: Peakon extension (-want +got):\n%s", diff)
	}
	if schemas, _ := r.body["schemas"].([]any); !containsAny(schemas, SchemaPeakonUser) {
		t.Errorf("schemas %v do not list the Peakon extension", schemas)
	}
	// Stored canonically: the date as a date, the employee as an id.
	stored, err := e.store.GetUser(context.Background(), mustTenant(t, e, tok), janeID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"Employed Since": "2019-04-01", "Department": "IT", "Manager": bossID}, stored.Custom); diff != "" {
		t.Errorf("stored Custom (-want +got):\n%s", diff)
	}

	// Sapling: PUT with schemas [core, peakon] and Manager as an id.
	r = e.must(http.StatusOK, tok, http.MethodPut, "/Users/"+janeID, `{
		"schemas": ["`+SchemaUser+`", "`+SchemaPeakonUser+`"],
		"userName": "jane@acme.test",
		"emails": [{"value": "jane@acme.test", "type": "work", "primary": true}],
		"`+SchemaPeakonUser+`": {
			"Employed Since": "2019-05-01",
			"Business Unit": "Engineering",
			"Manager": "`+bossID+`",
			"Salary": "120000"
		}
	}`)
	want = map[string]any{"Employed Since": "2019-05-01", "Business Unit": "Engineering", "Manager": "boss@acme.test", "Salary": 120000.0}
	if diff := cmp.Diff(want, r.obj(SchemaPeakonUser)); diff != "" {
		t.Errorf("PUT peakonResponse: Peakon extension (-want +got):\n%s", diff)
	}

	// PATCH by alias path, as Okta's attribute mapping produces.
	r = e.must(http.StatusOK, tok, http.MethodPatch, "/Users/"+janeID, `{"schemas":["`+MessagePatchOp+`"],
		"Operations":[{"op":"replace","path":"`+SchemaPeakonUser+`:Employed_Since","value":"2020-01-15T08:30:00+01:00"}]}`)
	if got := r.obj(SchemaPeakonUser)["Employed Since"]; got != "2020-01-15" {
		t.Errorf("after PATCH by alias: Employed Since = %v, want 2020-01-15", got)
	}

	// Bad values on every kind of write name the attribute.
	for _, c := range []struct {
		name, method, path, body, mention string
	}{
		{"bad date on POST", http.MethodPost, "/Users", userJSON("x1@acme.test", `"`+SchemaPeakonUser+`":{"Employed_Since":"01/04/2019"}`), "Employed Since"},
		{"bad number on POST", http.MethodPost, "/Users", userJSON("x2@acme.test", `"`+SchemaPeakonUser+`":{"Salary":"lots"}`), "Salary"},
		{"unknown attribute on POST", http.MethodPost, "/Users", userJSON("x3@acme.test", `"`+SchemaPeakonUser+`":{"Shoe Size":"42"}`), "Shoe Size"},
		{"manager naming nobody on POST", http.MethodPost, "/Users", userJSON("x4@acme.test", `"`+SchemaPeakonUser+`":{"Manager":"nobody@acme.test"}`), "Manager"},
		{"bad date on PUT", http.MethodPut, "/Users/" + janeID, userJSON("jane@acme.test", `"`+SchemaPeakonUser+`":{"Employed Since":"yesterday"}`), "Employed Since"},
		{"long option on PUT", http.MethodPut, "/Users/" + janeID, userJSON("jane@acme.test", `"`+SchemaPeakonUser+`":{"Department":"`+strings.Repeat("x", 257)+`"}`), "Department"},
		{"bad date on PATCH", http.MethodPatch, "/Users/" + janeID, `{"schemas":["` + MessagePatchOp + `"],"Operations":[{"op":"replace","path":"` + SchemaPeakonUser + `:Employed_Since","value":"soon"}]}`, "Employed Since"},
		{"unknown attribute on PATCH", http.MethodPatch, "/Users/" + janeID, `{"schemas":["` + MessagePatchOp + `"],"Operations":[{"op":"add","value":{"` + SchemaPeakonUser + `":{"Shoe Size":"42"}}}]}`, "Shoe Size"},
		{"manager naming nobody on PATCH", http.MethodPatch, "/Users/" + janeID, `{"schemas":["` + MessagePatchOp + `"],"Operations":[{"op":"replace","path":"` + SchemaPeakonUser + `:Manager","value":"ghost@acme.test"}]}`, "Manager"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := errorDetail(t, e.do(tok, c.method, c.path, c.body), http.StatusBadRequest, SCIMTypeInvalidValue)
			if !strings.Contains(d, c.mention) {
				t.Errorf("detail %q does not name %q", d, c.mention)
			}
			if strings.Contains(c.name, "nobody") && !strings.Contains(d, "provisioned first") {
				t.Errorf("detail %q does not say the employee must be provisioned first", d)
			}
		})
	}
	// None of the rejected writes changed Jane.
	r = e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+janeID, "")
	if got := r.obj(SchemaPeakonUser)["Employed Since"]; got != "2020-01-15" {
		t.Errorf("after rejected writes: Employed Since = %v", got)
	}

	// Filters and sorting by display name or alias.
	e.create(tok, userJSON("max@acme.test", `"`+SchemaPeakonUser+`":{"Salary":90000,"Employed Since":"2015-06-01","Department":"Sales"}`))
	for _, c := range []struct{ filter, want string }{
		{SchemaPeakonUser + `:Employed_Since gt "2019-01-01"`, "jane@acme.test"},
		{SchemaPeakonUser + `:Department eq "sales"`, "max@acme.test"},
		{SchemaPeakonUser + `:salary ge 100000`, "jane@acme.test"},
		{SchemaPeakonUser + `:Manager eq "BOSS@acme.test"`, "jane@acme.test"}, // shown as the email, stored as the id
		{SchemaPeakonUser + `:Manager eq "` + bossID + `" and userName sw "j"`, "jane@acme.test"},
		{SchemaPeakonUser + `:Business_Unit pr or ` + SchemaPeakonUser + `:Salary lt 100000`, ""}, // no such alias
	} {
		r := e.do(tok, http.MethodGet, filterPath(c.filter), "")
		if c.want == "" {
			errorDetail(t, r, http.StatusBadRequest, SCIMTypeInvalidFilter)
			continue
		}
		if r.status != http.StatusOK || len(r.resources()) != 1 || r.resources()[0]["userName"] != c.want {
			t.Errorf("filter %s: %d %s, want only %s", c.filter, r.status, r.raw, c.want)
		}
	}
	r = e.must(http.StatusOK, tok, http.MethodGet, "/Users?sortBy="+url.QueryEscape(SchemaPeakonUser+":Employed_Since")+"&sortOrder=ascending", "")
	var order []any
	for _, u := range r.resources() {
		order = append(order, u["userName"])
	}
	if diff := cmp.Diff([]any{"max@acme.test", "jane@acme.test", "boss@acme.test"}, order); diff != "" {
		t.Errorf("sortBy Employed_Since ascending (-want +got):\n%s", diff)
	}
}

func containsAny(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// mustTenant resolves a token to its company.
func mustTenant(t *testing.T, e *peakonEnv, token string) string {
	t.Helper()
	id, err := e.companies.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestPeakonSchemasPerCompany checks that /Schemas describes each
// company's own extension, in the list and by id.
func TestPeakonSchemasPerCompany(t *testing.T) {
	e := newPeakonEnv(t)
	_, acme := e.company("Acme", mustParseAttrs(t, demoAttrs))
	_, other := e.company("Other", mustParseAttrs(t, "Location:text"))

	type attr struct{ Name, Type string }
	peakonAttrs := func(s map[string]any) []attr {
		var out []attr
		list, _ := s["attributes"].([]any)
		for _, a := range list {
			m := a.(map[string]any)
			out = append(out, attr{m["name"].(string), m["type"].(string)})
		}
		return out
	}
	wantAcme := []attr{{"Department", "string"}, {"Business Unit", "string"}, {"Employed Since", "dateTime"}, {"Manager", "reference"}, {"Salary", "integer"}}

	r := e.must(http.StatusOK, acme, http.MethodGet, "/Schemas", "")
	var ids []any
	var peakon map[string]any
	for _, s := range r.resources() {
		ids = append(ids, s["id"])
		if s["id"] == SchemaPeakonUser {
			peakon = s
		}
	}
	if diff := cmp.Diff([]any{SchemaUser, SchemaEnterpriseUser, SchemaPeakonUser}, ids); diff != "" {
		t.Errorf("/Schemas ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantAcme, peakonAttrs(peakon)); diff != "" {
		t.Errorf("/Schemas Peakon attributes (-want +got):\n%s", diff)
	}
	// The alias is documented where an administrator mapping Okta reads.
	for _, a := range peakon["attributes"].([]any) {
		m := a.(map[string]any)
		if m["name"] == "Employed Since" && !strings.Contains(m["description"].(string), "Employed_Since") {
			t.Errorf("Employed Since description %q does not mention its alias", m["description"])
		}
	}

	r = e.must(http.StatusOK, acme, http.MethodGet, "/Schemas/"+SchemaPeakonUser, "")
	if diff := cmp.Diff(wantAcme, peakonAttrs(r.body)); diff != "" {
		t.Errorf("/Schemas/{peakon} attributes (-want +got):\n%s", diff)
	}
	r = e.must(http.StatusOK, other, http.MethodGet, "/Schemas/"+SchemaPeakonUser, "")
	if diff := cmp.Diff([]attr{{"Location", "string"}}, peakonAttrs(r.body)); diff != "" {
		t.Errorf("other company's Peakon attributes (-want +got):\n%s", diff)
	}
	// Acme's attributes are unknown to the other company.
	d := errorDetail(t, e.do(other, http.MethodPost, "/Users", userJSON("a@other.test", `"`+SchemaPeakonUser+`":{"Department":"IT"}`)), http.StatusBadRequest, SCIMTypeInvalidValue)
	if !strings.Contains(d, "Department") {
		t.Errorf("detail %q does not name Department", d)
	}
}

// TestPeakonSetAttributesRebuildsModel checks that changed definitions take
// effect on the next request.
func TestPeakonSetAttributesRebuildsModel(t *testing.T) {
	e := newPeakonEnv(t)
	id, tok := e.company("Acme", nil)
	body := userJSON("a@acme.test", `"`+SchemaPeakonUser+`":{"Team":"Blue"}`)
	errorDetail(t, e.do(tok, http.MethodPost, "/Users", body), http.StatusBadRequest, SCIMTypeInvalidValue)
	if err := e.companies.SetAttributes(context.Background(), id, []CustomAttribute{{Name: "Team", Type: "Option"}}); err != nil {
		t.Fatal(err)
	}
	uid := e.create(tok, body)
	r := e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+uid, "")
	if diff := cmp.Diff(map[string]any{"Team": "Blue"}, r.obj(SchemaPeakonUser)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestPeakonIgnoreUnknownAttributes checks the lenient mode.
func TestPeakonIgnoreUnknownAttributes(t *testing.T) {
	e := newPeakonEnv(t, func(h *Handler) { h.IgnoreUnknownAttributes = true })
	_, tok := e.company("Acme", mustParseAttrs(t, "Department"))
	id := e.create(tok, userJSON("a@acme.test", `"`+SchemaPeakonUser+`":{"Department":"IT","Shoe Size":"42"}`))
	r := e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+id, "")
	if diff := cmp.Diff(map[string]any{"Department": "IT"}, r.obj(SchemaPeakonUser)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A bad value of a defined attribute is still rejected.
	e.must(http.StatusBadRequest, tok, http.MethodPost, "/Users", userJSON("b@acme.test", `"`+SchemaPeakonUser+`":{"Department":{"x":1}}`))
}
