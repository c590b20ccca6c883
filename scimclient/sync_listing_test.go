package scimclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimclient"
	"github.com/scimkit/scim/scimtest"
)

// listRewriter alters the endpoint's answers to GET /Users on their way
// to the client: what a concurrent writer or a broken endpoint does.
type listRewriter struct {
	base    http.RoundTripper
	reading atomic.Int32 // readings begun (requests for startIndex 1)
	rewrite func(reading, start int, page *listPage)
}

// listPage is a ListResponse with its users as raw JSON, so that a
// rewrite passes them on unchanged.
type listPage struct {
	Schemas      []string         `json:"schemas"`
	TotalResults int              `json:"totalResults"`
	StartIndex   int              `json:"startIndex"`
	ItemsPerPage int              `json:"itemsPerPage"`
	Resources    []map[string]any `json:"Resources"`
}

func (lr *listRewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := lr.base.RoundTrip(req)
	if err == nil && strings.HasSuffix(req.URL.Path, "/ServiceProviderConfig") {
		return indexOnly(resp), nil
	}
	if err != nil || req.Method != http.MethodGet || !strings.HasSuffix(req.URL.Path, "/Users") || resp.StatusCode != 200 {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	start, _ := strconv.Atoi(req.URL.Query().Get("startIndex"))
	if start == 1 && req.URL.Query().Get("filter") == "" {
		lr.reading.Add(1)
	}
	var page listPage
	if json.Unmarshal(body, &page) == nil && req.URL.Query().Get("filter") == "" {
		lr.rewrite(int(lr.reading.Load()), start, &page)
		body, _ = json.Marshal(page)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// indexOnly drops RFC 9865's pagination from a /ServiceProviderConfig
// answer: the rewriter plays an endpoint that pages by index, where a
// concurrent writer shifts the pages.
func indexOnly(resp *http.Response) *http.Response {
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var spc map[string]any
	if json.Unmarshal(body, &spc) == nil {
		delete(spc, "pagination")
		body, _ = json.Marshal(spc)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp
}

// TestSyncUnreliableListing: a listing that repeats a user, or shows one
// userName on two users, never costs a desired employee their
// activation; Sync lists again, and when every reading is unreliable it
// deactivates nobody and says so.
func TestSyncUnreliableListing(t *testing.T) {
	t.Parallel()
	dupFirst := func(_, start int, p *listPage) { // the first user again at the end of page 1
		if start == 1 && len(p.Resources) > 0 {
			p.Resources = append(p.Resources, p.Resources[0])
			p.TotalResults++
		}
	}
	cases := []struct {
		name    string
		rewrite func(reading, start int, p *listPage)
		leaver  bool // the endpoint also holds an active employee absent from the desired set
		// what Sync must do
		wantErr         error
		wantDeactivated bool // the leaver
		wantReadings    int  // of the first round
	}{
		{"repeated user, nobody absent", dupFirst, false, nil, false, 3},
		{"repeated user, a leaver", dupFirst, true, scimclient.ErrUnreliableListing, false, 3},
		{"repeated user once, a leaver", func(r, start int, p *listPage) {
			if r == 1 {
				dupFirst(r, start, p)
			}
		}, true, nil, true, 2},
		{"one userName on two users, a leaver", func(_, start int, p *listPage) {
			if start == 1 && len(p.Resources) > 1 {
				p.Resources[1]["userName"] = p.Resources[0]["userName"]
			}
		}, true, scimclient.ErrUnreliableListing, false, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seed := employees(11)
			desired := seed
			if tc.leaver {
				seed = append(seed, employee(99, true))
			}
			s := scimtest.NewServer(t, scimtest.WithUsers(seed...))
			lr := &listRewriter{base: s.Client().Transport, rewrite: tc.rewrite}
			c := scimclient.New(s.URL(), s.Token(), scimclient.WithHTTPClient(&http.Client{Transport: lr}),
				scimclient.WithBackoff(time.Millisecond, time.Millisecond))
			rep, err := scimclient.Sync(context.Background(), c, desired, scimclient.SyncOptions{})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			for _, u := range desired {
				if !s.UserByUserName(u.UserName).Active {
					t.Errorf("%s, in the desired set, was deactivated", u.UserName)
				}
			}
			if tc.leaver {
				if got := !s.UserByUserName("e099@example.com").Active; got != tc.wantDeactivated {
					t.Errorf("leaver deactivated: %v, want %v", got, tc.wantDeactivated)
				}
			}
			if n := int(lr.reading.Load()); n != tc.wantReadings {
				t.Errorf("%d readings, want %d", n, tc.wantReadings)
			}
			if tc.wantErr != nil {
				// The leaver's step is there, not attempted, saying why.
				var leaver *scimclient.Step
				for _, st := range rep.Steps {
					if st.UserName == "e099@example.com" {
						leaver = st
					}
				}
				if leaver == nil || leaver.Action != scimclient.ActionDeactivate || leaver.Status != scimclient.StatusNotAttempted ||
					!errors.Is(leaver.Err, scimclient.ErrUnreliableListing) {
					t.Errorf("steps %s", stepsString(rep))
				}
				if ops := s.BulkOperationsMatching("PATCH", "/Users/{id}"); len(ops) > 0 {
					t.Errorf("patched %v", ops)
				}
			}
		})
	}
}

// hostile serves a SCIM endpoint whose /Users pages come from page.
func hostile(t *testing.T, page func(start, count int) listPage) (*scimclient.Client, *atomic.Int32) {
	var lists atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/ServiceProviderConfig"):
			w.Write([]byte(`{"bulk":{"supported":true,"maxOperations":1000,"maxPayloadSize":1048576},"filter":{"supported":true,"maxResults":100}}`))
		case strings.HasSuffix(r.URL.Path, "/Schemas"):
			w.Write([]byte(`{"Resources":[]}`))
		case strings.HasSuffix(r.URL.Path, "/Users") && r.Method == http.MethodGet:
			lists.Add(1)
			start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
			count, _ := strconv.Atoi(r.URL.Query().Get("count"))
			json.NewEncoder(w).Encode(page(start, count))
		default:
			w.WriteHeader(http.StatusNotImplemented) // no write may get here
			t.Errorf("unexpected %s %s", r.Method, r.URL)
		}
	}))
	t.Cleanup(srv.Close)
	return scimclient.New(srv.URL, "t", scimclient.WithBackoff(time.Millisecond, time.Millisecond)), &lists
}

func users(from, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		id := from + i
		out[i] = map[string]any{"id": fmt.Sprint("u", id), "userName": fmt.Sprintf("u%d@example.com", id), "active": true}
	}
	return out
}

// TestSyncBoundedListing: a hostile or broken endpoint cannot make Sync
// read and hold users without bound, and a listing that does not add up
// writes nothing.
func TestSyncBoundedListing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		maxUsers  int
		page      func(start, count int) listPage
		wantErr   error
		wantText  string
		wantLists int32 // requests for pages
	}{
		{"total beyond MaxUsers", 0, func(start, count int) listPage {
			return listPage{TotalResults: 1 << 62, StartIndex: start, Resources: users(start, count)}
		}, scimclient.ErrTooManyUsers, "holds 4611686018427387904 users", 1},
		{"total beyond a set MaxUsers", 150, func(start, count int) listPage {
			return listPage{TotalResults: 151, StartIndex: start, Resources: users(start, min(count, 152-start))}
		}, scimclient.ErrTooManyUsers, "MaxUsers is 150", 1},
		{"more users than announced", 0, func(start, count int) listPage {
			return listPage{TotalResults: 3, StartIndex: start, Resources: users(start, 5)}
		}, scimclient.ErrUnreliableListing, "sent 5 users, though it says it holds 3", 3},
		{"pages repeat the first", 0, func(start, count int) listPage {
			return listPage{TotalResults: 1_000_000, StartIndex: start, Resources: users(1, count)}
		}, scimclient.ErrUnreliableListing, "repeated users already listed", 6},
		{"another startIndex", 0, func(start, count int) listPage {
			return listPage{TotalResults: 1_000, StartIndex: 1, Resources: users(1, count)}
		}, nil, "asked for the page at startIndex 101, the endpoint answered the one at 1", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, lists := hostile(t, tc.page)
			desired := []*scim.User{{UserName: "u1@example.com", Active: true}}
			_, err := scimclient.Sync(context.Background(), c, desired, scimclient.SyncOptions{MaxUsers: tc.maxUsers, Force: true})
			if err == nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("err %v, want %v with %q", err, tc.wantErr, tc.wantText)
			}
			if n := lists.Load(); n != tc.wantLists {
				t.Errorf("%d pages read, want %d", n, tc.wantLists)
			}
		})
	}
}

// churner is another identity provider at work while Sync lists: before
// each page of the listing it deletes the oldest of its own (inactive)
// users and creates a new one, which under index paging shifts the pages.
// It also shrinks the endpoint's pages to five users.
type churner struct {
	base  http.RoundTripper
	s     *scimtest.Server
	mine  []string // ids of the churner's users, oldest first
	pages int
}

func (c *churner) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/Users") && req.Method == http.MethodGet && req.URL.Query().Get("filter") == "" {
		c.pages++
		if len(c.mine) > 0 {
			c.send(http.MethodDelete, "/Users/"+c.mine[0], "")
			c.mine = c.mine[1:]
		}
		c.create(fmt.Sprintf("other%03d@example.com", c.pages))
	}
	return fivePerPage(c.base.RoundTrip(req))
}

// fivePerPage shrinks the pages an endpoint's /ServiceProviderConfig
// offers (filter.maxResults, pagination.maxPageSize) to five users.
func fivePerPage(resp *http.Response, err error) (*http.Response, error) {
	if err != nil || !strings.HasSuffix(resp.Request.URL.Path, "/ServiceProviderConfig") {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var spc map[string]any
	if json.Unmarshal(body, &spc) == nil {
		spc["filter"].(map[string]any)["maxResults"] = 5
		if p, ok := spc["pagination"].(map[string]any); ok {
			p["maxPageSize"] = 5
		}
		body, _ = json.Marshal(spc)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func (c *churner) create(userName string) {
	body := c.send(http.MethodPost, "/Users", `{"userName":"`+userName+`","active":false}`)
	var u struct{ ID string }
	if json.Unmarshal(body, &u) == nil && u.ID != "" {
		c.mine = append(c.mine, u.ID)
	}
}

func (c *churner) send(method, path, body string) []byte {
	req, _ := http.NewRequest(method, c.s.URL()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.s.Token())
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

// TestSyncListsByCursor: an endpoint that pages by cursor (RFC 9865) gives
// Sync a stable listing while another provisioner creates and deletes
// users: one reading, every employee matched, nothing to change.
func TestSyncListsByCursor(t *testing.T) {
	t.Parallel()
	desired := employees(20)
	s := scimtest.NewServer(t, scimtest.WithUsers(desired...))
	ch := &churner{base: s.Client().Transport, s: s}
	for i := range 6 { // created first, so deleting them shifts index pages
		ch.create(fmt.Sprintf("early%03d@example.com", i))
	}
	c := scimclient.New(s.URL(), s.Token(), scimclient.WithHTTPClient(&http.Client{Transport: ch}))
	rep, err := scimclient.Sync(context.Background(), c, desired, scimclient.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Steps) != 0 || rep.Unchanged != 20 {
		for _, st := range rep.Steps {
			t.Logf("step: %s %s %s %v", st.Action, st.Status, st.Key, st.Err)
		}
		t.Errorf("%d steps, %d unchanged; want 0 steps and 20 unchanged", len(rep.Steps), rep.Unchanged)
	}
	firsts := 0
	for _, r := range s.RequestsMatching("GET", "/Users") {
		if r.Query.Has("startIndex") {
			t.Errorf("a page by index (startIndex %s) from an endpoint that pages by cursor", r.Query.Get("startIndex"))
		}
		if r.Query.Has("cursor") && r.Query.Get("cursor") == "" && r.Query.Get("filter") == "" {
			firsts++
		}
	}
	if firsts != 1 || ch.pages < 5 {
		t.Errorf("%d readings over %d pages, want one reading of at least 5 pages", firsts, ch.pages)
	}
}

// cursorLoser stands for an endpoint that restarts, or a load balancer
// that reaches an instance with another cursor key, during Sync's
// readings: the first lose cursors after a first page are sent spoilt, as
// a key they were not signed with would see them, and the endpoint
// answers 400 invalidCursor. Pages are of five users.
type cursorLoser struct {
	base http.RoundTripper
	lose int32
	lost atomic.Int32
}

func (c *cursorLoser) RoundTrip(req *http.Request) (*http.Response, error) {
	if q := req.URL.Query(); q.Get("cursor") != "" && c.lost.Add(1) <= c.lose {
		q.Set("cursor", "A"+q.Get("cursor"))
		req = req.Clone(req.Context())
		req.URL.RawQuery = q.Encode()
	}
	return fivePerPage(c.base.RoundTrip(req))
}

// TestSyncLostCursor: a cursor walk the endpoint stops with invalidCursor
// after its first page is read again from the start, as an unreliable
// reading is; when every reading is stopped, Sync writes nothing.
func TestSyncLostCursor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lose     int32
		readings int
		wantErr  error
	}{
		{lose: 1, readings: 2},
		{lose: 1 << 20, readings: 3, wantErr: scimclient.ErrUnreliableListing},
	} {
		desired := employees(12)
		s := scimtest.NewServer(t, scimtest.WithUsers(desired[:11]...))
		lc := &cursorLoser{base: s.Client().Transport, lose: tc.lose}
		c := scimclient.New(s.URL(), s.Token(), scimclient.WithHTTPClient(&http.Client{Transport: lc}))
		rep, err := scimclient.Sync(context.Background(), c, desired, scimclient.SyncOptions{})
		readings := 0
		for _, r := range s.RequestsMatching("GET", "/Users") {
			if r.Query.Has("cursor") && r.Query.Get("cursor") == "" && r.Query.Get("filter") == "" {
				readings++
			}
		}
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), "invalidCursor") {
				t.Errorf("losing every cursor: %v, want %v naming invalidCursor", err, tc.wantErr)
			}
			if n := len(s.RequestsMatching("POST", "/Users")) + len(s.RequestsMatching("PATCH", "/Users/{id}")); n > 0 {
				t.Errorf("losing every cursor: %d writes, want none", n)
			}
		} else if err != nil || rep.Count(scimclient.ActionCreate, scimclient.StatusApplied) != 1 || len(rep.Steps) != 1 || rep.Unchanged != 11 {
			t.Errorf("losing one cursor: %v, %d steps, %d unchanged; want the 12th created, 11 unchanged", err, len(rep.Steps), rep.Unchanged)
		}
		if readings != tc.readings {
			t.Errorf("losing %d cursors: %d readings, want %d", tc.lose, readings, tc.readings)
		}
	}
}
