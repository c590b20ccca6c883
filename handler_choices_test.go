package scim

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The tests of this file pin the choices README's "Deliberate choices"
// section states, over HTTP.

// demoModel is the model of the demo server run with
// -attrs "Department:option,Manager:employee,Employed Since:date:Employed_Since":
// custom attributes that share their names with the enterprise extension's.
var demoModel = NewModel([]CustomAttribute{
	{Name: "Department", Type: CustomOption},
	{Name: "Manager", Type: CustomEmployee},
	{Name: "Employed Since", Type: CustomDate, Aliases: []string{"Employed_Since"}},
})

type demoModels struct{}

func (demoModels) Model(context.Context, string) (*Model, error) { return demoModel, nil }

func newDemoServer(t testing.TB) *testServer {
	t.Helper()
	s := newTestServer(t)
	s.h.Models = demoModels{}
	return s
}

const patchOp = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`

// TestChoicePatchAnswers200 pins that a successful PATCH answers 200 with
// the whole resource (RFC 7644 §3.5.2 also allows 204), as Okta and Entra
// read it.
func TestChoicePatchAnswers200(t *testing.T) {
	s, id := newPatchServer(t)
	res := s.do("PATCH", "/scim/v2/Users/"+id, patchOp+`{"op":"replace","path":"title","value":"CTO"}]}`)
	u := s.expect(res, 200)
	if u["id"] != id || u["title"] != "CTO" || u["userName"] != "user001@example.com" || u["meta"] == nil {
		t.Errorf("PATCH answered %v; want the whole updated user", u)
	}
	if etag := res.header.Get("ETag"); etag == "" || etag != u["meta"].(map[string]any)["version"] {
		t.Errorf("ETag %q, meta.version %v", etag, u["meta"])
	}
}

// TestChoiceStrictEmails pins that every emails value must be an address:
// the detail names the element and the value, on every write, and
// /Schemas says so.
func TestChoiceStrictEmails(t *testing.T) {
	s, id := newPatchServer(t)
	for _, c := range []struct {
		name, method, path, body string
		detail                   []string
	}{
		{"POST", "POST", "/scim/v2/Users", `{"userName":"x","emails":[{"value":"x@example.com","type":"work"},{"value":"Jane Doe","type":"home"}]}`,
			[]string{`emails[1].value "Jane Doe"`, "not an email address"}},
		{"PUT", "PUT", "/scim/v2/Users/" + id, `{"userName":"user001@example.com","emails":[{"value":"user001"}]}`,
			[]string{`emails[0].value "user001"`, "not an email address"}},
		{"PATCH", "PATCH", "/scim/v2/Users/" + id, patchOp + `{"op":"replace","path":"emails[type eq \"work\"].value","value":"@example.com"}]}`,
			[]string{`emails[0].value "@example.com"`, "not an email address"}},
		{"empty value", "POST", "/scim/v2/Users", `{"userName":"x","emails":[{"value":"","type":"work","primary":true}]}`,
			[]string{`emails[0].value ""`}},
		{"too long", "POST", "/scim/v2/Users", `{"userName":"x","emails":[{"value":"` + strings.Repeat("a", 250) + `@example.com"}]}`,
			[]string{`emails[0].value "aaaa`, "longer than 256 characters"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &testServer{Server: s.Server, h: s.h, store: s.store, t: t}
			e := s.expect(s.do(c.method, c.path, c.body), 400)
			if e["scimType"] != SCIMTypeInvalidValue {
				t.Errorf("scimType %v, want invalidValue", e["scimType"])
			}
			for _, d := range c.detail {
				if !strings.Contains(e["detail"].(string), d) {
					t.Errorf("detail %q lacks %q", e["detail"], d)
				}
			}
		})
	}
	value := schemaAttr(t, s, SchemaUser, "emails", "value")
	if d, _ := value["description"].(string); !strings.Contains(d, "email address") || !strings.Contains(d, "400 invalidValue") {
		t.Errorf("/Schemas emails.value description %q does not state the rule", d)
	}
}

// schemaAttr returns the definition of attr (and sub, unless "") as
// /Schemas/{urn} serves it.
func schemaAttr(t *testing.T, s *testServer, urn, attr, sub string) map[string]any {
	t.Helper()
	doc := s.expect(s.do("GET", "/scim/v2/Schemas/"+url.PathEscape(urn), ""), 200)
	find := func(list any, name string) map[string]any {
		for _, a := range list.([]any) {
			if a := a.(map[string]any); a["name"] == name {
				return a
			}
		}
		t.Fatalf("/Schemas/%s has no %s", urn, name)
		return nil
	}
	a := find(doc["attributes"], attr)
	if sub == "" {
		return a
	}
	return find(a["subAttributes"], sub)
}

// TestChoiceCanonicalTypes pins item 5 of issue 13: every type
// sub-attribute publishes RFC 7643 §8.7.1's canonical values, and a PATCH
// value filter that matches nothing creates the element only when it is
// type eq one of them (Entra's first work email); any other is 400
// noTarget (RFC 7644 §3.5.2.3).
func TestChoiceCanonicalTypes(t *testing.T) {
	s := newTestServer(t)
	want := map[string][]string{
		"emails":       {"work", "home", "other"},
		"phoneNumbers": {"work", "home", "mobile", "fax", "pager", "other"},
		"ims":          {"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"},
		"photos":       {"photo", "thumbnail"},
		"addresses":    {"work", "home", "other"},
	}
	for attr, values := range want {
		typ := schemaAttr(t, s, SchemaUser, attr, "type")
		var got []string
		for _, v := range typ["canonicalValues"].([]any) {
			got = append(got, v.(string))
		}
		if diff := cmp.Diff(values, got); diff != "" {
			t.Errorf("%s.type canonicalValues (-want +got):\n%s", attr, diff)
		}
		if _, ok := schemaAttr(t, s, SchemaUser, attr, "")["canonicalValues"]; ok {
			t.Errorf("%s itself has canonicalValues; they belong to its type", attr)
		}
	}

	id := s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"ryan@contoso.com"}`), 201)["id"].(string)
	for _, c := range []struct {
		name, op string
		status   int
		check    func(u map[string]any) bool
	}{
		{"entra first work email", `{"op":"Replace","path":"emails[type eq \"work\"].value","value":"ryan@contoso.com"}`, 200,
			func(u map[string]any) bool {
				return cmp.Equal(u["emails"], []any{map[string]any{"type": "work", "value": "ryan@contoso.com"}})
			}},
		{"entra mobile phone", `{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0100"}`, 200,
			func(u map[string]any) bool {
				return cmp.Equal(u["phoneNumbers"], []any{map[string]any{"type": "mobile", "value": "+1 555 0100"}})
			}},
		{"nonexistent type", `{"op":"replace","path":"emails[type eq \"nonexistent\"].value","value":"x@contoso.com"}`, 400, nil},
		{"value filter", `{"op":"add","path":"emails[value eq \"x@contoso.com\"].type","value":"home"}`, 400, nil},
		{"type of another attribute", `{"op":"replace","path":"addresses[type eq \"mobile\"].locality","value":"Redmond"}`, 400, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &testServer{Server: s.Server, h: s.h, store: s.store, t: t}
			got := s.expect(s.do("PATCH", "/scim/v2/Users/"+id, patchOp+c.op+`]}`), c.status)
			if c.status == 400 {
				if got["scimType"] != SCIMTypeNoTarget || !strings.Contains(got["detail"].(string), "type eq one of") {
					t.Errorf("got %v; want noTarget naming the canonical types", got)
				}
				return
			}
			if !c.check(got) {
				t.Errorf("unexpected result %v", got)
			}
		})
	}
}

// TestHandlerDuplicateElements: POST, PUT and PATCH store one element per
// (type, value), the first, primary if a repeat was (RFC 7643 §2.4).
func TestHandlerDuplicateElements(t *testing.T) {
	s := newTestServer(t)
	one := []any{map[string]any{"type": "work", "value": "jane@example.com", "primary": true}}
	created := s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"jane@example.com","emails":[
		{"value":"jane@example.com","type":"work"},{"Value":"JANE@example.com","Type":"Work","Primary":"True"}]}`), 201)
	if diff := cmp.Diff(one, created["emails"]); diff != "" {
		t.Errorf("POST emails (-want +got):\n%s", diff)
	}
	id := created["id"].(string)
	put := s.expect(s.do("PUT", "/scim/v2/Users/"+id, `{"userName":"jane@example.com","emails":[
		{"value":"jane@example.com","type":"work","primary":true},{"value":"jane@example.com","type":"work"}],
		"phoneNumbers":[{"value":"555-1","type":"work"},{"value":"555-1","type":"work"}]}`), 200)
	if diff := cmp.Diff(one, put["emails"]); diff != "" {
		t.Errorf("PUT emails (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{map[string]any{"type": "work", "value": "555-1"}}, put["phoneNumbers"]); diff != "" {
		t.Errorf("PUT phoneNumbers (-want +got):\n%s", diff)
	}
	s.expect(s.do("PATCH", "/scim/v2/Users/"+id, patchOp+`{"op":"add","path":"emails","value":[{"value":"jane@home.org","type":"home"}]}]}`), 200)
	patched := s.expect(s.do("PATCH", "/scim/v2/Users/"+id, patchOp+`{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"Jane@Example.com","type":"work"}}]}`), 200)
	if diff := cmp.Diff(one, patched["emails"]); diff != "" {
		t.Errorf("PATCH emails (-want +got):\n%s", diff)
	}
}

// TestHandlerUnqualifiedExtension: Entra's bare "manager" and other
// extension attributes without their URN, in PATCH paths, filters, sortBy
// and attributes. With the demo's custom Department and Manager, the
// enterprise extension's attributes are meant.
func TestHandlerUnqualifiedExtension(t *testing.T) {
	s := newDemoServer(t)
	boss := s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"boss@contoso.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"2","department":"Sales"}}`), 201)["id"].(string)
	id := s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"ryan@contoso.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1"},
		"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Department":"Custom"}}`), 201)["id"].(string)

	u := s.expect(s.do("PATCH", "/scim/v2/Users/"+id, patchOp+
		`{"op":"Add","path":"manager","value":[{"$ref":"https://graph.microsoft.com/v1.0/users/`+boss+`","value":"`+boss+`"}]},`+
		`{"op":"Replace","path":"department","value":"Engineering"}]}`), 200)
	ent, _ := u[SchemaEnterpriseUser].(map[string]any)
	mgr, _ := ent["manager"].(map[string]any)
	if mgr["value"] != boss || ent["department"] != "Engineering" {
		t.Errorf("enterprise extension after PATCH: %v", ent)
	}
	if diff := cmp.Diff(map[string]any{"Department": "Custom"}, u[SchemaPeakonUser]); diff != "" {
		t.Errorf("custom attributes changed (-want +got):\n%s", diff)
	}

	list := func(query string) []string {
		t.Helper()
		res := s.expect(s.do("GET", "/scim/v2/Users?"+query, ""), 200)
		var names []string
		for _, r := range res["Resources"].([]any) {
			names = append(names, r.(map[string]any)["userName"].(string))
		}
		return names
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"filter=" + url.QueryEscape(`manager.value eq "`+boss+`"`), []string{"ryan@contoso.com"}},
		{"filter=" + url.QueryEscape(`department eq "sales"`), []string{"boss@contoso.com"}},
		{"filter=" + url.QueryEscape(`Employed_Since pr`), nil},
		{"sortBy=employeeNumber", []string{"ryan@contoso.com", "boss@contoso.com"}},
		{"sortBy=employeeNumber&sortOrder=descending", []string{"boss@contoso.com", "ryan@contoso.com"}},
	} {
		if diff := cmp.Diff(c.want, list(c.query)); diff != "" {
			t.Errorf("GET /Users?%s (-want +got):\n%s", c.query, diff)
		}
	}
	got := s.expect(s.do("GET", "/scim/v2/Users/"+id+"?attributes=employeeNumber,manager.value", ""), 200)
	want := map[string]any{
		"schemas":            []any{SchemaUser, SchemaEnterpriseUser, SchemaPeakonUser}, // the user's schemas, projected or not
		"id":                 id,
		SchemaEnterpriseUser: map[string]any{"employeeNumber": "1", "manager": map[string]any{"value": boss}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attributes=employeeNumber,manager.value (-want +got):\n%s", diff)
	}
}
