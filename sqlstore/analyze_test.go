package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

func countRows(t *testing.T, st *Store, query string) int {
	t.Helper()
	var n int
	if err := st.w.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestAnalyzeSQLite checks that Analyze gathers sqlite_stat1 but leaves no
// samples in sqlite_stat4, and that Open drops samples a plain ANALYZE
// left behind.
func TestAnalyzeSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "scim.db")
	st := openStore(t, "sqlite", path)
	loadPlanUsers(t, st)
	if err := st.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, st, "SELECT COUNT(*) FROM sqlite_stat1"); n == 0 {
		t.Error("Analyze left sqlite_stat1 empty")
	}
	if n := countRows(t, st, "SELECT COUNT(*) FROM sqlite_stat4"); n != 0 {
		t.Errorf("Analyze left %d samples in sqlite_stat4", n)
	}
	// An operator runs ANALYZE behind the store's back.
	if _, err := st.w.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, st, "SELECT COUNT(*) FROM sqlite_stat4"); n == 0 {
		t.Skip("this SQLite does not sample keys (built without SQLITE_ENABLE_STAT4)")
	}
	st.Close()
	st = openStore(t, "sqlite", path)
	if n := countRows(t, st, "SELECT COUNT(*) FROM sqlite_stat4"); n != 0 {
		t.Errorf("Open left %d samples in sqlite_stat4", n)
	}
	if u, err := st.GetUser(ctx, "acme", "id-0042"); err != nil || u.UserName != "User0042@example.com" {
		t.Errorf("after reopening: %v, %v", u, err)
	}
}

func TestAnalyzePostgres(t *testing.T) {
	st := openPostgres(t)
	loadPlanUsers(t, st)
	if err := st.Analyze(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, st, "SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'users'"); n == 0 {
		t.Error("Analyze gathered no statistics for users")
	}
}

// TestMigrateManagerNullPostgres upgrades a database written before
// migration 0002, where an absent manager was ”, and checks that it is
// NULL after, and that filters on manager.value answer as before.
func TestMigrateManagerNullPostgres(t *testing.T) {
	st := openPostgres(t)
	ctx := context.Background()
	users := []*scim.User{
		{ID: "boss", UserName: "boss@example.com", Meta: scim.Meta{Version: "v"}},
		{ID: "report", UserName: "report@example.com", Enterprise: scim.EnterpriseUser{Manager: scim.Manager{Value: "boss"}}, Meta: scim.Meta{Version: "v"}},
	}
	if err := st.CreateUsers(ctx, "acme", users); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := st.db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	// Back to the layout of 0001.
	for _, stmt := range []string{
		"UPDATE users SET manager_id = '' WHERE manager_id IS NULL",
		"ALTER TABLE users ALTER COLUMN manager_id SET NOT NULL",
		"DELETE FROM schema_migrations WHERE version = 2",
	} {
		if _, err := st.w.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	st, err := openDriver(ctx, "postgres", withSearchPath(os.Getenv("SCIMKIT_POSTGRES_DSN"), schema))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n := countRows(t, st, "SELECT COUNT(*) FROM users WHERE manager_id = ''"); n != 0 {
		t.Errorf("%d users still have manager_id ''", n)
	}
	const mgr = scim.SchemaEnterpriseUser + ":manager.value"
	for filter, want := range map[string]string{
		mgr + ` eq "boss"`:         "[report]",
		mgr + ` pr`:                "[report]",
		`not (` + mgr + ` pr)`:     "[boss]",
		mgr + ` ne "boss"`:         "[boss]",
		`not (` + mgr + ` eq "x")`: "[boss report]",
	} {
		p := listUsers(t, st, planModel, filter, "userName", 1, 10)
		if got := fmt.Sprint(userIDsOf(p.Users)); got != want {
			t.Errorf("%s: %s, want %s", filter, got, want)
		}
	}
}

// TestAnalyzeTablesPostgres checks that Analyze on PostgreSQL names every
// table the migrations create (it analyses those only), and runs.
func TestAnalyzeTablesPostgres(t *testing.T) {
	entries, err := fs.ReadDir(migrations, "migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	create := regexp.MustCompile(`(?m)^CREATE TABLE (\w+)`)
	var created []string
	for _, e := range entries {
		body, err := migrations.ReadFile("migrations/postgres/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range create.FindAllStringSubmatch(string(body), -1) {
			created = append(created, m[1])
		}
	}
	if diff := cmp.Diff(sorted(created), sorted(pgTables)); diff != "" {
		t.Errorf("tables created by the migrations (-) and analysed (+):\n%s", diff)
	}

	st := openPostgres(t)
	if err := st.Analyze(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
