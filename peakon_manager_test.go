package scim

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPeakonEnterpriseManager covers the Enterprise extension: its plain
// attributes, and a manager given by id or email, resolved at once or as
// soon as that employee exists.
func TestPeakonEnterpriseManager(t *testing.T) {
	t.Run("MemoryStore", func(t *testing.T) { testEnterpriseManager(t, nil) })
	// Another store is queried for waiting reports on every creation,
	// instead of through the handler's index of pending references.
	t.Run("other store", func(t *testing.T) {
		testEnterpriseManager(t, func(h *Handler) { h.Store = opaqueStore{h.Store} })
	})
}

// opaqueStore hides the MemoryStore behind it from type assertions.
type opaqueStore struct{ Store }

func testEnterpriseManager(t *testing.T, configure func(*Handler)) {
	var opts []func(*Handler)
	if configure != nil {
		opts = append(opts, configure)
	}
	e := newPeakonEnv(t, opts...)
	tenant, tok := e.company("Acme", nil)
	ctx := context.Background()

	bossID := e.create(tok, userJSON("boss@acme.test", `"displayName":"Bea Boss"`))
	location := e.srv.URL + "/scim/v2/Users/" + bossID

	// Entra: the manager as a raw id string; the other attributes too.
	id := e.create(tok, userJSON("ann@acme.test", `"`+SchemaEnterpriseUser+`":{
		"employeeNumber":"701","department":"IT","costCenter":"CC1","organization":"Acme","division":"R&D",
		"manager":"`+bossID+`"}`))
	r := e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+id, "")
	want := map[string]any{
		"employeeNumber": "701", "department": "IT", "costCenter": "CC1", "organization": "Acme", "division": "R&D",
		"manager": map[string]any{"value": bossID, "$ref": location, "displayName": "Bea Boss"},
	}
	if diff := cmp.Diff(want, r.obj(SchemaEnterpriseUser)); diff != "" {
		t.Errorf("manager by id (-want +got):\n%s", diff)
	}

	// By email, in any case: resolved to the id.
	id2 := e.create(tok, userJSON("bob@acme.test", `"`+SchemaEnterpriseUser+`":{"manager":{"value":"BOSS@acme.test"}}`))
	r = e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+id2, "")
	if diff := cmp.Diff(map[string]any{"value": bossID, "$ref": location, "displayName": "Bea Boss"}, r.obj(SchemaEnterpriseUser)["manager"]); diff != "" {
		t.Errorf("manager by email (-want +got):\n%s", diff)
	}

	// A manager who is not an employee yet is kept as sent...
	early := e.create(tok, userJSON("early@acme.test", `"`+SchemaEnterpriseUser+`":{"manager":{"value":"later@acme.test"}}`))
	viaExt := e.create(tok, userJSON("ext@acme.test", `"`+SchemaEnterpriseUser+`":{"manager":{"value":"HR-77"}}`))
	r = e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+early, "")
	if diff := cmp.Diff(map[string]any{"value": "later@acme.test"}, r.obj(SchemaEnterpriseUser)["manager"]); diff != "" {
		t.Errorf("pending manager (-want +got):\n%s", diff)
	}
	e.takeEvents()

	// ...and resolved, in the store, when that employee is created.
	laterID := e.create(tok, userJSON("Later@acme.test", `"externalId":"HR-77","name":{"givenName":"Lee","familyName":"Later"}`))
	for _, uid := range []string{early, viaExt} {
		u, err := e.store.GetUser(ctx, tenant, uid)
		if err != nil {
			t.Fatal(err)
		}
		want := Manager{Value: laterID, DisplayName: "Lee Later"} // $ref is rendered, not stored
		if diff := cmp.Diff(want, u.Enterprise.Manager); diff != "" {
			t.Errorf("stored manager of %s after the manager was created (-want +got):\n%s", uid, diff)
		}
	}
	// The resolutions are committed changes, announced after the creation.
	var got []string
	for _, ev := range e.takeEvents() {
		got = append(got, string(ev.Type)+" "+ev.After.UserName)
	}
	if diff := cmp.Diff([]string{"created Later@acme.test", "updated early@acme.test", "updated ext@acme.test"}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	// So a filter on the manager's id finds both reports.
	r = e.must(http.StatusOK, tok, http.MethodGet, filterPath(SchemaEnterpriseUser+`:manager.value eq "`+laterID+`"`), "")
	if n := len(r.resources()); n != 2 {
		t.Errorf("reports of %s: %d, want 2: %s", laterID, n, r.raw)
	}

	// Renaming the manager refreshes the reports' displayName.
	e.must(http.StatusOK, tok, http.MethodPatch, "/Users/"+laterID, `{"schemas":["`+MessagePatchOp+`"],"Operations":[{"op":"replace","path":"displayName","value":"Lee L."}]}`)
	u, _ := e.store.GetUser(ctx, tenant, early)
	if u.Enterprise.Manager.DisplayName != "Lee L." {
		t.Errorf("report's manager displayName after rename = %q", u.Enterprise.Manager.DisplayName)
	}

	// Removing the manager, as Entra does.
	r = e.must(http.StatusOK, tok, http.MethodPatch, "/Users/"+early, `{"schemas":["`+MessagePatchOp+`"],"Operations":[{"op":"Replace","path":"`+SchemaEnterpriseUser+`:manager","value":{"value":""}}]}`)
	if m, ok := r.obj(SchemaEnterpriseUser)["manager"]; ok {
		t.Errorf("manager after removal = %v", m)
	}
}

// TestPeakonStrictManager checks that StrictManager refuses a manager who
// is not an employee.
func TestPeakonStrictManager(t *testing.T) {
	e := newPeakonEnv(t, func(h *Handler) { h.StrictManager = true })
	_, tok := e.company("Acme", nil)
	d := errorDetail(t, e.do(tok, http.MethodPost, "/Users", userJSON("a@acme.test", `"`+SchemaEnterpriseUser+`":{"manager":{"value":"nobody@acme.test"}}`)), http.StatusBadRequest, SCIMTypeInvalidValue)
	if !strings.Contains(d, "manager") {
		t.Errorf("detail %q does not name the manager", d)
	}
}

// TestPeakonPendingManagers checks that references waiting for a manager
// are found through the store whatever wrote them, and kept up to date by
// every change: written directly to the store, changed, or deleted.
func TestPeakonPendingManagers(t *testing.T) {
	e := newPeakonEnv(t)
	tenant, tok := e.company("Acme", nil)
	ctx := context.Background()

	// Written to the store behind the handler's back.
	direct := &User{ID: "direct", UserName: "direct@acme.test", Active: true,
		Enterprise: EnterpriseUser{Manager: Manager{Value: "boss@acme.test"}},
		Meta:       Meta{ResourceType: "User", Created: t0, LastModified: t0, Version: `W/"1"`}}
	if err := e.store.CreateUser(ctx, tenant, direct); err != nil {
		t.Fatal(err)
	}
	// A pending reference that is changed, and one whose holder is deleted.
	moved := e.create(tok, userJSON("moved@acme.test", `"`+SchemaEnterpriseUser+`":{"manager":"old@acme.test"}`))
	e.must(http.StatusOK, tok, http.MethodPatch, "/Users/"+moved, `{"schemas":["`+MessagePatchOp+`"],"Operations":[{"op":"replace","path":"`+SchemaEnterpriseUser+`:manager","value":"new@acme.test"}]}`)
	gone := e.create(tok, userJSON("gone@acme.test", `"`+SchemaEnterpriseUser+`":{"manager":"ghost@acme.test"}`))
	e.must(http.StatusNoContent, tok, http.MethodDelete, "/Users/"+gone, "")
	// A reference in another case than the manager's email.
	upper := e.create(tok, userJSON("upper@acme.test", `"`+SchemaEnterpriseUser+`":{"manager":"BOSS@ACME.TEST"}`))

	oldID := e.create(tok, userJSON("old@acme.test", ""))
	ghostID := e.create(tok, userJSON("ghost@acme.test", ""))
	bossID := e.create(tok, userJSON("boss@acme.test", ""))
	newID := e.create(tok, userJSON("new@acme.test", ""))
	for id, mgr := range map[string]string{"direct": bossID, moved: newID} {
		u, _ := e.store.GetUser(ctx, tenant, id)
		if u.Enterprise.Manager.Value != mgr || u.Enterprise.Manager.DisplayName == "" {
			t.Errorf("%s: manager %+v, want %s resolved", id, u.Enterprise.Manager, mgr)
		}
	}
	// Nobody was waiting for old@ any more, and ghost@'s report is gone.
	for _, id := range []string{oldID, ghostID} {
		r := e.must(http.StatusOK, tok, http.MethodGet, filterPath(SchemaEnterpriseUser+`:manager.value eq "`+id+`"`), "")
		if n := len(r.resources()); n != 0 {
			t.Errorf("reports of %s: %d, want none", id, n)
		}
	}
	// manager.value is caseExact: the upper-case reference stays as sent in
	// the store, and is shown resolved when read.
	if u, _ := e.store.GetUser(ctx, tenant, upper); u.Enterprise.Manager.Value != "BOSS@ACME.TEST" {
		t.Errorf("stored upper-case reference: %+v", u.Enterprise.Manager)
	}
	r := e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+upper, "")
	if m, _ := r.obj(SchemaEnterpriseUser)["manager"].(map[string]any); m["value"] != bossID {
		t.Errorf("upper-case reference as read: %v, want %s", m, bossID)
	}
}
