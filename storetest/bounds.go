package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

// testPageBounds checks pages at the edges of the int range: a startIndex
// past the end, up to the largest int, is an empty page with the right
// total, whatever the sort (pushed down or evaluated in Go) and count; a
// Query built by hand with a negative or zero bound is clamped as NewQuery
// would clamp it. Over HTTP, such a request answers 200, never 500.
func testPageBounds(t *testing.T, st scim.Store) {
	ctx := context.Background()
	m := sqlModel()
	users := sqlUsers()
	load(t, st, tenant, users)
	total := len(users)
	sorts := []string{"", "userName", "name.familyName", "addresses.locality", "emails.value",
		"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Level"}
	for _, sortBy := range sorts {
		for _, filter := range []string{"", `userName pr`, `addresses.locality pr or active eq true`} {
			for _, c := range []struct{ start, count int }{
				{math.MaxInt, 10}, {math.MaxInt - 1, 1}, {math.MaxInt - 5, math.MaxInt}, {math.MaxInt, 0},
				{total + 1, math.MaxInt}, {total, math.MaxInt}, {3, math.MaxInt}, {1, math.MaxInt},
			} {
				p, err := list(t, st, m, tenant, filter, sortBy, "", c.start, c.count)
				name := fmt.Sprintf("filter %q sortBy %q startIndex %d count %d", filter, sortBy, c.start, c.count)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				all, err := list(t, st, m, tenant, filter, sortBy, "", 1, total)
				if err != nil {
					t.Fatalf("%s: the whole list: %v", name, err)
				}
				items := 0 // the matches from startIndex on, at most count
				if c.start-1 < all.Total {
					items = min(all.Total-(c.start-1), c.count)
				}
				if p.Total != all.Total || len(p.Users) != items {
					t.Errorf("%s: total %d, %d users; want total %d, %d users", name, p.Total, len(p.Users), all.Total, items)
				}
			}
		}
	}

	// A Query built by hand: bounds below 1 and 0 are read as 1 and 0.
	for _, sortBy := range sorts {
		for _, c := range []struct{ start, count, items int }{
			{math.MinInt, 2, 2}, {0, 3, 3}, {-5, math.MaxInt, total}, {1, -1, 0}, {2, math.MinInt, 0},
		} {
			q, err := m.NewQuery("", sortBy, "", 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			q.StartIndex, q.Count = c.start, c.count
			p, err := st.ListUsers(ctx, tenant, q)
			if err != nil {
				t.Errorf("sortBy %q, Query{StartIndex: %d, Count: %d}: %v", sortBy, c.start, c.count, err)
				continue
			}
			if p.Total != total || len(p.Users) != c.items {
				t.Errorf("sortBy %q, Query{StartIndex: %d, Count: %d}: total %d, %d users; want %d, %d", sortBy, c.start, c.count, p.Total, len(p.Users), total, c.items)
			}
		}
	}

	// Over HTTP, through a Handler over the store.
	h := &scim.Handler{Store: st, Auth: scim.StaticTokens{"bounds-token": tenant}}
	for _, query := range []string{
		"sortBy=userName&startIndex=9223372036854775807&count=10",
		"sortBy=addresses.locality&startIndex=9223372036854775807&count=10",
		"startIndex=9223372036854775807&count=10",
		"sortBy=userName&startIndex=99999999999999999999&count=99999999999999999999",
		"sortBy=name.familyName&startIndex=9223372036854775800&count=9223372036854775807",
	} {
		req := httptest.NewRequest("GET", "/scim/v2/Users?"+query, nil)
		req.Header.Set("Authorization", "Bearer bounds-token")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("GET /Users?%s: %d %s", query, rec.Code, rec.Body)
			continue
		}
		var got struct {
			TotalResults, ItemsPerPage int
			Resources                  []json.RawMessage
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		type shape struct{ Total, Items, Resources int }
		if d := cmp.Diff(shape{total, 0, 0}, shape{got.TotalResults, got.ItemsPerPage, len(got.Resources)}); d != "" {
			t.Errorf("GET /Users?%s (-want +got):\n%s", query, d)
		}
	}
}
