package scim

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// benchServer holds n Okta users behind a handler.
func benchServer(b testing.TB, n int) (*Handler, []string) {
	store := NewMemoryStore()
	// Benchmarks make more requests than Peakon allows a company per hour.
	h := &Handler{Store: store, Auth: StaticTokens{testToken: "acme"}, RateLimit: NewWindowLimiter(0, 0)}
	ids := make([]string, n)
	for i := range n {
		rec := mustServe(b, h, "POST", "/scim/v2/Users", oktaUser(i), 201)
		ids[i] = strings.TrimPrefix(rec.Header().Get("Location"), "http://example.com/scim/v2/Users/")
	}
	return h, ids
}

// mustServe serves one request with the test token and body ("" for
// none), and fails unless the answer's status is want. It is called in
// benchmark loops, so it does not mark itself a helper (b.Helper costs a
// stack walk).
func mustServe(b testing.TB, h http.Handler, method, path, body string, want int) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+testToken)
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: %d %.300s", method, path, rec.Code, rec.Body)
	}
	return rec
}

func serveBench(b *testing.B, h http.Handler, method, path, body string, want int) {
	b.ReportAllocs()
	for b.Loop() {
		mustServe(b, h, method, path, body, want)
	}
}

func BenchmarkHandlerGetUser(b *testing.B) {
	h, ids := benchServer(b, 1000)
	serveBench(b, h, "GET", "/scim/v2/Users/"+ids[500], "", 200)
}

func BenchmarkHandlerCreateUser(b *testing.B) {
	h, _ := benchServer(b, 0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		mustServe(b, h, "POST", "/scim/v2/Users", oktaUser(1000000+i), 201)
		i++
	}
}

func BenchmarkHandlerListPage100(b *testing.B) {
	h, _ := benchServer(b, 1000)
	serveBench(b, h, "GET", "/scim/v2/Users?startIndex=101&count=100", "", 200)
}

func BenchmarkHandlerListUserNameEq(b *testing.B) {
	h, _ := benchServer(b, 1000)
	serveBench(b, h, "GET", `/scim/v2/Users?filter=userName+eq+%22USER500%40example.com%22`, "", 200)
}

// BenchmarkLoopback measures requests over real HTTP (loopback,
// keep-alive), side by side in one run: a bare net/http handler writing the
// bytes of a GET by id, the Handler's GET by id, and the Handler's PATCH of
// one attribute. The ratios of their ns/op are the handler's overhead and
// the cost of a PATCH relative to a GET.
func BenchmarkLoopback(b *testing.B) {
	h, ids := benchServer(b, 1000)
	path := "/scim/v2/Users/" + ids[500]
	rec := mustServe(b, h, "GET", path, "", 200)
	body, etag := rec.Body.Bytes(), rec.Header().Get("ETag")
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", MediaType)
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		_, _ = w.Write(body)
	})
	patches := [2]string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"A"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"B"}]}`,
	}
	for _, c := range []struct {
		name   string
		h      http.Handler
		method string
	}{{"bare", bare, "GET"}, {"get", h, "GET"}, {"patch", h, "PATCH"}} {
		b.Run(c.name, func(b *testing.B) {
			srv := httptest.NewServer(c.h)
			defer srv.Close()
			client := srv.Client()
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			b.ReportAllocs()
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					var rd io.Reader
					if c.method == "PATCH" {
						rd = strings.NewReader(patches[n.Add(1)%2])
					}
					req, _ := http.NewRequest(c.method, srv.URL+path, rd)
					req.Header.Set("Authorization", "Bearer "+testToken)
					res, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						b.Errorf("status %d", res.StatusCode)
						return
					}
				}
			})
		})
	}
}

// TestMemoryPerUser checks the memory store keeps a typical Okta user in at
// most 2 KiB.
func TestMemoryPerUser(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 10,000 users")
	}
	const n = 10000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	h, _ := benchServer(t, n)
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("memory store: %d bytes per Okta user", per)
	if per > 2048 {
		t.Errorf("%d bytes per user, want at most 2048", per)
	}
	runtime.KeepAlive(h)
}

// BenchmarkBulkCreate1000 creates 1,000 users with one bulk request per
// iteration; compare with BenchmarkSinglePost1000.
func BenchmarkBulkCreate1000(b *testing.B) {
	benchBulkVsSingle(b, func(s Store) *Handler { return &Handler{Store: s, Auth: StaticTokens{testToken: "acme"}} }, NewMemoryStore, true)
}

// BenchmarkSinglePost1000 creates the same 1,000 users with 1,000 POSTs.
func BenchmarkSinglePost1000(b *testing.B) {
	benchBulkVsSingle(b, func(s Store) *Handler { return &Handler{Store: s, Auth: StaticTokens{testToken: "acme"}} }, NewMemoryStore, false)
}

// benchBulkVsSingle loads 1,000 users into a fresh store per iteration,
// through one bulk request or through single POSTs.
func benchBulkVsSingle[S Store](b *testing.B, handler func(Store) *Handler, newStore func() S, bulk bool) {
	ops := make([]string, 1000)
	for i := range ops {
		ops[i] = bulkPost(fmt.Sprint("u", i), oktaUser(i))
	}
	body := bulkBody(0, ops...)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		h := handler(newStore())
		b.StartTimer()
		if bulk {
			rec := mustServe(b, h, "POST", "/scim/v2/Bulk", body, 200)
			if strings.Count(rec.Body.String(), `"status":"201"`) != 1000 {
				b.Fatalf("bulk: %.300s", rec.Body)
			}
			continue
		}
		for i := range 1000 {
			mustServe(b, h, "POST", "/scim/v2/Users", oktaUser(i), 201)
		}
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "users/s")
}

// BenchmarkObservedGetUser measures what observing costs a read: nothing
// configured, an OnRequest hook, an access log at Info (which leaves reads
// out) and at Debug (which writes them, as JSON to io.Discard).
func BenchmarkObservedGetUser(b *testing.B) {
	for _, c := range []struct {
		name      string
		configure func(h *Handler)
	}{
		{"none", func(h *Handler) {}},
		{"OnRequest", func(h *Handler) { h.OnRequest = func(context.Context, RequestInfo) {} }},
		{"LogInfo", func(h *Handler) {
			h.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
		}},
		{"LogDebug", func(h *Handler) {
			h.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			h, ids := benchServer(b, 1000)
			c.configure(h)
			serveBench(b, h, "GET", "/scim/v2/Users/"+ids[500], "", 200)
		})
	}
}

// BenchmarkListReferences reads a page of 1,000 users whose references all
// need a lookup when rendered: an Employee attribute (stored as an id,
// shown as an email) and a manager still pending (half name one of 20
// managers in a case the resolution after their creation does not try,
// half name nobody). It reports the store calls of one request.
func BenchmarkListReferences(b *testing.B) {
	ctx := context.Background()
	store := NewMemoryStore()
	cs := &countingStore{Store: store}
	companies := NewCompanies(store)
	c, err := companies.Create(ctx, "Acme", []CustomAttribute{{Name: "Mentor", Type: CustomEmployee}})
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := companies.IssueToken(ctx, c.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	h := &Handler{Store: cs, Auth: companies, Models: companies, RateLimit: NewWindowLimiter(0, 0)}
	post := func(body string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/scim/v2/Users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		h.ServeHTTP(rec, req)
		if rec.Code != 201 {
			b.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
	}
	post(userJSON("mentor@acme.test", ""))
	const n, managers = 998, 20
	for i := range n {
		mgr := fmt.Sprintf("Boss%d@Acme.Test", i%managers)
		if i%2 == 1 {
			mgr = fmt.Sprintf("ghost%d@acme.test", i%managers)
		}
		post(userJSON(fmt.Sprintf("user%04d@acme.test", i),
			`"`+SchemaEnterpriseUser+`":{"manager":{"value":"`+mgr+`"}},"`+SchemaPeakonUser+`":{"Mentor":"mentor@acme.test"}`))
	}
	for i := range managers / 2 {
		post(userJSON(fmt.Sprintf("boss%d@acme.test", 2*i), ""))
	}
	cs.take()
	b.ReportAllocs()
	calls := 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/scim/v2/Users?count=1000", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("list: %d %s", rec.Code, rec.Body)
		}
		for _, k := range cs.take() {
			calls += k
		}
	}
	b.ReportMetric(float64(calls)/float64(b.N), "store-calls/op")
}
