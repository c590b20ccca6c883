package scim

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// emailList returns a JSON array of n distinct emails, from e<from>.
func emailList(from, n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"value":"e%05d@x.io"}`, from+i)
	}
	return b.String() + "]"
}

// userWithEmails is a POST or PUT body for a user with n emails.
func userWithEmails(userName string, n int) string {
	return `{"userName":"` + userName + `","emails":` + emailList(0, n) + `}`
}

// snapshot returns every user of the test company as rendered, for
// checking that a failed write changed nothing.
func (s *testServer) snapshot() string {
	s.t.Helper()
	r := s.do("GET", "/scim/v2/Users?count=1000", "")
	if r.status != http.StatusOK {
		s.t.Fatalf("listing users: %d %s", r.status, r.body)
	}
	return string(r.body)
}

// failure checks a SCIM error answer, or a bulk operation's, and returns
// its detail.
func failure(t *testing.T, status int, body map[string]any, wantStatus int, scimType string, detail ...string) {
	t.Helper()
	if status != wantStatus || body["scimType"] != scimType {
		t.Fatalf("answer %d %v; want %d %s", status, body, wantStatus, scimType)
	}
	d, _ := body["detail"].(string)
	for _, want := range detail {
		if !strings.Contains(d, want) {
			t.Errorf("detail %q lacks %q", d, want)
		}
	}
}

// ctrl returns n control characters as a JSON string's content: n
// characters that take 6n bytes as JSON.
func ctrl(n int) string { return strings.Repeat(`\u0001`, n) }

// bulkOp sends a bulk request of one operation and returns its status and
// response.
func (s *testServer) bulkOp(method, path, data string) (int, map[string]any) {
	s.t.Helper()
	body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"` + method + `","path":"` + path + `","bulkId":"b1","data":` + data + `}]}`
	got := s.expect(s.do("POST", "/scim/v2/Bulk", body), 200)
	op := got["Operations"].([]any)[0].(map[string]any)
	var status int
	fmt.Sscan(op["status"].(string), &status)
	resp, _ := op["response"].(map[string]any)
	return status, resp
}

// write sends one write to path (below /scim/v2), by itself or, when bulk,
// as the one operation of a bulk request, and returns its status and
// response.
func (s *testServer) write(bulk bool, method, path, body string) (int, map[string]any) {
	s.t.Helper()
	if bulk {
		return s.bulkOp(method, path, body)
	}
	r := s.do(method, "/scim/v2"+path, body)
	return r.status, r.json(s.t)
}

// TestHandlerMaxValues: a multi-valued attribute of a user holds at most
// Handler.MaxValues values on every write path; over it the answer is 400
// invalidValue naming the attribute and the limit, and nothing changes.
// One PATCH adding 30,000 emails is refused.
func TestHandlerMaxValues(t *testing.T) {
	cases := []struct {
		name    string
		limit   int // Handler.MaxValues; 0 for the default
		method  string
		path    string // "{id}" stands for the existing user's id
		body    string
		bulk    bool // sent as the one operation of a bulk request
		ok      bool
		detail  []string
		emails  int // emails the existing user has afterwards, when ok
		initial int // emails the existing user starts with
	}{
		{name: "POST at the limit", method: "POST", path: "/Users", body: userWithEmails("new", 100), ok: true, initial: 1, emails: 1},
		{name: "POST over the limit", method: "POST", path: "/Users", body: userWithEmails("new", 101), detail: []string{"emails", "101 values", "at most 100"}, initial: 1},
		{name: "PUT over the limit", method: "PUT", path: "/Users/{id}", body: userWithEmails("old", 101), detail: []string{"emails", "at most 100"}, initial: 1},
		{name: "PATCH add to the limit", method: "PATCH", path: "/Users/{id}", body: ops(`{"op":"add","path":"emails","value":` + emailList(1000, 99) + `}`), ok: true, initial: 1, emails: 100},
		{name: "PATCH add past the limit", method: "PATCH", path: "/Users/{id}", body: ops(`{"op":"add","path":"emails","value":` + emailList(1000, 100) + `}`), detail: []string{"emails", "101 values", "at most 100"}, initial: 1},
		{name: "PATCH adding 30,000 emails", method: "PATCH", path: "/Users/{id}", body: ops(`{"op":"add","path":"emails","value":` + emailList(1000, 30000) + `}`), detail: []string{"emails", "30001 values", "at most 100"}, initial: 1},
		{name: "PATCH replace over the limit", method: "PATCH", path: "/Users/{id}", body: ops(`{"op":"replace","path":"phoneNumbers","value":` + emailList(0, 101) + `}`), detail: []string{"phoneNumbers", "at most 100"}, initial: 1},
		{name: "bulk POST over the limit", bulk: true, method: "POST", path: "/Users", body: userWithEmails("new", 101), detail: []string{"emails", "at most 100"}, initial: 1},
		{name: "bulk PATCH over the limit", bulk: true, method: "PATCH", path: "/Users/{id}", body: ops(`{"op":"add","path":"emails","value":` + emailList(1000, 100) + `}`), detail: []string{"emails", "at most 100"}, initial: 1},
		{name: "configured limit", limit: 3, method: "POST", path: "/Users", body: userWithEmails("new", 4), detail: []string{"emails", "4 values", "at most 3"}, initial: 1},
		{name: "configured limit raised", limit: 200, method: "PATCH", path: "/Users/{id}", body: ops(`{"op":"add","path":"emails","value":` + emailList(1000, 150) + `}`), ok: true, initial: 1, emails: 151},
		{name: "already over a lowered limit: other changes pass", limit: 3, method: "PATCH", path: "/Users/{id}", body: ops(`{"op":"replace","path":"title","value":"T"}`), ok: true, initial: 5, emails: 5},
		{name: "already over a lowered limit: PUT keeping them passes", limit: 3, method: "PUT", path: "/Users/{id}", body: userWithEmails("old", 5), ok: true, initial: 5, emails: 5},
		{name: "already over a lowered limit: may not grow", limit: 3, method: "PUT", path: "/Users/{id}", body: userWithEmails("old", 6), detail: []string{"emails", "6 values", "at most 3"}, initial: 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestServer(t)
			id := s.expect(s.do("POST", "/scim/v2/Users", userWithEmails("old", c.initial)), 201)["id"].(string)
			s.h.MaxValues = c.limit // after the seed user: the limit may have been lowered since
			before := s.snapshot()
			status, body := s.write(c.bulk, c.method, strings.ReplaceAll(c.path, "{id}", id), c.body)
			if c.ok {
				if status >= 300 {
					t.Fatalf("answer %d %v; want success", status, body)
				}
				u, err := s.store.GetUser(t.Context(), "acme", id)
				if err != nil {
					t.Fatal(err)
				}
				if len(u.Emails) != c.emails {
					t.Errorf("%d emails stored; want %d", len(u.Emails), c.emails)
				}
				return
			}
			failure(t, status, body, http.StatusBadRequest, SCIMTypeInvalidValue, c.detail...)
			if diff := cmp.Diff(before, s.snapshot()); diff != "" {
				t.Errorf("a failed write changed the users (-before +after):\n%s", diff)
			}
		})
	}
}

// TestHandlerMaxUserBytes: a write that leaves a user larger than
// Handler.MaxUserBytes as JSON is 400 invalidValue naming its largest
// attribute; a user already larger may be written if it does not grow.
func TestHandlerMaxUserBytes(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	cases := []struct {
		name   string
		method string
		body   string
		ok     bool
		detail []string
	}{
		{name: "POST within", method: "POST", body: `{"userName":"new","title":"` + long(200) + `"}`, ok: true},
		{name: "POST over", method: "POST", body: `{"userName":"new","phoneNumbers":` + emailList(0, 60) + `}`, detail: []string{"bytes as JSON", "at most 1024", "phoneNumbers"}},
		{name: "PATCH over", method: "PATCH", body: ops(`{"op":"add","path":"roles","value":` + emailList(0, 60) + `}`), detail: []string{"at most 1024", "roles"}},
		{name: "PUT over", method: "PUT", body: `{"userName":"old","name":{"givenName":"` + long(250) + `","familyName":"` + long(250) + `","middleName":"` + long(250) + `","formatted":"` + long(250) + `"}}`, detail: []string{"at most 1024", "name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestServer(t)
			s.h.MaxUserBytes = 1024
			id := s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"old"}`), 201)["id"].(string)
			before := s.snapshot()
			path := "/scim/v2/Users"
			if c.method != "POST" {
				path += "/" + id
			}
			r := s.do(c.method, path, c.body)
			if c.ok {
				want := http.StatusOK
				if c.method == "POST" {
					want = http.StatusCreated
				}
				s.expect(r, want)
				return
			}
			failure(t, r.status, r.json(t), http.StatusBadRequest, SCIMTypeInvalidValue, c.detail...)
			if diff := cmp.Diff(before, s.snapshot()); diff != "" {
				t.Errorf("a failed write changed the users (-before +after):\n%s", diff)
			}
		})
	}

	t.Run("already over a lowered limit", func(t *testing.T) {
		s := newTestServer(t)
		// \u0001 takes six bytes as JSON: each attribute takes about 1,500.
		id := s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"old","title":"`+ctrl(250)+`","displayName":"`+ctrl(250)+`"}`), 201)["id"].(string)
		s.h.MaxUserBytes = 2048
		s.expect(s.do("PATCH", "/scim/v2/Users/"+id, ops(`{"op":"replace","path":"title","value":"`+ctrl(200)+`"}`)), 200)
		r := s.do("PATCH", "/scim/v2/Users/"+id, ops(`{"op":"replace","path":"nickName","value":"`+ctrl(100)+`"}`))
		failure(t, r.status, r.json(t), http.StatusBadRequest, SCIMTypeInvalidValue, "at most 2048", "displayName")
	})
}

// TestListPageBound: a list's page size is lowered so that a page of users
// of the largest size allowed fits in Handler.MaxListBytes; itemsPerPage
// says so, every page but the last is full, and an import that follows
// the pages sees every user once. The default configuration keeps the
// page sizes it always had.
func TestListPageBound(t *testing.T) {
	if def, maxSize := (&Handler{}).pageSizes("https://scim.example.com/scim/v2"); def != 100 || maxSize != 1000 {
		t.Errorf("default page sizes %d, %d; want 100, 1000", def, maxSize)
	}

	s := newTestServer(t)
	s.h.MaxUserBytes = 2048
	s.h.MaxListBytes = 40 << 10
	perUser := 2048 + renderAllowance + 2*len(s.URL+"/scim/v2")
	pageSize := (40 << 10) / perUser // what the bound allows
	const users = 23
	for i := range users {
		// Each user as large as MaxUserBytes allows, give or take a few bytes.
		body := fmt.Sprintf(`{"userName":"u%02d","title":"%s"}`, i, ctrl(250))
		s.expect(s.do("POST", "/scim/v2/Users", body), 201)
	}
	cases := []struct {
		name  string
		query string // startIndex is appended
	}{
		{"count over the bound", "count=1000"},
		{"no count", ""},
		{"search", "search"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seen := map[string]bool{}
			var pages []int
			for start := 1; start <= users; {
				var r response
				if c.query == "search" {
					r = s.do("POST", "/scim/v2/Users/.search", fmt.Sprintf(`{"startIndex":%d,"count":500}`, start))
				} else {
					r = s.do("GET", fmt.Sprintf("/scim/v2/Users?%s&startIndex=%d", c.query, start), "")
				}
				if len(r.body) > 40<<10 {
					t.Errorf("page at %d is %d bytes; MaxListBytes is %d", start, len(r.body), 40<<10)
				}
				got := s.expect(r, 200)
				res := got["Resources"].([]any)
				if got["itemsPerPage"] != float64(len(res)) {
					t.Errorf("itemsPerPage %v, %d resources", got["itemsPerPage"], len(res))
				}
				for _, u := range res {
					seen[u.(map[string]any)["id"].(string)] = true
				}
				pages = append(pages, len(res))
				if len(res) == 0 {
					break
				}
				start += len(res)
			}
			var want []int
			for n := users; n > 0; n -= pageSize {
				want = append(want, min(n, pageSize))
			}
			if diff := cmp.Diff(want, pages); diff != "" {
				t.Errorf("page sizes (-want +got):\n%s", diff)
			}
			if len(seen) != users {
				t.Errorf("%d distinct users imported; want %d", len(seen), users)
			}
		})
	}
	t.Run("maxResults", func(t *testing.T) {
		got := s.expect(s.do("GET", "/scim/v2/ServiceProviderConfig", ""), 200)
		if n := got["filter"].(map[string]any)["maxResults"]; n != float64(pageSize) {
			t.Errorf("filter.maxResults %v; want %d", n, pageSize)
		}
	})
}

// TestHandlerInvalidUTF8: a body that is not UTF-8 is 400 invalidSyntax
// naming where, on every path that reads one, and nothing is stored.
func TestHandlerInvalidUTF8(t *testing.T) {
	const bad = "bad \xff\xfe\xc3\x28 bytes"
	cases := []struct {
		name   string
		method string
		path   string // "{id}" stands for the existing user's id
		body   string
		detail string
		bulk   bool
	}{
		{name: "POST", method: "POST", path: "/Users", body: `{"userName":"new","displayName":"` + bad + `"}`, detail: `"displayName"`},
		{name: "PUT", method: "PUT", path: "/Users/{id}", body: `{"userName":"old","name":{"givenName":"` + bad + `"}}`, detail: `"name.givenName"`},
		{name: "PATCH", method: "PATCH", path: "/Users/{id}", body: ops(`{"op":"replace","path":"displayName","value":"` + bad + `"}`), detail: `"Operations[0].value"`},
		{name: "PATCH without path", method: "PATCH", path: "/Users/{id}", body: ops(`{"op":"replace","value":{"displayName":"` + bad + `"}}`), detail: `"Operations[0].value.displayName"`},
		{name: "bulk", method: "POST", path: "/Bulk", body: `{"Operations":[{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"new"}},{"method":"PATCH","path":"/Users/{id}","data":` +
			ops(`{"op":"add","path":"title","value":"`+bad+`"}`) + `}]}`, detail: `"Operations[1].data.Operations[0].value"`},
		{name: "bulk operation's path", method: "POST", path: "/Bulk", body: `{"Operations":[{"method":"POST","path":"/Users` + bad + `","data":{"userName":"new"}}]}`, detail: `"Operations[0].path"`},
		{name: "search", method: "POST", path: "/Users/.search", body: `{"filter":"displayName eq \"` + bad + `\""}`, detail: `"filter"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestServer(t)
			id := s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"old","displayName":"Old"}`), 201)["id"].(string)
			before := s.snapshot()
			r := s.do(c.method, "/scim/v2"+strings.ReplaceAll(c.path, "{id}", id), strings.ReplaceAll(c.body, "{id}", id))
			failure(t, r.status, r.json(t), http.StatusBadRequest, SCIMTypeInvalidSyntax, c.detail, "UTF-8")
			if diff := cmp.Diff(before, s.snapshot()); diff != "" {
				t.Errorf("users changed (-before +after):\n%s", diff)
			}
		})
	}
}

// TestHandlerLoneSurrogate: an escaped half of a surrogate pair ("\ud800")
// is 400 invalidSyntax naming where, on every path that reads a body, users
// and groups alike, and nothing is stored: encoding/json would have stored
// U+FFFD in its place.
func TestHandlerLoneSurrogate(t *testing.T) {
	const bad = `a\ud800b`
	cases := []struct {
		name   string
		method string
		path   string // "{id}" stands for the existing user's id, "{gid}" for the group's
		body   string
		detail string
	}{
		{name: "POST", method: "POST", path: "/Users", body: `{"userName":"new","displayName":"` + bad + `"}`, detail: `"displayName"`},
		{name: "PUT", method: "PUT", path: "/Users/{id}", body: `{"userName":"old","name":{"givenName":"` + bad + `"}}`, detail: `"name.givenName"`},
		{name: "PATCH", method: "PATCH", path: "/Users/{id}", body: ops(`{"op":"replace","path":"displayName","value":"\udfff"}`), detail: `"Operations[0].value"`},
		{name: "bulk", method: "POST", path: "/Bulk", body: `{"Operations":[{"method":"PATCH","path":"/Users/{id}","data":` +
			ops(`{"op":"add","path":"title","value":"`+bad+`"}`) + `}]}`, detail: `"Operations[0].data.Operations[0].value"`},
		{name: "search", method: "POST", path: "/Users/.search", body: `{"filter":"displayName eq \"` + bad + `\""}`, detail: `"filter"`},
		{name: "POST group", method: "POST", path: "/Groups", body: `{"displayName":"` + bad + `"}`, detail: `"displayName"`},
		{name: "PATCH group", method: "PATCH", path: "/Groups/{gid}", body: ops(`{"op":"replace","path":"displayName","value":"` + bad + `"}`), detail: `"Operations[0].value"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestServer(t)
			s.h.Groups = s.store
			id := s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"old","displayName":"Old"}`), 201)["id"].(string)
			gid := s.expect(s.do("POST", "/scim/v2/Groups", `{"displayName":"Old"}`), 201)["id"].(string)
			before := s.snapshot()
			groupBefore := s.expect(s.do("GET", "/scim/v2/Groups/"+gid, ""), 200)
			path := strings.NewReplacer("{id}", id, "{gid}", gid).Replace(c.path)
			r := s.do(c.method, "/scim/v2"+path, strings.ReplaceAll(c.body, "{id}", id))
			failure(t, r.status, r.json(t), http.StatusBadRequest, SCIMTypeInvalidSyntax, c.detail, "surrogate")
			if diff := cmp.Diff(before, s.snapshot()); diff != "" {
				t.Errorf("users changed (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(groupBefore, s.expect(s.do("GET", "/scim/v2/Groups/"+gid, ""), 200)); diff != "" {
				t.Errorf("group changed (-before +after):\n%s", diff)
			}
		})
	}
}

// TestHandlerEmptyArray: one rule on every write path. [] clears a
// multi-valued attribute and the enterprise manager (Entra's form); for
// any other singular attribute it is 400 invalidValue and nothing changes.
func TestHandlerEmptyArray(t *testing.T) {
	ent := `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
	cases := []struct {
		name   string
		method string
		body   string
		ok     bool
		detail string // the attribute the failure names; "" for name
		check  func(t *testing.T, u *User)
	}{
		{name: "PATCH replace name", method: "PATCH", body: ops(`{"op":"replace","path":"name","value":[]}`)},
		{name: "PATCH replace name without path", method: "PATCH", body: ops(`{"op":"replace","value":{"name":[]}}`)},
		{name: "PATCH replace active", method: "PATCH", body: ops(`{"op":"replace","path":"active","value":[]}`), detail: "active"},
		{name: "PUT name", method: "PUT", body: `{"userName":"old","name":[]}`},
		{name: "POST name", method: "POST", body: `{"userName":"new","name":[]}`},
		{name: "bulk PATCH name", method: "BULK", body: ops(`{"op":"replace","path":"name","value":[]}`)},
		{name: "PATCH clears emails", method: "PATCH", body: ops(`{"op":"replace","path":"emails","value":[]}`), ok: true,
			check: func(t *testing.T, u *User) {
				if u.Emails != nil || u.Name.GivenName != "G" {
					t.Errorf("emails %v, name %v; want no emails, the name kept", u.Emails, u.Name)
				}
			}},
		{name: "PATCH clears the manager", method: "PATCH", body: ops(`{"op":"replace","path":` + ent + `,"value":{"manager":[]}}`), ok: true,
			check: func(t *testing.T, u *User) {
				if u.Enterprise.Manager != (Manager{}) {
					t.Errorf("manager %+v; want none", u.Enterprise.Manager)
				}
			}},
		{name: "PUT clears the manager", method: "PUT", body: `{"userName":"old","name":{"givenName":"G"},` + ent + `:{"manager":[]}}`, ok: true,
			check: func(t *testing.T, u *User) {
				if u.Enterprise.Manager != (Manager{}) || u.Name.GivenName != "G" {
					t.Errorf("manager %+v, name %v; want no manager", u.Enterprise.Manager, u.Name)
				}
			}},
		{name: "PUT sets the manager as Entra sends it", method: "PUT", body: `{"userName":"old",` + ent + `:{"manager":[{"value":"boss"}]}}`, ok: true,
			check: func(t *testing.T, u *User) {
				if u.Enterprise.Manager.Value != "boss" {
					t.Errorf("manager %+v; want boss", u.Enterprise.Manager)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestServer(t)
			id := s.expect(s.do("POST", "/scim/v2/Users", `{"userName":"old","name":{"givenName":"G"},"emails":[{"value":"a@b.c"}],`+ent+`:{"manager":{"value":"m1"}}}`), 201)["id"].(string)
			before := s.snapshot()
			var status int
			var body map[string]any
			switch c.method {
			case "BULK":
				status, body = s.write(true, "PATCH", "/Users/"+id, c.body)
			case "POST":
				status, body = s.write(false, "POST", "/Users", c.body)
			default:
				status, body = s.write(false, c.method, "/Users/"+id, c.body)
			}
			if !c.ok {
				detail := c.detail
				if detail == "" {
					detail = "name"
				}
				failure(t, status, body, http.StatusBadRequest, SCIMTypeInvalidValue, detail)
				if diff := cmp.Diff(before, s.snapshot()); diff != "" {
					t.Errorf("users changed (-before +after):\n%s", diff)
				}
				return
			}
			if status != http.StatusOK {
				t.Fatalf("answer %d %v; want 200", status, body)
			}
			u, err := s.store.GetUser(t.Context(), "acme", id)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, u)
		})
	}
}
