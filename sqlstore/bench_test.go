package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scim"
)

const benchUsers = 100_000

func benchUser(i int) *scim.User {
	t := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	return &scim.User{
		ID:         fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i),
		UserName:   fmt.Sprintf("user%06d@example.com", i),
		ExternalID: fmt.Sprintf("ext-%06d", i),
		Name: scim.Name{
			GivenName:  fmt.Sprintf("Given%d", i%1000),
			FamilyName: string(rune('A'+(i*7)%26)) + fmt.Sprintf("family%05d", i%50000),
		},
		Active:     i%10 != 0,
		Emails:     []scim.MultiValue{{Value: fmt.Sprintf("user%06d@mail.example.com", i), Type: "work", Primary: true}},
		Enterprise: scim.EnterpriseUser{EmployeeNumber: fmt.Sprint(i)},
		Custom:     map[string]string{"Department": fmt.Sprintf("dept-%d", i%50)},
		Meta:       scim.Meta{ResourceType: "User", Created: t, LastModified: t, Version: `W/"1"`},
	}
}

// benchStores holds one loaded store per dialect, shared by the
// benchmarks so the 100,000 users are loaded once per run.
var benchStores struct {
	sync.Mutex
	m       map[string]*Store
	loading map[string]time.Duration
	dir     string
	schemas []string // PostgreSQL schemas to drop
}

func loadedStore(b *testing.B, dialect string) *Store {
	benchStores.Lock()
	defer benchStores.Unlock()
	if st := benchStores.m[dialect]; st != nil {
		return st
	}
	ctx := context.Background()
	var st *Store
	var err error
	switch dialect {
	case "sqlite":
		if benchStores.dir == "" {
			if benchStores.dir, err = os.MkdirTemp("", "scimkit-bench"); err != nil {
				b.Fatal(err)
			}
		}
		st, err = openDriver(ctx, "sqlite", filepath.Join(benchStores.dir, "bench.db"))
	default:
		dsn := os.Getenv("SCIMKIT_POSTGRES_DSN")
		if dsn == "" {
			b.Skip("SCIMKIT_POSTGRES_DSN is not set")
		}
		admin, err := sql.Open("pgx", dsn) // no migration: the default schema is not the tests'
		if err != nil {
			b.Fatal(err)
		}
		x := make([]byte, 6)
		rand.Read(x)
		schema := "bench_" + hex.EncodeToString(x)
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			b.Fatal(err)
		}
		admin.Close()
		benchStores.schemas = append(benchStores.schemas, schema)
		st, err = openDriver(ctx, "postgres", withSearchPath(dsn, schema))
		if err != nil {
			b.Fatal(err)
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	const batch = 2000
	for i := 0; i < benchUsers; i += batch {
		users := make([]*scim.User, 0, batch)
		for j := i; j < i+batch; j++ {
			users = append(users, benchUser(j))
		}
		if err := st.CreateUsers(ctx, "acme", users); err != nil {
			b.Fatal(err)
		}
	}
	// Statistics, as an operator would gather them after a load; on
	// PostgreSQL also what autovacuum would have done by now: the
	// visibility map that lets index-only scans skip the heap.
	if err := st.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	if st.d == postgres {
		if _, err := st.w.ExecContext(ctx, "VACUUM"); err != nil {
			b.Fatal(err)
		}
	}
	if benchStores.m == nil {
		benchStores.m = map[string]*Store{}
		benchStores.loading = map[string]time.Duration{}
	}
	benchStores.m[dialect] = st
	benchStores.loading[dialect] = time.Since(start)
	b.Logf("%s: loaded %d users in %v (%.0f users/s)", dialect, benchUsers, time.Since(start), benchUsers/time.Since(start).Seconds())
	return st
}

var benchModel = scim.NewModel([]scim.CustomAttribute{{Name: "Department", Type: scim.CustomOption}})

func benchList(b *testing.B, st *Store, filter, sortBy string, count, want int) {
	q, err := benchModel.NewQuery(filter, sortBy, "", 1, count)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		p, err := st.ListUsers(ctx, "acme", q)
		if err != nil {
			b.Fatal(err)
		}
		if want >= 0 && len(p.Users) != want {
			b.Fatalf("%s: %d users, want %d (total %d)", filter, len(p.Users), want, p.Total)
		}
	}
}

func runBenchmarks(b *testing.B, dialect string) {
	st := loadedStore(b, dialect)
	ctx := context.Background()
	b.Run("GetByID", func(b *testing.B) {
		id := benchUser(54321).ID
		for b.Loop() {
			if _, err := st.GetUser(ctx, "acme", id); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UserNameEq", func(b *testing.B) { benchList(b, st, `userName eq "USER054321@example.com"`, "", 100, 1) })
	b.Run("ExternalIDEq", func(b *testing.B) { benchList(b, st, `externalId eq "ext-054321"`, "", 100, 1) })
	b.Run("EmailEq", func(b *testing.B) {
		benchList(b, st, `emails[type eq "work"].value eq "user054321@mail.example.com"`, "", 100, 1)
	})
	b.Run("CustomEq", func(b *testing.B) {
		benchList(b, st, `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Department eq "dept-7" and userName eq "user000007@example.com"`, "", 100, 1)
	})
	b.Run("FamilyNameSwPage100", func(b *testing.B) { benchList(b, st, `name.familyName sw "A"`, "", 100, 100) })
	b.Run("FamilyNameSwSortedPage100", func(b *testing.B) { benchList(b, st, `name.familyName sw "A"`, "name.familyName", 100, 100) })
	// The database alone, for the ratio's floor: the statements of a GET
	// and of the page (no count), reading the documents without decoding.
	raw := func(b *testing.B, text string, args []any, want int) {
		st, release, err := st.stmt(ctx, text)
		if err != nil {
			b.Fatal(err)
		}
		defer release()
		for b.Loop() {
			rows, err := st.QueryContext(ctx, args...)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var doc sql.RawBytes
				if err := rows.Scan(&doc); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if err := rows.Close(); err != nil || n != want {
				b.Fatalf("%d rows, %v; want %d", n, err, want)
			}
		}
	}
	b.Run("RawGetByID", func(b *testing.B) {
		raw(b, st.q(`SELECT doc FROM users WHERE company = ? AND id = ?`), []any{"acme", benchUser(54321).ID}, 1)
	})
	b.Run("RawFamilyNameSwPage100", func(b *testing.B) {
		q, err := benchModel.NewQuery(`name.familyName sw "A"`, "", "", 1, 100)
		if err != nil {
			b.Fatal(err)
		}
		text, args := st.pageSQL(st.compile("acme", q), q, false)
		raw(b, text, args, 100)
	})
	b.Run("UpdateCAS", func(b *testing.B) {
		u, err := st.GetUser(ctx, "acme", benchUser(777).ID)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for b.Loop() {
			old := u.Meta.Version
			n++
			u.Meta.Version = fmt.Sprintf(`W/"%s-%d"`, dialect, n)
			u.Title = fmt.Sprint(n)
			if err := st.UpdateUser(ctx, "acme", u, old); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CreateUser", func(b *testing.B) {
		n := 0
		tenant := fmt.Sprintf("insert-%d", time.Now().UnixNano())
		for b.Loop() {
			n++
			if err := st.CreateUser(ctx, tenant, benchUser(n)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("BulkLoad1000", func(b *testing.B) {
		n := 0
		tenant := fmt.Sprintf("bulk-%d", time.Now().UnixNano())
		for b.Loop() {
			users := make([]*scim.User, 1000)
			for i := range users {
				users[i] = benchUser(n)
				n++
			}
			if err := st.CreateUsers(ctx, tenant, users); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "users/s")
	})
}

func BenchmarkSQLite(b *testing.B)   { runBenchmarks(b, "sqlite") }
func BenchmarkPostgres(b *testing.B) { runBenchmarks(b, "postgres") }

func TestMain(m *testing.M) {
	code := m.Run()
	benchStores.Lock()
	for _, st := range benchStores.m {
		st.Close()
	}
	if len(benchStores.schemas) > 0 {
		if admin, err := sql.Open("pgx", os.Getenv("SCIMKIT_POSTGRES_DSN")); err == nil {
			for _, schema := range benchStores.schemas {
				admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			}
			admin.Close()
		}
	}
	if benchStores.dir != "" {
		os.RemoveAll(benchStores.dir)
	}
	benchStores.Unlock()
	os.Exit(code)
}
