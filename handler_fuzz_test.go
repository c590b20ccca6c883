package scim

import (
	"context"
	"net/http/httptest"
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
