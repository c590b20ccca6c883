package demo

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/scimkit/scim"
)

func TestNewHandler(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"token with a space":  {Tokens: []string{"two words"}},
		"negative rate limit": {Tokens: []string{"token-a"}, RateLimit: -1},
		"bad attribute":       {Attributes: []scim.CustomAttribute{{Name: "Team", Type: "colour"}}},
	} {
		if _, _, err := NewHandler(t.Context(), cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}

	_, d, err := NewHandler(t.Context(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tenants) != 1 || len(d.Tenants[0].Token) < 26 {
		t.Errorf("default company: %+v", d.Tenants)
	}

	h, d, err := NewHandler(t.Context(), Config{Tokens: []string{"token-a", "token-b"}, RateLimit: 3,
		Attributes: []scim.CustomAttribute{{Name: "Department", Type: scim.CustomOption}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tenants) != 2 || d.Tenants[0].ID == d.Tenants[1].ID || d.Tenants[1].Token != "token-b" || d.Tenants[1].Name != "Company 2" {
		t.Errorf("companies: %+v", d.Tenants)
	}
	for _, tc := range []struct {
		path, token string
		want        int
	}{
		{"/scim/v2/Users", "token-a", 200},
		{"/api/scim/v2/Users", "token-b", 200},
		{"/scim/v2/Users", "token-c", 401},
		{"/other/Users", "token-a", 404},
		{"/scim/v2/Schemas", "token-a", 200},
		{"/scim/v2/Users", "token-a", 200},
		{"/scim/v2/Users", "token-a", 429},
		{"/scim/v2/Users", "token-b", 200},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+tc.token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("GET %s with %q: %d, want %d", tc.path, tc.token, rec.Code, tc.want)
		}
	}
	if m, err := d.Companies.Model(t.Context(), d.Tenants[1].ID); err != nil || m.CustomAttribute("department") == nil {
		t.Errorf("model of company 2: %v", err)
	}
}

// raceStore misses its first token lookups, as a store does when another
// instance adds the token between this one's lookup and its AddToken.
type raceStore struct {
	*scim.MemoryStore
	misses int
}

func (s *raceStore) TokenByHash(ctx context.Context, hash [32]byte) (*scim.Token, error) {
	if s.misses > 0 {
		s.misses--
		return nil, scim.ErrNotFound
	}
	return s.MemoryStore.TokenByHash(ctx, hash)
}

// TestNewHandlerTokenRace: an instance that loses the race to create a
// token's company (two demos started together on one database) takes the
// winner's company and erases the one it made, rather than failing to
// start and leaving a company without a token.
func TestNewHandlerTokenRace(t *testing.T) {
	t.Parallel()
	st := &raceStore{MemoryStore: scim.NewMemoryStore()}
	_, first, err := NewHandler(t.Context(), Config{Tokens: []string{"tok-race-1"}, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	st.misses = 1
	_, second, err := NewHandler(t.Context(), Config{Tokens: []string{"tok-race-1"}, Store: st})
	if err != nil {
		t.Fatalf("the second instance: %v", err)
	}
	if got, want := second.Tenants[0].ID, first.Tenants[0].ID; got != want {
		t.Errorf("the second instance's company is %s, want the first's, %s", got, want)
	}
	if cs, err := st.ListCompanies(t.Context()); err != nil || len(cs) != 1 {
		t.Errorf("companies: %d (%v), want the first instance's alone", len(cs), err)
	}
}
