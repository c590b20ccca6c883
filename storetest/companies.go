package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim"
)

// testCompanies checks scim.CompanyStore's CRUD of companies and tokens.
func testCompanies(t *testing.T, st scim.CompanyStore) {
	ctx := context.Background()
	c := &scim.Company{ID: "acme", Name: "Acme", Created: base,
		Attributes: []scim.CustomAttribute{{Name: "Employed Since", Type: scim.CustomDate, Aliases: []string{"Employed_Since"}}}}
	if err := st.CreateCompany(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateCompany(ctx, c); !errors.Is(err, scim.ErrConflict) {
		t.Errorf("CreateCompany twice = %v, want ErrConflict", err)
	}
	got, err := st.GetCompany(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(c, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("GetCompany (-want +got):\n%s", d)
	}
	if _, err := st.GetCompany(ctx, "nope"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetCompany(unknown) = %v, want ErrNotFound", err)
	}
	c.Name = "Acme Inc"
	c.Attributes = append(c.Attributes, scim.CustomAttribute{Name: "Level", Type: scim.CustomNumber})
	if err := st.UpdateCompany(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, _ = st.GetCompany(ctx, "acme")
	if d := cmp.Diff(c, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("GetCompany after update (-want +got):\n%s", d)
	}
	if err := st.UpdateCompany(ctx, &scim.Company{ID: "nope"}); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("UpdateCompany(unknown) = %v, want ErrNotFound", err)
	}
	tok := func(id, secret string, at time.Time) *scim.Token {
		return &scim.Token{ID: id, Company: "acme", Hash: sha256.Sum256([]byte(secret)), Label: "okta " + id, Created: at}
	}
	t1, t2 := tok("t1", "s1", base), tok("t2", "s2", base.Add(time.Hour))
	// Created in time order, so "oldest first" means the same by creation
	// time and by insertion.
	for _, tk := range []*scim.Token{t1, t2} {
		if err := st.CreateToken(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateToken(ctx, tok("t3", "s1", base)); !errors.Is(err, scim.ErrConflict) {
		t.Errorf("CreateToken(taken hash) = %v, want ErrConflict", err)
	}
	if err := st.CreateToken(ctx, tok("t1", "s9", base)); !errors.Is(err, scim.ErrConflict) {
		t.Errorf("CreateToken(taken id) = %v, want ErrConflict", err)
	}
	got1, err := st.TokenByHash(ctx, sha256.Sum256([]byte("s1")))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(t1, got1); d != "" {
		t.Errorf("TokenByHash (-want +got):\n%s", d)
	}
	if _, err := st.TokenByHash(ctx, sha256.Sum256([]byte("nope"))); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("TokenByHash(unknown) = %v, want ErrNotFound", err)
	}
	all, err := st.ListTokens(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]*scim.Token{t1, t2}, all); d != "" {
		t.Errorf("ListTokens (-want +got):\n%s", d)
	}
	if err := st.DeleteToken(ctx, "other", "t1"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("DeleteToken of another company = %v, want ErrNotFound", err)
	}
	if err := st.DeleteToken(ctx, "acme", "t1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.TokenByHash(ctx, t1.Hash); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("TokenByHash after delete = %v, want ErrNotFound", err)
	}
}

// testCompanyLifecycle checks listing companies, recording a token's use and
// expiry, and deleting a company with everything it owns while another
// company keeps its own.
func testCompanyLifecycle(t *testing.T, st scim.Store) {
	cs := implemented[scim.CompanyStore](t, st)
	ctx := context.Background()
	for _, id := range []string{"globex", "acme"} {
		if err := cs.CreateCompany(ctx, &scim.Company{ID: id, Name: id, Created: base}); err != nil {
			t.Fatal(err)
		}
		tok := &scim.Token{ID: "tok-" + id, Company: id, Hash: sha256.Sum256([]byte("secret-" + id)), Label: "okta", Created: base,
			Expires: base.Add(90 * 24 * time.Hour)}
		if err := cs.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*scim.User{
			fixtureUser("u1", "one@"+id+".test", 1, func(u *scim.User) { u.Emails = []scim.MultiValue{{Value: "one@" + id + ".test", Type: "work"}} }),
			fixtureUser("u2", "two@"+id+".test", 2, nil),
		} {
			if err := st.CreateUser(ctx, id, u); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, err := cs.ListCompanies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"acme", "globex"}, companyIDs(all)); d != "" {
		t.Errorf("ListCompanies ids (-want +got):\n%s", d)
	}

	used := base.Add(time.Hour)
	if err := cs.TouchToken(ctx, "tok-acme", used); err != nil {
		t.Fatal(err)
	}
	if err := cs.TouchToken(ctx, "nope", used); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("TouchToken(unknown) = %v, want ErrNotFound", err)
	}
	got, err := cs.TokenByHash(ctx, sha256.Sum256([]byte("secret-acme")))
	if err != nil {
		t.Fatal(err)
	}
	if !got.LastUsed.Equal(used) || !got.Expires.Equal(base.Add(90*24*time.Hour)) {
		t.Errorf("token LastUsed %v, Expires %v; want %v, %v", got.LastUsed, got.Expires, used, base.Add(90*24*time.Hour))
	}

	if err := cs.DeleteCompany(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if err := cs.DeleteCompany(ctx, "acme"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("DeleteCompany twice = %v, want ErrNotFound", err)
	}
	if _, err := cs.GetCompany(ctx, "acme"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetCompany after delete = %v, want ErrNotFound", err)
	}
	if _, err := cs.TokenByHash(ctx, sha256.Sum256([]byte("secret-acme"))); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("the deleted company's token still authenticates: %v", err)
	}
	if _, err := st.GetUser(ctx, "acme", "u1"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetUser of the deleted company = %v, want ErrNotFound", err)
	}
	page, err := st.ListUsers(ctx, "acme", &scim.Query{StartIndex: 1, Count: 10})
	if err != nil || page.Total != 0 || len(page.Users) != 0 {
		t.Errorf("ListUsers of the deleted company = %+v, %v; want none", page, err)
	}
	if hs, ok := st.(scim.HistoryStore); ok {
		if ids, err := hs.ActiveAt(ctx, "acme", base.Add(time.Hour)); err != nil || len(ids) != 0 {
			t.Errorf("ActiveAt of the deleted company = %v, %v; want none", ids, err)
		}
	}
	// Its writes are refused until the id is created again, from nothing.
	if err := st.CreateUser(ctx, "acme", fixtureUser("u1", "one@acme.test", 1, nil)); !errors.Is(err, scim.ErrErased) {
		t.Errorf("creating a user of the erased company: %v, want ErrErased", err)
	}
	if err := cs.CreateCompany(ctx, &scim.Company{ID: "acme", Name: "acme again", Created: base}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, "acme", fixtureUser("u1", "one@acme.test", 1, nil)); err != nil {
		t.Errorf("creating a user again after erasure: %v", err)
	}
	if err := cs.DeleteCompany(ctx, "acme"); err != nil {
		t.Fatal(err)
	}

	// The other company is untouched.
	rest, err := cs.ListCompanies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"globex"}, companyIDs(rest)); d != "" {
		t.Errorf("ListCompanies after delete (-want +got):\n%s", d)
	}
	page, err = st.ListUsers(ctx, "globex", &scim.Query{StartIndex: 1, Count: 10})
	if err != nil || page.Total != 2 {
		t.Errorf("the other company's users: %+v, %v; want 2", page, err)
	}
	toks, err := cs.ListTokens(ctx, "globex")
	if err != nil || len(toks) != 1 {
		t.Errorf("the other company's tokens: %v, %v", toks, err)
	}
}

func companyIDs(cs []*scim.Company) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}

// testErasure checks that a company's erasure wins over its writes (issue
// 23, item 3): two Companies over the store stand for two instances; B's
// caches know the company and its writers keep writing (users one by one,
// in bulk, and groups when the store keeps them) while A erases it. Once
// Delete returns no write of the company commits: every attempt started
// after it fails, and nothing of the company is left, whatever was in
// flight. Ensure on the id then starts from nothing, and the other
// company keeps everything.
func testErasure(t *testing.T, st scim.Store) {
	store := implemented[scim.CompanyStore](t, st)
	ctx := context.Background()
	a, b := scim.NewCompanies(store), scim.NewCompanies(store)
	if _, err := a.Ensure(ctx, "erased", "Erased", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Ensure(ctx, "kept", "Kept", nil); err != nil {
		t.Fatal(err)
	}
	secret, _, err := a.IssueToken(ctx, "erased", "okta")
	if err != nil {
		t.Fatal(err)
	}
	keptSecret, _, err := a.IssueToken(ctx, "kept", "okta")
	if err != nil {
		t.Fatal(err)
	}
	h := &scim.Handler{Store: st, Auth: b}
	gs, groups := st.(scim.GroupStore)
	if groups {
		h.Groups = gs
	}
	do := func(token, method, path, body string) int {
		r := httptest.NewRequest(method, "/scim/v2"+path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("Content-Type", "application/scim+json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if path != "/Bulk" || w.Code != http.StatusOK {
			return w.Code
		}
		// A bulk request's outcome is its operations': 201 if one was
		// created, else the first one's status.
		var resp struct{ Operations []struct{ Status string } }
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || len(resp.Operations) == 0 {
			t.Errorf("bulk response %q: %v", w.Body, err)
			return w.Code
		}
		code, _ := strconv.Atoi(resp.Operations[0].Status)
		for _, op := range resp.Operations {
			if op.Status == "201" {
				return http.StatusCreated
			}
		}
		return code
	}
	user := func(name string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + name + `@erased.test"}`
	}
	write := func(w, i int) int {
		name := fmt.Sprintf("w%d-%d", w, i)
		switch i % 3 {
		case 0:
			return do(secret, http.MethodPost, "/Users", user(name))
		case 1:
			return do(secret, http.MethodPost, "/Bulk", `{"Operations":[`+
				`{"method":"POST","path":"/Users","bulkId":"a","data":`+user(name+"a")+`},`+
				`{"method":"POST","path":"/Users","bulkId":"b","data":`+user(name+"b")+`}]}`)
		}
		if !groups {
			return do(secret, http.MethodPost, "/Users", user(name))
		}
		return do(secret, http.MethodPost, "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"`+name+`"}`)
	}
	if code := do(keptSecret, http.MethodPost, "/Users", `{"userName":"stays@kept.test"}`); code != http.StatusCreated {
		t.Fatalf("the other company's user: %d", code)
	}

	const writers, before, after = 4, 3, 5
	var erased atomic.Bool
	var wrote sync.WaitGroup // each writer's writes before the erasure
	wrote.Add(writers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var committed []string // writes started after Delete returned that answered 2xx
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, late := 0, 0; late < after; i++ {
				if i == before {
					wrote.Done()
				}
				wasErased := erased.Load()
				code := write(w, i)
				if !wasErased {
					if i < before && code != http.StatusCreated {
						t.Errorf("writer %d, write %d before the erasure: %d", w, i, code)
					}
					continue
				}
				late++
				if code < 300 {
					mu.Lock()
					committed = append(committed, fmt.Sprintf("writer %d, write %d: %d", w, i, code))
					mu.Unlock()
				}
			}
		}()
	}
	wrote.Wait()
	if err := a.Delete(ctx, "erased"); err != nil {
		t.Fatal(err)
	}
	erased.Store(true)
	wg.Wait()
	for _, c := range committed {
		t.Errorf("a write started after the erasure succeeded: %s", c)
	}

	left := func(when string) {
		t.Helper()
		page, err := st.ListUsers(ctx, "erased", &scim.Query{StartIndex: 1, Count: 10})
		if err != nil || page.Total != 0 {
			t.Errorf("%s: the erased company has users: %v, %v", when, page, err)
		}
		if f, ok := st.(scim.ChangeFeed); ok {
			if cs, err := f.Changes(ctx, "erased", 0, 10); err != nil || len(cs) != 0 {
				t.Errorf("%s: the erased company has changes: %v, %v", when, cs, err)
			}
		}
		if hs, ok := st.(scim.HistoryStore); ok {
			if ids, err := hs.ActiveAt(ctx, "erased", base.AddDate(100, 0, 0)); err != nil || len(ids) != 0 {
				t.Errorf("%s: the erased company has activations: %v, %v", when, ids, err)
			}
		}
		if groups {
			if page, err := gs.ListGroups(ctx, "erased", &scim.GroupQuery{StartIndex: 1, Count: 10}); err != nil || page.Total != 0 {
				t.Errorf("%s: the erased company has groups: %v, %v", when, page, err)
			}
		}
	}
	left("after the erasure")
	if err := st.CreateUser(ctx, "erased", fixtureUser("late", "late@erased.test", 1, nil)); err == nil {
		t.Error("CreateUser of the erased company succeeded")
	}

	// The id starts from nothing, and is written again.
	if _, err := a.Ensure(ctx, "erased", "New customer", nil); err != nil {
		t.Fatal(err)
	}
	left("after Ensure")
	if toks, err := a.Tokens(ctx, "erased"); err != nil || len(toks) != 0 {
		t.Errorf("the new company has the old one's tokens: %v, %v", toks, err)
	}
	if err := st.CreateUser(ctx, "erased", fixtureUser("new", "new@erased.test", 1, nil)); err != nil {
		t.Errorf("CreateUser after Ensure: %v", err)
	}
	if page, err := st.ListUsers(ctx, "kept", &scim.Query{StartIndex: 1, Count: 10}); err != nil || page.Total != 1 {
		t.Errorf("the other company's users: %v, %v; want its 1", page, err)
	}
}

// testCompanyChanges checks a scim.CompanyChangeStore: every change of a
// company or of its tokens is listed after the generation a reader last
// saw, each company once, and the generation grows; a token's use, and a
// change that fails, is not a change.
func testCompanyChanges(t *testing.T, st scim.CompanyChangeStore) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	// A change first: after generation 0 a store may list nothing.
	if err := st.CreateCompany(ctx, &scim.Company{ID: "a", Name: "A", Created: now}); err != nil {
		t.Fatal(err)
	}
	gen, _, err := st.CompanyChanges(ctx, 0)
	if err != nil || gen <= 0 {
		t.Fatalf("CompanyChanges after a CreateCompany: generation %d, %v; want above 0", gen, err)
	}
	// step runs f and checks the companies listed after the generation
	// before it.
	step := func(name string, want []string, f func() error) {
		t.Helper()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cur, changed, err := st.CompanyChanges(ctx, gen)
		if err != nil {
			t.Fatalf("%s: CompanyChanges: %v", name, err)
		}
		slices.Sort(changed)
		if d := cmp.Diff(want, changed, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: companies changed (-want +got):\n%s", name, d)
		}
		if len(want) > 0 && cur <= gen || len(want) == 0 && cur != gen {
			t.Errorf("%s: generation %d after %d", name, cur, gen)
		}
		gen = cur
	}
	tok := &scim.Token{ID: "t1", Company: "a", Hash: [32]byte{1}, Created: now}
	step("CreateCompany and UpdateCompany of another", []string{"b"}, func() error {
		if err := st.CreateCompany(ctx, &scim.Company{ID: "b", Name: "B", Created: now}); err != nil {
			return err
		}
		return st.UpdateCompany(ctx, &scim.Company{ID: "b", Name: "B2", Created: now})
	})
	step("CreateToken", []string{"a"}, func() error { return st.CreateToken(ctx, tok) })
	step("TouchToken", []string{}, func() error { return st.TouchToken(ctx, tok.ID, now.Add(time.Minute)) })
	step("UpdateCompany of an unknown company", []string{}, func() error {
		if err := st.UpdateCompany(ctx, &scim.Company{ID: "nobody", Name: "N"}); !errors.Is(err, scim.ErrNotFound) {
			t.Errorf("UpdateCompany of an unknown company: %v, want ErrNotFound", err)
		}
		return nil
	})
	step("DeleteToken of another company", []string{}, func() error {
		if err := st.DeleteToken(ctx, "b", tok.ID); !errors.Is(err, scim.ErrNotFound) {
			t.Errorf("DeleteToken through another company: %v, want ErrNotFound", err)
		}
		return nil
	})
	step("DeleteToken and DeleteCompany", []string{"a", "b"}, func() error {
		if err := st.DeleteToken(ctx, "a", tok.ID); err != nil {
			return err
		}
		return st.DeleteCompany(ctx, "b")
	})
	step("UpdateCompany", []string{"a"}, func() error {
		return st.UpdateCompany(ctx, &scim.Company{ID: "a", Name: "A2", Created: now})
	})
}
