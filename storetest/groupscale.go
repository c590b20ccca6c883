package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scim"
)

// loadMany creates n users "<prefix>00000".. of the tenant, in one batch
// when the store can.
func loadMany(t *testing.T, st scim.Store, tenant, prefix string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	create := func(s scim.Store) error {
		for i := range n {
			ids[i] = fmt.Sprintf("%s%05d", prefix, i)
			u := &scim.User{ID: ids[i], UserName: ids[i] + "@example.com", Active: true, Meta: scim.Meta{ResourceType: "User", Created: base, LastModified: base, Version: `W/"1"`}}
			if err := s.CreateUser(context.Background(), tenant, u); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	if b, ok := st.(scim.Batcher); ok {
		err = b.Batch(context.Background(), create)
	} else {
		err = create(st)
	}
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// testLargeMemberChange: a change naming more members than a store
// handles in one statement is still one atomic write: an unknown member
// at the end refuses it whole, duplicates are kept once.
func testLargeMemberChange(t *testing.T, st scim.Store, gs scim.GroupStore) {
	ctx := context.Background()
	ids := loadMany(t, st, tenant, "m", 1300)
	g := group("big", "Big", 1)
	for _, id := range ids[:1200] {
		g.Members = append(g.Members, scim.Member{Value: id})
	}
	g.Members = append(g.Members, scim.Member{Value: ids[0]})
	if err := gs.CreateGroup(ctx, tenant, g); err != nil {
		t.Fatal(err)
	}
	if got := members(t, gs, tenant, "big"); len(got) != 1200 || got[0] != "User:"+ids[0] || got[1199] != "User:"+ids[1199] {
		t.Fatalf("%d members after creating with 1,200", len(got))
	}
	var add []scim.Member
	for _, id := range ids[1200:] {
		add = append(add, scim.Member{Value: id})
	}
	for range 1100 {
		add = append(add, scim.Member{Value: ids[0]})
	}
	add = append(add, scim.Member{Value: "ghost"})
	if err := gs.UpdateGroup(ctx, tenant, bump(g, 1), g.Meta.Version, scim.MemberChange{Add: add, Remove: ids[1:1100]}); !errors.Is(err, scim.ErrNoMember) {
		t.Errorf("a change whose last member is unknown = %v, want ErrNoMember", err)
	}
	if got := members(t, gs, tenant, "big"); len(got) != 1200 {
		t.Errorf("a refused change left %d members, want 1,200", len(got))
	}
	if err := gs.UpdateGroup(ctx, tenant, bump(g, 1), g.Meta.Version, scim.MemberChange{Add: add[:len(add)-1], Remove: ids[1:1100]}); err != nil {
		t.Fatal(err)
	}
	if got := members(t, gs, tenant, "big"); len(got) != 1+100+100 {
		t.Errorf("after removing 1,099 and adding 100: %d members, want 201", len(got))
	}
}

// testMembersYield: yield may call the store, a write included, while
// Members streams a group larger than one chunk: the store holds no lock
// or connection across it.
func testMembersYield(t *testing.T, st scim.Store, gs scim.GroupStore) {
	ctx := context.Background()
	ids := loadMany(t, st, tenant, "y", 1100)
	g := group("big", "Big", 1)
	for _, id := range ids {
		g.Members = append(g.Members, scim.Member{Value: id})
	}
	if err := gs.CreateGroup(ctx, tenant, g); err != nil {
		t.Fatal(err)
	}
	if err := gs.CreateGroup(ctx, tenant, group("other", "Other", 2)); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := gs.Members(ctx, tenant, "big", func(m scim.Member) error {
		if n++; n != 1 && n != 1050 {
			return nil
		}
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		cur, err := gs.GetGroup(qctx, tenant, "other")
		if err != nil {
			return err
		}
		return gs.UpdateGroup(qctx, tenant, bump(cur, n), cur.Meta.Version, scim.MemberChange{Add: []scim.Member{{Value: m.Value}}})
	})
	if err != nil {
		t.Fatalf("a read and a write from inside yield: %v", err)
	}
	if n != len(ids) {
		t.Errorf("yielded %d members, want %d", n, len(ids))
	}
	if got := members(t, gs, tenant, "other"); len(got) != 2 {
		t.Errorf("the writes from inside yield left %v", got)
	}
}

// loadGroups creates n groups "g000".. ("G 000"...), created a minute
// apart, with the members members(i) names, in one batch when the store
// can.
func loadGroups(t *testing.T, st scim.Store, n int, members func(i int) []string) {
	t.Helper()
	create := func(s scim.Store) error {
		gs := s.(scim.GroupStore)
		for i := range n {
			g := group(fmt.Sprintf("g%03d", i), fmt.Sprintf("G %03d", i), i, members(i)...)
			if err := gs.CreateGroup(context.Background(), tenant, g); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	if b, ok := st.(scim.Batcher); ok {
		err = b.Batch(context.Background(), func(s scim.Store) error {
			if _, ok := s.(scim.GroupStore); !ok {
				return create(st)
			}
			return create(s)
		})
	} else {
		err = create(st)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// testMemberTestsPaged: member tests under or and not give the same
// answers over more candidates than a store asks about at once.
func testMemberTestsPaged(t *testing.T, st scim.Store, gs scim.GroupStore) {
	loadGroupFixture(t, st, tenant)
	loadGroups(t, st, 1100, func(i int) []string {
		var m []string
		if i%3 == 0 {
			m = append(m, "u1")
		}
		if i%5 == 0 {
			m = append(m, "u2")
		}
		return m
	})
	for _, c := range []struct {
		filter string
		total  int
		first  string
	}{
		{`members eq "u1" or members eq "u2"`, 367 + 220 - 74, "g000"},
		{`not (members eq "u1") and members[value eq "u2"]`, 220 - 74, "g005"},
		{`members.value eq "u3" or displayName eq "G 1099"`, 1, "g1099"},
		{`members eq "u3" or displayName eq "G 007" or members eq "nobody"`, 1, "g007"},
	} {
		q, err := scim.NewGroupQuery(c.filter, "", "", 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		p, err := gs.ListGroups(context.Background(), tenant, q)
		if err != nil {
			t.Fatalf("%s: %v", c.filter, err)
		}
		first := ""
		if len(p.Groups) > 0 {
			first = p.Groups[0].ID
		}
		if p.Total != c.total || first != c.first {
			t.Errorf("%s: total %d, first %q; want %d, %q", c.filter, p.Total, first, c.total, c.first)
		}
	}
}

// testMemberDeleteRace: a user deleted while a write adds it to a group is
// never left a member: either the add fails (ErrNoMember) or the deletion
// removes the membership it committed before.
func testMemberDeleteRace(t *testing.T, st scim.Store, gs scim.GroupStore) {
	ctx := context.Background()
	const n = 200
	ids := loadMany(t, st, tenant, "r", n)
	loadGroups(t, st, n, func(int) []string { return nil })
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		gid := fmt.Sprintf("g%03d", i)
		wg.Add(2)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			g, err := gs.GetGroup(ctx, tenant, gid)
			if err == nil {
				err = gs.UpdateGroup(ctx, tenant, bump(g, 1), g.Meta.Version, scim.MemberChange{Add: []scim.Member{{Value: ids[i]}}})
			}
			if err != nil && !errors.Is(err, scim.ErrNoMember) {
				errs <- fmt.Errorf("adding %s to %s: %v", ids[i], gid, err)
			}
		}()
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := st.DeleteUser(ctx, tenant, ids[i], ""); err != nil {
				errs <- fmt.Errorf("deleting %s: %v", ids[i], err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	left := 0
	for i := range n {
		left += len(members(t, gs, tenant, fmt.Sprintf("g%03d", i)))
	}
	if left > 0 {
		t.Errorf("%d of %d deleted users are still members of a group", left, n)
	}
}

// testGroupPaging: a list without filter pages through every group once,
// in the store's order or by id either way, with the total on each page.
func testGroupPaging(t *testing.T, st scim.Store, gs scim.GroupStore) {
	ctx := context.Background()
	const n = 1100
	loadGroups(t, st, n, func(int) []string { return nil })
	seen := map[string]bool{}
	for start := 1; start <= n; start += 100 {
		q, _ := scim.NewGroupQuery("", "", "", start, 100)
		p, err := gs.ListGroups(ctx, tenant, q)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != n || len(p.Groups) != 100 {
			t.Fatalf("page at %d: %d groups of %d", start, len(p.Groups), p.Total)
		}
		for _, g := range p.Groups {
			if seen[g.ID] || g.DisplayName == "" || g.Meta.Version == "" {
				t.Errorf("page at %d: %+v (seen before: %v)", start, g, seen[g.ID])
			}
			seen[g.ID] = true
		}
	}
	if len(seen) != n {
		t.Errorf("paging saw %d groups, want %d", len(seen), n)
	}
	for _, c := range []struct {
		sortBy, order string
		start, count  int
		want          []string
	}{
		{"id", "descending", 1098, 5, []string{"g002", "g001", "g000"}},
		{"", "descending", 1, 2, []string{"g999", "g998"}},
		{"id", "", 1000, 2, []string{"g899", "g900"}}, // bytewise: g100, g1000..g1099, g101
		{"", "", 1, 0, nil},
		{"", "", 1101, 10, nil},
	} {
		q, _ := scim.NewGroupQuery("", c.sortBy, c.order, c.start, c.count)
		p, err := gs.ListGroups(ctx, tenant, q)
		if err != nil {
			t.Fatal(err)
		}
		if got := groupIDs(p); p.Total != n || len(got)+len(c.want) > 0 && !slices.Equal(got, c.want) {
			t.Errorf("sortBy=%q %s start %d count %d: %v of %d, want %v", c.sortBy, c.order, c.start, c.count, got, p.Total, c.want)
		}
	}
}
