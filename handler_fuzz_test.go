package scim

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// FuzzHandler sends arbitrary bodies and query strings to every endpoint
// and method: whatever a client sends, the answer is never a 500.
func FuzzHandler(f *testing.F) {
	f.Add(uint8(0), "", oktaUser(1))
	f.Add(uint8(1), "filter=userName eq \"x\"&sortBy=name.familyName&attributes=emails", "")
	f.Add(uint8(2), "", `{"Operations":[{"op":"add","path":"emails[type eq \"work\"].value","value":"a@b.c"}]}`)
	f.Add(uint8(3), "", `{"userName":"y","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Manager":"a@b.c","Employed_Since":"2020-01-01"}}`)
	f.Add(uint8(4), "", `{"Operations":[{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"q"}},{"method":"PATCH","path":"/Users/bulkId:a","data":{"Operations":[{"op":"remove","path":"name"}]}}]}`)
	f.Add(uint8(5), "", `{"filter":"emails[value co \"@\"] or not (active eq false)","count":-1,"startIndex":"x"}`)
	f.Fuzz(func(t *testing.T, which uint8, query, body string) {
		store := NewMemoryStore()
		h := &Handler{Store: store, Auth: StaticTokens{"t": "acme"}, Models: fuzzModels{}}
		serve := func(method, path string) {
			req := httptest.NewRequest(method, "/scim/v2"+path, strings.NewReader(body))
			req.URL.RawQuery = query
			req.Header.Set("Authorization", "Bearer t")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 && rec.Code != 501 {
				t.Fatalf("%s %s?%s with %q: %d %s", method, path, query, body, rec.Code, rec.Body)
			}
		}
		// A user to act on, with a manager reference and custom values.
		u := &User{ID: "u1", UserName: "a@b.c", Active: true, Emails: []MultiValue{{Value: "a@b.c", Type: "work", Primary: true}},
			Custom: map[string]string{"Department": "IT"}, Meta: Meta{ResourceType: "User", Version: `W/"1"`}}
		if err := store.CreateUser(t.Context(), "acme", u); err != nil {
			t.Fatal(err)
		}
		routes := []struct{ method, path string }{
			{"POST", "/Users"}, {"GET", "/Users"}, {"PATCH", "/Users/u1"}, {"PUT", "/Users/u1"},
			{"POST", "/Bulk"}, {"POST", "/Users/.search"}, {"GET", "/Users/u1"}, {"DELETE", "/Users/u1"},
			{"GET", "/Schemas"}, {"GET", "/ServiceProviderConfig"},
		}
		r := routes[int(which)%len(routes)]
		serve(r.method, r.path)
	})
}

type fuzzModels struct{}

var fuzzModel = NewModel([]CustomAttribute{
	{Name: "Department", Type: CustomOption},
	{Name: "Employed Since", Type: CustomDate, Aliases: []string{"Employed_Since"}},
	{Name: "Salary", Type: CustomNumber},
	{Name: "Manager", Type: CustomEmployee},
})

func (fuzzModels) Model(_ context.Context, _ string) (*Model, error) { return fuzzModel, nil }

// FuzzHandlerBulk sends arbitrary bulk requests, with and without a batch:
// the answer is never a server error, for the request or any operation, and
// every operation is charged to the rate limit exactly once.
func FuzzHandlerBulk(f *testing.F) {
	chain := `{"Operations":[` +
		`{"method":"POST","path":"/Users","bulkId":"b0","data":{"userName":"a@b.c","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:b1"}}}},` +
		`{"method":"POST","path":"/Users","bulkId":"b1","data":{"userName":"b@b.c","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:b2"}}}},` +
		`{"method":"POST","path":"/Users","bulkId":"b2","data":{"userName":""}}]}`
	f.Add(false, chain)
	f.Add(true, strings.Replace(chain, `"userName":""`, `"userName":"c@b.c"`, 1))
	f.Add(true, `{"failOnErrors":1,"Operations":[{"method":"POST","path":"/Users","bulkId":"x","data":{"userName":"x@y.z","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Manager":"bulkId:x"}}},{"method":"PATCH","path":"/Users/bulkId:x","data":{"Operations":[{"op":"add","path":"emails","value":[{"value":"bulkId:x"}]}]}}]}`)
	f.Add(false, `{"Operations":[{"method":"DELETE","path":"/Users/u1","version":"W/\"1\""},{"method":"PUT","path":"/Users/bulkId:","data":{"userName":"bulkId:"}},{"method":"GET","path":"/Groups/1"}]}`)
	f.Fuzz(func(t *testing.T, batch bool, body string) {
		mem := NewMemoryStore()
		var st Store = mem
		if batch {
			st = batchStore{MemoryStore: mem}
		}
		lim := &countingLimiter{}
		h := &Handler{Store: st, Auth: StaticTokens{"t": "acme"}, Models: fuzzModels{}, RateLimit: lim, MaxBulkOperations: 50}
		u := &User{ID: "u1", UserName: "a@b.c", Active: true, Meta: Meta{ResourceType: "User", Version: `W/"1"`}}
		if err := mem.CreateUser(t.Context(), "acme", u); err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("POST", "/scim/v2/Bulk", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%q: %d %s", body, rec.Code, rec.Body)
		}
		if rec.Code != 200 {
			return
		}
		var out struct{ Operations []bulkOpOut }
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%q: the answer is not JSON: %v\n%s", body, err, rec.Body)
		}
		for _, o := range out.Operations {
			if n, _ := strconv.Atoi(o.Status); n >= 500 && n != 501 {
				t.Errorf("%q: operation %+v answered %s: %s", body, o, o.Status, o.Response)
			}
		}
		// Every operation of the request is charged once, before the
		// batch (prepay): those failOnErrors leaves without a result too.
		var in bulkRequest
		if err := json.Unmarshal([]byte(body), &in); err != nil {
			t.Fatalf("%q: answered 200 but does not decode: %v", body, err)
		}
		if len(out.Operations) == 0 || lim.asked != len(in.Operations) {
			t.Errorf("%q: %d operations, %d results, %d operations charged", body, len(in.Operations), len(out.Operations), lim.asked)
		}
	})
}
