package demo

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim"
)

// countingStore counts the company store's reads: tokens and companies.
type countingStore struct {
	*scim.MemoryStore
	reads atomic.Int64
}

func (s *countingStore) TokenByHash(ctx context.Context, hash [32]byte) (*scim.Token, error) {
	s.reads.Add(1)
	return s.MemoryStore.TokenByHash(ctx, hash)
}

func (s *countingStore) GetCompany(ctx context.Context, id string) (*scim.Company, error) {
	s.reads.Add(1)
	return s.MemoryStore.GetCompany(ctx, id)
}

// clockedDemo returns NewHandler's handler for the token over a
// countingStore, and the clock (Unix nanoseconds) it reads, which only
// the caller advances.
func clockedDemo(tb testing.TB, token string) (http.Handler, *atomic.Int64, *countingStore) {
	tb.Helper()
	clock := new(atomic.Int64)
	clock.Store(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	store := &countingStore{MemoryStore: scim.NewMemoryStore()}
	h, _, err := NewHandler(tb.Context(), Config{Tokens: []string{token}, Now: now, Store: store})
	if err != nil {
		tb.Fatal(err)
	}
	return h, clock, store
}

// BenchmarkDemo serves requests through the handler NewHandler returns:
// the demo's Handler options (company tokens and models through
// scim.Companies, the per-process rate limiter, the mux with both
// prefixes), as examples/server and bench/loadcompare run it. Its
// clock advances 10 ms a request, so that the token and model caches
// expire and are read again every 500 requests, as they do in a server
// that runs for minutes: a cost that a long-running endpoint pays on every
// request once a cache's TTL has passed (such as a token cache that stays
// expired) shows here in the allocations, which are exact, while the root
// package's handler benchmarks (StaticTokens, no clock) do not see it.
// It also reports the company store's reads per request (tokens and
// companies): about 2 in 500 with the caches working, 1 or more when a
// cache stays expired.
func BenchmarkDemo(b *testing.B) {
	const users = 1000
	h, clock, store := clockedDemo(b, "bench-token")
	serve := func(method, path, body string, want int) *httptest.ResponseRecorder {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(method, path, rd)
		req.Header.Set("Authorization", "Bearer bench-token")
		if body != "" {
			req.Header.Set("Content-Type", "application/scim+json")
		}
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		return rec
	}
	ids := make([]string, users)
	for i := range users {
		rec := serve("POST", "/scim/v2/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"user%d@example.com","externalId":"00u%07d","active":true,"name":{"givenName":"Given%d","familyName":"Family%d"},"displayName":"Given%d Family%d","emails":[{"value":"user%d@example.com","type":"work","primary":true}],"title":"Engineer","locale":"en-GB"}`, i, i, i, i, i, i, i), 201)
		ids[i] = rec.Header().Get("Location")[strings.LastIndexByte(rec.Header().Get("Location"), '/')+1:]
	}
	for _, bc := range []struct {
		name, method string
		path         func(i int) string
		body         func(i int) string
	}{
		{"get", "GET", func(i int) string { return "/scim/v2/Users/" + ids[i%users] }, nil},
		{"eq", "GET", func(i int) string {
			return "/scim/v2/Users?filter=userName%20eq%20%22user" + fmt.Sprint(i%users) + "%40example.com%22"
		}, nil},
		{"patch", "PATCH", func(i int) string { return "/scim/v2/Users/" + ids[i%users] }, func(i int) string {
			return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Title ` + fmt.Sprint(i) + `"}]}`
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			// The paths and bodies are built before the loop, so that the
			// allocations are the handler's and httptest's only.
			// Two bodies for each user, used in turn, so that every PATCH
			// changes the user.
			paths, bodies := make([]string, users), make([]string, 2*users)
			for i := range users {
				paths[i] = bc.path(i * 7)
			}
			for i := range bodies {
				if bc.body != nil {
					bodies[i] = bc.body(i)
				}
			}
			b.ReportAllocs()
			reads := store.reads.Load()
			i := 0
			for b.Loop() {
				clock.Add(int64(10 * time.Millisecond))
				serve(bc.method, paths[i%users], bodies[(i%users)*2+i/users%2], 200)
				i++
			}
			b.ReportMetric(float64(store.reads.Load()-reads)/float64(i), "company-reads/op")
		})
	}
}

// TestCompanyReadsPastTTL pins what BenchmarkDemo reports: past the
// caches' TTL, requests read their token and their company's model from
// the company store once per TTL, not once per request (on 94edf58 the
// token cache stayed expired after 5 s and every request read the store).
func TestCompanyReadsPastTTL(t *testing.T) {
	t.Parallel()
	h, clock, store := clockedDemo(t, "test-token")
	const requests = 2000 // 10 ms apart: 20 s, four TTLs of the default 5 s
	before := store.reads.Load()
	for range requests {
		clock.Add(int64(10 * time.Millisecond))
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/scim/v2/Users?count=0", nil)
		req.Header.Set("Authorization", "Bearer test-token")
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("GET: %d %s", rec.Code, rec.Body)
		}
	}
	if n := store.reads.Load() - before; n > 20 {
		t.Errorf("%d requests over 20 s read the company store %d times; want about 8 (a token and a model read per 5 s TTL)", requests, n)
	}
}
