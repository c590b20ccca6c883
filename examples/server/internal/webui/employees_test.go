package webui

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
)

// acmeAttributes are the custom attributes the page's tests give Acme: a
// Department and a Manager that the Enterprise extension also has, one
// whose name has a space and an alias, one without alias.
var acmeAttributes = []scim.CustomAttribute{
	{Name: "Department", Type: scim.CustomOption},
	{Name: "Manager", Type: scim.CustomEmployee},
	{Name: "Employed Since", Type: scim.CustomDate, Aliases: []string{"Employed_Since"}},
	{Name: "Business Unit", Type: scim.CustomOption},
	{Name: "Salary", Type: scim.CustomNumber},
}

// do sends a SCIM request with Acme's token; it returns the status and body.
func (s *testSite) do(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok-acme-1234")
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// create posts a user and returns its id.
func (s *testSite) create(t *testing.T, body string) string {
	t.Helper()
	code, b := s.do(t, "POST", "/scim/v2/Users", body)
	if code != 201 {
		t.Fatalf("POST %s: %d %s", body, code, b)
	}
	var u struct{ ID string }
	json.Unmarshal([]byte(b), &u)
	return u.ID
}

// page gets a page with the client and returns its HTML.
func (s *testSite) page(t *testing.T, c *http.Client, path string) string {
	t.Helper()
	res, err := c.Get(s.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %s\n%s", path, res.Status, b)
	}
	return string(b)
}

func newAcmeSite(t *testing.T) *testSite {
	t.Helper()
	s := newTestSiteWith(t, 0, nil)
	if err := s.companies.SetAttributes(t.Context(), s.acme.ID, acmeAttributes); err != nil {
		t.Fatal(err)
	}
	s.acme.Attributes = acmeAttributes
	return s
}

const peakon = "urn:ietf:params:scim:schemas:extension:peakon:2.0:User"

// TestEmployeePage: the employee page labels each manager by its meaning
// (the Enterprise manager, the company's attribute), shows the External
// ID, shows an employee-type attribute as the employee it names (linked,
// with the email the wire carries), and its SCIM JSON is exactly what
// GET /Users/{id} answers.
func TestEmployeePage(t *testing.T) {
	t.Parallel()
	s := newAcmeSite(t)
	jane := s.create(t, `{"userName":"jane@example.com","name":{"givenName":"Jane","familyName":"Doe"},"emails":[{"value":"jane@example.com","primary":true}]}`)
	omar := s.create(t, `{"userName":"omar@example.com","externalId":"HR-0042","emails":[{"value":"omar@example.com","primary":true}],`+
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"jane@example.com"}},`+
		`"`+peakon+`":{"Department":"Sales","Manager":"jane@example.com"}}`)
	c := signIn(t, s.srv, "tok-acme-1234")
	body := s.page(t, c, "/employees/"+omar)

	m := regexp.MustCompile(`(?s)<pre id="scim-json">(.*?)</pre>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no SCIM JSON:\n%s", body)
	}
	code, answer := s.do(t, "GET", "/scim/v2/Users/"+omar, "")
	var want bytes.Buffer
	if code != 200 || json.Indent(&want, []byte(answer), "", "  ") != nil {
		t.Fatalf("GET: %d %s", code, answer)
	}
	if got := html.UnescapeString(m[1]); got != want.String() {
		t.Errorf("the page's JSON is not GET's answer:\npage: %s\nGET:  %s", got, want.String())
	}
	if !strings.Contains(answer, `"Manager":"jane@example.com"`) {
		t.Errorf("GET does not carry the employee attribute as the email: %s", answer)
	}

	for _, want := range []string{
		`<dt>External ID</dt><dd id="external-id">HR-0042</dd>`,
		`<dt>Manager <small>(Enterprise)</small></dt><dd id="manager"><a href="/employees/` + jane + `">Jane Doe</a></dd>`,
		`<dt>Manager <small>(Peakon attribute)</small></dt><dd><a href="/employees/` + jane + `">Jane Doe</a> <small class="hint">jane@example.com</small></dd>`,
		`<dt>Department <small>(Peakon attribute)</small></dt><dd>Sales</dd>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if n := strings.Count(body, "<dt>Manager"); n != 2 {
		t.Errorf("%d Manager fields, want the two meanings, once each", n)
	}

	// The table labels them alike.
	table := s.page(t, c, "/employees")
	for _, want := range []string{
		"<th>Manager (Enterprise)</th>", "<th>Peakon attributes</th>",
		`<td class="manager"><a href="/employees/` + jane + `">Jane Doe</a></td>`,
		`<b>Manager</b> <a href="/employees/` + jane + `">Jane Doe</a> <small class="hint">jane@example.com</small>`,
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %s", want)
		}
	}
	// A manager not provisioned yet is shown as sent, and said so.
	s.create(t, `{"userName":"kim@example.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"boss@example.com"}}}`)
	if table := s.page(t, c, "/employees"); !strings.Contains(table, `<td class="manager">boss@example.com <small class="hint">(not provisioned yet)</small></td>`) {
		t.Errorf("a pending manager is not shown as such")
	}
}

// TestDisplayNameAsHandler: the page names an employee as the handler
// names a manager (manager.displayName): the page keeps its own copy of
// the rule (the root's is unexported), and this pins the two together.
func TestDisplayNameAsHandler(t *testing.T) {
	t.Parallel()
	s := newAcmeSite(t)
	for i, name := range []string{
		`"displayName":"Dr. J. Doe","name":{"formatted":"Jane Doe","givenName":"Jane"}`,
		`"name":{"formatted":"Jane M. Doe","givenName":"Jane","familyName":"Doe"}`,
		`"name":{"givenName":"Jane","familyName":"Doe"}`,
		`"name":{"familyName":"Doe"}`,
		`"name":{"givenName":"Jane"}`,
		`"emails":[{"value":"e@example.com"}]`,
	} {
		mgr := s.create(t, `{"userName":"m`+string(rune('a'+i))+`@example.com",`+name+`}`)
		rep := s.create(t, `{"userName":"r`+string(rune('a'+i))+`@example.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"`+mgr+`"}}}`)
		_, b := s.do(t, "GET", "/scim/v2/Users/"+rep, "")
		var got struct {
			Ent struct {
				Manager struct{ DisplayName string } `json:"manager"`
			} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
		}
		json.Unmarshal([]byte(b), &got)
		u, err := s.scim.Store.GetUser(t.Context(), s.acme.ID, mgr)
		if err != nil {
			t.Fatal(err)
		}
		if page := displayName(u); page != got.Ent.Manager.DisplayName || page == "" {
			t.Errorf("%s: the page says %q, the handler %q", name, page, got.Ent.Manager.DisplayName)
		}
	}
}

// TestFilterHelp: the filter box lists how a filter reaches each of the
// company's attributes, and says what the bare names of a filter meant,
// with a link to the filter on the company's attribute instead.
func TestFilterHelp(t *testing.T) {
	t.Parallel()
	s := newAcmeSite(t)
	s.create(t, `{"userName":"omar@example.com","`+peakon+`":{"Department":"Engineering","Salary":"10"}}`)
	c := signIn(t, s.srv, "tok-acme-1234")
	body := html.UnescapeString(s.page(t, c, "/"))
	for _, want := range []string{
		"<b>Department</b> <code>" + peakon + ":Department</code> (the bare name means the Enterprise attribute department)",
		"<b>Manager</b> <code>" + peakon + ":Manager</code> (the bare name means the Enterprise attribute manager)",
		"<b>Employed Since</b> <code>Employed_Since</code>",
		`<b>Business Unit</b> <span class="error">cannot be filtered on</span>`,
		"<b>Salary</b> <code>Salary</code>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the filter help lacks %s", want)
		}
	}

	// The bare Department is the Enterprise one: nobody matches, and the
	// page says why and offers the company's.
	body = s.page(t, c, "/?filter="+url.QueryEscape(`Department eq "Engineering" and Salary gt 5`))
	if !strings.Contains(body, "No employees match the filter") {
		t.Fatalf("the bare Department matched the company's attribute")
	}
	notes := regexp.MustCompile(`(?s)<ul class="hint" id="filter-notes">(.*?)</ul>`).FindStringSubmatch(body)
	if notes == nil {
		t.Fatalf("no notes on the filter's names")
	}
	text := html.UnescapeString(notes[1])
	for _, want := range []string{
		"<code>Department</code> means the Enterprise attribute <code>urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department</code>, not Acme's attribute Department",
		"<code>Salary</code> means the company's attribute <code>" + peakon + ":Salary</code>.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the notes lack %s:\n%s", want, text)
		}
	}
	link := regexp.MustCompile(`<a href="/(\?filter=[^"]*)">filter on Department instead</a>`).FindStringSubmatch(notes[1])
	if link == nil {
		t.Fatalf("no link to the company's Department:\n%s", notes[1])
	}
	if body := s.page(t, c, "/"+html.UnescapeString(link[1])); !strings.Contains(body, "omar@example.com") || !strings.Contains(body, "1–1 of 1") {
		t.Errorf("the rewritten filter %s does not find the employee", html.UnescapeString(link[1]))
	}
	// A plain core name says nothing.
	if body := s.page(t, c, "/?filter="+url.QueryEscape(`userName sw "o"`)); strings.Contains(body, `id="filter-notes"`) {
		t.Errorf("notes for a core attribute")
	}
}

// TestEligibilityPage: who joined and who left between the chosen time
// and now, sorted by name; a time with seconds is accepted.
func TestEligibilityPage(t *testing.T) {
	t.Parallel()
	s := newAcmeSite(t)
	s.skew.Store(int64(-2 * time.Hour))
	zoe := s.create(t, `{"userName":"zoe@example.com","displayName":"Zoe"}`)
	s.create(t, `{"userName":"bob@example.com","displayName":"bob"}`)
	s.skew.Store(0)
	between := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05")
	s.create(t, `{"userName":"yan@example.com","displayName":"Yan"}`)
	s.create(t, `{"userName":"al@example.com","displayName":"Al"}`)
	if code, b := s.do(t, "PATCH", "/scim/v2/Users/"+zoe, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`); code != 200 {
		t.Fatalf("PATCH: %d %s", code, b)
	}
	c := signIn(t, s.srv, "tok-acme-1234")
	body := s.page(t, c, "/eligibility?at="+between)
	names := func(id string) []string {
		m := regexp.MustCompile(`(?s)<ul id="` + id + `">(.*?)</ul>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no list %s:\n%s", id, body)
		}
		var out []string
		for _, n := range regexp.MustCompile(`">([^<]*)</a>`).FindAllStringSubmatch(m[1], -1) {
			out = append(out, n[1])
		}
		return out
	}
	for _, tc := range []struct {
		list string
		want string
	}{
		{"joined", "[Al Yan]"},
		{"left", "[Zoe]"},
		{"active-now", "[Al bob Yan]"},
		{"active-at", "[bob Zoe]"},
	} {
		if got := strings.Join(names(tc.list), " "); "["+got+"]" != tc.want {
			t.Errorf("%s: [%s], want %s", tc.list, got, tc.want)
		}
	}
	if strings.Contains(body, `role="alert"`) {
		t.Errorf("a time with seconds was refused")
	}
	if !strings.Contains(body, `value="`+between+`"`) {
		t.Errorf("the form does not show the time chosen, to the second")
	}
}
