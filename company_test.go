package scim

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim/internal/testclock"
)

func TestValidateCustomAttributes(t *testing.T) {
	for _, c := range []struct {
		name  string
		attrs []CustomAttribute
		want  string // in the error
	}{
		{"duplicate name", []CustomAttribute{{Name: "Team", Type: "option"}, {Name: "team", Type: "date"}}, "already the name"},
		{"same name twice", []CustomAttribute{{Name: "Team", Type: "option"}, {Name: "Team", Type: "date"}}, "defined twice"},
		{"alias is another name", []CustomAttribute{{Name: "Team", Type: "option"}, {Name: "Squad", Type: "option", Aliases: []string{"TEAM"}}}, `"TEAM" is already`},
		{"alias of two", []CustomAttribute{{Name: "A", Type: "option", Aliases: []string{"x"}}, {Name: "B", Type: "option", Aliases: []string{"X"}}}, `"X" is already`},
		{"name is another's alias", []CustomAttribute{{Name: "A", Type: "option", Aliases: []string{"B"}}, {Name: "B", Type: "option"}}, `"B" is already`},
		{"unknown type", []CustomAttribute{{Name: "A", Type: "boolean"}}, `unknown type "boolean"`},
		{"missing type", []CustomAttribute{{Name: "A"}}, "unknown type"},
		{"empty name", []CustomAttribute{{Name: "  ", Type: "option"}}, "empty"},
		{"empty alias", []CustomAttribute{{Name: "A", Type: "option", Aliases: []string{""}}}, "empty"},
		{"dot", []CustomAttribute{{Name: "Dept.", Type: "option"}}, "dot"},
		{"control character", []CustomAttribute{{Name: "A\nB", Type: "option"}}, "control"},
		{"long name", []CustomAttribute{{Name: strings.Repeat("n", 257), Type: "option"}}, "longer than 256"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ValidateCustomAttributes(c.attrs)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one mentioning %q", err, c.want)
			}
			// Companies refuses the same definitions.
			cs := NewCompanies(NewMemoryStore())
			if _, err := cs.Create(context.Background(), "Acme", c.attrs); err == nil {
				t.Error("Create accepted them")
			}
		})
	}
	in := []CustomAttribute{{Name: " Team ", Type: "TEXT", Aliases: []string{"team", " Squad "}}}
	got, err := ValidateCustomAttributes(in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]CustomAttribute{{Name: "Team", Type: CustomOption, Aliases: []string{"Squad"}}}, got); diff != "" {
		t.Errorf("canonical form (-want +got):\n%s", diff)
	}
	if in[0].Name != " Team " || len(in[0].Aliases) != 2 {
		t.Error("the input was modified")
	}
}

func TestCompanies(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	cs := NewCompanies(store)
	clock := testclock.New(t0)
	cs.Now = clock.Now

	if _, err := cs.Create(ctx, " ", nil); err == nil {
		t.Error("a company without a name was created")
	}
	acme, err := cs.Create(ctx, "Acme", []CustomAttribute{{Name: "Team", Type: "Option"}})
	if err != nil {
		t.Fatal(err)
	}
	want := &Company{ID: acme.ID, Name: "Acme", Attributes: []CustomAttribute{{Name: "Team", Type: CustomOption}}, Created: t0}
	if diff := cmp.Diff(want, acme); diff != "" {
		t.Errorf("Create (-want +got):\n%s", diff)
	}
	got, err := cs.Company(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Company (-want +got):\n%s", diff)
	}
	other, _ := cs.Create(ctx, "Other", nil)

	// Tokens: the secret is returned once; only its hash is stored.
	secret1, tok1, err := cs.IssueToken(ctx, acme.ID, "Okta")
	if err != nil {
		t.Fatal(err)
	}
	if len(secret1) < 26 || tok1.Hash != sha256.Sum256([]byte(secret1)) || tok1.Company != acme.ID || tok1.Label != "Okta" || !tok1.Created.Equal(t0) {
		t.Errorf("IssueToken: %q %+v", secret1, tok1)
	}
	clock.Advance(time.Minute)
	secret2, tok2, _ := cs.IssueToken(ctx, acme.ID, "Entra")
	if secret2 == secret1 {
		t.Error("two tokens share a secret")
	}
	_, otherTok, _ := cs.IssueToken(ctx, other.ID, "Okta")
	if _, _, err := cs.IssueToken(ctx, "no-such-company", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("IssueToken for an unknown company: %v", err)
	}

	list, err := cs.Tokens(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*Token{tok1, tok2}, list); diff != "" {
		t.Errorf("Tokens (-want +got):\n%s", diff)
	}
	for _, c := range []struct {
		secret, company string
		err             error
	}{
		{secret1, acme.ID, nil},
		{secret2, acme.ID, nil},
		{secret1 + "x", "", ErrUnauthorized},
		{strings.ToLower(secret1), "", ErrUnauthorized},
		{"", "", ErrUnauthorized},
	} {
		company, err := cs.Authenticate(ctx, c.secret)
		if company != c.company || !errors.Is(err, c.err) {
			t.Errorf("Authenticate(%q) = %q, %v; want %q, %v", c.secret, company, err, c.company, c.err)
		}
	}

	// A company cannot revoke another's token.
	if err := cs.RevokeToken(ctx, acme.ID, otherTok.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking another company's token: %v", err)
	}
	if err := cs.RevokeToken(ctx, acme.ID, tok1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Authenticate(ctx, secret1); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("revoked token authenticates: %v", err)
	}
	if err := cs.RevokeToken(ctx, acme.ID, tok1.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking twice: %v", err)
	}
	if list, _ := cs.Tokens(ctx, acme.ID); len(list) != 1 || list[0].ID != tok2.ID {
		t.Errorf("Tokens after revoking: %+v", list)
	}
	if _, err := cs.Tokens(ctx, "no-such-company"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Tokens of an unknown company: %v", err)
	}

	// Chosen secrets.
	if _, err := cs.AddToken(ctx, acme.ID, "empty", ""); err == nil {
		t.Error("AddToken accepted an empty secret")
	}
	if _, err := cs.AddToken(ctx, acme.ID, "space", "abc def ghi"); err == nil {
		t.Error("AddToken accepted a secret with a space")
	}
	if _, err := cs.AddToken(ctx, acme.ID, "fixed", "fixed-secret-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AddToken(ctx, other.ID, "fixed", "fixed-secret-1"); !errors.Is(err, ErrConflict) {
		t.Errorf("the same secret for two companies: %v, want ErrConflict", err)
	}

	// Models: built from the definitions, cached, rebuilt after SetAttributes.
	m1, err := cs.Model(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m2, _ := cs.Model(ctx, acme.ID); m2 != m1 {
		t.Error("the model was not cached")
	}
	if m1.CustomAttribute("team") == nil {
		t.Error("the model lacks Team")
	}
	if err := cs.SetAttributes(ctx, acme.ID, []CustomAttribute{{Name: "Team", Type: "option"}, {Name: "Team", Type: "date"}}); err == nil {
		t.Error("SetAttributes accepted a duplicate")
	}
	if err := cs.SetAttributes(ctx, acme.ID, []CustomAttribute{{Name: "Start", Type: "date", Aliases: []string{"Start_Date"}}}); err != nil {
		t.Fatal(err)
	}
	m3, _ := cs.Model(ctx, acme.ID)
	if m3 == m1 || m3.CustomAttribute("start_date") == nil || m3.CustomAttribute("Team") != nil {
		t.Error("SetAttributes did not rebuild the model")
	}
	if got, _ := cs.Company(ctx, acme.ID); !got.Created.Equal(t0) || got.Name != "Acme" {
		t.Errorf("SetAttributes changed more than the attributes: %+v", got)
	}
	if err := cs.SetAttributes(ctx, "no-such-company", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetAttributes of an unknown company: %v", err)
	}
	if _, err := cs.Model(ctx, "no-such-company"); err == nil {
		t.Error("a model for an unknown company")
	}
}

// TestMemoryCompanyStoreCopies checks that the memory store keeps and
// returns copies.
func TestMemoryCompanyStoreCopies(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	c := &Company{ID: "c1", Name: "Acme", Attributes: []CustomAttribute{{Name: "A", Type: CustomOption, Aliases: []string{"a1"}}}}
	if err := s.CreateCompany(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateCompany(ctx, c); !errors.Is(err, ErrConflict) {
		t.Errorf("CreateCompany twice: %v", err)
	}
	c.Attributes[0].Aliases[0] = "changed"
	got, _ := s.GetCompany(ctx, "c1")
	if got.Attributes[0].Aliases[0] != "a1" {
		t.Error("the store shares the caller's slices")
	}
	got.Attributes[0].Name = "changed"
	if again, _ := s.GetCompany(ctx, "c1"); again.Attributes[0].Name != "A" {
		t.Error("the store returned its own slices")
	}
	if err := s.UpdateCompany(ctx, &Company{ID: "nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateCompany unknown: %v", err)
	}
	tok := &Token{ID: "t1", Company: "c1", Hash: sha256.Sum256([]byte("x"))}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, &Token{ID: "t1", Company: "c1"}); !errors.Is(err, ErrConflict) {
		t.Errorf("CreateToken duplicate id: %v", err)
	}
	if err := s.CreateToken(ctx, &Token{ID: "t2", Company: "nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("CreateToken for an unknown company: %v", err)
	}
	tok.Label = "changed"
	if got, _ := s.TokenByHash(ctx, sha256.Sum256([]byte("x"))); got.Label != "" {
		t.Error("the store shares the caller's token")
	}
	if _, err := s.TokenByHash(ctx, sha256.Sum256([]byte("y"))); !errors.Is(err, ErrNotFound) {
		t.Errorf("TokenByHash unknown: %v", err)
	}
	if err := s.DeleteToken(ctx, "other", "t1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteToken of another company: %v", err)
	}
	// ListTokens copies under its lock, as TouchToken writes LastUsed in
	// place: under -race a copy taken after the lock fails here (and
	// failed CI once, in TestCompanyChangesKeepOthers).
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			if err := s.TouchToken(ctx, "t1", time.Unix(int64(i), 0)); err != nil {
				t.Error(err)
			}
		}
	})
	for range 200 {
		if ts, err := s.ListTokens(ctx, "c1"); err != nil || len(ts) != 1 {
			t.Errorf("ListTokens while touched: %d tokens, %v", len(ts), err)
			break
		}
	}
	wg.Wait()
}

// TestCompaniesConcurrent races model reads, definition changes and token
// checks; the last definitions win.
func TestCompaniesConcurrent(t *testing.T) {
	ctx := context.Background()
	cs := NewCompanies(NewMemoryStore())
	c, err := cs.Create(ctx, "Acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, _ := cs.IssueToken(ctx, c.ID, "x")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				if _, err := cs.Model(ctx, c.ID); err != nil {
					t.Error(err)
				}
				if _, err := cs.Authenticate(ctx, secret); err != nil {
					t.Error(err)
				}
				if i == 0 {
					name := fmt.Sprintf("A%d", j)
					if err := cs.SetAttributes(ctx, c.ID, []CustomAttribute{{Name: name, Type: CustomOption}}); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	m, _ := cs.Model(ctx, c.ID)
	if m.CustomAttribute("A49") == nil || len(m.peakon.Attributes) != 1 {
		t.Errorf("final model: %v", m.peakon.Attributes)
	}
}

// TestModelCacheBounded pins the bound of the per-process model cache,
// which grows with the number of companies (a deployment of ten
// thousand): it stays within maxCachedModels, and a company evicted from
// it is still served.
func TestModelCacheBounded(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	cs := NewCompanies(store)
	n := maxCachedModels + 50
	ids := make([]string, n)
	for i := range n {
		c, err := cs.Create(ctx, fmt.Sprint("company ", i), nil)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = c.ID
		if _, err := cs.Model(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	cs.mu.Lock()
	models := len(cs.models)
	cs.mu.Unlock()
	if models > maxCachedModels {
		t.Errorf("%d models cached, want at most %d", models, maxCachedModels)
	}
	for _, id := range ids[:10] { // some were evicted: served all the same
		if m, err := cs.Model(ctx, id); err != nil || m == nil {
			t.Errorf("model of %s: %v", id, err)
		}
	}
}

// TestModelCacheAcrossInstances runs two Companies on one store, as two
// instances on one database: a change of custom attributes through one is
// seen by the other once ModelCacheTTL has passed since it built its
// model, and at once by the one that made it.
func TestModelCacheAcrossInstances(t *testing.T) {
	ctx := context.Background()
	st := NewMemoryStore()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a := &Companies{store: st, Now: clock}
	b := &Companies{store: st, Now: clock}
	uncached := &Companies{store: st, Now: clock, ModelCacheTTL: -1}
	c, err := a.Create(ctx, "Acme", []CustomAttribute{{Name: "Department", Type: CustomOption}})
	if err != nil {
		t.Fatal(err)
	}
	has := func(cs *Companies, name string) bool {
		t.Helper()
		m, err := cs.Model(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return m.CustomAttribute(name) != nil
	}
	type seen struct{ A, B, Uncached bool }
	check := func(step string, want seen) {
		t.Helper()
		got := seen{has(a, "Level"), has(b, "Level"), has(uncached, "Level")}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: Level in the models (-want +got):\n%s", step, d)
		}
	}
	check("before", seen{})
	now = now.Add(time.Second)
	if err := a.SetAttributes(ctx, c.ID, []CustomAttribute{{Name: "Department", Type: CustomOption}, {Name: "Level", Type: CustomNumber}}); err != nil {
		t.Fatal(err)
	}
	check("after the change through a", seen{A: true, B: false, Uncached: true})
	now = now.Add(DefaultModelCacheTTL - time.Second - time.Nanosecond)
	check("just within b's TTL", seen{A: true, B: false, Uncached: true})
	now = now.Add(time.Nanosecond)
	check("at b's TTL", seen{A: true, B: true, Uncached: true})
	// A clock that goes back does not keep a model alive.
	now = now.Add(-time.Hour)
	if err := a.SetAttributes(ctx, c.ID, nil); err != nil {
		t.Fatal(err)
	}
	check("after removing Level, with the clock set back", seen{})
}
