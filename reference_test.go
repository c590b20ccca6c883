package scim

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// countingStore counts the calls made to the store behind it.
type countingStore struct {
	Store
	mu    sync.Mutex
	calls map[string]int
}

func (s *countingStore) count(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	s.calls[method]++
}

// take returns and clears the counts.
func (s *countingStore) take() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = nil
	return c
}

func (s *countingStore) GetUser(ctx context.Context, tenant, id string) (*User, error) {
	s.count("GetUser")
	return s.Store.GetUser(ctx, tenant, id)
}

func (s *countingStore) ListUsers(ctx context.Context, tenant string, q *Query) (*Page, error) {
	s.count("ListUsers")
	return s.Store.ListUsers(ctx, tenant, q)
}

// TestReferencesOneQuery checks that reading users looks up the employees
// they refer to (Employee attributes, managers still pending) with one
// store query, whatever the number of users, and shows them as before.
func TestReferencesOneQuery(t *testing.T) {
	var cs *countingStore
	e := newPeakonEnv(t, func(h *Handler) {
		cs = &countingStore{Store: h.Store}
		h.Store = cs
	})
	_, tok := e.company("Acme", []CustomAttribute{{Name: "Mentor", Type: CustomEmployee}})
	const peakon = SchemaPeakonUser
	e.create(tok, userJSON("mentor@acme.test", ""))
	const reports = 60
	for i := range reports {
		// Half name the boss, not yet provisioned, in a case that the
		// resolution after the boss's creation does not try (it is shown
		// resolved when read); half name nobody.
		mgr := "Boss@Acme.Test"
		if i%2 == 1 {
			mgr = fmt.Sprintf("ghost-%d@acme.test", i)
		}
		e.create(tok, userJSON(fmt.Sprintf("r%02d@acme.test", i),
			`"`+SchemaEnterpriseUser+`":{"manager":{"value":"`+mgr+`"}},"`+peakon+`":{"Mentor":"mentor@acme.test"}`))
	}
	boss := e.create(tok, userJSON("boss@acme.test", `"displayName":"Bea Boss"`))

	cs.take()
	r := e.must(http.StatusOK, tok, http.MethodGet, "/Users?count=1000", "")
	if diff := cmp.Diff(map[string]int{"ListUsers": 2}, cs.take()); diff != "" {
		t.Errorf("store calls of a list page of %d users with references (-want +got):\n%s", reports+2, diff)
	}
	res := r.resources()
	if len(res) != reports+2 {
		t.Fatalf("%d resources, want %d", len(res), reports+2)
	}
	for _, u := range res {
		name, _ := u["userName"].(string)
		if !strings.HasPrefix(name, "r") {
			continue
		}
		var i int
		fmt.Sscanf(name, "r%02d@", &i)
		wantMgr := map[string]any{"value": boss, "$ref": e.srv.URL + "/scim/v2/Users/" + boss, "displayName": "Bea Boss"}
		if i%2 == 1 {
			wantMgr = map[string]any{"value": fmt.Sprintf("ghost-%d@acme.test", i)}
		}
		ent, _ := u[SchemaEnterpriseUser].(map[string]any)
		if diff := cmp.Diff(wantMgr, ent["manager"]); diff != "" {
			t.Errorf("%s: manager (-want +got):\n%s", name, diff)
		}
		ext, _ := u[peakon].(map[string]any)
		if diff := cmp.Diff(map[string]any{"Mentor": "mentor@acme.test"}, ext); diff != "" {
			t.Errorf("%s: Peakon attributes (-want +got):\n%s", name, diff)
		}
	}

	// One user: read, then one lookup for both of its references.
	id := res[1]["id"].(string)
	e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+id, "")
	if diff := cmp.Diff(map[string]int{"GetUser": 1, "ListUsers": 1}, cs.take()); diff != "" {
		t.Errorf("store calls of a GET of one user (-want +got):\n%s", diff)
	}
	// A user with only an Employee value: read it and the employee.
	only := e.create(tok, userJSON("solo@acme.test", `"`+peakon+`":{"Mentor":"mentor@acme.test"}`))
	cs.take()
	r = e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+only, "")
	if diff := cmp.Diff(map[string]int{"GetUser": 2}, cs.take()); diff != "" {
		t.Errorf("store calls of a GET of a user with one Employee value (-want +got):\n%s", diff)
	}
	if got := r.obj(peakon)["Mentor"]; got != "mentor@acme.test" {
		t.Errorf("Mentor = %v, want the mentor's email", got)
	}
}

// doHost sends a request as do does, with the Host header (and any other
// headers) given.
func (e *peakonEnv) doHost(token, method, path, body string, header map[string]string) (int, string) {
	e.t.Helper()
	res, raw := send(e.t, e.srv.Client(), method, e.srv.URL+"/scim/v2"+path, body, func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/scim+json")
		for k, v := range header {
			if k == "Host" {
				req.Host = v
				continue
			}
			req.Header.Set(k, v)
		}
	})
	return res.StatusCode, string(raw)
}

// TestReferencesRendered checks that $ref and meta.location are built for
// each response from the base URL it is served at, and never stored: a
// client that forges Host (or X-Forwarded-Proto) on a write does not change
// what others read.
func TestReferencesRendered(t *testing.T) {
	for _, base := range []string{"", "https://scim.example.com/scim/v2/"} {
		t.Run("BaseURL="+base, func(t *testing.T) {
			e := newPeakonEnv(t, func(h *Handler) { h.BaseURL = base })
			tenant, tok := e.company("Acme", nil)
			forged := map[string]string{"Host": "evil.example", "X-Forwarded-Proto": "https"}
			status, raw := e.doHost(tok, http.MethodPost, "/Users", userJSON("boss@acme.test", `"displayName":"Bea Boss"`), forged)
			if status != http.StatusCreated {
				t.Fatalf("POST boss: %d %s", status, raw)
			}
			boss := e.store.mustFind(t, tenant, "boss@acme.test")
			// Resolved at once, and after the fact (the manager created
			// after the report, with a PATCH in between).
			status, raw = e.doHost(tok, http.MethodPost, "/Users", userJSON("ann@acme.test", `"`+SchemaEnterpriseUser+`":{"manager":{"value":"boss@acme.test","$ref":"https://evil.example/Users/x"}}`), forged)
			if status != http.StatusCreated {
				t.Fatalf("POST ann: %d %s", status, raw)
			}
			status, raw = e.doHost(tok, http.MethodPost, "/Users", userJSON("bob@acme.test", `"`+SchemaEnterpriseUser+`":{"manager":{"value":"carl@acme.test"}}`), forged)
			if status != http.StatusCreated {
				t.Fatalf("POST bob: %d %s", status, raw)
			}
			status, raw = e.doHost(tok, http.MethodPost, "/Users", userJSON("carl@acme.test", `"displayName":"Carl"`), forged)
			if status != http.StatusCreated {
				t.Fatalf("POST carl: %d %s", status, raw)
			}
			carl := e.store.mustFind(t, tenant, "carl@acme.test")

			want := "http://good.example/scim/v2"
			if base != "" {
				want = strings.TrimSuffix(base, "/")
			}
			for _, c := range []struct{ user, mgr, name string }{{"ann@acme.test", boss, "Bea Boss"}, {"bob@acme.test", carl, "Carl"}} {
				id := e.store.mustFind(t, tenant, c.user)
				stored, err := e.store.GetUser(context.Background(), tenant, id)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(Manager{Value: c.mgr, DisplayName: c.name}, stored.Enterprise.Manager); diff != "" {
					t.Errorf("%s: stored manager (-want +got):\n%s", c.user, diff)
				}
				if stored.Meta.Location != "" {
					t.Errorf("%s: stored meta.location %q", c.user, stored.Meta.Location)
				}
				for _, path := range []string{"/Users/" + id, filterPath(`userName eq "` + c.user + `"`)} {
					status, raw := e.doHost(tok, http.MethodGet, path, "", map[string]string{"Host": "good.example"})
					if status != http.StatusOK {
						t.Fatalf("GET %s: %d %s", path, status, raw)
					}
					for _, w := range []string{`"$ref":"` + want + `/Users/` + c.mgr + `"`, `"location":"` + want + `/Users/` + id + `"`} {
						if !strings.Contains(raw, w) {
							t.Errorf("GET %s: no %s in %s", path, w, raw)
						}
					}
					if strings.Contains(raw, "evil.example") {
						t.Errorf("GET %s shows the forged host: %s", path, raw)
					}
				}
			}
		})
	}
}

// mustFind returns the id of the tenant's user with the userName.
func (s *MemoryStore) mustFind(t *testing.T, tenant, userName string) string {
	t.Helper()
	q, err := defaultModel.NewQuery(`userName eq "`+userName+`"`, "", "", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.ListUsers(context.Background(), tenant, q)
	if err != nil || len(p.Users) != 1 {
		t.Fatalf("user %s: %v, %d found", userName, err, len(p.Users))
	}
	return p.Users[0].ID
}

// gatedLists is a MemoryStore whose next lookup of reports, once armed,
// waits for a gate, so a test can hold a lookup running.
type gatedLists struct {
	*MemoryStore
	entered chan struct{} // receives when a manager lookup starts
	gate    chan struct{} // closed to let the first one go on

	mu      sync.Mutex
	armed   bool // gate the next lookup
	lookups int
}

func (s *gatedLists) ListUsers(ctx context.Context, tenant string, q *Query) (*Page, error) {
	if isManagerLookup(q.Filter) {
		s.mu.Lock()
		s.lookups++
		first := s.armed
		s.armed = false
		s.mu.Unlock()
		if first {
			s.entered <- struct{}{}
			<-s.gate
		}
	}
	return s.MemoryStore.ListUsers(ctx, tenant, q)
}

func isManagerLookup(f Filter) bool {
	switch n := f.(type) {
	case *LogicalExpr:
		return isManagerLookup(n.Left)
	case *AttrExpr:
		return n.Path.Name == "manager"
	}
	return false
}

// TestReportLookupsShared: creates that finish while the lookup of their
// company's pending reports runs share the next lookup, one query for all
// of them, and each still resolves the reports waiting for it.
func TestReportLookupsShared(t *testing.T) {
	store := &gatedLists{MemoryStore: NewMemoryStore(), entered: make(chan struct{}, 1), gate: make(chan struct{})}
	e := newPeakonEnv(t, func(h *Handler) { h.Store = store })
	e.store = store.MemoryStore
	tenant, tok := e.company("Acme", nil)
	ctx := context.Background()

	// Reports waiting for managers who do not exist yet.
	const n = 5
	reports := make([]string, n)
	for i := range n {
		reports[i] = e.create(tok, userJSON(fmt.Sprintf("report%d@acme.test", i),
			`"`+SchemaEnterpriseUser+`":{"manager":"boss`+fmt.Sprint(i)+`@acme.test"}`))
	}
	store.mu.Lock()
	store.lookups = 0 // the reports' own creates looked too
	store.armed = true
	store.mu.Unlock()

	// The first manager's lookup is held while the others are created.
	ids := make([]string, n)
	var wg sync.WaitGroup
	wg.Go(func() { ids[0] = e.create(tok, userJSON("boss0@acme.test", "")) })
	<-store.entered
	for i := 1; i < n; i++ {
		wg.Go(func() { ids[i] = e.create(tok, userJSON(fmt.Sprintf("boss%d@acme.test", i), "")) })
	}
	// Wait (bounded) until the four wait in one batch.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		e.h.reports.mu.Lock()
		waiting := 0
		if q := e.h.reports.tenants[tenant]; q != nil && len(q.batches) == 1 {
			waiting = len(q.batches[0].keys)
		}
		e.h.reports.mu.Unlock()
		if waiting >= 2*(n-1) { // each boss is at least its id and its email
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other creates did not gather in one batch (%d keys)", waiting)
		}
	}
	close(store.gate)
	wg.Wait()

	store.mu.Lock()
	lookups := store.lookups
	store.mu.Unlock()
	if lookups != 2 {
		t.Errorf("%d lookups of reports for %d creates, want 2 (the held one, then one shared)", lookups, n)
	}
	for i, r := range reports {
		u, err := e.store.GetUser(ctx, tenant, r)
		if err != nil {
			t.Fatal(err)
		}
		if m := u.Enterprise.Manager; m.Value != ids[i] || m.DisplayName == "" {
			t.Errorf("report %d: manager %+v, want %s resolved", i, m, ids[i])
		}
	}
	if e.h.reports.tenants[tenant] != nil {
		t.Error("the company's queue outlived its lookups")
	}
	e.must(http.StatusOK, tok, http.MethodGet, "/Users/"+reports[0], "")
}

// TestSameDisplayName: sameDisplayName agrees with comparing displayName's
// results, and a user compared with one differing in another attribute
// costs identityChanged no allocation (displayName joins the names).
func TestSameDisplayName(t *testing.T) {
	named := func(display, formatted, given, family, userName string) *User {
		return &User{DisplayName: display, Name: Name{Formatted: formatted, GivenName: given, FamilyName: family}, UserName: userName}
	}
	users := []*User{
		named("", "", "Ada", "Lovelace", "ada@example.com"),
		named("", "", "Ada", "Lovelace", "other@example.com"),
		named("", "", "Ada ", "Lovelace", "ada@example.com"),
		named("", "", "Ada", "", "ada@example.com"),
		named("", "", "", "Ada", "ada@example.com"),
		named("", "Ada Lovelace", "", "", "ada@example.com"),
		named("Ada Lovelace", "", "", "", "ada@example.com"),
		named("Ada Lovelace", "", "Grace", "Hopper", "ada@example.com"),
		named("", "", "", "", "ada@example.com"),
		named("", "", "", "", "Ada Lovelace"),
	}
	for _, a := range users {
		for _, b := range users {
			if got, want := sameDisplayName(a, b), displayName(a) == displayName(b); got != want {
				t.Errorf("sameDisplayName(%+v, %+v) = %v, want %v", a, b, got, want)
			}
		}
	}
	a := named("", "", "Ada", "Lovelace", "ada@example.com")
	b := a.Clone()
	b.Title = "Countess"
	if n := testing.AllocsPerRun(100, func() { identityChanged(a, b) }); n != 0 {
		t.Errorf("identityChanged allocates %.0f times for users differing in their title", n)
	}
}
