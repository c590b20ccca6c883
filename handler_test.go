package scim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim/internal/testclock"
)

const testToken = "okta-token"

// testServer is a Handler over a memory store behind httptest, mounted like
// the demo under /scim/v2.
type testServer struct {
	*httptest.Server
	h     *Handler
	store *MemoryStore
	t     testing.TB
}

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	store := NewMemoryStore()
	h := &Handler{Store: store, Auth: StaticTokens{testToken: "acme", "other-token": "globex"}}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", h)
	mux.Handle("/api/scim/v2/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, h: h, store: store, t: t}
}

// keyStore is a memory store that keeps shared keys (a KeyStore), as
// sqlstore's keep them in their database; down makes SharedKey fail.
type keyStore struct {
	*MemoryStore
	mu   sync.Mutex
	keys map[string][]byte
	down bool
	asks int
}

func (s *keyStore) SharedKey(_ context.Context, name string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asks++
	if s.down {
		return nil, ErrUnavailable
	}
	if s.keys[name] == nil {
		s.keys[name] = newCursorKey()
	}
	return s.keys[name], nil
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request as Okta does (its User-Agent, application/json).
func (s *testServer) do(method, path, body string, hdr ...string) response {
	s.t.Helper()
	res, b := send(s.t, s.Client(), method, s.URL+path, body, func(req *http.Request) {
		req.Header.Set("User-Agent", "Okta SCIM Client 1.0.0")
		req.Header.Set("Authorization", "Bearer "+testToken)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			if hdr[i+1] == "" {
				req.Header.Del(hdr[i])
			} else {
				req.Header.Set(hdr[i], hdr[i+1])
			}
		}
	})
	return response{res.StatusCode, res.Header, b}
}

// send sends a request with body ("" for none) through client, once
// prepare has set its headers, and returns the answer with its body read.
func send(t testing.TB, client *http.Client, method, url, body string, prepare func(*http.Request)) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	prepare(req)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// serve has h answer a request with body ("" for none) and the bearer
// token "tok", in memory, without a server.
func serve(h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	return serveAs(h, "tok", method, target, body)
}

// serveAs is serve with the bearer token given ("" for none).
func serveAs(h http.Handler, token, method, target, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		r.Header.Set("Content-Type", MediaType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func (s *testServer) expect(r response, status int) map[string]any {
	s.t.Helper()
	if r.status != status {
		s.t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	if status == http.StatusNoContent || status == http.StatusNotModified {
		return nil
	}
	if ct := r.header.Get("Content-Type"); ct != MediaType {
		s.t.Errorf("Content-Type %q, want %q", ct, MediaType)
	}
	return r.json(s.t)
}

func oktaUser(i int) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"user%03d@example.com",
"name":{"givenName":"Given%03d","familyName":"Family%03d"},"emails":[{"primary":true,"value":"user%03d@example.com","type":"work"}],
"displayName":"Given%03d Family%03d","locale":"en-US","externalId":"00u%03d","groups":[],"password":"1mz050nq","active":true}`, i, i, i, i, i, i, i)
}

// TestOktaFlow replays Okta's provisioning flow with its real request
// bodies, from "Test API credentials" to deactivation.
func TestOktaFlow(t *testing.T) {
	s := newTestServer(t)

	// Test API credentials.
	got := s.expect(s.do("GET", "/scim/v2/Users?startIndex=1&count=2", ""), 200)
	if diff := cmp.Diff(map[string]any{
		"schemas":      []any{MessageListResponse},
		"totalResults": float64(0), "itemsPerPage": float64(0), "startIndex": float64(1),
		"Resources": []any{},
	}, got); diff != "" {
		t.Fatalf("credential check (-want +got):\n%s", diff)
	}

	// Create: Okta first looks the user up, then POSTs.
	got = s.expect(s.do("GET", `/scim/v2/Users?filter=userName%20eq%20%22user001%40example.com%22&startIndex=1&count=100`, ""), 200)
	if got["totalResults"] != float64(0) {
		t.Fatalf("lookup before create found %v", got["totalResults"])
	}
	res := s.do("POST", "/scim/v2/Users", oktaUser(1))
	created := s.expect(res, 201)
	id, _ := created["id"].(string)
	if id == "" {
		t.Fatalf("no id in %s", res.body)
	}
	if _, ok := created["password"]; ok {
		t.Error("password returned")
	}
	if _, ok := created["groups"]; ok {
		t.Error("empty groups returned")
	}
	meta := created["meta"].(map[string]any)
	if loc := res.header.Get("Location"); loc != meta["location"] || loc != s.URL+"/scim/v2/Users/"+id {
		t.Errorf("Location %q, meta.location %q", loc, meta["location"])
	}
	if et := res.header.Get("ETag"); et == "" || et != meta["version"] {
		t.Errorf("ETag %q, meta.version %q", et, meta["version"])
	}
	want := map[string]any{
		"schemas":     []any{SchemaUser},
		"id":          id,
		"externalId":  "00u001",
		"userName":    "user001@example.com",
		"name":        map[string]any{"givenName": "Given001", "familyName": "Family001"},
		"displayName": "Given001 Family001",
		"locale":      "en-US",
		"active":      true,
		"emails":      []any{map[string]any{"primary": true, "value": "user001@example.com", "type": "work"}},
		"meta": map[string]any{"resourceType": "User", "created": meta["created"], "lastModified": meta["lastModified"],
			"location": meta["location"], "version": `W/"1"`},
	}
	if diff := cmp.Diff(want, created); diff != "" {
		t.Errorf("created user (-want +got):\n%s", diff)
	}

	// The same userName in another case is a conflict.
	dup := s.expect(s.do("POST", "/scim/v2/Users", strings.Replace(oktaUser(1), "user001@example.com", "USER001@Example.COM", 1)), 409)
	if dup["scimType"] != "uniqueness" || dup["status"] != "409" {
		t.Errorf("duplicate: %v", dup)
	}

	// Okta's userName filter in upper case finds the user.
	got = s.expect(s.do("GET", `/scim/v2/Users?filter=userName%20eq%20%22USER001%40EXAMPLE.COM%22&startIndex=1&count=100`, ""), 200)
	if got["totalResults"] != float64(1) || got["Resources"].([]any)[0].(map[string]any)["id"] != id {
		t.Fatalf("upper-case userName filter: %v", got)
	}

	// GET by id, then PUT the whole object back with Okta's extras.
	u := s.expect(s.do("GET", "/scim/v2/Users/"+id, ""), 200)
	if u["userName"] != "user001@example.com" {
		t.Fatalf("GET: %v", u)
	}
	put := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":%q,"userName":"user001@example.com",
"name":{"givenName":"Renamed","familyName":"Family001"},"emails":[{"primary":true,"value":"user001@example.com","type":"work"}],
"displayName":"Renamed Family001","locale":"en-US","externalId":"00u001","groups":[],"active":true,
"meta":{"resourceType":"User"}}`, id)
	u = s.expect(s.do("PUT", "/scim/v2/Users/"+id, put), 200)
	if u["name"].(map[string]any)["givenName"] != "Renamed" || u["meta"].(map[string]any)["version"] != `W/"2"` {
		t.Errorf("PUT: %v", u)
	}
	if u["meta"].(map[string]any)["created"] != meta["created"] {
		t.Errorf("PUT changed meta.created")
	}

	// Deactivate and reactivate by PATCH, as Okta sends it.
	for _, active := range []bool{false, true} {
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":%t}}]}`, active)
		u = s.expect(s.do("PATCH", "/scim/v2/Users/"+id, body), 200)
		if u["active"] != active {
			t.Errorf("PATCH active=%t: %v", active, u["active"])
		}
	}
	// Some Okta apps deactivate with PUT.
	u = s.expect(s.do("PUT", "/scim/v2/Users/"+id, strings.Replace(put, `"active":true`, `"active":false`, 1)), 200)
	if u["active"] != false {
		t.Errorf("PUT active=false: %v", u["active"])
	}
	hist, err := s.store.Activations(t.Context(), "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	var states []bool
	for _, a := range hist {
		states = append(states, a.Active)
	}
	if diff := cmp.Diff([]bool{true, false, true, false}, states); diff != "" {
		t.Errorf("activation history (-want +got):\n%s", diff)
	}

	// A wrong token is 401 with a SCIM body and a challenge.
	res = s.do("GET", "/scim/v2/Users", "", "Authorization", "Bearer wrong")
	e := s.expect(res, 401)
	if e["status"] != "401" || res.header.Get("WWW-Authenticate") == "" {
		t.Errorf("wrong token: %v %v", e, res.header)
	}
	s.expect(s.do("GET", "/scim/v2/Users", "", "Authorization", ""), 401)

	// Any unknown id is 404, not 400.
	e = s.expect(s.do("GET", "/scim/v2/Users/010101001010101011001010101011", ""), 404)
	if e["status"] != "404" {
		t.Errorf("unknown id: %v", e)
	}
}

// TestOktaImportPaging imports 250 users in pages of 100, as Okta does.
func TestOktaImportPaging(t *testing.T) {
	s := newTestServer(t)
	for i := range 250 {
		s.expect(s.do("POST", "/scim/v2/Users", oktaUser(i)), 201)
	}
	seen := map[string]bool{}
	var pages []int
	for start := 1; ; start += 100 {
		got := s.expect(s.do("GET", fmt.Sprintf("/scim/v2/Users?startIndex=%d&count=100", start), ""), 200)
		if got["totalResults"] != float64(250) || got["startIndex"] != float64(start) {
			t.Fatalf("page at %d: totalResults %v startIndex %v", start, got["totalResults"], got["startIndex"])
		}
		res := got["Resources"].([]any)
		if got["itemsPerPage"] != float64(len(res)) {
			t.Errorf("itemsPerPage %v, %d resources", got["itemsPerPage"], len(res))
		}
		pages = append(pages, len(res))
		for _, r := range res {
			id := r.(map[string]any)["id"].(string)
			if seen[id] {
				t.Errorf("user %s on two pages", id)
			}
			seen[id] = true
		}
		if len(res) < 100 {
			break
		}
	}
	if diff := cmp.Diff([]int{100, 100, 50}, pages); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	if len(seen) != 250 {
		t.Errorf("imported %d distinct users, want 250", len(seen))
	}
}

// TestEntraCreate posts Entra's create body: capitalised keys, string
// booleans, explicit nulls, empty roles. (Entra's test bodies also carry a
// garbage locale such as "RJWNTUNNOHNZ"; locale must be a language tag and
// timezone an IANA name since TestChoiceTimezoneAndLocale, so this body has
// real ones.)
func TestEntraCreate(t *testing.T) {
	s := newTestServer(t)
	body := `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
  "UserName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
  "Active": "True",
  "DisplayName": "BobIsAmazing",
  "Emails": [{"Primary": "True", "Type": "work", "Value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],
  "meta": {"resourceType": "User"},
  "Name": {"Formatted": "Ryan Leenay", "FamilyName": "Leenay", "GivenName": "Ryan", "MiddleName": null},
  "nickName": null,
  "roles": [],
  "Locale": "en_US",
  "timezone": "America/Los_Angeles",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"Department": "Sales", "employeeNumber": "E-42", "manager": null}
}`
	got := s.expect(s.do("POST", "/scim/v2/Users", body, "User-Agent", "Azure Active Directory SCIM Client", "Content-Type", "application/scim+json"), 201)
	meta := got["meta"].(map[string]any)
	want := map[string]any{
		"schemas":            []any{SchemaUser, SchemaEnterpriseUser},
		"id":                 got["id"],
		"externalId":         "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
		"userName":           "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
		"active":             true,
		"displayName":        "BobIsAmazing",
		"emails":             []any{map[string]any{"primary": true, "type": "work", "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}},
		"name":               map[string]any{"formatted": "Ryan Leenay", "familyName": "Leenay", "givenName": "Ryan"},
		"locale":             "en_US",
		"timezone":           "America/Los_Angeles",
		SchemaEnterpriseUser: map[string]any{"department": "Sales", "employeeNumber": "E-42"},
		"meta":               meta,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Entra create (-want +got):\n%s", diff)
	}
}

// TestErrors checks that bad input gets a clear SCIM error, never a 500.
func TestErrors(t *testing.T) {
	s := newTestServer(t)
	id := s.expect(s.do("POST", "/scim/v2/Users", oktaUser(1)), 201)["id"].(string)
	big := `{"userName":"` + strings.Repeat("a", 2<<20) + `"}`
	cases := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		scimType                 string
	}{
		{"malformed JSON", "POST", "/scim/v2/Users", `{"userName":`, nil, 400, "invalidSyntax"},
		{"not an object", "POST", "/scim/v2/Users", `[1,2]`, nil, 400, "invalidSyntax"},
		{"trailing data", "POST", "/scim/v2/Users", `{"userName":"a@b.c"} x`, nil, 400, "invalidSyntax"},
		{"empty body", "POST", "/scim/v2/Users", ``, nil, 400, "invalidSyntax"},
		{"no userName", "POST", "/scim/v2/Users", `{"name":{"givenName":"A"}}`, nil, 400, "invalidValue"},
		{"empty userName", "POST", "/scim/v2/Users", `{"userName":"  "}`, nil, 400, "invalidValue"},
		{"bad email", "POST", "/scim/v2/Users", `{"userName":"x","emails":[{"value":"not-an-email"}]}`, nil, 400, "invalidValue"},
		{"long userName", "POST", "/scim/v2/Users", `{"userName":"` + strings.Repeat("a", 257) + `"}`, nil, 400, "invalidValue"},
		{"bad boolean", "POST", "/scim/v2/Users", `{"userName":"x","active":"yes"}`, nil, 400, "invalidValue"},
		{"string for array", "POST", "/scim/v2/Users", `{"userName":"x","emails":"a@b.c"}`, nil, 400, "invalidValue"},
		{"too large", "POST", "/scim/v2/Users", big, nil, 413, ""},
		{"wrong media type", "POST", "/scim/v2/Users", `{"userName":"x"}`, []string{"Content-Type", "text/xml"}, 415, ""},
		{"bad filter", "GET", "/scim/v2/Users?filter=userName%20eq", "", nil, 400, "invalidFilter"},
		{"unknown filter attribute", "GET", "/scim/v2/Users?filter=shoeSize%20eq%201", "", nil, 400, "invalidFilter"},
		{"bad startIndex", "GET", "/scim/v2/Users?startIndex=abc", "", nil, 400, "invalidValue"},
		{"bad sortOrder", "GET", "/scim/v2/Users?sortBy=userName&sortOrder=sideways", "", nil, 400, "invalidValue"},
		{"groups", "GET", "/scim/v2/Groups", "", nil, 501, ""},
		{"unknown endpoint", "GET", "/scim/v2/Widgets", "", nil, 404, ""},
		{"method", "DELETE", "/scim/v2/Users", "", nil, 405, ""},
		{"deep path", "GET", "/scim/v2/Users/" + id + "/x", "", nil, 404, ""},
		{"put unknown", "PUT", "/scim/v2/Users/nope", `{"userName":"x"}`, nil, 404, ""},
		{"patch unknown", "PATCH", "/scim/v2/Users/nope", `{"Operations":[{"op":"replace","value":{"active":false}}]}`, nil, 404, ""},
		{"delete unknown", "DELETE", "/scim/v2/Users/nope", "", nil, 404, ""},
		{"patch no ops", "PATCH", "/scim/v2/Users/" + id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, nil, 400, "invalidValue"},
		{"patch remove without path", "PATCH", "/scim/v2/Users/" + id, `{"Operations":[{"op":"remove"}]}`, nil, 400, "noTarget"},
		{"if-match mismatch", "PUT", "/scim/v2/Users/" + id, oktaUser(1), []string{"If-Match", `W/"99"`}, 412, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &testServer{Server: s.Server, h: s.h, store: s.store, t: t}
			res := s.do(c.method, c.path, c.body, c.hdr...)
			got := s.expect(res, c.status)
			if got["status"] != fmt.Sprint(c.status) || got["scimType"] != nil && got["scimType"] != c.scimType || c.scimType != "" && got["scimType"] != c.scimType {
				t.Errorf("got %v, want status %d scimType %q", got, c.status, c.scimType)
			}
			if d, _ := got["detail"].(string); d == "" {
				t.Errorf("no detail in %v", got)
			}
		})
	}
}

// TestPagingParameters checks RFC 7644 §3.4.2.4 clamping.
func TestPagingParameters(t *testing.T) {
	s := newTestServer(t)
	for i := range 5 {
		s.expect(s.do("POST", "/scim/v2/Users", oktaUser(i)), 201)
	}
	cases := []struct {
		query                      string
		total, start, items, count int
	}{
		{"startIndex=0&count=2", 5, 1, 2, 2},
		{"startIndex=-4&count=10", 5, 1, 5, 5},
		{"count=-1", 5, 1, 0, 0},
		{"count=0", 5, 1, 0, 0},
		{"startIndex=5&count=10", 5, 5, 1, 1},
		{"startIndex=9", 5, 9, 0, 0},
	}
	for _, c := range cases {
		got := s.expect(s.do("GET", "/scim/v2/Users?"+c.query, ""), 200)
		if got["totalResults"] != float64(c.total) || got["startIndex"] != float64(c.start) || got["itemsPerPage"] != float64(c.items) || len(got["Resources"].([]any)) != c.count {
			t.Errorf("%s: %v", c.query, got)
		}
	}
}

// TestDeleteIsForever checks 204 then 404, also on the other prefix.
func TestDeleteIsForever(t *testing.T) {
	s := newTestServer(t)
	id := s.expect(s.do("POST", "/api/scim/v2/Users", oktaUser(1)), 201)["id"].(string)
	s.expect(s.do("GET", "/scim/v2/Users/"+id, ""), 200)
	s.expect(s.do("DELETE", "/api/scim/v2/Users/"+id, ""), 204)
	for range 2 {
		s.expect(s.do("GET", "/scim/v2/Users/"+id, ""), 404)
		s.expect(s.do("DELETE", "/scim/v2/Users/"+id, ""), 404)
	}
	// The userName is free again.
	s.expect(s.do("POST", "/scim/v2/Users", oktaUser(1)), 201)
}

// TestConditionalRequests checks ETag, If-None-Match and If-Match.
func TestConditionalRequests(t *testing.T) {
	s := newTestServer(t)
	res := s.do("POST", "/scim/v2/Users", oktaUser(1))
	id, etag := s.expect(res, 201)["id"].(string), res.header.Get("ETag")
	s.expect(s.do("GET", "/scim/v2/Users/"+id, "", "If-None-Match", etag), 304)
	s.expect(s.do("GET", "/scim/v2/Users/"+id, "", "If-None-Match", `W/"0"`), 200)
	patch := `{"Operations":[{"op":"replace","path":"active","value":"False"}]}`
	res = s.do("PATCH", "/scim/v2/Users/"+id, patch, "If-Match", etag)
	if got := s.expect(res, 200); got["active"] != false || res.header.Get("ETag") == etag {
		t.Errorf("PATCH with If-Match: %v, ETag %s", got, res.header.Get("ETag"))
	}
	s.expect(s.do("PATCH", "/scim/v2/Users/"+id, patch, "If-Match", etag), 412)
	s.expect(s.do("DELETE", "/scim/v2/Users/"+id, "", "If-Match", etag), 412)
	s.expect(s.do("DELETE", "/scim/v2/Users/"+id, "", "If-Match", "*"), 204)
}

// TestConcurrentUpdates runs 50 writers against one user: compare-and-swap
// with retries loses no update.
func TestConcurrentUpdates(t *testing.T) {
	s := newTestServer(t)
	id := s.expect(s.do("POST", "/scim/v2/Users", oktaUser(1)), 201)["id"].(string)
	const writers = 50
	s.patchConcurrently(id, writers, func(i int) string {
		return fmt.Sprintf(`{"Operations":[{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter":"cc","phoneNumbers":[{"value":"+1555%04d","type":"work"}]}}]}`, i)
	})
	u, err := s.store.GetUser(t.Context(), "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.PhoneNumbers) != writers {
		t.Errorf("%d phone numbers after %d concurrent adds", len(u.PhoneNumbers), writers)
	}
}

// patchConcurrently sends n PATCH requests to one user at once, body(i)
// for the i-th, and fails the test for each that is not 200.
func (s *testServer) patchConcurrently(id string, n int, body func(i int) string) {
	s.t.Helper()
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			if res := s.do("PATCH", "/scim/v2/Users/"+id, body(i)); res.status != 200 {
				errs <- fmt.Sprintf("writer %d: %d %s", i, res.status, res.body)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		s.t.Error(e)
	}
}

// TestDiscovery checks the discovery endpoints.
func TestDiscovery(t *testing.T) {
	s := newTestServer(t)
	spc := s.expect(s.do("GET", "/scim/v2/ServiceProviderConfig", ""), 200)
	for _, k := range []string{"patch", "filter", "sort", "etag"} {
		if spc[k].(map[string]any)["supported"] != true {
			t.Errorf("%s not supported: %v", k, spc[k])
		}
	}
	if spc["authenticationSchemes"].([]any)[0].(map[string]any)["type"] != "oauthbearertoken" {
		t.Errorf("authenticationSchemes: %v", spc["authenticationSchemes"])
	}
	rts := s.expect(s.do("GET", "/scim/v2/ResourceTypes", ""), 200)
	if rts["totalResults"] != float64(1) {
		t.Errorf("ResourceTypes: %v", rts)
	}
	s.expect(s.do("GET", "/scim/v2/ResourceTypes/User", ""), 200)
	s.expect(s.do("GET", "/scim/v2/ResourceTypes/Group", ""), 404)
	schemas := s.expect(s.do("GET", "/scim/v2/Schemas", ""), 200)
	var ids []string
	for _, r := range schemas["Resources"].([]any) {
		ids = append(ids, r.(map[string]any)["id"].(string))
	}
	if diff := cmp.Diff([]string{SchemaUser, SchemaEnterpriseUser, SchemaPeakonUser}, ids); diff != "" {
		t.Errorf("schemas (-want +got):\n%s", diff)
	}
	core := s.expect(s.do("GET", "/scim/v2/Schemas/"+SchemaUser, ""), 200)
	var userName map[string]any
	for _, a := range core["attributes"].([]any) {
		if a.(map[string]any)["name"] == "userName" {
			userName = a.(map[string]any)
		}
	}
	if userName["uniqueness"] != "server" || userName["required"] != true || userName["caseExact"] != false {
		t.Errorf("userName definition: %v", userName)
	}
}

// TestProjection checks attributes and excludedAttributes on GET and list.
func TestProjection(t *testing.T) {
	s := newTestServer(t)
	id := s.expect(s.do("POST", "/scim/v2/Users", oktaUser(1)), 201)["id"].(string)
	got := s.expect(s.do("GET", "/scim/v2/Users/"+id+"?attributes=userName,name.givenName", ""), 200)
	want := map[string]any{"schemas": []any{SchemaUser}, "id": id, "userName": "user001@example.com", "name": map[string]any{"givenName": "Given001"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	got = s.expect(s.do("GET", "/scim/v2/Users?excludedAttributes=emails,meta,name.familyName", ""), 200)
	u := got["Resources"].([]any)[0].(map[string]any)
	if _, ok := u["emails"]; ok {
		t.Error("emails not excluded")
	}
	if _, ok := u["meta"]; ok {
		t.Error("meta not excluded")
	}
	if diff := cmp.Diff(map[string]any{"givenName": "Given001"}, u["name"]); diff != "" {
		t.Errorf("name (-want +got):\n%s", diff)
	}
}

// TestPanicRecovered checks a panicking store becomes a 500 SCIM error.
func TestPanicRecovered(t *testing.T) {
	h := &Handler{Store: panicStore{}, Auth: StaticTokens{"tok": "x"}}
	rec := serve(h, "GET", "/scim/v2/Users/1", "")
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"status":"500"`) {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
}

type panicStore struct{ Store }

func (panicStore) GetUser(_ context.Context, _, _ string) (*User, error) { panic("boom") }

// TestClock checks meta times come from the handler's clock.
func TestClock(t *testing.T) {
	s := newTestServer(t)
	s.h.Now = testclock.New(t0).Now
	got := s.expect(s.do("POST", "/scim/v2/Users", oktaUser(1)), 201)
	if c := got["meta"].(map[string]any)["created"]; c != "2026-03-02T09:00:00.000Z" {
		t.Errorf("created %v", c)
	}
}

// TestSearchAndSort checks POST /Users/.search against the same query as
// GET, sortBy/sortOrder with stable ties, and projection on every verb.
func TestSearchAndSort(t *testing.T) {
	s := newTestServer(t)
	names := []string{"Zed", "adams", "Émile", "Baker", "baker"}
	ids := map[string]string{}
	for i, n := range names {
		body := strings.Replace(oktaUser(i), fmt.Sprintf(`"familyName":"Family%03d"`, i), fmt.Sprintf(`"familyName":%q`, n), 1)
		ids[n] = s.expect(s.do("POST", "/scim/v2/Users", body), 201)["id"].(string)
	}
	order := func(got map[string]any) []string {
		var out []string
		for _, r := range got["Resources"].([]any) {
			out = append(out, r.(map[string]any)["name"].(map[string]any)["familyName"].(string))
		}
		return out
	}
	// Ties (Baker, baker) fall back to id order, so compute that order.
	bakers := []string{"Baker", "baker"}
	if ids["baker"] < ids["Baker"] {
		bakers = []string{"baker", "Baker"}
	}
	want := append(append([]string{"adams"}, bakers...), "Zed", "Émile")
	got := s.expect(s.do("GET", "/scim/v2/Users?sortBy=name.familyName&attributes=name.familyName", ""), 200)
	if diff := cmp.Diff(want, order(got)); diff != "" {
		t.Errorf("ascending (-want +got):\n%s", diff)
	}
	search := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":["name.familyName"],
"filter":"name.familyName sw \"b\" or name.familyName eq \"Zed\"","sortBy":"name.familyName","sortOrder":"descending","startIndex":1,"count":2}`
	got = s.expect(s.do("POST", "/scim/v2/Users/.search", search), 200)
	if got["totalResults"] != float64(3) || len(got["Resources"].([]any)) != 2 || order(got)[0] != "Zed" {
		t.Errorf(".search: %v", got)
	}
	viaGet := s.expect(s.do("GET", `/scim/v2/Users?attributes=name.familyName&filter=name.familyName+sw+%22b%22+or+name.familyName+eq+%22Zed%22&sortBy=name.familyName&sortOrder=descending&startIndex=1&count=2`, ""), 200)
	if diff := cmp.Diff(viaGet, got); diff != "" {
		t.Errorf(".search differs from GET (-get +search):\n%s", diff)
	}
	s.expect(s.do("POST", "/scim/v2/Users/.search", `{"filter":"name.familyName xx 1"}`), 400)
	s.expect(s.do("GET", "/scim/v2/Users/.search", ""), 405)

	// Projection applies to POST, PUT and PATCH answers too.
	u := s.expect(s.do("POST", "/scim/v2/Users?excludedAttributes=emails,name,meta", oktaUser(9)), 201)
	if _, ok := u["emails"]; ok || u["id"] == nil || u["userName"] == nil {
		t.Errorf("POST projection: %v", u)
	}
	id := u["id"].(string)
	u = s.expect(s.do("PUT", "/scim/v2/Users/"+id+"?attributes=displayName", oktaUser(9)), 200)
	if diff := cmp.Diff(map[string]any{"schemas": []any{SchemaUser}, "id": id, "displayName": "Given009 Family009"}, u); diff != "" {
		t.Errorf("PUT projection (-want +got):\n%s", diff)
	}
	u = s.expect(s.do("PATCH", "/scim/v2/Users/"+id+"?attributes=active", `{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`), 200)
	if diff := cmp.Diff(map[string]any{"schemas": []any{SchemaUser}, "id": id, "active": false}, u); diff != "" {
		t.Errorf("PATCH projection (-want +got):\n%s", diff)
	}
}

// TestListResponseDecodes checks a client can read a list answer into
// ListResponse.
func TestListResponseDecodes(t *testing.T) {
	s := newTestServer(t)
	s.expect(s.do("POST", "/scim/v2/Users", oktaUser(1)), 201)
	res := s.do("GET", "/scim/v2/Users", "")
	var lr ListResponse
	if err := json.Unmarshal(res.body, &lr); err != nil {
		t.Fatal(err)
	}
	if lr.TotalResults != 1 || lr.ItemsPerPage != 1 || lr.StartIndex != 1 || len(lr.Resources) != 1 || lr.Resources[0].UserName != "user001@example.com" || lr.Resources[0].ID == "" {
		t.Errorf("decoded %+v", lr)
	}
}
