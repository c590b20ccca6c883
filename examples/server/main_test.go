package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// setupDemo parses args as the command line and sets the demo up from it
// with the logger, as run does, failing t on an error; the caller closes
// the store.
func setupDemo(t *testing.T, logger *slog.Logger, args ...string) (*config, http.Handler, []company, func() error) {
	t.Helper()
	c, err := parseFlags(args)
	if err != nil {
		t.Fatal(err)
	}
	mux, companies, closeStore, err := setup(t.Context(), c, logger)
	if err != nil {
		t.Fatal(err)
	}
	return c, mux, companies, closeStore
}

func TestDemoServer(t *testing.T) {
	t.Setenv("SCIM_TOKEN", "")
	c, mux, companies, closeStore := setupDemo(t, slog.New(slog.DiscardHandler),
		"-token", "token-of-a-123", "-token", "token-of-b-456",
		"-attrs", "Department:option,Business Unit:option,Employed Since:date:Employed_Since,Manager:employee,Salary:number",
		"-rate-limit", "5", "-store", "memory",
	)
	defer closeStore()
	if len(companies) != 2 || companies[0].ID == companies[1].ID {
		t.Fatalf("companies: %+v", companies)
	}
	var banner bytes.Buffer
	printBanner(&banner, c, companies)
	for _, want := range []string{"token-of-a-123", "token-of-b-456", "Employed Since (date, alias Employed_Since)", "5 operations per hour"} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, banner.String())
		}
	}

	s := &demoSite{Server: httptest.NewServer(mux), t: t}
	defer s.Close()
	user := `{"userName":"a@x.test","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Employed_Since":"2019-04-01","Salary":"1"}}`
	if got, _ := s.scim("token-of-a-123", http.MethodPost, "/scim/v2/Users", user); got != http.StatusCreated {
		t.Errorf("POST as A: %d", got)
	}
	if got, _ := s.scim("token-of-b-456", http.MethodPost, "/api/scim/v2/Users", user); got != http.StatusCreated {
		t.Errorf("POST as B (same userName, other company): %d", got)
	}
	for range 4 {
		s.scim("token-of-a-123", http.MethodGet, "/scim/v2/Users", "")
	}
	if got, _ := s.scim("token-of-a-123", http.MethodGet, "/scim/v2/Users", ""); got != http.StatusTooManyRequests {
		t.Errorf("6th operation of A: %d, want 429", got)
	}
	if got, _ := s.scim("wrong-token", http.MethodGet, "/scim/v2/Users", ""); got != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", got)
	}
}

func TestDemoServerDefaults(t *testing.T) {
	t.Setenv("SCIM_TOKEN", "")
	t.Chdir(t.TempDir()) // the default store is scimkit.db in the working directory
	_, _, companies, closeStore := setupDemo(t, slog.New(slog.DiscardHandler))
	defer closeStore()
	if _, err := os.Stat("scimkit.db"); err != nil {
		t.Errorf("default SQLite store: %v", err)
	}
	if len(companies) != 1 || len(companies[0].token) < 26 {
		t.Errorf("default company: %+v", companies)
	}
	for _, args := range [][]string{
		{"-attrs", "Team:colour"},
		{"-rate-limit", "-1"},
		{"-token", "two words"},
		{"-store", "nosuch"},
		{"-store", "postgres"},
	} {
		c, err := parseFlags(args)
		if err == nil {
			var closeStore func() error
			if _, _, closeStore, err = setup(context.Background(), c, slog.New(slog.DiscardHandler)); err == nil {
				closeStore()
			}
		}
		if err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

// TestDemoServerGroupsFlag checks that -groups turns /Groups on, and that
// it is off by default (501, as Peakon).
func TestDemoServerGroupsFlag(t *testing.T) {
	t.Setenv("SCIM_TOKEN", "")
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"-store", "memory", "-token", "tok"}, http.StatusNotImplemented},
		{[]string{"-store", "memory", "-token", "tok", "-groups"}, http.StatusCreated},
		{[]string{"-store", "sqlite", "-dsn", t.TempDir() + "/g.db", "-token", "tok", "-groups"}, http.StatusCreated},
	} {
		_, mux, _, closeStore := setupDemo(t, slog.New(slog.DiscardHandler), c.args...)
		srv := &demoSite{Server: httptest.NewServer(mux), t: t}
		if got, _ := srv.scim("tok", "POST", "/scim/v2/Groups", `{"displayName":"Admins","members":[]}`); got != c.want {
			t.Errorf("%v: POST /Groups = %d, want %d", c.args, got, c.want)
		}
		srv.Close()
		closeStore()
	}
}

// TestDemoServerSQLiteRestart checks that the SQLite demo keeps a company's
// employees across restarts when started with the same -token.
func TestDemoServerSQLiteRestart(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "demo.db")
	const token = "persistent-token-1"
	start := func() (*demoSite, func() error) {
		_, mux, _, closeStore := setupDemo(t, slog.New(slog.DiscardHandler), "-token", token, "-dsn", dsn, "-attrs", "Department:option")
		return &demoSite{Server: httptest.NewServer(mux), t: t}, closeStore
	}
	srv, closeStore := start()
	if got, _ := srv.scim(token, "POST", "/scim/v2/Users", `{"userName":"kept@x.test","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Department":"IT"}}`); got != 201 {
		t.Fatalf("POST: %d", got)
	}
	srv.Close()
	if err := closeStore(); err != nil {
		t.Fatal(err)
	}
	srv, closeStore = start()
	defer closeStore()
	defer srv.Close()
	if got, _ := srv.scim(token, "GET", `/scim/v2/Users?filter=userName+eq+%22kept%40x.test%22+and+urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Department+eq+%22IT%22`, ""); got != 200 {
		t.Fatalf("GET: %d", got)
	}
	if got, _ := srv.scim(token, "POST", "/scim/v2/Users", `{"userName":"kept@x.test"}`); got != 409 {
		t.Errorf("the user did not survive the restart: POST again gave %d, want 409", got)
	}
}

// TestDemoServerSharedCursorKey: instances on one database continue each
// other's cursor walks, with the key the database keeps or with the same
// $SCIM_CURSOR_KEY; an instance with another key refuses the cursor; a
// short key is refused at start.
func TestDemoServerSharedCursorKey(t *testing.T) {
	t.Setenv("SCIM_TOKEN", "")
	dsn := filepath.Join(t.TempDir(), "shared.db")
	const token = "shared-token-123"
	instance := func(key string) *demoSite {
		t.Setenv("SCIM_CURSOR_KEY", key)
		_, mux, _, closeStore := setupDemo(t, slog.New(slog.DiscardHandler), "-token", token, "-dsn", dsn)
		s := &demoSite{Server: httptest.NewServer(mux), t: t}
		t.Cleanup(func() {
			s.Close()
			closeStore()
		})
		return s
	}
	type page struct {
		NextCursor string
		Resources  []struct{ UserName string }
		SCIMType   string
	}
	get := func(s *demoSite, path string, want int) page {
		t.Helper()
		got, body := s.scim(token, http.MethodGet, path, "")
		if got != want {
			t.Fatalf("GET %s: %d, want %d: %s", path, got, want, body)
		}
		var p page
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key := strings.Repeat("k", minCursorKey)
	first := instance("")
	for _, name := range []string{"u1", "u2", "u3"} {
		if got, body := first.scim(token, http.MethodPost, "/scim/v2/Users", `{"userName":"`+name+`@x.test"}`); got != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", name, got, body)
		}
	}
	for _, pair := range [][2]*demoSite{{first, instance("")}, {instance(key), instance(key)}} {
		p := get(pair[0], "/scim/v2/Users?sortBy=userName&count=2&cursor=", http.StatusOK)
		if len(p.Resources) != 2 || p.NextCursor == "" {
			t.Fatalf("first page: %+v", p)
		}
		next := "/scim/v2/Users?sortBy=userName&count=2&cursor=" + p.NextCursor
		if p := get(pair[1], next, http.StatusOK); len(p.Resources) != 1 || p.Resources[0].UserName != "u3@x.test" || p.NextCursor != "" {
			t.Errorf("the second page from the other instance: %+v, want u3 alone", p)
		}
		if p := get(instance(strings.Repeat("o", minCursorKey)), next, http.StatusBadRequest); p.SCIMType != "invalidCursor" {
			t.Errorf("an instance with another key: scimType %q, want invalidCursor", p.SCIMType)
		}
	}

	t.Setenv("SCIM_CURSOR_KEY", "short")
	if _, err := parseFlags(nil); err == nil || !strings.Contains(err.Error(), "SCIM_CURSOR_KEY") {
		t.Errorf("a short key: %v, want an error naming $SCIM_CURSOR_KEY", err)
	}
}
