package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

// readCounting counts the reads of tokens and companies a Companies makes
// of its store; it is still a scim.CompanyChangeStore (embedded *Store).
type readCounting struct {
	*Store
	tokens, companies atomic.Int64
}

func (r *readCounting) TokenByHash(ctx context.Context, hash [32]byte) (*scim.Token, error) {
	r.tokens.Add(1)
	return r.Store.TokenByHash(ctx, hash)
}

func (r *readCounting) GetCompany(ctx context.Context, id string) (*scim.Company, error) {
	r.companies.Add(1)
	return r.Store.GetCompany(ctx, id)
}

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestRevocationAcrossInstances runs two instances (a store on its own
// pool and a Companies each) on one database holding many companies,
// every one's token and model cached in both (issue 25 part 5). Past
// many TTLs with nothing changed, the instances read none of them again:
// a request's cost does not grow with the number of companies. A token
// revoked, a company erased and a company's attributes changed through
// one are seen by the other once TokenCacheTTL has passed, and only
// those companies' entries are read again.
func TestRevocationAcrossInstances(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) (a, b *Store)
	}{
		{"SQLite", func(t *testing.T) (*Store, *Store) { return openSQLitePair(t) }},
		{"PostgreSQL", func(t *testing.T) (*Store, *Store) {
			dsn := postgresSchema(t)
			return openStore(t, "postgres", dsn), openStore(t, "postgres", dsn)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			stA, stB := tc.open(t)
			admin := scim.NewCompanies(stA)
			const n = 300
			ids, secrets, tokens := make([]string, n), make([]string, n), make([]string, n)
			for i := range n {
				c, err := admin.Create(ctx, fmt.Sprintf("Company %d", i), []scim.CustomAttribute{{Name: "Department", Type: scim.CustomOption}})
				if err != nil {
					t.Fatal(err)
				}
				ids[i] = c.ID
				secret, tok, err := admin.IssueToken(ctx, c.ID, "okta")
				if err != nil {
					t.Fatal(err)
				}
				secrets[i], tokens[i] = secret, tok.ID
			}
			clock := &testClock{t: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)}
			countA, countB := &readCounting{Store: stA}, &readCounting{Store: stB}
			a, b := scim.NewCompanies(countA), scim.NewCompanies(countB)
			a.Now, b.Now = clock.Now, clock.Now
			// serve authenticates each company's token through cs and
			// builds its model, as a request does; it returns the
			// companies refused and which of the others know "Level".
			serve := func(cs *scim.Companies) (refused, level []int) {
				t.Helper()
				for i, secret := range secrets {
					company, err := cs.Authenticate(ctx, secret)
					if errors.Is(err, scim.ErrUnauthorized) {
						refused = append(refused, i)
						continue
					}
					if err != nil || company != ids[i] {
						t.Fatalf("company %d: %q, %v", i, company, err)
					}
					m, err := cs.Model(ctx, company)
					if err != nil {
						t.Fatal(err)
					}
					if m.CustomAttribute("Level") != nil {
						level = append(level, i)
					}
				}
				return refused, level
			}
			serve(a)
			serve(b)
			clock.Advance(10 * scim.DefaultTokenCacheTTL)
			countB.tokens.Store(0)
			countB.companies.Store(0)
			serve(b)
			if tk, co := countB.tokens.Load(), countB.companies.Load(); tk != 0 || co != 0 {
				t.Errorf("%d companies unchanged for 10 TTLs: %d token and %d company reads, want none", n, tk, co)
			}

			if err := a.RevokeToken(ctx, ids[7], tokens[7]); err != nil {
				t.Fatal(err)
			}
			if err := a.Delete(ctx, ids[11]); err != nil {
				t.Fatal(err)
			}
			if err := a.SetAttributes(ctx, ids[13], []scim.CustomAttribute{{Name: "Department", Type: scim.CustomOption}, {Name: "Level", Type: scim.CustomNumber}}); err != nil {
				t.Fatal(err)
			}
			type seen struct{ Refused, Level []int }
			if d := cmp.Diff(seen{[]int{7, 11}, []int{13}}, func() seen { r, l := serve(a); return seen{r, l} }()); d != "" {
				t.Errorf("the instance that made the changes, at once (-want +got):\n%s", d)
			}
			clock.Advance(scim.DefaultTokenCacheTTL)
			countB.tokens.Store(0)
			countB.companies.Store(0)
			if d := cmp.Diff(seen{[]int{7, 11}, []int{13}}, func() seen { r, l := serve(b); return seen{r, l} }()); d != "" {
				t.Errorf("the other instance, one TTL after the changes (-want +got):\n%s", d)
			}
			// Tokens 7 and 11 are gone, 13's company changed: read again;
			// only 13's model is rebuilt (7 and 11 are refused first).
			if tk, co := countB.tokens.Load(), countB.companies.Load(); tk != 3 || co != 1 {
				t.Errorf("after 3 of %d companies changed: %d token and %d company reads, want 3 and 1", n, tk, co)
			}
		})
	}
}
