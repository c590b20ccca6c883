package scim

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExternalIDNotUnique checks that externalId is what /Schemas says,
// not unique: Microsoft's validator creates several users with one
// externalId and expects 201 each time; a filter on it finds them all; a
// manager given by a shared externalId names nobody in particular and
// stays unresolved (400 under StrictManager), while a unique one resolves.
func TestExternalIDNotUnique(t *testing.T) {
	e := newPeakonEnv(t)
	_, tok := e.company("Acme", nil)

	// What /Schemas publishes is what the store enforces.
	schema := e.must(http.StatusOK, tok, http.MethodGet, "/Schemas/"+SchemaUser, "")
	uniqueness := map[string]any{}
	for _, a := range schema.body["attributes"].([]any) {
		a := a.(map[string]any)
		if n := a["name"]; n == "id" || n == "userName" || n == "externalId" {
			uniqueness[n.(string)] = a["uniqueness"]
		}
	}
	if d := cmp.Diff(map[string]any{"id": "server", "userName": "server", "externalId": "none"}, uniqueness); d != "" {
		t.Errorf("/Schemas uniqueness (-want +got):\n%s", d)
	}

	shared := `"externalId":"ms-ext-1"`
	var ids []string
	for _, name := range []string{"first@acme.test", "second@acme.test"} {
		ids = append(ids, e.create(tok, userJSON(name, shared)))
	}
	// userName stays unique, ignoring case.
	errorDetail(t, e.do(tok, http.MethodPost, "/Users", userJSON("FIRST@acme.test", `"externalId":"other"`)), http.StatusConflict, SCIMTypeUniqueness)
	// PUT and PATCH may take a shared externalId too.
	third := e.create(tok, userJSON("third@acme.test", `"externalId":"ms-ext-3"`))
	e.must(http.StatusOK, tok, http.MethodPatch, "/Users/"+third, `{"schemas":["`+MessagePatchOp+`"],"Operations":[{"op":"replace","path":"externalId","value":"ms-ext-1"}]}`)
	ids = append(ids, third)

	r := e.must(http.StatusOK, tok, http.MethodGet, filterPath(`externalId eq "ms-ext-1"`), "")
	var got []string
	for _, u := range r.resources() {
		got = append(got, u["id"].(string))
	}
	slices.Sort(got)
	slices.Sort(ids)
	if d := cmp.Diff(ids, got); d != "" {
		t.Errorf("externalId eq lists (-want +got):\n%s", d)
	}

	// A manager by the shared externalId: unresolved, kept as sent.
	mgr := func(value string) string {
		return `"` + SchemaEnterpriseUser + `":{"manager":{"value":"` + value + `"}}`
	}
	report := e.create(tok, userJSON("report@acme.test", mgr("ms-ext-1")))
	m := e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+report, "").obj(SchemaEnterpriseUser)["manager"]
	if d := cmp.Diff(map[string]any{"value": "ms-ext-1"}, m); d != "" {
		t.Errorf("manager by a shared externalId (-want +got):\n%s", d)
	}
	// Creating yet another holder does not pick it as the manager either.
	e.create(tok, userJSON("fourth@acme.test", shared))
	m = e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+report, "").obj(SchemaEnterpriseUser)["manager"]
	if d := cmp.Diff(map[string]any{"value": "ms-ext-1"}, m); d != "" {
		t.Errorf("manager by a shared externalId, after another holder's creation (-want +got):\n%s", d)
	}

	// A unique externalId resolves, at once or when its holder arrives.
	boss := e.create(tok, userJSON("boss@acme.test", `"externalId":"ms-boss","displayName":"Bea Boss"`))
	direct := e.create(tok, userJSON("direct@acme.test", mgr("ms-boss")))
	pending := e.create(tok, userJSON("pending@acme.test", mgr("ms-later")))
	later := e.create(tok, userJSON("later@acme.test", `"externalId":"ms-later","displayName":"Lee Later"`))
	for _, c := range []struct{ report, manager, name string }{{direct, boss, "Bea Boss"}, {pending, later, "Lee Later"}} {
		m := e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+c.report, "").obj(SchemaEnterpriseUser)["manager"].(map[string]any)
		if m["value"] != c.manager || m["displayName"] != c.name {
			t.Errorf("manager by a unique externalId = %v, want %s (%s)", m, c.manager, c.name)
		}
	}

	// StrictManager: an ambiguous reference is refused like an unknown one.
	e.h.StrictManager = true
	errorDetail(t, e.do(tok, http.MethodPost, "/Users", userJSON("strict@acme.test", mgr("ms-ext-1"))), http.StatusBadRequest, SCIMTypeInvalidValue)
	e.create(tok, userJSON("strict@acme.test", mgr("ms-boss")))
}
