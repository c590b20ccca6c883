package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDemoServer(t *testing.T) {
	t.Setenv("SCIM_TOKEN", "")
	c, err := parseFlags([]string{
		"-token", "token-of-a-123", "-token", "token-of-b-456",
		"-attrs", "Department:option,Business Unit:option,Employed Since:date:Employed_Since,Manager:employee,Salary:number",
		"-rate-limit", "5",
	})
	if err != nil {
		t.Fatal(err)
	}
	mux, companies, err := setup(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
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
	c, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, companies, err := setup(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if len(companies) != 1 || len(companies[0].token) < 26 {
		t.Errorf("default company: %+v", companies)
	}
	for _, args := range [][]string{
		{"-attrs", "Team:colour"},
		{"-rate-limit", "-1"},
		{"-token", "two words"},
		{"-store", "nosuch"},
	} {
		c, err := parseFlags(args)
		if err == nil {
			_, _, err = setup(context.Background(), c, slog.New(slog.DiscardHandler))
		}
		if err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
