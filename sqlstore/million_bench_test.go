package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
)

// millionModel adds a custom attribute unique per employee (a badge
// number) to the benchmark's Department, for a selective custom lookup.
var millionModel = scim.NewModel([]scim.CustomAttribute{{Name: "Department", Type: scim.CustomOption}, {Name: "Badge", Type: scim.CustomOption}})

type millionModels struct{}

func (millionModels) Model(context.Context, string) (*scim.Model, error) { return millionModel, nil }

func millionUser(i int) *scim.User {
	u := benchUser(i)
	u.Custom["Badge"] = fmt.Sprintf("B%07d", i)
	return u
}

// millionSize is the number of users BenchmarkMillionPostgres loads:
// SCIMKIT_BENCH_MILLION=1 means 1,000,000, a larger number that many.
func millionSize(b *testing.B) int {
	v := os.Getenv("SCIMKIT_BENCH_MILLION")
	if v == "" {
		b.Skip("SCIMKIT_BENCH_MILLION is not set (1 for a million users, or a number of users)")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("SCIMKIT_BENCH_MILLION=%q: want 1 or a number of users", v)
	}
	if n == 1 {
		n = 1_000_000
	}
	return n
}

// BenchmarkMillionPostgres loads a million users (or SCIMKIT_BENCH_MILLION
// of them) into PostgreSQL through the store's batch path (CreateUsers),
// reports the load time and the database size, and measures through the
// handler: GET by id, the lookups by userName, externalId, email and a
// custom attribute, a sw page of 100, and Okta's import walking every page.
// Not run in CI: it needs SCIMKIT_BENCH_MILLION and SCIMKIT_POSTGRES_DSN.
func BenchmarkMillionPostgres(b *testing.B) {
	n := millionSize(b)
	dsn := os.Getenv("SCIMKIT_POSTGRES_DSN")
	if dsn == "" {
		b.Skip("SCIMKIT_POSTGRES_DSN is not set")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", dsn) // no migration: the default schema is not the benchmark's
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	// SCIMKIT_BENCH_MILLION_SCHEMA keeps the loaded users in that schema
	// for the next run, which measures without loading them again.
	schema := os.Getenv("SCIMKIT_BENCH_MILLION_SCHEMA")
	if schema == "" {
		x := make([]byte, 6)
		rand.Read(x)
		schema = "million_" + hex.EncodeToString(x)
		defer admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
	} else if !validSchemaName(schema) {
		b.Fatalf("SCIMKIT_BENCH_MILLION_SCHEMA=%q: want lower-case letters, digits and _", schema)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		b.Fatal(err)
	}
	st, err := openDriver(ctx, "postgres", withSearchPath(dsn, schema))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()

	var have int
	if err := st.w.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have != 0 && have != n {
		b.Fatalf("schema %s holds %d users, not %d: drop it or name another", schema, have, n)
	}
	if have == n {
		b.Logf("schema %s already holds %d users: not loading", schema, n)
		measureMillion(b, st, n)
		return
	}

	start := time.Now()
	const batch = 5000
	for i := 0; i < n; i += batch {
		users := make([]*scim.User, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			users = append(users, millionUser(j))
		}
		if err := st.CreateUsers(ctx, "acme", users); err != nil {
			b.Fatal(err)
		}
	}
	loaded := time.Since(start)
	if err := st.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := st.w.ExecContext(ctx, "VACUUM"); err != nil {
		b.Fatal(err)
	}
	var size int64
	if err := admin.QueryRowContext(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
		JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relkind = 'r'`, schema).Scan(&size); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d users in %v (%.0f users/s, with ANALYZE and VACUUM %v); tables and indexes %.0f MB (%.0f bytes a user)",
		n, loaded.Round(time.Second), float64(n)/loaded.Seconds(), time.Since(start).Round(time.Second), float64(size)/1e6, float64(size)/float64(n))
	measureMillion(b, st, n)
}

// validSchemaName reports whether name can be spliced into DDL as is.
func validSchemaName(name string) bool {
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return name != ""
}

func measureMillion(b *testing.B, st *Store, n int) {
	h := benchHandler(st)
	h.Models = millionModels{}
	// Each benchmark visits users all over the table, i += step, the same
	// users in each. Before it is timed, it visits the first warmVisits
	// of them once, so that every request is measured with its pages in
	// PostgreSQL's buffers (as a database serving its employees keeps its
	// working set), not with those another benchmark happened to read.
	// The first, cold pass is logged.
	const step = 7919
	const warmVisits = 1000 // covers -benchtime up to 1000x
	warm := func(b *testing.B, visit func(i int)) {
		start := time.Now()
		for k := range warmVisits {
			visit(k * step % n)
		}
		b.Logf("cold pass: %v a request", (time.Since(start) / warmVisits).Round(time.Microsecond))
	}
	b.Run("GetByID", func(b *testing.B) {
		get := func(i int) { serve(b, h, "GET", "/scim/v2/Users/"+benchUser(i).ID, "", 200) }
		warm(b, get)
		i := 0
		for b.Loop() {
			get(i % n)
			i += step
		}
	})
	lookup := func(name string, filter func(i int) string) {
		b.Run(name, func(b *testing.B) {
			find := func(i int) {
				path := "/scim/v2/Users?filter=" + url.QueryEscape(filter(i))
				if out := serve(b, h, "GET", path, "", 200); !strings.Contains(out, `"totalResults":1,`) {
					b.Fatalf("%s: %.300s", path, out)
				}
			}
			warm(b, find)
			i := 0
			for b.Loop() {
				find(i % n)
				i += step
			}
		})
	}
	lookup("UserNameEq", func(i int) string { return fmt.Sprintf(`userName eq "%s"`, benchUser(i).UserName) })
	lookup("ExternalIDEq", func(i int) string { return fmt.Sprintf(`externalId eq "%s"`, benchUser(i).ExternalID) })
	lookup("EmailEq", func(i int) string { return fmt.Sprintf(`emails.value eq "%s"`, benchUser(i).Emails[0].Value) })
	lookup("CustomEq", func(i int) string {
		return fmt.Sprintf(`urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Badge eq "B%07d"`, i)
	})
	b.Run("FamilyNameSwPage100", familyNameSwPage(h))
	b.Run("ImportPage", func(b *testing.B) {
		// Okta's import from its first page, warm as the lookups are:
		// the cold pass over the first warmVisits pages (the first of
		// which counts the users for totalResults) is logged.
		total := totalResults(n)
		page := func(k int) { importPage(b, h, 1+100*(k%warmVisits%(n/100)), total) }
		start := time.Now()
		for k := range warmVisits {
			page(k)
		}
		b.Logf("cold pass: %v a page", (time.Since(start) / warmVisits).Round(time.Microsecond))
		k := 0
		for b.Loop() {
			page(k)
			k++
		}
	})
	// And the whole walk once, as Okta runs it.
	begin := time.Now()
	pages := 0
	total := totalResults(n)
	for start := 1; start <= n; start += 100 {
		importPage(b, h, start, total)
		pages++
	}
	walk := time.Since(begin)
	b.Logf("Okta's import of %d users: %d pages in %v, %.2f ms a page", n, pages, walk.Round(time.Millisecond), walk.Seconds()*1000/float64(pages))

	// The same walk by cursor (RFC 9865), where a page costs the same at
	// any depth: the first and the last 100 pages are timed apart.
	var times []time.Duration
	cursor := ""
	begin = time.Now()
	for {
		t0 := time.Now()
		out := serve(b, h, "GET", "/scim/v2/Users?count=100&cursor="+url.QueryEscape(cursor), "", 200)
		times = append(times, time.Since(t0))
		var page struct{ NextCursor string }
		if err := json.Unmarshal([]byte(out), &page); err != nil {
			b.Fatalf("cursor page: %v: %.300s", err, out)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	walk = time.Since(begin)
	avg := func(ts []time.Duration) float64 {
		var sum time.Duration
		for _, t := range ts {
			sum += t
		}
		return sum.Seconds() * 1000 / float64(len(ts))
	}
	k := min(100, len(times))
	b.Logf("the import by cursor: %d pages in %v, %.2f ms a page; the first %d pages %.2f ms a page, the last %d %.2f ms",
		len(times), walk.Round(time.Millisecond), avg(times), k, avg(times[:k]), k, avg(times[len(times)-k:]))
}
