package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

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
		cfg, err := parseFlags(c.args)
		if err != nil {
			t.Fatal(err)
		}
		mux, _, closeStore, err := setup(context.Background(), cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(mux)
		req, _ := http.NewRequest("POST", srv.URL+"/scim/v2/Groups", strings.NewReader(`{"displayName":"Admins","members":[]}`))
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", "application/scim+json")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("%v: POST /Groups = %d, want %d", c.args, res.StatusCode, c.want)
		}
		srv.Close()
		closeStore()
	}
}
