package scim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPager checks that a Pager gives the same page as sorting every match
// and slicing, whether users arrive in order or shuffled.
func TestPager(t *testing.T) {
	m := NewModel(nil)
	var users []*User
	for i := range 50 {
		users = append(users, &User{ID: fmt.Sprintf("id%02d", i), UserName: fmt.Sprintf("u%02d", (i*7)%50), Active: i%3 != 0})
	}
	ids := func(us []*User) []string {
		out := []string{}
		for _, u := range us {
			out = append(out, u.ID)
		}
		return out
	}
	for _, c := range []struct {
		filter, sortBy string
		start, count   int
	}{
		{"", "", 1, 10}, {"active eq true", "", 5, 7}, {"active eq true", "userName", 1, 100},
		{"", "userName", 45, 10}, {"", "userName", 60, 10}, {"active eq false", "userName", 2, 0},
		{"", "", 1, 0}, {"userName sw \"u1\"", "userName", 3, 4},
		// startIndex+count past the largest int: an empty page, no panic.
		{"", "userName", math.MaxInt, 10}, {"", "", math.MaxInt, 10}, {"", "userName", math.MaxInt - 5, math.MaxInt},
		{"", "userName", 48, math.MaxInt}, {"active eq true", "", math.MaxInt - 1, 1},
	} {
		t.Run(fmt.Sprintf("%s|%s|%d|%d", c.filter, c.sortBy, c.start, c.count), func(t *testing.T) {
			q, err := m.NewQuery(c.filter, c.sortBy, "descending", c.start, c.count)
			if err != nil {
				t.Fatal(err)
			}
			// The expected page: every match, sorted, sliced.
			var all []*User
			for _, u := range users {
				if q.Matches(u) {
					all = append(all, u)
				}
			}
			sorted := append([]*User(nil), all...)
			slices.SortFunc(sorted, q.Compare)
			want := []string{}
			if c.start-1 < len(sorted) {
				want = ids(sorted[c.start-1 : c.start-1+min(len(sorted)-(c.start-1), c.count)])
			}
			for _, ordered := range []bool{true, false} {
				p := q.Pager(ordered)
				in := append([]*User(nil), users...)
				if ordered {
					slices.SortFunc(in, q.Compare)
				} else {
					rand.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
				}
				for _, u := range in {
					p.Offer(u)
				}
				page := p.Page()
				if page.Total != len(all) {
					t.Errorf("ordered=%t: total %d, want %d", ordered, page.Total, len(all))
				}
				if diff := cmp.Diff(want, ids(page.Users)); diff != "" {
					t.Errorf("ordered=%t: page (-want +got):\n%s", ordered, diff)
				}
			}
		})
	}
}

// TestPagerBounds checks a Query built by hand, not through NewQuery, with
// bounds NewQuery would have clamped: the Pager clamps them the same way.
func TestPagerBounds(t *testing.T) {
	users := []*User{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	for _, c := range []struct {
		start, count int
		want         []string
	}{
		{math.MinInt, 2, []string{"a", "b"}},
		{0, 5, []string{"a", "b", "c"}},
		{-1, math.MaxInt, []string{"a", "b", "c"}},
		{2, -5, []string{}},
		{math.MaxInt, math.MaxInt, []string{}},
		{3, math.MaxInt, []string{"c"}},
	} {
		for _, ordered := range []bool{true, false} {
			q := &Query{StartIndex: c.start, Count: c.count}
			p := q.Pager(ordered)
			for _, u := range users {
				p.Offer(u)
			}
			page := p.Page()
			got := []string{}
			for _, u := range page.Users {
				got = append(got, u.ID)
			}
			if d := cmp.Diff(c.want, got); d != "" || page.Total != 3 {
				t.Errorf("startIndex %d, count %d, ordered=%t: total %d, page (-want +got):\n%s", c.start, c.count, ordered, page.Total, d)
			}
		}
	}
}
