package scimtest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRecording(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithSequentialIDs())
	c := s.Client()
	send(t, c, "GET", s.URL()+`/Users?filter=userName+eq+"jane@example.com"&startIndex=1&count=100`, "")
	body := userJSON("jane@example.com")
	req, _ := http.NewRequest("POST", s.APIURL()+"/Users", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Okta SCIM Client 1.0.0")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	id := "00000000-0000-4000-8000-000000000001"
	send(t, c, "PATCH", s.URL()+"/Users/"+id, deactivate)
	send(t, c, "DELETE", s.URL()+"/Users/nobody", "")

	reqs := s.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests recorded, want 4", len(reqs))
	}
	get, post, patch, del := reqs[0], reqs[1], reqs[2], reqs[3]
	if get.Method != "GET" || get.Prefix != "/scim/v2" || get.Path != "/Users" || get.Query.Get("filter") != `userName eq "jane@example.com"` ||
		get.Query.Get("count") != "100" || get.Status != 200 || get.Body != nil || get.Seq != 1 {
		t.Errorf("GET recorded as %+v", get)
	}
	if post.Prefix != "/api/scim/v2" || post.Status != 201 || string(post.Body) != body || post.BodyTruncated ||
		post.Header.Get("User-Agent") != "Okta SCIM Client 1.0.0" || post.Header.Get("Authorization") != "Bearer "+s.Token() ||
		post.ResponseHeader.Get("Location") == "" || !strings.Contains(string(post.ResponseBody), id) {
		t.Errorf("POST recorded as %+v", post)
	}
	var op struct {
		Operations []struct {
			Op    string
			Value map[string]any
		}
	}
	if err := patch.JSON(&op); err != nil || patch.Path != "/Users/"+id || patch.Status != 200 || op.Operations[0].Value["active"] != false {
		t.Errorf("PATCH recorded as %+v (%v)", patch, err)
	}
	if del.Status != 404 || del.Fault != "" {
		t.Errorf("DELETE recorded as %+v", del)
	}
	if got, want := patch.String(), "#3 PATCH /scim/v2/Users/"+id+" → 200"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := get.URL(), `/scim/v2/Users?count=100&filter=userName+eq+%22jane%40example.com%22&startIndex=1`; got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}

	// The store saw the whole body: the user is there, and inactive.
	if u := s.User(id); u == nil || u.Active {
		t.Errorf("stored user %+v", u)
	}

	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests after ResetRequests", n)
	}
	send(t, c, "GET", s.URL()+"/Users/"+id, "")
	if r := s.Requests(); len(r) != 1 || r[0].Seq != 5 {
		t.Errorf("after reset: %v", r)
	}
}

func TestRequestsMatching(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithIDs(func() string { return "u1" }))
	c := s.Client()
	send(t, c, "GET", s.URL()+"/Users?count=1", "")
	send(t, c, "POST", s.URL()+"/Users", userJSON("a@example.com"))
	send(t, c, "PATCH", s.URL()+"/Users/u1", deactivate)
	send(t, c, "PATCH", s.APIURL()+"/Users/u1", deactivate)
	send(t, c, "GET", s.URL()+"/Schemas/"+"urn:ietf:params:scim:schemas:core:2.0:User", "")

	seqs := func(rs []Request) []int {
		out := []int{}
		for _, r := range rs {
			out = append(out, r.Seq)
		}
		return out
	}
	for _, tc := range []struct {
		method, pattern string
		want            []int
	}{
		{"", "", []int{1, 2, 3, 4, 5}},
		{"*", "*", []int{1, 2, 3, 4, 5}},
		{"GET", "", []int{1, 5}},
		{"get", "/users", []int{1}},
		{"POST", "/Users", []int{2}},
		{"PATCH", "/Users/{id}", []int{3, 4}},
		{"PATCH", "Users/u1", []int{3, 4}},
		{"PATCH", "/Users/u2", []int{}},
		{"PATCH", "/api/scim/v2/Users/{id}", []int{4}},
		{"PATCH", "/scim/v2/Users/{id}", []int{3}},
		{"", "/Users/*", []int{1, 2, 3, 4}},
		{"", "/Users/{id}/*", []int{3, 4}},
		{"GET", "/Schemas/{id}", []int{5}},
		{"GET", "/Schemas", []int{}},
		{"DELETE", "/Users/{id}", []int{}},
	} {
		if got := seqs(s.RequestsMatching(tc.method, tc.pattern)); !cmp.Equal(got, tc.want) {
			t.Errorf("RequestsMatching(%q, %q) = %v, want %v", tc.method, tc.pattern, got, tc.want)
		}
	}
}

func TestAssertions(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithIDs(func() string { return "u1" }))
	c := s.Client()

	empty := &fakeTB{TB: t}
	s.AssertRequested(empty, "PATCH", "/Users/{id}")
	if len(empty.errors) != 1 || !strings.Contains(empty.errors[0], "received no requests at all") {
		t.Errorf("failure without requests: %q", empty.errors)
	}

	send(t, c, "POST", s.URL()+"/Users", userJSON("a@example.com"))
	send(t, c, "PUT", s.URL()+"/Users/u1", userJSON("a@example.com"))

	ft := &fakeTB{TB: t}
	if got := s.AssertRequested(ft, "PATCH", "/Users/{id}"); got != nil {
		t.Errorf("AssertRequested returned %v", got)
	}
	want := `scimtest: no PATCH /Users/{id} request was received
received 2 request(s):
  #1 POST /scim/v2/Users → 201
      {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@example.com","name":{"givenName":"G","familyName":"F"},"active":true}
  #2 PUT /scim/v2/Users/u1 → 200
      {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@example.com","name":{"givenName":"G","familyName":"F"},"active":true}`
	if len(ft.errors) != 1 {
		t.Fatalf("%d failures, want 1", len(ft.errors))
	}
	if diff := cmp.Diff(want, ft.errors[0]); diff != "" {
		t.Errorf("failure message (-want +got):\n%s", diff)
	}

	ok := &fakeTB{TB: t}
	if got := s.AssertRequested(ok, "PUT", "/Users/{id}"); len(got) != 1 || got[0].Seq != 2 {
		t.Errorf("AssertRequested returned %v", got)
	}
	s.AssertNotRequested(ok, "DELETE", "/Users/{id}")
	s.AssertRequestCount(ok, "", "/Users*", 0)
	s.AssertRequestCount(ok, "", "/Users/*", 2)
	if len(ok.errors) != 0 {
		t.Errorf("unexpected failures: %q", ok.errors)
	}

	bad := &fakeTB{TB: t}
	s.AssertNotRequested(bad, "post", "")
	s.AssertRequestCount(bad, "*", "/Users/{id}", 2)
	if len(bad.errors) != 2 || !strings.HasPrefix(bad.errors[0], "scimtest: expected no POST * request, received 1\nreceived 2 request(s):") ||
		!strings.HasPrefix(bad.errors[1], "scimtest: expected 2 (any method) /Users/{id} request(s), received 1\n") {
		t.Errorf("failures: %q", bad.errors)
	}

	// Long bodies are cut in the report.
	long := fmt.Sprintf(`{"userName":"b@example.com","displayName":%q}`, strings.Repeat("x", 250))
	send(t, c, "POST", s.URL()+"/Users", long)
	s.AssertRequested(bad, "DELETE", "")
	if last := bad.errors[len(bad.errors)-1]; !strings.Contains(last, strings.Repeat("x", 150)+"…") || strings.Contains(last, strings.Repeat("x", 250)) {
		t.Errorf("long body in report: %s", last)
	}
}

// TestAssertWrote: AssertWrote and AssertWroteCount see a write whether it
// came as a request of its own or inside a bulk request, so a test does not
// depend on the transport the client chose (AssertRequested misses a PATCH
// sent through /Bulk).
func TestAssertWrote(t *testing.T) {
	s := NewServer(t)
	c := s.Client()
	id, _ := send(t, c, "POST", s.URL()+"/Users", userJSON("a@example.com")).json(t)["id"].(string)
	bulk := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` +
		`{"method":"POST","path":"/Users","bulkId":"b","data":` + userJSON("b@example.com") + `},` +
		`{"method":"PATCH","path":"/Users/` + id + `","data":` + deactivate + `}]}`
	if r := send(t, c, "POST", s.URL()+"/Bulk", bulk); r.status != 200 {
		t.Fatalf("bulk: %d %s", r.status, r.body)
	}
	send(t, c, "GET", s.URL()+"/Users", "")

	type outcome struct {
		Count  int
		Failed bool
	}
	tests := []struct {
		method, pattern string
		want            outcome
	}{
		{"POST", "/Users", outcome{2, false}}, // one direct, one in the bulk request
		{"PATCH", "/Users/{id}", outcome{1, false}},
		{"patch", "/users/{id}", outcome{1, false}},
		{"*", "/Users/{id}", outcome{1, false}},
		{"POST", "/Bulk", outcome{1, false}},
		{"GET", "/Users", outcome{1, false}},
		{"DELETE", "/Users/{id}", outcome{0, true}},
		{"PUT", "/Users/*", outcome{0, true}},
	}
	for _, tt := range tests {
		ft := &fakeTB{TB: t}
		got := outcome{Count: s.AssertWrote(ft, tt.method, tt.pattern), Failed: len(ft.errors) > 0}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("AssertWrote(%s, %s) (-want +got):\n%s", tt.method, tt.pattern, diff)
		}
		for _, e := range ft.errors {
			if !strings.Contains(e, "request or bulk operation was received") || !strings.Contains(e, "bulk operation PATCH /Users/"+id) {
				t.Errorf("AssertWrote(%s, %s) failure does not list the requests and operations:\n%s", tt.method, tt.pattern, e)
			}
		}
		for _, n := range []int{tt.want.Count, tt.want.Count + 1} {
			ft := &fakeTB{TB: t}
			s.AssertWroteCount(ft, tt.method, tt.pattern, n)
			if failed := len(ft.errors) > 0; failed != (n != tt.want.Count) {
				t.Errorf("AssertWroteCount(%s, %s, %d) failed: %v, want %v", tt.method, tt.pattern, n, ft.errors, n != tt.want.Count)
			}
		}
	}
	// The trap AssertWrote avoids: the PATCH went through /Bulk.
	ft := &fakeTB{TB: t}
	s.AssertRequested(ft, "PATCH", "/Users/{id}")
	if len(ft.errors) == 0 {
		t.Error("AssertRequested saw a PATCH that was sent in a bulk request only")
	}
}

func TestRecordLimit(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithRecordLimit(16))
	body := userJSON("jane@example.com")
	res := send(t, s.Client(), "POST", s.URL()+"/Users", body)
	if res.status != 201 {
		t.Fatalf("POST: %d %s", res.status, res.body)
	}
	r := s.Requests()[0]
	if string(r.Body) != body[:16] || !r.BodyTruncated || len(r.ResponseBody) != 16 || r.Status != 201 {
		t.Errorf("recorded %q (truncated %v), response %q", r.Body, r.BodyTruncated, r.ResponseBody)
	}
	if err := r.JSON(new(any)); err == nil {
		t.Error("JSON of a truncated body succeeded")
	}
	// The client got the whole response, the store the whole user.
	if res.json(t)["userName"] != "jane@example.com" || s.UserByUserName("jane@example.com") == nil {
		t.Errorf("response %s", res.body)
	}

	// A body exactly at the limit is not truncated; a limit of 0 records nothing.
	exact := NewServer(t, WithRecordLimit(len(body)))
	send(t, exact.Client(), "POST", exact.URL()+"/Users", body)
	if r := exact.Requests()[0]; string(r.Body) != body || r.BodyTruncated {
		t.Errorf("at the limit: %q %v", r.Body, r.BodyTruncated)
	}
	none := NewServer(t, WithRecordLimit(0))
	if res := send(t, none.Client(), "POST", none.URL()+"/Users", body); res.status != 201 {
		t.Errorf("limit 0: %d %s", res.status, res.body)
	}
	if r := none.Requests()[0]; len(r.Body) != 0 || !r.BodyTruncated || len(r.ResponseBody) != 0 {
		t.Errorf("limit 0: %+v", r)
	}
}

// TestLargeBody checks the default limit: the record keeps 1 MiB, and the
// handler still sees the whole body (and answers 413 for it).
func TestLargeBody(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	big := `{"userName":"a@example.com","displayName":"` + strings.Repeat("x", DefaultRecordLimit+10) + `"}`
	res := send(t, s.Client(), "POST", s.URL()+"/Users", big)
	if res.status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", res.status)
	}
	r := s.Requests()[0]
	if len(r.Body) != DefaultRecordLimit || !r.BodyTruncated || r.Status != 413 {
		t.Errorf("recorded %d bytes, truncated %v, status %d", len(r.Body), r.BodyTruncated, r.Status)
	}
}

func TestConcurrentRecording(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := s.Client()
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := sendErr(c, "POST", s.URL()+"/Users", userJSON(fmt.Sprintf("u%d@example.com", i)))
			if err != nil || res.status != 201 {
				t.Errorf("POST %d: %v %d", i, err, res.status)
			}
		})
	}
	wg.Wait()
	reqs := s.Requests()
	if len(reqs) != n || len(s.Users()) != n {
		t.Fatalf("%d requests, %d users, want %d", len(reqs), len(s.Users()), n)
	}
	names := map[string]bool{}
	for i, r := range reqs {
		if r.Seq != i+1 {
			t.Errorf("request %d has Seq %d", i, r.Seq)
		}
		var u struct{ UserName string }
		if err := r.JSON(&u); err != nil {
			t.Fatal(err)
		}
		names[u.UserName] = true
	}
	if len(names) != n {
		t.Errorf("%d distinct bodies recorded, want %d", len(names), n)
	}

	// A request is recorded before its client has the answer, however
	// large the answer.
	for i := range 10 {
		res := send(t, c, "GET", s.URL()+"/Users", "")
		if len(res.body) < 8<<10 {
			t.Fatalf("response of %d bytes is too small for this test", len(res.body))
		}
		if got := len(s.Requests()); got != n+i+1 {
			t.Fatalf("after GET %d: %d requests recorded, want %d", i, got, n+i+1)
		}
	}
}
