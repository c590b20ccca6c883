package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim/internal/testclock"
)

// TestCompaniesEnsure: a product that restarts calls Ensure with its own
// ids and finds its companies again, with their current attributes.
func TestCompaniesEnsure(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	cs := NewCompanies(store)
	c, err := cs.Ensure(ctx, "tenant-42", "Acme", []CustomAttribute{{Name: "Department", Type: CustomOption}})
	if err != nil || c.ID != "tenant-42" {
		t.Fatalf("Ensure = %+v, %v", c, err)
	}
	// "Restart": a new Companies over the same store.
	cs = NewCompanies(store)
	c2, err := cs.Ensure(ctx, "tenant-42", "Acme Inc", []CustomAttribute{{Name: "Level", Type: CustomNumber}})
	if err != nil {
		t.Fatal(err)
	}
	if c2.Name != "Acme Inc" || len(c2.Attributes) != 1 || c2.Attributes[0].Name != "Level" || !c2.Created.Equal(c.Created) {
		t.Errorf("Ensure again = %+v", c2)
	}
	m, err := cs.Model(ctx, "tenant-42")
	if err != nil || m.CustomAttribute("Level") == nil || m.CustomAttribute("Department") != nil {
		t.Errorf("model after Ensure: %v", err)
	}
	all, err := cs.List(ctx)
	if err != nil || len(all) != 1 || all[0].ID != "tenant-42" {
		t.Errorf("List = %v, %v", all, err)
	}
	for _, bad := range []string{"", " x", "x "} {
		if _, err := cs.Ensure(ctx, bad, "Acme", nil); err == nil {
			t.Errorf("Ensure(%q) accepted", bad)
		}
	}
}

// TestCompaniesDelete: deleting a company erases its employees and its
// tokens; its bearer token is refused at once.
func TestCompaniesDelete(t *testing.T) {
	e := newPeakonEnv(t)
	idA, a := e.company("A", nil)
	_, b := e.company("B", nil)
	e.create(a, userJSON("a@x.test", ""))
	e.create(b, userJSON("b@x.test", ""))
	if err := e.companies.Delete(context.Background(), idA); err != nil {
		t.Fatal(err)
	}
	e.must(http.StatusUnauthorized, a, http.MethodGet, "/Users", "")
	if page, err := e.store.ListUsers(context.Background(), idA, &Query{StartIndex: 1, Count: 10}); err != nil || page.Total != 0 {
		t.Errorf("the deleted company's users remain: %+v, %v", page, err)
	}
	if got := e.must(http.StatusOK, b, http.MethodGet, "/Users", "").body["totalResults"]; got != float64(1) {
		t.Errorf("the other company lost its users: totalResults %v", got)
	}
	if err := e.companies.Delete(context.Background(), idA); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete twice = %v, want ErrNotFound", err)
	}
}

// TestTokenLifecycle: tokens record their last use (at most once per
// TokenUseResolution) and stop working when they expire.
func TestTokenLifecycle(t *testing.T) {
	e := newPeakonEnv(t)
	e.companies.TokenLifetime = 24 * time.Hour
	id, a := e.company("A", nil)
	issued := e.clock.Now()
	toks, _ := e.companies.Tokens(context.Background(), id)
	if len(toks) != 1 || !toks[0].Expires.Equal(issued.Add(24*time.Hour)) || !toks[0].LastUsed.IsZero() {
		t.Fatalf("issued token: %+v", toks)
	}
	e.must(http.StatusOK, a, http.MethodGet, "/Users", "")
	e.clock.Advance(30 * time.Second)
	e.must(http.StatusOK, a, http.MethodGet, "/Users", "")
	toks, _ = e.companies.Tokens(context.Background(), id)
	if d := cmp.Diff(issued, toks[0].LastUsed); d != "" {
		t.Errorf("LastUsed (-want +got), written once per resolution:\n%s", d)
	}
	e.clock.Advance(TokenUseResolution)
	e.must(http.StatusOK, a, http.MethodGet, "/Users", "")
	toks, _ = e.companies.Tokens(context.Background(), id)
	if want := issued.Add(30*time.Second + TokenUseResolution); !toks[0].LastUsed.Equal(want) {
		t.Errorf("LastUsed %v, want %v", toks[0].LastUsed, want)
	}
	e.clock.Advance(24 * time.Hour)
	e.must(http.StatusUnauthorized, a, http.MethodGet, "/Users", "")
}

// countingTokens counts TokenByHash calls. It embeds a CompanyStore, not
// a MemoryStore: it is not a CompanyChangeStore (see changeCounting).
type countingTokens struct {
	CompanyStore
	lookups int
}

func (c *countingTokens) TokenByHash(ctx context.Context, hash [32]byte) (*Token, error) {
	c.lookups++
	return c.CompanyStore.TokenByHash(ctx, hash)
}

// changeCounting is countingTokens over a CompanyChangeStore; it counts
// the checks of changes too, and fails them while failing is set.
type changeCounting struct {
	*countingTokens
	src     CompanyChangeStore
	checks  int
	failing bool
}

func (c *changeCounting) CompanyChanges(ctx context.Context, since int64) (int64, []string, error) {
	c.checks++
	if c.failing {
		return 0, nil, ErrUnavailable
	}
	return c.src.CompanyChanges(ctx, since)
}

// TestTokenCache: a token found is not read again for every request;
// revocation is immediate in the instance that revoked and takes at most
// TokenCacheTTL in another. Over a CompanyChangeStore the token stays
// cached while its company does not change, at the cost of one check of
// changes per TTL for the whole instance (issue 25 part 5); over another
// store, or while the check fails, it is read again after each TTL.
func TestTokenCache(t *testing.T) {
	for _, tc := range []struct {
		name    string
		changes bool // a CompanyChangeStore
		failing bool // whose CompanyChanges fails
		// lookups: of the token after 1, 2 and 3 TTLs of 10
		// authentications each.
		lookups [3]int
	}{
		{name: "CompanyChangeStore", changes: true, lookups: [3]int{1, 1, 1}},
		{name: "CompanyChangeStore failing", changes: true, failing: true, lookups: [3]int{1, 2, 3}},
		{name: "CompanyStore", lookups: [3]int{1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			clock := testclock.New(t0)
			mem := NewMemoryStore()
			counting := &countingTokens{CompanyStore: mem}
			var store CompanyStore = counting
			var checking *changeCounting
			if tc.changes {
				checking = &changeCounting{countingTokens: counting, src: mem, failing: tc.failing}
				store = checking
			}
			a, b := NewCompanies(store), NewCompanies(store) // two instances
			a.Now, b.Now = clock.Now, clock.Now
			c, _ := a.Create(ctx, "Acme", nil)
			secret, tok, _ := a.IssueToken(ctx, c.ID, "okta")
			for round := range 3 {
				if round > 0 {
					clock.Advance(DefaultTokenCacheTTL)
				}
				for range 10 {
					if _, err := b.Authenticate(ctx, secret); err != nil {
						t.Fatal(err)
					}
				}
				if counting.lookups != tc.lookups[round] {
					t.Errorf("%d store lookups after %d TTLs of 10 authentications, want %d", counting.lookups, round+1, tc.lookups[round])
				}
			}
			if checking != nil && checking.checks != 3 {
				t.Errorf("%d checks of changes in 3 TTLs, want 3 (one per TTL)", checking.checks)
			}
			if _, err := a.Authenticate(ctx, secret); err != nil {
				t.Fatal(err)
			}
			if err := a.RevokeToken(ctx, c.ID, tok.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Authenticate(ctx, secret); !errors.Is(err, ErrUnauthorized) {
				t.Errorf("revoking instance: %v, want ErrUnauthorized at once", err)
			}
			clock.Advance(DefaultTokenCacheTTL - time.Second)
			if _, err := b.Authenticate(ctx, secret); err != nil {
				t.Errorf("other instance within the TTL: %v (a revoked token may live this long there)", err)
			}
			clock.Advance(time.Second)
			if _, err := b.Authenticate(ctx, secret); !errors.Is(err, ErrUnauthorized) {
				t.Errorf("other instance after the TTL: %v, want ErrUnauthorized", err)
			}
		})
	}
}

// rebased is a MemoryStore whose changes numbered before base do not
// count: a database migrated with companies and tokens already in it,
// whose generation is still 0.
type rebased struct {
	*MemoryStore
	base int64
}

func (r *rebased) CompanyChanges(ctx context.Context, since int64) (int64, []string, error) {
	if since > 0 {
		since += r.base
	}
	gen, changed, err := r.MemoryStore.CompanyChanges(ctx, since)
	return gen - r.base, changed, err
}

// TestCompanyChangesFromZero: an instance that first checked a store
// with nothing numbered yet (generation 0, where the store lists no
// change) still sees a revocation made through another instance once
// TokenCacheTTL has passed.
func TestCompanyChangesFromZero(t *testing.T) {
	ctx := context.Background()
	clock := testclock.New(t0)
	mem := NewMemoryStore()
	a := NewCompanies(mem)
	c, _ := a.Create(ctx, "Acme", nil)
	secret, tok, _ := a.IssueToken(ctx, c.ID, "okta")
	gen, _, _ := mem.CompanyChanges(ctx, 0)
	b := NewCompanies(&rebased{MemoryStore: mem, base: gen})
	b.Now = clock.Now
	for range 2 { // the first check, then one more at generation 0
		if _, err := b.Authenticate(ctx, secret); err != nil {
			t.Fatal(err)
		}
		clock.Advance(DefaultTokenCacheTTL)
	}
	if err := a.RevokeToken(ctx, c.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	clock.Advance(DefaultTokenCacheTTL)
	if _, err := b.Authenticate(ctx, secret); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("other instance one TTL after the revocation: %v, want ErrUnauthorized", err)
	}
}

// TestCompanyChangesKeepOthers: over a CompanyChangeStore, a change of one
// company through another instance drops only that company's token and
// model here, once the TTL has passed; the other companies' stay cached.
func TestCompanyChangesKeepOthers(t *testing.T) {
	ctx := context.Background()
	clock := testclock.New(t0)
	mem := NewMemoryStore()
	counting := &countingTokens{CompanyStore: mem}
	store := &changeCounting{countingTokens: counting, src: mem}
	a, b := NewCompanies(store), NewCompanies(store)
	a.Now, b.Now = clock.Now, clock.Now
	const n = 50
	ids, secrets := make([]string, n), make([]string, n)
	for i := range n {
		c, err := a.Create(ctx, fmt.Sprintf("Company %d", i), nil)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = c.ID
		if secrets[i], _, err = a.IssueToken(ctx, c.ID, "okta"); err != nil {
			t.Fatal(err)
		}
	}
	authAll := func() (refused []int) {
		t.Helper()
		for i, s := range secrets {
			if _, err := b.Authenticate(ctx, s); errors.Is(err, ErrUnauthorized) {
				refused = append(refused, i)
			} else if err != nil {
				t.Fatal(err)
			}
		}
		return refused
	}
	authAll()
	clock.Advance(10 * DefaultTokenCacheTTL)
	before := counting.lookups
	authAll()
	if got := counting.lookups - before; got != 0 {
		t.Errorf("%d token lookups for %d companies unchanged for 10 TTLs, want 0", got, n)
	}
	toks, _ := a.Tokens(ctx, ids[7])
	if err := a.RevokeToken(ctx, ids[7], toks[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := a.Delete(ctx, ids[11]); err != nil {
		t.Fatal(err)
	}
	clock.Advance(DefaultTokenCacheTTL)
	before = counting.lookups
	if d := cmp.Diff([]int{7, 11}, authAll()); d != "" {
		t.Errorf("refused on the other instance one TTL after the revocation and the erasure (-want +got):\n%s", d)
	}
	if got := counting.lookups - before; got != 2 {
		t.Errorf("%d token lookups after two companies changed, want 2 (theirs only)", got)
	}
}

// racingTokens is a store whose TokenByHash, once armed, stops after its
// read until released: an authentication in flight while a token is
// revoked.
type racingTokens struct {
	*MemoryStore
	read    chan struct{} // receives when an armed TokenByHash has read
	release chan struct{}
	armed   bool
}

func (r *racingTokens) TokenByHash(ctx context.Context, hash [32]byte) (*Token, error) {
	t, err := r.MemoryStore.TokenByHash(ctx, hash)
	if r.armed {
		r.armed = false
		r.read <- struct{}{}
		<-r.release
	}
	return t, err
}

// TestTokenRevokedDuringAuthentication: an authentication that read the
// token before its revocation does not cache it after: revocation is at
// once in the revoking instance (issue 23, item 20).
func TestTokenRevokedDuringAuthentication(t *testing.T) {
	ctx := context.Background()
	store := &racingTokens{MemoryStore: NewMemoryStore(), read: make(chan struct{}), release: make(chan struct{})}
	cs := NewCompanies(store)
	c, _ := cs.Create(ctx, "Acme", nil)
	secret, tok, _ := cs.IssueToken(ctx, c.ID, "okta")
	store.armed = true
	done := make(chan error)
	go func() {
		_, err := cs.Authenticate(ctx, secret)
		done <- err
	}()
	<-store.read
	if err := cs.RevokeToken(ctx, c.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	close(store.release)
	<-done // in flight before the revocation: either answer is right
	if _, err := cs.Authenticate(ctx, secret); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("after revocation: %v, want ErrUnauthorized (the racing authentication cached the token)", err)
	}
}

// blockingTouch is a store whose TouchToken waits until released, as a
// SQLite writer held by a long write would.
type blockingTouch struct {
	*MemoryStore
	entered chan struct{}
	release chan struct{}
}

func (b *blockingTouch) TouchToken(ctx context.Context, id string, at time.Time) error {
	b.entered <- struct{}{}
	<-b.release
	return b.MemoryStore.TouchToken(ctx, id, at)
}

// TestTouchOffRequestPath: recording a token's use never makes a request
// wait (issue 23, item 4): with TouchToken blocked, requests answer, and
// the use is written once the store lets it.
func TestTouchOffRequestPath(t *testing.T) {
	ctx := context.Background()
	store := &blockingTouch{MemoryStore: NewMemoryStore(), entered: make(chan struct{}, 1), release: make(chan struct{})}
	cs := NewCompanies(store)
	c, _ := cs.Create(ctx, "Acme", nil)
	secret, _, _ := cs.IssueToken(ctx, c.ID, "okta")
	h := &Handler{Store: store, Auth: cs}
	// Bounded: without the fix the request waits for the release, which
	// comes only after the deadline.
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	answered := make(chan int, 1)
	go func() {
		r := httptest.NewRequestWithContext(rctx, http.MethodGet, "/Users", nil)
		r.Header.Set("Authorization", "Bearer "+secret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		answered <- w.Code
	}()
	select {
	case code := <-answered:
		if code != http.StatusOK {
			t.Errorf("GET /Users with the token's use blocked: %d, want 200", code)
		}
	case <-rctx.Done():
		t.Error("the request waited for TouchToken")
	}
	<-store.entered // the use is being written meanwhile
	close(store.release)
	toks, err := cs.Tokens(ctx, c.ID) // waits for the write
	if err != nil || len(toks) != 1 || toks[0].LastUsed.IsZero() {
		t.Errorf("after the write: %+v, %v; want LastUsed set", toks, err)
	}
}
