package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scimkit/scim"
)

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
