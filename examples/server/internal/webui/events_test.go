package webui

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim"
)

// testSite is a UI and a SCIM handler for one company, Acme, with the
// token "tok-acme-1234".
type testSite struct {
	srv       *httptest.Server
	scim      *scim.Handler
	ui        *UI
	companies *scim.Companies
	acme      *scim.Company
	// skew moves the SCIM handler's clock.
	skew *atomic.Int64
}

// newTestSite serves a UI and a SCIM handler for one company with the
// token "tok-acme-1234", with the server's WriteTimeout and the stream's
// heartbeat given.
func newTestSite(t *testing.T, writeTimeout, heartbeat time.Duration) (srv *httptest.Server, scimHandler *scim.Handler) {
	s := newTestSiteWith(t, writeTimeout, func(c *Config) { c.Heartbeat = heartbeat })
	return s.srv, s.scim
}

// newTestSiteWith is newTestSite with the UI's configuration changed by
// configure.
func newTestSiteWith(t *testing.T, writeTimeout time.Duration, configure func(*Config)) *testSite {
	t.Helper()
	store := scim.NewMemoryStore()
	companies := scim.NewCompanies(store)
	co, err := companies.Create(t.Context(), "Acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := companies.AddToken(t.Context(), co.ID, "test", "tok-acme-1234"); err != nil {
		t.Fatal(err)
	}
	l := NewLog(100)
	skew := new(atomic.Int64)
	scimHandler := &scim.Handler{Store: store, Auth: companies, Models: companies, OnChange: l.OnChange, OnRequest: l.OnRequest,
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Companies: companies, SignIn: scimHandler.SignIn, Store: store, SCIM: scimHandler, Log: l, SCIMPath: "/scim/v2"}
	if configure != nil {
		configure(&cfg)
	}
	ui, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", l.Wrap(scimHandler))
	mux.Handle("/", ui)
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.WriteTimeout = writeTimeout
	srv.Start()
	t.Cleanup(func() {
		cancel() // ends the event streams, which Close waits for
		srv.Close()
	})
	return &testSite{srv: srv, scim: scimHandler, ui: ui, companies: companies, acme: co, skew: skew}
}

// signIn returns a client signed in with the token.
func signIn(t *testing.T, srv *httptest.Server, token string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(srv.URL+"/login", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %s", res.Status)
	}
	return c
}

// TestEventStreamOutlivesWriteTimeout checks that the provisioning log's
// stream keeps delivering after the server's WriteTimeout has passed: the
// stream extends its write deadline for every write. With a 50ms
// WriteTimeout and a 20ms heartbeat, the tenth heartbeat comes well after
// the first deadline.
func TestEventStreamOutlivesWriteTimeout(t *testing.T) {
	t.Parallel()
	srv, _ := newTestSite(t, 50*time.Millisecond, 20*time.Millisecond)
	c := signIn(t, srv, "tok-acme-1234")
	res, err := c.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("events: %s %s", res.Status, ct)
	}
	lines := bufio.NewScanner(res.Body)
	next := func() string {
		if !lines.Scan() {
			t.Fatalf("the stream ended: %v", lines.Err())
		}
		return lines.Text()
	}
	for pings := 0; pings < 10; {
		if next() == ": ping" {
			pings++
		}
	}
	req, _ := http.NewRequest("POST", srv.URL+"/scim/v2/Users", strings.NewReader(`{"userName":"jane@example.com"}`))
	req.Header.Set("Authorization", "Bearer tok-acme-1234")
	created, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	created.Body.Close()
	for {
		line := next()
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var row logRow
		if err := json.Unmarshal([]byte(data), &row); err != nil {
			t.Fatal(err)
		}
		if row.Method != "POST" || row.Status != 201 || len(row.Changes) != 1 || row.Changes[0] != "created jane@example.com" {
			t.Errorf("entry: %+v", row)
		}
		return
	}
}
