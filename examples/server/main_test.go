package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoServer(t *testing.T) {
	t.Setenv("SCIM_TOKEN", "")
	c, err := parseFlags([]string{
		"-token", "token-of-a-123", "-token", "token-of-b-456",
		"-attrs", "Department:option,Business Unit:option,Employed Since:date:Employed_Since,Manager:employee,Salary:number",
		"-rate-limit", "5", "-store", "memory",
	})
	if err != nil {
		t.Fatal(err)
	}
	mux, companies, closeStore, err := setup(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
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

	srv := httptest.NewServer(mux)
	defer srv.Close()
	do := func(token, method, path, body string) int {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/scim+json")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	user := `{"userName":"a@x.test","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Employed_Since":"2019-04-01","Salary":"1"}}`
	if got := do("token-of-a-123", http.MethodPost, "/scim/v2/Users", user); got != http.StatusCreated {
		t.Errorf("POST as A: %d", got)
	}
	if got := do("token-of-b-456", http.MethodPost, "/api/scim/v2/Users", user); got != http.StatusCreated {
		t.Errorf("POST as B (same userName, other company): %d", got)
	}
	for range 4 {
		do("token-of-a-123", http.MethodGet, "/scim/v2/Users", "")
	}
	if got := do("token-of-a-123", http.MethodGet, "/scim/v2/Users", ""); got != http.StatusTooManyRequests {
		t.Errorf("6th operation of A: %d, want 429", got)
	}
	if got := do("wrong-token", http.MethodGet, "/scim/v2/Users", ""); got != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", got)
	}
}

func TestDemoServerDefaults(t *testing.T) {
	t.Setenv("SCIM_TOKEN", "")
	t.Chdir(t.TempDir()) // the default store is scimkit.db in the working directory
	c, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, companies, closeStore, err := setup(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
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

// TestDemoServerSQLiteRestart checks that the SQLite demo keeps a company's
// employees across restarts when started with the same -token.
func TestDemoServerSQLiteRestart(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "demo.db")
	start := func() (*httptest.Server, func() error) {
		c, err := parseFlags([]string{"-token", "persistent-token-1", "-dsn", dsn, "-attrs", "Department:option"})
		if err != nil {
			t.Fatal(err)
		}
		mux, _, closeStore, err := setup(context.Background(), c, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return httptest.NewServer(mux), closeStore
	}
	do := func(srv *httptest.Server, method, path, body string) int {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer persistent-token-1")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	srv, closeStore := start()
	if got := do(srv, "POST", "/scim/v2/Users", `{"userName":"kept@x.test","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Department":"IT"}}`); got != 201 {
		t.Fatalf("POST: %d", got)
	}
	srv.Close()
	if err := closeStore(); err != nil {
		t.Fatal(err)
	}
	srv, closeStore = start()
	defer closeStore()
	defer srv.Close()
	if got := do(srv, "GET", `/scim/v2/Users?filter=userName+eq+%22kept%40x.test%22+and+urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Department+eq+%22IT%22`, ""); got != 200 {
		t.Fatalf("GET: %d", got)
	}
	if got := do(srv, "POST", "/scim/v2/Users", `{"userName":"kept@x.test"}`); got != 409 {
		t.Errorf("the user did not survive the restart: POST again gave %d, want 409", got)
	}
}
