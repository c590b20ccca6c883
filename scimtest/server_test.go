package scimtest

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
)

func TestServerBasics(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	if !strings.HasSuffix(s.URL(), "/scim/v2") || !strings.HasPrefix(s.URL(), "http://") {
		t.Errorf("URL() = %q", s.URL())
	}
	if !strings.HasSuffix(s.APIURL(), "/api/scim/v2") {
		t.Errorf("APIURL() = %q", s.APIURL())
	}
	if s.Token() == "" || s.Token() == NewServer(t).Token() {
		t.Errorf("tokens are not random: %q", s.Token())
	}
	c := s.Client()

	// Okta's "Test API credentials", under both prefixes.
	for _, base := range []string{s.URL(), s.APIURL()} {
		res := send(t, c, "GET", base+"/Users?startIndex=1&count=2", "")
		if res.status != 200 || res.json(t)["totalResults"] != float64(0) {
			t.Errorf("GET %s/Users: %d %s", base, res.status, res.body)
		}
	}
	// Without the token, 401 with a SCIM error body.
	res := send(t, http.DefaultClient, "GET", s.URL()+"/Users", "")
	if res.status != 401 || res.json(t)["status"] != "401" {
		t.Errorf("no token: %d %s", res.status, res.body)
	}
	// A request with its own Authorization keeps it.
	req, _ := http.NewRequest("GET", s.URL()+"/Users", nil)
	req.Header.Set("Authorization", "Bearer wrong")
	r, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 401 {
		t.Errorf("wrong token: %d", r.StatusCode)
	}

	res = send(t, c, "POST", s.URL()+"/Users", userJSON("jane@example.com"))
	if res.status != 201 {
		t.Fatalf("POST: %d %s", res.status, res.body)
	}
	id := res.json(t)["id"].(string)
	if u := s.User(id); u == nil || u.UserName != "jane@example.com" || !u.Active || u.Meta.Location != s.URL()+"/Users/"+id {
		t.Errorf("User(%s) = %+v", id, u)
	}
	if u := s.UserByUserName("JANE@example.com"); u == nil || u.ID != id {
		t.Errorf("UserByUserName = %+v", u)
	}
	if u := s.User("010101001010101011001010101011"); u != nil {
		t.Errorf("User(unknown) = %+v", u)
	}
	if u := s.UserByUserName("nobody@example.com"); u != nil {
		t.Errorf("UserByUserName(unknown) = %+v", u)
	}
}

func TestCloseOnCleanup(t *testing.T) {
	t.Parallel()
	var url string
	var client *http.Client
	t.Run("inner", func(t *testing.T) {
		s := NewServer(t)
		url, client = s.URL(), s.Client()
		send(t, client, "GET", url+"/Users", "")
	})
	if _, err := sendErr(client, "GET", url+"/Users", ""); err == nil {
		t.Error("the server still answers after its test ended")
	}
}

func TestWithToken(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithToken("okta-token"))
	if s.Token() != "okta-token" {
		t.Fatalf("Token() = %q", s.Token())
	}
	req, _ := http.NewRequest("GET", s.URL()+"/Users", nil)
	req.Header.Set("Authorization", "Bearer okta-token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("status %d", res.StatusCode)
	}
	if _, err := Start(WithToken("")); err == nil {
		t.Error("empty token accepted")
	}
}

func TestWithAttributes(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithAttributes(
		scim.CustomAttribute{Name: "Department", Type: scim.CustomOption},
		scim.CustomAttribute{Name: "Employed Since", Type: scim.CustomDate, Aliases: []string{"Employed_Since"}},
	))
	c := s.Client()
	res := send(t, c, "POST", s.URL()+"/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:peakon:2.0:User"],
"userName":"bob@example.com","active":true,
"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Department":"IT","Employed_Since":"2019-04-01T00:00:00Z"}}`)
	if res.status != 201 {
		t.Fatalf("POST: %d %s", res.status, res.body)
	}
	u := s.UserByUserName("bob@example.com")
	if diff := cmp.Diff(map[string]string{"Department": "IT", "Employed Since": "2019-04-01"}, u.Custom); diff != "" {
		t.Errorf("stored custom attributes (-want +got):\n%s", diff)
	}
	res = send(t, c, "GET", s.URL()+"/Schemas/"+scim.SchemaPeakonUser, "")
	if res.status != 200 || !strings.Contains(string(res.body), `"Employed Since"`) {
		t.Errorf("/Schemas: %d %s", res.status, res.body)
	}
	// An attribute the company does not define is 400, as in Peakon.
	res = send(t, c, "POST", s.URL()+"/Users", `{"userName":"eve@example.com","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Salary":"1"}}`)
	if res.status != 400 {
		t.Errorf("unknown attribute: %d %s", res.status, res.body)
	}
	// And without WithAttributes there are none.
	plain := NewServer(t)
	res = send(t, plain.Client(), "POST", plain.URL()+"/Users", `{"userName":"bob@example.com","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Department":"IT"}}`)
	if res.status != 400 {
		t.Errorf("custom attribute without WithAttributes: %d %s", res.status, res.body)
	}
}

func TestWithUsers(t *testing.T) {
	t.Parallel()
	s := NewServer(t,
		WithAttributes(scim.CustomAttribute{Name: "Department", Type: scim.CustomOption}),
		WithUsers(
			&scim.User{UserName: "boss@example.com", Active: true, Emails: []scim.MultiValue{{Value: "boss@example.com", Type: "work", Primary: true}}},
			&scim.User{ID: "emp-2", UserName: "jane@example.com", Active: true, Custom: map[string]string{"Department": "IT"},
				Enterprise: scim.EnterpriseUser{Manager: scim.Manager{Value: "boss@example.com"}}},
			&scim.User{UserName: "leaver@example.com"},
		),
	)
	users := s.Users()
	if len(users) != 3 {
		t.Fatalf("Users() = %d users, want 3", len(users))
	}
	boss, jane, leaver := users[0], users[1], users[2]
	if jane.ID != "emp-2" || jane.Custom["Department"] != "IT" || !jane.Active {
		t.Errorf("seeded user: %+v", jane)
	}
	if jane.Enterprise.Manager.Value != boss.ID {
		t.Errorf("manager %q not resolved to %q", jane.Enterprise.Manager.Value, boss.ID)
	}
	if leaver.Active || leaver.Meta.Version != `W/"1"` || leaver.Meta.Created.IsZero() {
		t.Errorf("leaver: %+v", leaver)
	}
	// The client sees them; seeding was not recorded.
	res := send(t, s.Client(), "GET", s.URL()+"/Users/emp-2", "")
	if res.status != 200 {
		t.Errorf("GET seeded user: %d %s", res.status, res.body)
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("%d requests recorded, want 1", n)
	}
	// AddUser after start.
	u, err := s.AddUser(&scim.User{ID: "late", UserName: "late@example.com", Active: true})
	if err != nil || u.ID != "late" || s.User("late") == nil {
		t.Errorf("AddUser: %+v, %v", u, err)
	}
	if _, err := s.AddUser(&scim.User{UserName: "JANE@example.com"}); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("duplicate AddUser: %v", err)
	}

	for name, u := range map[string]*scim.User{
		"no userName":       {Active: true},
		"unknown attribute": {UserName: "x@example.com", Custom: map[string]string{"Salary": "1"}},
	} {
		if _, err := Start(WithUsers(u)); err == nil {
			t.Errorf("%s: seeding succeeded", name)
		}
	}
}

// TestGolden relies on a fixed clock and sequential ids to compare whole
// responses.
func TestWithFixedTimeAndSequentialIDs(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := NewServer(t, WithFixedTime(at), WithSequentialIDs(), WithUsers(&scim.User{UserName: "seed@example.com", Active: true}))
	res := send(t, s.Client(), "POST", s.URL()+"/Users?attributes=userName,meta", userJSON("jane@example.com"))
	want := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"00000000-0000-4000-8000-000000000002","userName":"jane@example.com",` +
		`"meta":{"resourceType":"User","created":"2026-01-02T03:04:05.000Z","lastModified":"2026-01-02T03:04:05.000Z","location":"` +
		s.URL() + `/Users/00000000-0000-4000-8000-000000000002","version":"W/\"1\""}}`
	if diff := cmp.Diff(want, string(res.body)); diff != "" {
		t.Errorf("golden response (-want +got):\n%s", diff)
	}
	if u := s.Users()[0]; u.ID != "00000000-0000-4000-8000-000000000001" || !u.Meta.Created.Equal(at) {
		t.Errorf("seeded user: %s %v", u.ID, u.Meta.Created)
	}

	// WithIDs takes any generator.
	s2 := NewServer(t, WithIDs(func() string { return "fixed" }))
	if res := send(t, s2.Client(), "POST", s2.URL()+"/Users", userJSON("a@example.com")); res.json(t)["id"] != "fixed" {
		t.Errorf("WithIDs: %s", res.body)
	}
	for _, o := range []Option{WithIDs(nil), WithClock(nil)} {
		if _, err := Start(o); err == nil {
			t.Error("nil generator accepted")
		}
	}
}

func TestWithRateLimit(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := NewServer(t, WithRateLimit(2), WithClock(clock))
	c := s.Client()
	for i := range 2 {
		if res := send(t, c, "GET", s.URL()+"/Users", ""); res.status != 200 {
			t.Fatalf("request %d: %d %s", i, res.status, res.body)
		}
	}
	res := send(t, c, "GET", s.URL()+"/Users", "")
	if res.status != 429 || res.header.Get("Retry-After") != "3600" || res.json(t)["status"] != "429" {
		t.Errorf("over the limit: %d Retry-After %q %s", res.status, res.header.Get("Retry-After"), res.body)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if res := send(t, c, "GET", s.URL()+"/Users", ""); res.status != 200 {
		t.Errorf("after an hour: %d %s", res.status, res.body)
	}
	reqs := s.Requests()
	if got := []int{reqs[0].Status, reqs[1].Status, reqs[2].Status, reqs[3].Status}; !cmp.Equal(got, []int{200, 200, 429, 200}) {
		t.Errorf("recorded statuses %v", got)
	}
	if _, err := Start(WithRateLimit(0)); err == nil {
		t.Error("WithRateLimit(0) accepted")
	}
	// Off by default.
	plain := NewServer(t)
	for range 30 {
		if res := send(t, plain.Client(), "GET", plain.URL()+"/ServiceProviderConfig", ""); res.status != 200 {
			t.Fatalf("no limit: %d", res.status)
		}
	}
}

func TestWithTLS(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithTLS())
	if !strings.HasPrefix(s.URL(), "https://") || s.Certificate() == nil {
		t.Fatalf("URL %q, certificate %v", s.URL(), s.Certificate())
	}
	res := send(t, s.Client(), "GET", s.URL()+"/Users", "")
	if res.status != 200 {
		t.Errorf("over TLS: %d %s", res.status, res.body)
	}
	// Location and meta.location are https too.
	res = send(t, s.Client(), "POST", s.URL()+"/Users", userJSON("a@example.com"))
	if loc := res.header.Get("Location"); !strings.HasPrefix(loc, s.URL()+"/Users/") {
		t.Errorf("Location %q", loc)
	}
	// A client that does not trust the certificate fails.
	untrusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{}}}
	if _, err := sendErr(untrusting, "GET", s.URL()+"/Users", ""); err == nil {
		t.Error("an untrusting client connected")
	}
	if NewServer(t).Certificate() != nil {
		t.Error("Certificate() without TLS")
	}
}

func TestWithGroups(t *testing.T) {
	for _, c := range []struct {
		opts []Option
		want int
	}{
		{nil, http.StatusNotImplemented},
		{[]Option{WithGroups()}, http.StatusCreated},
	} {
		s := NewServer(t, c.opts...)
		if res := send(t, s.Client(), "POST", s.URL()+"/Groups", `{"displayName":"Admins"}`); res.status != c.want {
			t.Errorf("POST /Groups with %d options = %d, want %d", len(c.opts), res.status, c.want)
		}
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]Option{
		"negative record limit": WithRecordLimit(-1),
		"empty token":           WithToken(""),
		"zero rate limit":       WithRateLimit(0),
	} {
		if _, err := Start(o); err == nil || !strings.HasPrefix(err.Error(), "scimtest: ") {
			t.Errorf("%s: error %v", name, err)
		}
	}
}

func TestWithLogger(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	s, err := Start(WithTLS(), WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	if err != nil {
		t.Fatal(err)
	}
	untrusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{}}}
	if _, err := sendErr(untrusting, "GET", s.URL()+"/Users", ""); err == nil {
		t.Error("an untrusting client connected")
	}
	s.Close() // waits for the connection to be done with
	if !strings.Contains(buf.String(), "TLS handshake error") {
		t.Errorf("logged %q", buf.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestWithAttrsAndSetAttributes(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithAttributeSpec("Department:option,Employed Since:date:Employed_Since,Salary:number"))
	c := s.Client()
	res := send(t, c, "POST", s.URL()+"/Users", `{"userName":"ann@example.com","active":true,
"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"department":"IT","Employed_Since":"2019-04-01","Salary":"42"}}`)
	if res.status != 201 {
		t.Fatalf("POST: %d %s", res.status, res.body)
	}
	if diff := cmp.Diff(map[string]string{"Department": "IT", "Employed Since": "2019-04-01", "Salary": "42"}, s.UserByUserName("ann@example.com").Custom); diff != "" {
		t.Errorf("custom attributes (-want +got):\n%s", diff)
	}
	if a := s.Model().CustomAttribute("employed_since"); a == nil || a.CustomType != scim.CustomDate {
		t.Errorf("Model() lacks Employed Since: %+v", a)
	}

	// The administrator adds an attribute while the client runs.
	team := `{"userName":"bob@example.com","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Team":"Core"}}`
	if res := send(t, c, "POST", s.URL()+"/Users", team); res.status != 400 {
		t.Errorf("undefined Team: %d %s", res.status, res.body)
	}
	if err := s.SetAttributes(scim.CustomAttribute{Name: "Team", Type: scim.CustomOption}); err != nil {
		t.Fatal(err)
	}
	if res := send(t, c, "POST", s.URL()+"/Users", team); res.status != 201 {
		t.Errorf("Team after SetAttributes: %d %s", res.status, res.body)
	}
	if err := s.SetAttributes(scim.CustomAttribute{Name: "Team", Type: "colour"}); err == nil {
		t.Error("SetAttributes accepted an unknown type")
	}

	for name, o := range map[string]Option{
		"unknown type":   WithAttributeSpec("Team:colour"),
		"defined twice":  WithAttributeSpec("Team,team"),
		"dotted name":    WithAttributes(scim.CustomAttribute{Name: "a.b", Type: scim.CustomOption}),
		"token w/ space": WithToken("two words"),
	} {
		if _, err := Start(o); err == nil || !strings.HasPrefix(err.Error(), "scimtest: ") {
			t.Errorf("%s: error %v", name, err)
		}
	}
}

// TestRateLimitBulk checks that a bulk request costs one operation per
// operation inside it, as in Peakon.
func TestRateLimitBulk(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithRateLimit(3), WithFixedTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	bulk := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"a@example.com"}},
{"method":"POST","path":"/Users","bulkId":"b","data":{"userName":"b@example.com"}}]}`
	if res := send(t, s.Client(), "POST", s.URL()+"/Bulk", bulk); res.status != 200 || len(s.Users()) != 2 {
		t.Fatalf("bulk: %d %s", res.status, res.body)
	}
	send(t, s.Client(), "GET", s.URL()+"/Users", "")
	res := send(t, s.Client(), "GET", s.URL()+"/Users", "")
	if res.status != 429 || res.header.Get("Retry-After") == "" {
		t.Errorf("fourth operation: %d %v", res.status, res.header)
	}
}

// TestRecordBulkOperations checks that a bulk request is recorded with
// each of its operations and the status each was answered.
func TestRecordBulkOperations(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	bulk := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":1,"Operations":[
{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"a@example.com"}},
{"method":"PATCH","path":"/Users/bulkId:a","data":{"Operations":[{"op":"replace","path":"active","value":false}]}},
{"method":"DELETE","path":"/Users/nobody"},
{"method":"POST","path":"/Users","bulkId":"b","data":{"userName":"b@example.com"}}]}`
	if res := send(t, s.Client(), "POST", s.URL()+"/Bulk", bulk); res.status != 200 {
		t.Fatalf("bulk: %d %s", res.status, res.body)
	}
	reqs := s.AssertRequestCount(t, "POST", "/Bulk", 1)
	var got []string
	for _, op := range reqs[0].Operations {
		got = append(got, fmt.Sprintf("%s %s %s %d", op.Method, op.Path, op.BulkID, op.Status))
	}
	want := []string{"POST /Users a 201", "PATCH /Users/bulkId:a  200", "DELETE /Users/nobody  404", "POST /Users b 0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	if ops := s.BulkOperationsMatching("PATCH", "/Users/{id}"); len(ops) != 1 || string(ops[0].Data) == "" {
		t.Errorf("BulkOperationsMatching: %+v", ops)
	}
	if u := s.Users(); len(u) != 1 || u[0].Active {
		t.Errorf("state after the bulk request: %+v", u)
	}
}
