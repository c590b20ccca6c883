package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
)

// TestMembersHoldsNoConnection pins issue 23 item 5: Members releases its
// connection before yield runs, so that a reader blocked on a slow client
// holds none. With a pool of one connection, a query from inside yield
// (as another company's request would make) must not wait for it.
func TestMembersHoldsNoConnection(t *testing.T) {
	for _, c := range []struct {
		name string
		open func(t testing.TB, opts ...Option) *Store
	}{{"SQLite", openSQLite}, {"Postgres", openPostgres}} {
		t.Run(c.name, func(t *testing.T) {
			st := c.open(t, WithMaxConns(1))
			ctx := context.Background()
			users := createUsers(t, st, "u%05d", 2*memberReadChunk+10)
			g := &scim.Group{ID: "g", DisplayName: "G", Meta: scim.Meta{Version: `W/"1"`}, Members: membersOf(users)}
			if err := st.CreateGroup(ctx, "acme", g); err != nil {
				t.Fatal(err)
			}
			n := 0
			err := st.Members(ctx, "acme", "g", func(m scim.Member) error {
				if n++; n%memberReadChunk != 1 {
					return nil
				}
				qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				defer cancel()
				_, err := st.GetGroup(qctx, "other", "x")
				if err != scim.ErrNotFound {
					return fmt.Errorf("a query from inside yield at member %d: %v", n, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != len(users) {
				t.Errorf("yielded %d members, want %d", n, len(users))
			}
		})
	}
}

// TestMemberTestPaths: the three ways ListGroups answers member tests
// (probes, one scan of the values' memberships, probes after a scan found
// too many) give the same page and total.
func TestMemberTestPaths(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	users := createUsers(t, st, "u%02d", 20)
	for i := range 700 {
		g := &scim.Group{ID: fmt.Sprintf("g%03d", i), DisplayName: "G", Meta: scim.Meta{Version: `W/"1"`},
			Members: []scim.Member{{Value: users[i%20].ID}, {Value: users[(i+1)%20].ID}}}
		if err := st.CreateGroup(ctx, "acme", g); err != nil {
			t.Fatal(err)
		}
	}
	q, err := scim.NewGroupQuery(`members eq "u03" or (members eq "u07" and not (members eq "u08"))`, "", "", 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer func(p, v int) { probeLimit, valueScanLimit = p, v }(probeLimit, valueScanLimit)
	var want string
	for _, c := range []struct {
		name         string
		probe, value int
	}{{"probes", 1 << 30, 0}, {"scan", 0, 1 << 30}, {"scan over its limit", 0, 10}} {
		probeLimit, valueScanLimit = c.probe, c.value
		p, err := st.ListGroups(ctx, "acme", q)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(p.Total, groupIDs(p.Groups))
		if want == "" {
			want = got
		} else if got != want {
			t.Errorf("%s: %s, want %s", c.name, got, want)
		}
	}
	if want != "105 [g003 g006 g022 g023 g026]" {
		t.Errorf("probes: %s", want)
	}
}

func groupIDs(gs []*scim.Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	return out
}

// TestGroupsOfPlan pins issue 23 item 7 on SQLite: whatever the statistics
// (none, those of a store analysed empty, as a server analyses at start,
// or those of a loaded one), GroupsOf reads the users' memberships through
// the value index: not every membership of the company (the plan of one
// user without statistics), nor every group of it (with them).
func TestGroupsOfPlan(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	check := func(when string) {
		for _, n := range []int{1, 2} {
			args := []any{"acme", "u0001", "u0002"}[:1+n]
			rows, err := st.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+st.groupsOfSQL(n), args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rows.Close()
			if p := strings.Join(plan, "; "); !strings.HasPrefix(p, "SEARCH m USING INDEX group_members_value (company=? AND value=?)") {
				t.Errorf("GroupsOf's plan for %d users %s: %s; want a search of group_members_value by value first", n, when, p)
			}
		}
	}
	check("on a fresh store")
	if err := st.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	check("analysed empty")
	users := createUsers(t, st, "u%04d", 500)
	for i := range 10 {
		g := &scim.Group{ID: fmt.Sprintf("g%d", i), DisplayName: "G", Meta: scim.Meta{Version: `W/"1"`}, Members: membersOf(users)}
		if err := st.CreateGroup(ctx, "acme", g); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	check("analysed with 5,000 memberships")
	refs, err := st.GroupsOf(ctx, "acme", []string{"u0001", "u0499", "nobody"})
	if err != nil || len(refs["u0001"]) != 10 || len(refs["u0499"]) != 10 || len(refs) != 2 {
		t.Errorf("GroupsOf: %v, %v", refs, err)
	}
}

// TestGroupListPushdown pins issue 23 item 19: a page of a list without
// filter reads the page, not every group of the company: with a scan
// bound below the company's groups (WithMaxScan), it still answers, while
// a filter that needs the scan is refused.
func TestGroupListPushdown(t *testing.T) {
	st := openSQLite(t, WithMaxScan(500))
	ctx := context.Background()
	err := st.Batch(ctx, func(s scim.Store) error {
		for i := range 1100 {
			g := &scim.Group{ID: fmt.Sprintf("g%04d", i), DisplayName: "G", Meta: scim.Meta{Version: `W/"1"`}}
			if err := s.(scim.GroupStore).CreateGroup(ctx, "acme", g); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sortBy, order string
		first         string
	}{{"", "", "g0500"}, {"id", "descending", "g0599"}} {
		q, _ := scim.NewGroupQuery("", c.sortBy, c.order, 501, 100)
		p, err := st.ListGroups(ctx, "acme", q)
		if err != nil {
			t.Fatalf("a page of 100 of 1,100 groups, scans bounded at 500: %v", err)
		}
		if p.Total != 1100 || len(p.Groups) != 100 || p.Groups[0].ID != c.first {
			t.Errorf("sortBy=%q %s: %d of %d, first %s", c.sortBy, c.order, len(p.Groups), p.Total, p.Groups[0].ID)
		}
	}
	q, _ := scim.NewGroupQuery(`displayName sw "G"`, "", "", 1, 100)
	if _, err := st.ListGroups(ctx, "acme", q); !errors.Is(err, scim.ErrTooMany) {
		t.Errorf("a filter over 1,100 groups, scans bounded at 500: %v, want ErrTooMany", err)
	}
}
