package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium returns the path of a Chromium or Chrome to drive, skipping the
// test when there is none, unless SCIMKIT_REQUIRE_BROWSER=1 (as in CI)
// makes a missing browser a failure. SCIMKIT_CHROMIUM names one
// explicitly.
func chromium(t *testing.T) string {
	t.Helper()
	names := []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}
	if p := os.Getenv("SCIMKIT_CHROMIUM"); p != "" {
		names = []string{p}
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SCIMKIT_REQUIRE_BROWSER") == "1" {
		t.Fatalf("SCIMKIT_REQUIRE_BROWSER=1 but none of %v is installed (apt-get install chromium)", names)
	}
	t.Skipf("no browser to drive: none of %v is installed", names)
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile and returns
// the context of its first tab.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1360, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	return ctx
}

// poll waits, for at most 15 seconds, until the JavaScript expression is
// true in the page.
func poll(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("waiting until %s: %v", what, err)
	}
}

// do runs the steps, failing the test on an error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// screenshot saves a PNG of the element under the test's artifact
// directory (go test -artifacts keeps it; without, it is a temporary
// directory).
func screenshot(t *testing.T, ctx context.Context, sel, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("screenshot of %s: %v", sel, err)
	}
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// TestBrowser drives the demo's page in headless Chromium: sign-in with a
// wrong token and a right one; users created and deactivated over SCIM
// appear in the table and the log without a reload; a bad filter shows the
// parser's error; an employee's page shows its history and JSON.
func TestBrowser(t *testing.T) {
	ctx := newBrowser(t)
	s := newDemoSite(t)

	do(t, ctx, "loading the page", chromedp.Navigate(s.URL), chromedp.WaitVisible(chromedp.CSS("#signin")))
	screenshot(t, ctx, "body", "signin.png")

	do(t, ctx, "signing in with a wrong token",
		chromedp.SendKeys(chromedp.CSS("#token"), "tok-not-a-token"),
		chromedp.Submit(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#signin-error")))
	if got := text(t, ctx, "#signin-error"); !strings.Contains(got, "refused") {
		t.Errorf("wrong token: %q", got)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#employees").length`)); n != 0 {
		t.Errorf("wrong token shows the employees")
	}

	do(t, ctx, "signing in",
		chromedp.SendKeys(chromedp.CSS("#token"), "tok-acme-1234"),
		chromedp.Submit(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#employees")))
	poll(t, ctx, "the log is live", `document.getElementById("live").textContent === "live"`)
	// A mark that a reload would wipe out.
	do(t, ctx, "marking the page", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded = true`))
		return err
	}))

	// Provision as an identity provider does, while the page is open.
	ids := map[string]string{}
	for _, u := range []struct{ key, body string }{
		{"jane", janeJSON},
		{"omar", `{"userName":"omar@example.com","name":{"givenName":"Omar","familyName":"Haddad"},"emails":[{"value":"omar@example.com","primary":true}],"locale":"fr-FR","timezone":"Europe/Paris","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"E-21"},"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Department":"Sales"}}`},
	} {
		code, body := s.scim("tok-acme-1234", "POST", "/scim/v2/Users", u.body)
		if code != 201 {
			t.Fatalf("POST %s: %d %s", u.key, code, body)
		}
		id := body[strings.Index(body, `"id":"`)+6:]
		ids[u.key] = id[:strings.IndexByte(id, '"')]
	}
	poll(t, ctx, "the created users appear in the table",
		`document.querySelector("#employees").textContent.includes("omar@example.com") && document.querySelector("#employees").textContent.includes("jane@example.com")`)
	s.scim("tok-acme-1234", "PATCH", "/scim/v2/Users/"+ids["omar"], `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+
		`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Department","value":"Marketing"},`+
		`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"`+ids["jane"]+`"}}]}`)
	s.scim("tok-acme-1234", "POST", "/scim/v2/Users", `{"userName":"jane@example.com"}`) // a conflict: the log shows its error
	if code, _ := s.scim("tok-acme-1234", "PATCH", "/scim/v2/Users/"+ids["jane"], deactivateJSON); code != 200 {
		t.Fatalf("PATCH deactivation: %d", code)
	}
	poll(t, ctx, "the deactivation shows in the table",
		`(function(){ const r = document.querySelector('#employees tr[data-id="`+ids["jane"]+`"]'); return !!r && r.classList.contains("inactive") && r.querySelector(".status").textContent.includes("deactivated"); })()`)
	poll(t, ctx, "the deactivation shows in the log",
		`document.querySelector("#log tbody").textContent.includes("deactivated jane@example.com")`)
	logText := text(t, ctx, "#log")
	for _, want := range []string{"created jane@example.com", "created omar@example.com", "Department: Sales → Marketing", "manager: (none) → " + ids["jane"], "409 uniqueness", "PATCH"} {
		if !strings.Contains(logText, want) {
			t.Errorf("the log lacks %q:\n%s", want, logText)
		}
	}
	// A bulk whose operations partly fail: the row counts the failures
	// and lists each, as a failed request shows its error.
	bulk := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` +
		`{"method":"POST","path":"/Users","bulkId":"lee","data":{"userName":"lee@example.com"}},` +
		`{"method":"POST","path":"/Users","bulkId":"dup","data":{"userName":"omar@example.com"}},` +
		`{"method":"PATCH","path":"/Users/nobody","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"CTO"}]}}]}`
	if code, body := s.scim("tok-acme-1234", "POST", "/scim/v2/Bulk", bulk); code != 200 {
		t.Fatalf("bulk: %d %s", code, body)
	}
	poll(t, ctx, "the bulk shows in the log", `!!document.querySelector("#log tbody tr.partial")`)
	checkBulkRow := func(when string) {
		t.Helper()
		row := text(t, ctx, "#log tbody tr.partial")
		for _, want := range []string{"bulk of 3 operations, 2 failed", "created lee@example.com",
			`POST /Users (bulkId dup) → 409 uniqueness: userName "omar@example.com" is already taken`,
			"PATCH /Users/nobody → 404"} {
			if !strings.Contains(row, want) {
				t.Errorf("%s, the bulk's row lacks %q:\n%s", when, want, row)
			}
		}
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#log tbody tr.partial .failure").length`)); n != 2 {
			t.Errorf("%s, %d failed operations listed, want 2", when, n)
		}
	}
	checkBulkRow("live")
	if reloaded, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded !== true`)); reloaded {
		t.Errorf("the page was reloaded")
	}
	// The log is above the table, on the first screen.
	if above, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){ const l = document.getElementById("log-section").getBoundingClientRect(), e = document.getElementById("employees-section").getBoundingClientRect(); return l.top < e.top && l.top < window.innerHeight / 2; })()`)); !above {
		t.Errorf("the log is not above the table, on the first screen")
	}
	if got := text(t, ctx, `#employees tr[data-id="`+ids["omar"]+`"]`); !strings.Contains(got, "Jane Doe") {
		t.Errorf("Omar's manager is not shown by name: %q", got)
	}
	screenshot(t, ctx, "#employees-section", "employees.png")
	screenshot(t, ctx, "#log-section", "log.png")
	do(t, ctx, "reloading the page", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#log tbody tr.partial")))
	checkBulkRow("rendered by the server")

	do(t, ctx, "filtering with a bad filter",
		chromedp.SetValue(chromedp.CSS("#filter"), `userName eq`),
		chromedp.Submit(chromedp.CSS("#filter-form")),
		chromedp.WaitVisible(chromedp.CSS("#filter-error")))
	if got := text(t, ctx, "#filter-error"); !strings.Contains(got, `expected a value after "eq"`) {
		t.Errorf("bad filter: %q", got)
	}
	screenshot(t, ctx, "#employees-section", "filter-error.png")

	do(t, ctx, "opening an employee", chromedp.Navigate(s.URL+"/employees/"+ids["jane"]), chromedp.WaitVisible(chromedp.CSS("#scim-json")))
	if got := text(t, ctx, "#history"); !strings.Contains(got, "created active") || !strings.Contains(got, "deactivated") {
		t.Errorf("history: %q", got)
	}
	if got := text(t, ctx, "#scim-json"); !strings.Contains(got, `"active": false`) {
		t.Errorf("JSON: %q", got)
	}
	screenshot(t, ctx, "main", "employee.png")
}

// TestBrowserPage drives what the page explains: the filter box's names
// (a bare name shadowed by the Enterprise attribute, and the way to the
// company's), the employee page's labelled managers, External ID and
// SCIM JSON (GET /Users/{id}'s answer), and eligibility's joined and left
// between a time given to the second and now.
func TestBrowserPage(t *testing.T) {
	ctx := newBrowser(t)
	s := newDemoSite(t)
	const tok = "tok-acme-1234"
	create := func(body string) string {
		t.Helper()
		code, b := s.scim(tok, "POST", "/scim/v2/Users", body)
		if code != 201 {
			t.Fatalf("POST: %d %s", code, b)
		}
		id := b[strings.Index(b, `"id":"`)+6:]
		return id[:strings.IndexByte(id, '"')]
	}
	zed := create(`{"userName":"zed@example.com","displayName":"Zed Zimmer"}`)
	create(`{"userName":"jane@example.com","name":{"givenName":"Jane","familyName":"Doe"},"emails":[{"value":"jane@example.com","primary":true}]}`)
	omar := create(`{"userName":"omar@example.com","externalId":"HR-0042","name":{"givenName":"Omar","familyName":"Haddad"},` +
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"jane@example.com"}},` +
		`"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Department":"Engineering","Manager":"jane@example.com"}}`)

	do(t, ctx, "signing in", chromedp.Navigate(s.URL), chromedp.WaitVisible(chromedp.CSS("#signin")),
		chromedp.SendKeys(chromedp.CSS("#token"), tok), chromedp.Submit(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#employees")))
	if got := text(t, ctx, "#filter-help"); !strings.Contains(got, "Department urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Department (the bare name means the Enterprise attribute department)") {
		t.Errorf("filter help: %q", got)
	}
	do(t, ctx, "filtering on the bare Department",
		chromedp.SetValue(chromedp.CSS("#filter"), `Department eq "Engineering"`),
		chromedp.Submit(chromedp.CSS("#filter-form")),
		chromedp.WaitVisible(chromedp.CSS("#filter-notes")))
	if got := text(t, ctx, "#filter-notes"); !strings.Contains(got, "Department means the Enterprise attribute urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department, not Company 1's attribute Department") {
		t.Errorf("filter notes: %q", got)
	}
	if got := text(t, ctx, "#employees"); !strings.Contains(got, "No employees match the filter") {
		t.Errorf("the bare Department matched: %q", got)
	}
	screenshot(t, ctx, "#employees-section", "filter-help.png")
	do(t, ctx, "following the link to the company's Department",
		chromedp.Click(chromedp.CSS("#filter-notes a")),
		chromedp.WaitVisible(chromedp.CSS(`#employees tr[data-id="`+omar+`"]`)))
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#filter"))); got != `urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Department eq "Engineering"` {
		t.Errorf("the filter on the company's Department: %q", got)
	}

	do(t, ctx, "opening an employee", chromedp.Navigate(s.URL+"/employees/"+omar), chromedp.WaitVisible(chromedp.CSS("#scim-json")))
	if got := text(t, ctx, "#external-id"); got != "HR-0042" {
		t.Errorf("External ID: %q", got)
	}
	if got := text(t, ctx, "#manager"); got != "Jane Doe" {
		t.Errorf("the Enterprise manager: %q", got)
	}
	labels, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#employee dt")).map(d => d.textContent).filter(t => t.startsWith("Manager"))`))
	if strings.Join(labels, "; ") != "Manager (Enterprise); Manager (Peakon attribute)" {
		t.Errorf("Manager labels: %q", labels)
	}
	if got := text(t, ctx, "#custom"); !strings.Contains(got, "Jane Doe jane@example.com") {
		t.Errorf("the Manager attribute is not shown as the employee it names: %q", got)
	}
	_, answer := s.scim(tok, "GET", "/scim/v2/Users/"+omar, "")
	var want bytes.Buffer
	json.Indent(&want, []byte(answer), "", "  ")
	if got := text(t, ctx, "#scim-json"); strings.TrimSpace(got) != want.String() {
		t.Errorf("the SCIM JSON is not GET's answer:\npage: %s\nGET:  %s", got, want.String())
	}
	screenshot(t, ctx, "main", "employee.png")

	// Eligibility between a time to the second and now: wait for the next
	// second, so that the time given is after what came before.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1100 * time.Millisecond)))
	at := time.Now().UTC().Format("2006-01-02T15:04:05")
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1100 * time.Millisecond)))
	create(`{"userName":"bea@example.com","displayName":"Bea Berg"}`)
	create(`{"userName":"al@example.com","displayName":"Al Amin"}`)
	if code, _ := s.scim(tok, "PATCH", "/scim/v2/Users/"+zed, deactivateJSON); code != 200 {
		t.Fatalf("deactivating: %d", code)
	}
	do(t, ctx, "asking who was active at "+at, chromedp.Navigate(s.URL+"/eligibility?at="+at), chromedp.WaitVisible(chromedp.CSS("#joined")))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[role=alert]").length`)); n != 0 {
		t.Errorf("a time with seconds was refused")
	}
	if got := text(t, ctx, "#joined"); got != "Al Amin\nBea Berg" {
		t.Errorf("joined: %q", got)
	}
	if got := text(t, ctx, "#left"); got != "Zed Zimmer" {
		t.Errorf("left: %q", got)
	}
	screenshot(t, ctx, "main", "eligibility.png")
}
