package scimtest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/demo"
)

// step is one request of a fidelity script. Paths are relative to the
// host and may name ids saved by earlier steps as {name}.
type step struct {
	method, path, body string
	header             map[string]string
	save               string // save the response's id under this name
}

// exchange is a response with ids, times and the host abstracted away.
type exchange struct {
	Request string
	Status  int
	Header  map[string]string
	Body    string
}

var (
	timeRE = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
)

// play runs the script against the endpoint at base with the token.
func play(t *testing.T, base, token string, script []step) []exchange {
	t.Helper()
	ids := map[string]string{}    // name → id on this server
	others := map[string]string{} // ids no step saved (bulk) → placeholder
	var out []exchange
	for _, st := range script {
		path := st.path
		for name, id := range ids {
			path = strings.ReplaceAll(path, "{"+name+"}", id)
		}
		var body io.Reader
		if st.body != "" {
			b := st.body
			for name, id := range ids {
				b = strings.ReplaceAll(b, "{"+name+"}", id)
			}
			body = strings.NewReader(b)
		}
		req, err := http.NewRequest(st.method, base+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("User-Agent", "Okta SCIM Client 1.0.0")
		if st.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range st.header {
			if v == "" {
				req.Header.Del(k)
			} else {
				req.Header.Set(k, v)
			}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st.save != "" {
			m := result{body: b}.json(t)
			id, _ := m["id"].(string)
			if id == "" {
				t.Fatalf("%s %s: no id to save in %d %s", st.method, st.path, res.StatusCode, b)
			}
			ids[st.save] = id
		}
		norm := func(s string) string {
			s = strings.ReplaceAll(s, base, "<base>")
			for name, id := range ids {
				s = strings.ReplaceAll(s, id, "<"+name+">")
			}
			s = uuidRE.ReplaceAllStringFunc(s, func(id string) string {
				if others[id] == "" {
					others[id] = fmt.Sprintf("<id%d>", len(others)+1)
				}
				return others[id]
			})
			return timeRE.ReplaceAllString(s, "<time>")
		}
		ex := exchange{Request: st.method + " " + st.path, Status: res.StatusCode, Header: map[string]string{}, Body: norm(string(b))}
		for _, h := range []string{"Content-Type", "Location", "ETag", "Retry-After", "WWW-Authenticate", "Allow"} {
			if v := res.Header.Get(h); v != "" {
				ex.Header[h] = norm(v)
			}
		}
		out = append(out, ex)
	}
	return out
}

const (
	oktaJane = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"jane@example.com",
"name":{"givenName":"Jane","familyName":"Doe"},"emails":[{"primary":true,"value":"jane@example.com","type":"work"}],
"displayName":"Jane Doe","locale":"en-US","externalId":"00u1","groups":[],"password":"1mz050nq","active":true}`
	entraBob = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"externalId":"bob","userName":"bob@example.com","active":"True","displayName":"Bob","roles":[],"locale":"en_GB",
"meta":{"resourceType":"User"},"nickName":null,
"emails":[{"Primary":"True","type":"work","value":"bob@example.com"}],
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"Department":"Sales","employeeNumber":"7"}}`
	patchOp = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`
)

// baseScript replays Okta's and Entra's flows and the errors clients meet.
var baseScript = []step{
	{method: "GET", path: "/scim/v2/Users?startIndex=1&count=2"},
	{method: "GET", path: `/scim/v2/Users?filter=userName+eq+"jane@example.com"&startIndex=1&count=100`},
	{method: "POST", path: "/scim/v2/Users", body: oktaJane, save: "jane"},
	{method: "POST", path: "/scim/v2/Users", body: strings.Replace(oktaJane, "jane@example.com", "JANE@example.com", 1)},
	{method: "GET", path: `/scim/v2/Users?filter=userName+eq+"JANE@EXAMPLE.COM"`},
	{method: "GET", path: "/scim/v2/Users/{jane}"},
	{method: "PUT", path: "/scim/v2/Users/{jane}", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"{jane}","userName":"jane@example.com",
"name":{"givenName":"Janet","familyName":"Doe"},"active":true,"groups":[],"meta":{"resourceType":"User"}}`},
	{method: "PATCH", path: "/scim/v2/Users/{jane}", body: patchOp + `[{"op":"replace","value":{"active":false}}]}`},
	{method: "PATCH", path: "/scim/v2/Users/{jane}", body: patchOp + `[{"op":"Replace","path":"active","value":"True"}]}`},
	{method: "POST", path: "/scim/v2/Users", body: entraBob, header: map[string]string{"User-Agent": "Azure AD SCIM client"}, save: "bob"},
	{method: "PATCH", path: "/scim/v2/Users/{bob}", body: patchOp + `[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"{jane}"}]}`},
	{method: "GET", path: `/scim/v2/Users?filter=externalId+eq+"bob"`},
	{method: "GET", path: "/scim/v2/Users?startIndex=1&count=1"},
	{method: "GET", path: "/scim/v2/Users?startIndex=2&count=1&attributes=userName"},
	{method: "GET", path: "/scim/v2/Users?count=0"},
	{method: "GET", path: "/scim/v2/Users?sortBy=userName&sortOrder=descending"},
	{method: "GET", path: "/scim/v2/Users?filter=bogus+~~"},
	{method: "POST", path: "/scim/v2/Users/.search", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"active eq true","count":10}`},
	{method: "GET", path: "/scim/v2/Users/010101001010101011001010101011"},
	{method: "GET", path: "/scim/v2/Users", header: map[string]string{"Authorization": ""}},
	{method: "GET", path: "/scim/v2/Users", header: map[string]string{"Authorization": "Bearer wrong"}},
	{method: "POST", path: "/scim/v2/Users", body: `{"userName":"x@example.com"}`, header: map[string]string{"Content-Type": "text/plain"}},
	{method: "POST", path: "/scim/v2/Users", body: `{"userName":`},
	{method: "GET", path: "/scim/v2/Users/{jane}", header: map[string]string{"If-None-Match": `W/"4"`}},
	{method: "PUT", path: "/scim/v2/Users/{jane}", body: `{"userName":"jane@example.com"}`, header: map[string]string{"If-Match": `W/"1"`}},
	{method: "DELETE", path: "/scim/v2/Users/{bob}"},
	{method: "GET", path: "/scim/v2/Users/{bob}"},
	{method: "PATCH", path: "/scim/v2/Users", body: patchOp + `[]}`},
	{method: "POST", path: "/scim/v2/Bulk", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
{"method":"POST","path":"/Users","bulkId":"c1","data":{"userName":"carl@example.com","active":true}},
{"method":"POST","path":"/Users","bulkId":"d1","data":{"userName":"dora@example.com","active":true,
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:c1"}}}},
{"method":"PATCH","path":"/Users/bulkId:c1","data":{"Operations":[{"op":"replace","path":"title","value":"CEO"}]}},
{"method":"DELETE","path":"/Users/bulkId:d1"},
{"method":"DELETE","path":"/Users/nobody"}]}`},
	{method: "GET", path: "/scim/v2/Users?sortBy=userName"},
	{method: "GET", path: "/scim/v2/Groups"},
	{method: "GET", path: "/scim/v2/ServiceProviderConfig"},
	{method: "GET", path: "/scim/v2/ResourceTypes"},
	{method: "GET", path: "/scim/v2/Schemas"},
	{method: "GET", path: "/api/scim/v2/Users"},
	{method: "GET", path: "/api/scim/v2/Users/{jane}"},
	{method: "GET", path: "/elsewhere/Users"},
}

// customScript exercises a company's Peakon custom attributes.
var customScript = []step{
	{method: "POST", path: "/scim/v2/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:peakon:2.0:User"],
"userName":"ann@example.com","active":true,
"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Department":"IT","Employed_Since":"2019-04-01T00:00:00Z"}}`, save: "ann"},
	{method: "POST", path: "/scim/v2/Users", body: `{"userName":"eve@example.com","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Salary":"1"}}`},
	{method: "GET", path: `/scim/v2/Users?filter=urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Department+eq+"IT"`},
	{method: "PATCH", path: "/scim/v2/Users/{ann}", body: patchOp + `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Employed_Since","value":"2020-01-02"}]}`},
	{method: "GET", path: "/scim/v2/Schemas/urn:ietf:params:scim:schemas:extension:peakon:2.0:User"},
	{method: "GET", path: "/scim/v2/Schemas"},
}

// TestFidelity plays the same scripts against a scimtest Server and
// against the demo server's handler, built as examples/server builds it,
// and expects the same answers, ids and times aside: the fake is the
// endpoint, with recording and faults around it and nothing else.
func TestFidelity(t *testing.T) {
	t.Parallel()
	attrs := []scim.CustomAttribute{
		{Name: "Department", Type: scim.CustomOption},
		{Name: "Employed Since", Type: scim.CustomDate, Aliases: []string{"Employed_Since"}},
	}
	for _, tc := range []struct {
		name   string
		attrs  []scim.CustomAttribute
		script []step
	}{
		{"flows", nil, baseScript},
		{"custom attributes", attrs, customScript},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const token = "fidelity-token"
			// As examples/server builds it with -token and -attrs.
			h, _, err := demo.NewHandler(t.Context(), demo.Config{Tokens: []string{token}, Attributes: tc.attrs,
				RateLimit: scim.DefaultRateLimit, Store: scim.NewMemoryStore()})
			if err != nil {
				t.Fatal(err)
			}
			real := httptest.NewServer(h)
			t.Cleanup(real.Close)
			want := play(t, real.URL, token, tc.script)

			fake := NewServer(t, WithToken(token), WithAttributes(tc.attrs...))
			host := strings.TrimSuffix(fake.URL(), "/scim/v2")
			got := play(t, host, token, tc.script)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("scimtest answers differently from the demo server (-demo +scimtest):\n%s", diff)
			}
			fake.AssertRequestCount(t, "", "", len(tc.script))
		})
	}
}
