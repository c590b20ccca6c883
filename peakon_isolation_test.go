package scim

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPeakonCompanyIsolation checks that a token of one company never
// reads, finds, changes or deletes an employee of another, even with
// colliding userNames and ids: the answer is what it would be for an id
// that does not exist.
func TestPeakonCompanyIsolation(t *testing.T) {
	// Ids are handed out from a list, so both companies get the same ids.
	var mu sync.Mutex
	ids := []string{"shared-1", "shared-1", "a-only"}
	e := newPeakonEnv(t, func(h *Handler) {
		h.NewID = func() string {
			mu.Lock()
			defer mu.Unlock()
			if len(ids) == 0 {
				return newUUID()
			}
			id := ids[0]
			ids = ids[1:]
			return id
		}
	})
	attrs := mustParseAttrs(t, "Manager:employee")
	aID, a := e.company("A", attrs)
	bID, b := e.company("B", attrs)
	ctx := context.Background()

	if id := e.create(a, userJSON("alice@x.test", `"displayName":"Alice of A","externalId":"ext-1"`)); id != "shared-1" {
		t.Fatalf("id %q", id)
	}
	if id := e.create(b, userJSON("ALICE@x.test", `"displayName":"Alice of B","externalId":"ext-1"`)); id != "shared-1" {
		t.Fatalf("id %q", id)
	}
	if id := e.create(a, userJSON("bob@x.test", `"displayName":"Bob of A"`)); id != "a-only" {
		t.Fatalf("id %q", id)
	}
	aliceA, _ := e.store.GetUser(ctx, aID, "shared-1")
	bobA, _ := e.store.GetUser(ctx, aID, "a-only")

	patch := `{"schemas":["` + MessagePatchOp + `"],"Operations":[{"op":"replace","value":{"active":false,"displayName":"hijacked"}}]}`
	put := userJSON("bob@x.test", `"displayName":"hijacked"`)

	// A's own id, used with B's token: 404 everywhere.
	for _, c := range []struct{ method, path, body string }{
		{http.MethodGet, "/Users/a-only", ""},
		{http.MethodPut, "/Users/a-only", put},
		{http.MethodPatch, "/Users/a-only", patch},
		{http.MethodDelete, "/Users/a-only", ""},
	} {
		errorDetail(t, e.do(b, c.method, c.path, c.body), http.StatusNotFound, "")
	}
	// Nor can B's filters or searches find A's employees.
	for _, f := range []string{
		`userName eq "bob@x.test"`, `id eq "a-only"`, `emails.value eq "bob@x.test"`,
		`displayName co "of A"`, `userName sw "bob"`,
	} {
		r := e.must(http.StatusOK, b, http.MethodGet, filterPath(f), "")
		if r.body["totalResults"] != 0.0 || len(r.resources()) != 0 {
			t.Errorf("B's filter %s found %s", f, r.raw)
		}
		r = e.must(http.StatusOK, b, http.MethodPost, "/Users/.search", `{"schemas":["`+MessageSearchRequest+`"],"filter":`+formatValue(f)+`}`)
		if r.body["totalResults"] != 0.0 || len(r.resources()) != 0 {
			t.Errorf("B's .search %s found %s", f, r.raw)
		}
	}
	// B's full list holds only B's Alice.
	r := e.must(http.StatusOK, b, http.MethodGet, "/Users", "")
	var names []any
	for _, u := range r.resources() {
		names = append(names, u["displayName"])
	}
	if diff := cmp.Diff([]any{"Alice of B"}, names); diff != "" {
		t.Errorf("B's list (-want +got):\n%s", diff)
	}

	// The colliding id: each company sees, changes and deletes its own.
	if got := e.must(http.StatusOK, b, http.MethodGet, "/Users/shared-1", "").str("displayName"); got != "Alice of B" {
		t.Errorf("B's shared-1 is %q", got)
	}
	e.must(http.StatusOK, b, http.MethodPatch, "/Users/shared-1", patch)
	e.must(http.StatusOK, b, http.MethodPut, "/Users/shared-1", userJSON("alice@x.test", `"displayName":"Alice of B, again"`))

	// References cannot cross companies either: B's Employee attribute and
	// manager cannot name A's Bob, by email or by id.
	for _, ref := range []string{"bob@x.test", "a-only"} {
		errorDetail(t, e.do(b, http.MethodPost, "/Users", userJSON("carol-"+ref+"@x.test", `"`+SchemaPeakonUser+`":{"Manager":"`+ref+`"}`)), http.StatusBadRequest, SCIMTypeInvalidValue)
	}
	mgd := e.create(b, userJSON("dave@x.test", `"`+SchemaEnterpriseUser+`":{"manager":{"value":"bob@x.test"}}`))
	if m := e.must(http.StatusOK, b, http.MethodGet, "/Users/"+mgd, "").obj(SchemaEnterpriseUser)["manager"]; !cmp.Equal(m, map[string]any{"value": "bob@x.test"}) {
		t.Errorf("B's manager reference resolved across companies: %v", m)
	}
	e.must(http.StatusNoContent, b, http.MethodDelete, "/Users/shared-1", "")

	// A's employees are exactly as they were.
	for _, want := range []*User{aliceA, bobA} {
		got, err := e.store.GetUser(ctx, aID, want.ID)
		if err != nil {
			t.Fatalf("A's %s: %v", want.ID, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("A's %s changed (-want +got):\n%s", want.ID, diff)
		}
	}
	r = e.must(http.StatusOK, a, http.MethodGet, "/Users", "")
	if r.body["totalResults"] != 2.0 {
		t.Errorf("A's list: %s", r.raw)
	}
	// And B's events name B only.
	for _, ev := range e.takeEvents() {
		u := ev.After
		if u == nil {
			u = ev.Before
		}
		if (u.DisplayName == "Alice of A" || u.DisplayName == "Bob of A") && ev.Company != aID || ev.Company != aID && ev.Company != bID {
			t.Errorf("event %s of %s in company %s", ev.Type, u.DisplayName, ev.Company)
		}
	}
}

// TestPeakonTokens checks the token lifecycle through HTTP: a revoked
// token is refused, and tokens of one company do not authenticate as
// another.
func TestPeakonTokens(t *testing.T) {
	e := newPeakonEnv(t)
	ctx := context.Background()
	aID, a := e.company("A", nil)
	_, b := e.company("B", nil)
	e.must(http.StatusOK, a, http.MethodGet, "/Users?startIndex=1&count=2", "")

	second, tok, err := e.companies.IssueToken(ctx, aID, "Okta")
	if err != nil {
		t.Fatal(err)
	}
	e.create(second, userJSON("a@x.test", ""))
	if got := e.must(http.StatusOK, a, http.MethodGet, "/Users", "").body["totalResults"]; got != 1.0 {
		t.Errorf("the second token wrote elsewhere: A has %v users", got)
	}
	if err := e.companies.RevokeToken(ctx, aID, tok.ID); err != nil {
		t.Fatal(err)
	}
	r := e.do(second, http.MethodGet, "/Users", "")
	errorDetail(t, r, http.StatusUnauthorized, "")
	if r.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	e.must(http.StatusOK, a, http.MethodGet, "/Users", "")
	if got := e.must(http.StatusOK, b, http.MethodGet, "/Users", "").body["totalResults"]; got != 0.0 {
		t.Errorf("B sees %v users", got)
	}
	errorDetail(t, e.do(a+"x", http.MethodGet, "/Users", ""), http.StatusUnauthorized, "")
	errorDetail(t, e.do("", http.MethodGet, "/Users", ""), http.StatusUnauthorized, "")
}
