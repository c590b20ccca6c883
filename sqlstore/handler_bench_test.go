package sqlstore

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/scimkit/scim"
)

// benchModels gives every company the benchmark's custom attribute.
type benchModels struct{}

func (benchModels) Model(context.Context, string) (*scim.Model, error) { return benchModel, nil }

func benchHandler(st scim.Store) *scim.Handler {
	return &scim.Handler{
		Store:     st,
		Auth:      scim.StaticTokens{"bench-token": "acme"},
		Models:    benchModels{},
		RateLimit: scim.NewWindowLimiter(0, 0), // measure the store, not the limit
	}
}

// serve serves method path with body to h as the bearer of "bench-token"
// (see serveAs), fails b unless h answers want, and returns the body.
func serve(b *testing.B, h *scim.Handler, method, path, body string, want int) string {
	rec := serveAs(h, "bench-token", method, path, body)
	if rec.Code != want {
		b.Fatalf("%s %s: %d %.300s", method, path, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func oktaBody(i int) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"load%06d@example.com",
"name":{"givenName":"Given%d","familyName":"Family%d"},"emails":[{"primary":true,"value":"load%06d@example.com","type":"work"}],
"externalId":"00u%06d","locale":"en-US","groups":[],"active":true,
"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Department":"dept-%d"}}`, i, i, i, i, i, i%50)
}

// freshStore opens an empty store of the dialect for one benchmark round.
func freshStore(b *testing.B, dialect string) *Store {
	b.Helper()
	if dialect == "sqlite" {
		return openSQLite(b)
	}
	return openPostgres(b)
}

// BenchmarkHandlerSQLite and BenchmarkHandlerPostgres measure the store
// through the HTTP handler: GET, a userName lookup, a page of 100 of a sw
// filter, the pages of Okta's import and PATCH against 100,000 users, loading
// 10,000 users with single POSTs, and 1,000 users by one bulk request
// against 1,000 single POSTs.
func BenchmarkHandlerSQLite(b *testing.B)   { runHandlerBenchmarks(b, "sqlite") }
func BenchmarkHandlerPostgres(b *testing.B) { runHandlerBenchmarks(b, "postgres") }

func runHandlerBenchmarks(b *testing.B, dialect string) {
	st := loadedStore(b, dialect)
	h := benchHandler(st)
	b.Run("GetOn100k", func(b *testing.B) {
		i := 0
		for b.Loop() {
			serve(b, h, "GET", "/scim/v2/Users/"+benchUser(i%benchUsers).ID, "", 200)
			i += 7919
		}
	})
	// The lookups and the page a client sends, answered as JSON.
	b.Run("UserNameEqOn100k", func(b *testing.B) {
		i := 0
		for b.Loop() {
			q := url.QueryEscape(fmt.Sprintf(`userName eq "%s"`, benchUser(i%benchUsers).UserName))
			if out := serve(b, h, "GET", "/scim/v2/Users?filter="+q, "", 200); !strings.Contains(out, `"totalResults":1,`) {
				b.Fatalf("lookup: %.300s", out)
			}
			i += 7919
		}
	})
	b.Run("FamilyNameSwPage100On100k", familyNameSwPage(h))
	// Okta's import: every user, a hundred at a time, without a filter.
	b.Run("ImportPageOn100k", importPages(h, benchUsers))
	// The same without the totals and positions cache, as before it: every
	// page counts all users and skips to its OFFSET. Side by side with the
	// above on the same loaded store, so the machine's load affects both.
	b.Run("ImportPageOn100kUncached", func(b *testing.B) {
		saved := st.totals
		st.totals = nil
		defer func() { st.totals = saved }()
		importPages(h, benchUsers)(b)
	})
	b.Run("PatchOn100k", func(b *testing.B) {
		i := 0
		for b.Loop() {
			body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"t%d"}]}`, i)
			serve(b, h, "PATCH", "/scim/v2/Users/"+benchUser(i%benchUsers).ID, body, 200)
			i += 7919
		}
	})
	b.Run("Load10000", func(b *testing.B) { postSingly(b, dialect, 10000) })
	ops := make([]string, 1000)
	for i := range ops {
		ops[i] = fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":"b%d","data":%s}`, i, oktaBody(i))
	}
	bulk := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` + strings.Join(ops, ",") + `]}`
	b.Run("Bulk1000", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			h := benchHandler(freshStore(b, dialect))
			b.StartTimer()
			if out := serve(b, h, "POST", "/scim/v2/Bulk", bulk, 200); strings.Count(out, `"status":"201"`) != 1000 {
				b.Fatalf("bulk: %.300s", out)
			}
		}
		b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "users/s")
	})
	b.Run("SinglePost1000", func(b *testing.B) { postSingly(b, dialect, 1000) })
}

// familyNameSwPage is a benchmark of the first page of 100 users whose
// family name starts with A.
func familyNameSwPage(h *scim.Handler) func(*testing.B) {
	return func(b *testing.B) {
		path := "/scim/v2/Users?count=100&filter=" + url.QueryEscape(`name.familyName sw "A"`)
		for b.Loop() {
			if out := serve(b, h, "GET", path, "", 200); !strings.Contains(out, `"itemsPerPage":100,`) {
				b.Fatalf("page: %.300s", out)
			}
		}
	}
}

// importPages is a benchmark of Okta's import of n users: every page of
// 100 in turn, each an iteration, from where the last one stopped.
func importPages(h *scim.Handler, n int) func(*testing.B) {
	return func(b *testing.B) {
		total := totalResults(n)
		start := 1
		for b.Loop() {
			importPage(b, h, start, total)
			if start += 100; start > n {
				start = 1
			}
		}
	}
}

// totalResults is the text a list of n users holds, for importPage.
func totalResults(n int) string { return fmt.Sprintf(`"totalResults":%d,`, n) }

// importPage gets the page of 100 users from start, checking that it
// holds total.
func importPage(b *testing.B, h *scim.Handler, start int, total string) {
	path := fmt.Sprintf("/scim/v2/Users?startIndex=%d&count=100", start)
	if out := serve(b, h, "GET", path, "", 200); !strings.Contains(out, total) {
		b.Fatalf("import page: %.300s", out)
	}
}

// postSingly creates n users with one POST each into an empty store.
func postSingly(b *testing.B, dialect string, n int) {
	for b.Loop() {
		b.StopTimer()
		h := benchHandler(freshStore(b, dialect))
		b.StartTimer()
		for i := range n {
			serve(b, h, "POST", "/scim/v2/Users", oktaBody(i), 201)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "users/s")
}

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
			st := openStore(b, "postgres", dsn)
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
				other := openStore(b, "postgres", dsn)
				cs := scim.NewCompanies(other)
				instances[k] = &scim.Handler{Store: other, Auth: cs}
			}
			get := func(i int) {
				c := i * 7919 % n
				if rec := serveAs(instances[i%2], tokens[c], "GET", "/scim/v2/Users/"+users[c], ""); rec.Code != 200 {
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
