package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scimkit/scim"
)

// TestFaultClassifiesPostgres: PostgreSQL's availability errors, as the
// driver returns them, are scim.ErrUnavailable, a full disk
// scim.ErrStorageFull too, and other errors are left alone (issue 23,
// items 26 and 27).
func TestFaultClassifiesPostgres(t *testing.T) {
	s := &Store{d: postgres}
	ctx := context.Background()
	// Connection refused: nothing listens on port 1.
	_, refused := pgx.Connect(ctx, "postgres://x@127.0.0.1:1/x?connect_timeout=5")
	if refused == nil {
		t.Fatal("connecting to port 1 succeeded")
	}
	cases := []struct {
		name        string
		err         error
		unavailable bool
		full        bool
	}{
		{"connection refused", refused, true, false},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true, false},
		{"cannot connect now", &pgconn.PgError{Code: "57P03"}, true, false},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true, false},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true, false},
		{"lock timeout", &pgconn.PgError{Code: "55P03"}, true, false},
		{"statement timeout", &pgconn.PgError{Code: "57014"}, true, false},
		{"disk full", &pgconn.PgError{Code: "53100"}, true, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false, false},
		{"no rows", sql.ErrNoRows, false, false},
		{"deadline", context.DeadlineExceeded, false, false},
	}
	if dsn := postgresDSN(t); dsn != "" {
		// The server's own answers.
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		_, timeout := db.ExecContext(ctx, "SET statement_timeout = '1ms'; SELECT pg_sleep(1)")
		cases = append(cases, struct {
			name              string
			err               error
			unavailable, full bool
		}{"statement timeout (server)", timeout, true, false})
		victim, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var pid int
		if err := victim.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
			t.Fatal(err)
		}
		_, terminated := victim.ExecContext(ctx, "SELECT 1")
		victim.Close()
		cases = append(cases, struct {
			name              string
			err               error
			unavailable, full bool
		}{"terminated backend (server)", terminated, true, false})
	}
	for _, tc := range cases {
		err := s.fault(fmt.Errorf("sqlstore: %w", tc.err))
		if got := errors.Is(err, scim.ErrUnavailable); got != tc.unavailable {
			t.Errorf("%s (%v): unavailable %v, want %v", tc.name, tc.err, got, tc.unavailable)
		}
		if got := errors.Is(err, scim.ErrStorageFull); got != tc.full {
			t.Errorf("%s (%v): full %v, want %v", tc.name, tc.err, got, tc.full)
		}
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: the driver's error is lost: %v", tc.name, err)
		}
	}
}

// postgresDSN is SCIMKIT_POSTGRES_DSN, or "".
func postgresDSN(*testing.T) string { return os.Getenv("SCIMKIT_POSTGRES_DSN") }

// TestSQLiteOutage: a write that finds the database locked by another
// process past busy_timeout fails fast as scim.ErrUnavailable, answered
// 503 with Retry-After; a full disk is scim.ErrStorageFull, answered 503
// "the server's storage is full", commits nothing, leaves reads working,
// and writes work again once there is room (issue 23, items 26 and 27).
func TestSQLiteOutage(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "scim.db")
	st := openStore(t, "sqlite", path)
	h := &scim.Handler{Store: st, Auth: scim.StaticTokens{"tok": "acme"}}
	post := func(name, title string) *httptest.ResponseRecorder {
		return serveAs(h, "tok", http.MethodPost, "/Users", `{"userName":"`+name+`","title":"`+title+`"}`)
	}
	if w := post("first", ""); w.Code != http.StatusCreated {
		t.Fatalf("first create: %d %s", w.Code, w.Body)
	}

	// Another process holds the write lock; the store's writer waits
	// for it no longer than busy_timeout, here 0.
	if _, err := st.w.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		t.Fatal(err)
	}
	lock := sqliteConn(t, path)
	if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	err := st.CreateUser(ctx, "acme", &scim.User{ID: "busy", UserName: "busy", Meta: scim.Meta{Version: "v"}})
	if !errors.Is(err, scim.ErrUnavailable) || errors.Is(err, scim.ErrStorageFull) {
		t.Errorf("write against another process's lock: %v, want ErrUnavailable", err)
	}
	if w := post("busy", ""); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("POST against another process's lock: %d, Retry-After %q: %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	lock.ExecContext(ctx, "ROLLBACK")
	lock.Close()

	// A full disk: the file may not grow.
	var pages int
	if err := st.w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := st.w.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}
	title := strings.Repeat("x", 250)
	n := 0
	var w *httptest.ResponseRecorder
	for n = 0; n < 10000; n++ {
		if w = post(fmt.Sprint("user", n), title); w.Code != http.StatusCreated {
			break
		}
	}
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "the server's storage is full") {
		t.Errorf("POST on a full disk: %d, Retry-After %q: %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	err = st.CreateUser(ctx, "acme", &scim.User{ID: "full", UserName: "full", Title: title, Meta: scim.Meta{Version: "v"}})
	if !errors.Is(err, scim.ErrStorageFull) || !errors.Is(err, scim.ErrUnavailable) {
		t.Errorf("write on a full disk: %v, want ErrStorageFull", err)
	}
	page, err := st.ListUsers(ctx, "acme", &scim.Query{StartIndex: 1, Count: 10})
	if err != nil || page.Total != n+1 {
		t.Errorf("reads on a full disk: %v, %v; want the %d users created, not the failed one", page, err, n+1)
	}
	if _, err := st.w.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	if w := post(fmt.Sprint("user", n), title); w.Code != http.StatusCreated {
		t.Errorf("POST once there is room: %d %s", w.Code, w.Body)
	}
}

// TestSQLiteFullBulk: a bulk request that fills the disk part-way commits
// nothing and answers 503 "the server's storage is full" (issue 23, item
// 27). SQLite rolls the whole transaction back on SQLITE_FULL; the batch
// must not go on, or each later operation would commit on its own.
func TestSQLiteFullBulk(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	var pages int
	if err := st.w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := st.w.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+20)); err != nil {
		t.Fatal(err)
	}
	ops := make([]string, 300) // room for some of them
	for i := range ops {
		ops[i] = fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":"b%d","data":{"userName":"u%d","title":"%s"}}`, i, i, strings.Repeat("x", 250))
	}
	h := &scim.Handler{Store: st, Auth: scim.StaticTokens{"tok": "acme"}}
	w := serveAs(h, "tok", http.MethodPost, "/Bulk", `{"Operations":[`+strings.Join(ops, ",")+`]}`)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "the server's storage is full") {
		t.Errorf("bulk filling the disk: %d %.300s", w.Code, w.Body)
	}
	page, err := st.ListUsers(ctx, "acme", &scim.Query{StartIndex: 1, Count: 1})
	if err != nil || page.Total != 0 {
		t.Errorf("after the bulk: %v users (%v), want none", page.Total, err)
	}
}

// TestPostgresOutage: a read whose connection the server ended (an
// administrator's pg_terminate_backend, as a restart does) fails as
// scim.ErrUnavailable, answered 503 with Retry-After; the next one is
// served on a new connection (issue 23, item 26).
func TestPostgresOutage(t *testing.T) {
	st := openPostgres(t, WithMaxConns(1))
	h := &scim.Handler{Store: st, Auth: scim.StaticTokens{"tok": "acme"}}
	get := func() *httptest.ResponseRecorder {
		return serveAs(h, "tok", http.MethodGet, "/Users?filter="+url.QueryEscape(`title eq "x"`), "")
	}
	if w := get(); w.Code != http.StatusOK {
		t.Fatalf("GET: %d %s", w.Code, w.Body)
	}
	terminateBackend(t, st)
	if w := get(); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("GET on a terminated connection: %d, Retry-After %q: %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if w := get(); w.Code != http.StatusOK {
		t.Errorf("GET after: %d %s", w.Code, w.Body)
	}
}

// TestPostgresOutageGroups: group reads (a list, one group, a user with
// its groups) on a terminated connection answer 503 with Retry-After, as
// user reads do, and are served again after.
func TestPostgresOutageGroups(t *testing.T) {
	st := openPostgres(t, WithMaxConns(1))
	h := &scim.Handler{Store: st, Groups: st, Auth: scim.StaticTokens{"tok": "acme"}}
	send := func(method, path, body string) *httptest.ResponseRecorder {
		return serveAs(h, "tok", method, path, body)
	}
	w := send(http.MethodPost, "/Groups", `{"displayName":"Sales"}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("POST /Groups: %d %s", w.Code, w.Body)
	}
	var g struct{ ID string }
	if err := json.Unmarshal(w.Body.Bytes(), &g); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/Groups", "/Groups/" + g.ID} {
		terminateBackend(t, st)
		if w := send(http.MethodGet, path, ""); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("GET %s on a terminated connection: %d, Retry-After %q: %s", path, w.Code, w.Header().Get("Retry-After"), w.Body)
		}
		if w := send(http.MethodGet, path, ""); w.Code != http.StatusOK {
			t.Errorf("GET %s after: %d %s", path, w.Code, w.Body)
		}
	}
}

// terminateBackend ends the server process of st's one connection, as an
// administrator or a server restart would.
func terminateBackend(t *testing.T, st *Store) {
	t.Helper()
	ctx := context.Background()
	var pid int
	if err := st.DB().QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", os.Getenv("SCIMKIT_POSTGRES_DSN"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
}
