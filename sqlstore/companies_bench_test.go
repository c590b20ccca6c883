package sqlstore

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/scimkit/scim"
)

// BenchmarkManyCompaniesPostgres: GET /Users/{id} spread over every
// company of a database holding n companies (two users each, a custom
// attribute each), served by two instances (a Companies, the Handler's
// Auth and so its Models, and a Handler each) on one PostgreSQL, requests
// alternating between them (issue 25 part 5). A request's cost should not
// grow with n within the per-process caches' bounds (16,384 models,
// 10,000 tokens): what is cached stays until its company changes, which
// each instance checks with one read per TTL for all companies.
func BenchmarkManyCompaniesPostgres(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("companies=%d", n), func(b *testing.B) {
			ctx := context.Background()
			dsn := postgresSchema(b)
			st := openPostgresDSN(b, dsn)
			setup := scim.NewCompanies(st)
			tokens := make([]string, n)
			users := make([]string, n)
			for i := range n {
				c, err := setup.Create(ctx, fmt.Sprintf("Company %d", i), []scim.CustomAttribute{{Name: "Department", Type: scim.CustomOption}})
				if err != nil {
					b.Fatal(err)
				}
				if tokens[i], _, err = setup.IssueToken(ctx, c.ID, "bench"); err != nil {
					b.Fatal(err)
				}
				us := []*scim.User{benchUser(2 * i), benchUser(2*i + 1)}
				if err := st.CreateUsers(ctx, c.ID, us); err != nil {
					b.Fatal(err)
				}
				users[i] = us[0].ID
			}
			if err := st.Analyze(ctx); err != nil {
				b.Fatal(err)
			}
			var instances [2]*scim.Handler
			for k := range instances {
				other := openPostgresDSN(b, dsn)
				cs := scim.NewCompanies(other)
				instances[k] = &scim.Handler{Store: other, Auth: cs}
			}
			get := func(i int) {
				c := i * 7919 % n
				req := httptest.NewRequest("GET", "/scim/v2/Users/"+users[c], nil)
				req.Header.Set("Authorization", "Bearer "+tokens[c])
				rec := httptest.NewRecorder()
				instances[i%2].ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("GET: %d %.300s", rec.Code, rec.Body)
				}
			}
			for i := range 2 * n { // every company once on each instance
				get(i)
			}
			i := 0
			for b.Loop() {
				get(i)
				i++
			}
		})
	}
}
