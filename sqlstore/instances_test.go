package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
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

func (in instance) do(t *testing.T, token, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	return serveAs(in.h, token, method, path, body)
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
	rec := in.do(t, token, "GET", "/scim/v2/Users?"+query, "")
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
		rec := a.do(t, token, "POST", "/scim/v2/Users", instanceUser("patched@example.com"))
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
						if rec := in.do(t, token, "PATCH", "/scim/v2/Users/"+created.ID, body); rec.Code != http.StatusOK {
							t.Errorf("PATCH through instance %d: %d %s", i, rec.Code, rec.Body)
						}
					}
				})
			}
		}
		wg.Wait()
		want = append(want, "patched@example.com")
		for i, in := range []instance{a, b} {
			rec := in.do(t, token, "GET", "/scim/v2/Users/"+created.ID, "")
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
		if rec := a.do(t, token, "POST", "/scim/v2/Users", instanceUser("new.hire@example.com")); rec.Code != http.StatusCreated {
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
					if rec := a.do(t, token, "DELETE", "/scim/v2/Users/"+ids[0], ""); rec.Code != http.StatusNoContent {
						t.Fatalf("DELETE through a: %d %s", rec.Code, rec.Body)
					}
					ids = ids[1:]
					total--
				} else {
					rec := a.do(t, token, "POST", "/scim/v2/Users", instanceUser(fmt.Sprintf("walk%d-%d@example.com", len(query), page)))
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
					switch rec := in.do(t, token, "GET", "/scim/v2/Users?count=1", ""); rec.Code {
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
