package scim

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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

// countingTokens counts TokenByHash calls.
type countingTokens struct {
	*MemoryStore
	lookups int
}

func (c *countingTokens) TokenByHash(ctx context.Context, hash [32]byte) (*Token, error) {
	c.lookups++
	return c.MemoryStore.TokenByHash(ctx, hash)
}

// TestTokenCache: a token found is trusted for TokenCacheTTL, so requests do
// not each query the store; revocation is immediate in the instance that
// revoked and takes at most the TTL in another.
func TestTokenCache(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(t0)
	store := &countingTokens{MemoryStore: NewMemoryStore()}
	a, b := NewCompanies(store), NewCompanies(store) // two instances
	a.Now, b.Now = clock.Now, clock.Now
	c, _ := a.Create(ctx, "Acme", nil)
	secret, tok, _ := a.IssueToken(ctx, c.ID, "okta")
	for range 10 {
		if _, err := b.Authenticate(ctx, secret); err != nil {
			t.Fatal(err)
		}
	}
	if store.lookups != 1 {
		t.Errorf("%d store lookups for 10 authentications, want 1", store.lookups)
	}
	// Past the TTL the token is read once again, and trusted anew.
	for round := 2; round <= 3; round++ {
		clock.Advance(DefaultTokenCacheTTL)
		for range 10 {
			if _, err := b.Authenticate(ctx, secret); err != nil {
				t.Fatal(err)
			}
		}
		if store.lookups != round {
			t.Errorf("%d store lookups after %d TTLs of 10 authentications, want %d", store.lookups, round, round)
		}
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
