package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimkit/scim/internal/demo"
)

// BenchmarkSite serves GET and PATCH through the whole demo site (the
// provisioning log and the metrics fed by the handler's hooks, the site's
// mux) and through the SCIM endpoint alone as demo.NewHandler wires it,
// both on the memory store, so that what the extras add to a request shows
// beside it; the bound is +10 % of server CPU (bench/loadcompare
// site@PATH measures it out of process, on SQLite).
//
//	go test -run '^$' -bench BenchmarkSite -benchmem ./examples/server
func BenchmarkSite(b *testing.B) {
	const token, users = "bench-token", 1000
	c, err := parseFlags([]string{"-store", "memory", "-token", token, "-rate-limit", "0"})
	if err != nil {
		b.Fatal(err)
	}
	site, _, closeStore, err := setup(b.Context(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { closeStore() })
	endpoint, _, err := demo.NewHandler(b.Context(), demo.Config{Tokens: []string{token}})
	if err != nil {
		b.Fatal(err)
	}
	serve := func(b *testing.B, h http.Handler, method, path, body string, want int) *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(context.Background(), method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/scim+json") // read only where there is a body
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		return rec
	}
	for _, s := range []struct {
		name string
		h    http.Handler
	}{{"endpoint", endpoint}, {"site", site}} {
		ids := make([]string, users)
		for i := range ids {
			rec := serve(b, s.h, "POST", demo.Prefixes[0]+"/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"user%d@example.com","active":true,"name":{"givenName":"Given%d","familyName":"Family%d"},"emails":[{"value":"user%d@example.com","primary":true}],"title":"Engineer"}`, i, i, i, i), http.StatusCreated)
			loc := rec.Header().Get("Location")
			ids[i] = loc[strings.LastIndexByte(loc, '/')+1:]
		}
		b.Run(s.name+"/get", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				serve(b, s.h, "GET", demo.Prefixes[0]+"/Users/"+ids[i%users], "", http.StatusOK)
				i++
			}
		})
		b.Run(s.name+"/patch", func(b *testing.B) {
			// Two titles in turn, so that every PATCH changes the user.
			bodies := [2]string{}
			for k := range bodies {
				bodies[k] = fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Title %d"}]}`, k)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				serve(b, s.h, "PATCH", demo.Prefixes[0]+"/Users/"+ids[i%users], bodies[i/users%2], http.StatusOK)
				i++
			}
		})
	}
}
