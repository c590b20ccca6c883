package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/testclock"
)

// instance is one process of a product: a store on its own pool, its own
// Companies (token and model caches) and its own Handler.
type instance struct {
	st *Store
	h  *scim.Handler
}

func newInstance(t *testing.T, dsn string, limit func(*Store) scim.RateLimiter) instance {
	st := openStore(t, "postgres", dsn)
	cs := scim.NewCompanies(st)
	return instance{st, &scim.Handler{Store: st, Auth: cs, Models: cs, RateLimit: limit(st)}}
}

// listAnswer is the part of a list response the test reads.
type listAnswer struct {
	TotalResults int `json:"totalResults"`
	Resources    []struct {
		ID       string `json:"id"`
		UserName string `json:"userName"`
	} `json:"Resources"`
}

func (in instance) list(t *testing.T, token, query string) listAnswer {
	t.Helper()
	rec := serveAs(in.h, token, "GET", "/scim/v2/Users?"+query, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET ?%s: %d %s", query, rec.Code, rec.Body)
	}
	var a listAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func instanceUser(name string) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,
		"name":{"givenName":"Ada","familyName":"Lovelace %s"},"emails":[{"value":%q,"type":"work","primary":true}],"active":true}`,
		name, name, name)
}

// TestTwoInstancesPostgres runs two handlers on two separate pools to one
// PostgreSQL database, as two instances of a product behind a load
// balancer, and shows that nothing either keeps in memory goes stale:
// concurrent PATCHes through both lose no update; a company's rate limit
// holds across both within the stated tolerance (a lease per instance);
// a user created through one is listed, counted and found by filter
// through the other at once; and totalResults stays right on one while
// the other writes between its pages.
func TestTwoInstancesPostgres(t *testing.T) {
	dsn := postgresSchema(t)
	ctx := context.Background()
	unlimited := func(*Store) scim.RateLimiter { return scim.NewWindowLimiter(0, 0) }
	a, b := newInstance(t, dsn, unlimited), newInstance(t, dsn, unlimited)
	admin := scim.NewCompanies(a.st)
	acme, err := admin.Create(ctx, "Acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := admin.IssueToken(ctx, acme.ID, "okta")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("ConcurrentPatches", func(t *testing.T) {
		rec := serveAs(a.h, token, "POST", "/scim/v2/Users", instanceUser("patched@example.com"))
		if rec.Code != http.StatusCreated {
			t.Fatalf("POST: %d %s", rec.Code, rec.Body)
		}
		var created struct{ ID string }
		json.Unmarshal(rec.Body.Bytes(), &created)
		const perInstance, each = 3, 3
		var wg sync.WaitGroup
		var want []string
		for i, in := range []instance{a, b} {
			for g := range perInstance {
				for k := range each {
					want = append(want, fmt.Sprintf("i%d-g%d-%d@example.com", i, g, k))
				}
				wg.Go(func() {
					for k := range each {
						body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
							"Operations":[{"op":"add","path":"emails","value":[{"value":"i%d-g%d-%d@example.com","type":"other"}]}]}`, i, g, k)
						if rec := serveAs(in.h, token, "PATCH", "/scim/v2/Users/"+created.ID, body); rec.Code != http.StatusOK {
							t.Errorf("PATCH through instance %d: %d %s", i, rec.Code, rec.Body)
						}
					}
				})
			}
		}
		wg.Wait()
		want = append(want, "patched@example.com")
		for i, in := range []instance{a, b} {
			rec := serveAs(in.h, token, "GET", "/scim/v2/Users/"+created.ID, "")
			var u struct{ Emails []struct{ Value string } }
			if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range u.Emails {
				got = append(got, e.Value)
			}
			slices.Sort(got)
			slices.Sort(want)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("emails read through instance %d after concurrent PATCHes through both (-want +got):\n%s", i, d)
			}
		}
	})

	t.Run("SeenAtOnce", func(t *testing.T) {
		before := b.list(t, token, "count=0").TotalResults
		if rec := serveAs(a.h, token, "POST", "/scim/v2/Users", instanceUser("new.hire@example.com")); rec.Code != http.StatusCreated {
			t.Fatalf("POST through a: %d %s", rec.Code, rec.Body)
		}
		if got := b.list(t, token, "count=0").TotalResults; got != before+1 {
			t.Errorf("count through b = %d, want %d", got, before+1)
		}
		found := b.list(t, token, "filter="+url.QueryEscape(`userName eq "NEW.HIRE@example.com"`))
		if found.TotalResults != 1 || len(found.Resources) != 1 || found.Resources[0].UserName != "new.hire@example.com" {
			t.Errorf("userName lookup through b: %+v", found)
		}
		byEmail := b.list(t, token, "filter="+url.QueryEscape(`emails.value eq "new.hire@example.com"`))
		if byEmail.TotalResults != 1 {
			t.Errorf("email lookup through b: %+v", byEmail)
		}
		all := b.list(t, token, "count=100")
		if !slices.ContainsFunc(all.Resources, func(r struct {
			ID       string `json:"id"`
			UserName string `json:"userName"`
		}) bool {
			return r.UserName == "new.hire@example.com"
		}) {
			t.Errorf("the new user is not in b's list: %+v", all)
		}
	})

	t.Run("TotalsWhileTheOtherWrites", func(t *testing.T) {
		// b pages through everyone, and through a filter, five at a time;
		// between its pages a creates or deletes a user.
		for _, query := range []string{"", "filter=" + url.QueryEscape(`name.familyName sw "lovelace"`)} {
			total := b.list(t, token, query+"&count=5").TotalResults
			var ids []string
			for page := range 8 {
				if page%3 == 2 && len(ids) > 0 {
					if rec := serveAs(a.h, token, "DELETE", "/scim/v2/Users/"+ids[0], ""); rec.Code != http.StatusNoContent {
						t.Fatalf("DELETE through a: %d %s", rec.Code, rec.Body)
					}
					ids = ids[1:]
					total--
				} else {
					rec := serveAs(a.h, token, "POST", "/scim/v2/Users", instanceUser(fmt.Sprintf("walk%d-%d@example.com", len(query), page)))
					if rec.Code != http.StatusCreated {
						t.Fatalf("POST through a: %d %s", rec.Code, rec.Body)
					}
					var created struct{ ID string }
					json.Unmarshal(rec.Body.Bytes(), &created)
					ids = append(ids, created.ID)
					total++
				}
				got := b.list(t, token, fmt.Sprintf("%s&startIndex=%d&count=5", query, 1+5*(page%3)))
				if got.TotalResults != total {
					t.Errorf("query %q, page %d: totalResults %d through b, want %d", query, page, got.TotalResults, total)
				}
			}
		}
	})

	t.Run("CursorWalkAcrossInstances", func(t *testing.T) {
		// Neither handler has a CursorKey: both sign with the database's
		// shared key, so a walk alternates between them, as a load
		// balancer would send it, and lists every user once.
		for i := range 5 {
			if rec := serveAs(a.h, token, "POST", "/scim/v2/Users", instanceUser(fmt.Sprintf("cursor%d@example.com", i))); rec.Code != http.StatusCreated {
				t.Fatalf("POST: %d %s", rec.Code, rec.Body)
			}
		}
		seen := map[string]int{}
		want := a.list(t, token, "count=1000").TotalResults
		cursor, pages := "", 0
		for page := 0; ; page++ {
			pages++
			in := []instance{a, b}[page%2]
			rec := serveAs(in.h, token, "GET", "/scim/v2/Users?count=2&cursor="+cursor, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("page %d: %d %s", page, rec.Code, rec.Body)
			}
			var p struct {
				NextCursor string `json:"nextCursor"`
				Resources  []struct {
					ID string `json:"id"`
				} `json:"Resources"`
			}
			json.Unmarshal(rec.Body.Bytes(), &p)
			for _, r := range p.Resources {
				seen[r.ID]++
			}
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		if len(seen) != want || pages < 3 {
			t.Errorf("%d users walked in %d pages, want %d in 3 pages or more", len(seen), pages, want)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("user %s listed %d times", id, n)
			}
		}
	})

	t.Run("RateLimit", func(t *testing.T) {
		const limit, lease = 100, 10
		limited := func(st *Store) scim.RateLimiter {
			l, err := NewRateLimiter(st, limit, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			l.Lease = lease
			return l
		}
		c, d := newInstance(t, dsn, limited), newInstance(t, dsn, limited)
		var allowed, refused atomic.Int64
		var wg sync.WaitGroup
		for g := range 8 {
			in := []instance{c, d}[g%2]
			wg.Go(func() {
				for range 40 {
					switch rec := serveAs(in.h, token, "GET", "/scim/v2/Users?count=1", ""); rec.Code {
					case http.StatusOK:
						allowed.Add(1)
					case http.StatusTooManyRequests:
						refused.Add(1)
					default:
						t.Errorf("GET: %d %s", rec.Code, rec.Body)
					}
				}
			})
		}
		wg.Wait()
		// The tolerance RateLimiter states: at most a lease more per
		// instance, and a lease fewer per instance while leases are held.
		if got := allowed.Load(); got < limit-2*lease || got > limit+2*lease {
			t.Errorf("%d requests allowed across two instances (%d refused), want %d ± %d", got, refused.Load(), limit, 2*lease)
		}
	})
}

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
			clock := testclock.New(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
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
