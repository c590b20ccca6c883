package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

// testGroups checks a scim.GroupStore: memberships as rows (type resolved,
// duplicates kept once, unknown and foreign members refused without a
// change), compare-and-swap, list queries, the cascade of a user's or
// group's deletion, and tenant isolation.
func testGroups(t *testing.T, newStore func(t *testing.T) scim.Store) {
	implemented[scim.GroupStore](t, newStore(t))
	for _, c := range []struct {
		name string
		test func(*testing.T, scim.Store, scim.GroupStore)
	}{
		{"Membership", testMembership},
		{"Queries", testGroupQueries},
		{"Cascade", testGroupCascade},
		{"Tenants", testGroupTenants},
		{"LargeMemberChange", testLargeMemberChange},
		{"MembersYield", testMembersYield},
		{"MemberTestsPaged", testMemberTestsPaged},
		{"MemberDeleteRace", testMemberDeleteRace},
		{"Paging", testGroupPaging},
		{"Cursor", testGroupCursor},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := newStore(t)
			c.test(t, st, st.(scim.GroupStore))
		})
	}
}

func group(id, name string, minutes int, members ...string) *scim.Group {
	g := &scim.Group{ID: id, DisplayName: name, Meta: scim.Meta{
		ResourceType: "Group",
		Created:      base.Add(time.Duration(minutes) * time.Minute),
		LastModified: base.Add(time.Duration(minutes) * time.Minute),
		Version:      `W/"1"`,
	}}
	for _, m := range members {
		g.Members = append(g.Members, scim.Member{Value: m})
	}
	return g
}

// members returns "Type:value" of each member, in the store's order.
func members(t *testing.T, gs scim.GroupStore, tenant, id string) []string {
	t.Helper()
	out := []string{}
	err := gs.Members(context.Background(), tenant, id, func(m scim.Member) error {
		out = append(out, m.Type+":"+m.Value)
		return nil
	})
	if err != nil {
		t.Fatalf("Members(%s, %s): %v", tenant, id, err)
	}
	return out
}

func loadGroupFixture(t *testing.T, st scim.Store, tenant string) {
	t.Helper()
	load(t, st, tenant, []*scim.User{
		fixtureUser("u1", "one@example.com", 1, nil),
		fixtureUser("u2", "two@example.com", 2, nil),
		fixtureUser("u3", "three@example.com", 3, nil),
	})
}

func bump(g *scim.Group, minutes int) *scim.Group {
	c := *g
	c.Members = nil
	c.Meta.Version = `W/"` + string(rune('1'+minutes)) + `"`
	c.Meta.LastModified = base.Add(time.Duration(minutes) * time.Hour)
	return &c
}

func testMembership(t *testing.T, st scim.Store, gs scim.GroupStore) {
	ctx := context.Background()
	loadGroupFixture(t, st, tenant)
	if err := gs.CreateGroup(ctx, tenant, group("g1", "Admins", 1, "u1", "u1", "u2")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"User:u1", "User:u2"}, members(t, gs, tenant, "g1")); diff != "" {
		t.Errorf("members after create (-want +got):\n%s", diff)
	}
	if err := gs.CreateGroup(ctx, tenant, group("g2", "Nested", 2, "g1", "u3")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Group:g1", "User:u3"}, members(t, gs, tenant, "g2")); diff != "" {
		t.Errorf("nested group's members (-want +got):\n%s", diff)
	}
	if err := gs.CreateGroup(ctx, tenant, group("g3", "Bad", 3, "u1", "nobody")); !errors.Is(err, scim.ErrNoMember) {
		t.Errorf("CreateGroup with an unknown member = %v, want ErrNoMember", err)
	}
	if _, err := gs.GetGroup(ctx, tenant, "g3"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("a refused group was stored: GetGroup = %v", err)
	}
	got, err := gs.GetGroup(ctx, tenant, "g1")
	if err != nil {
		t.Fatal(err)
	}
	want := group("g1", "Admins", 1)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetGroup (no members) (-want +got):\n%s", diff)
	}

	// Add one (and one already there), remove one: only those rows change.
	next := bump(got, 1)
	next.DisplayName = "Administrators"
	ch := scim.MemberChange{Add: []scim.Member{{Value: "u3", Display: "three"}, {Value: "u2"}}, Remove: []string{"u1", "absent"}}
	if err := gs.UpdateGroup(ctx, tenant, next, `W/"1"`, ch); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"User:u2", "User:u3"}, members(t, gs, tenant, "g1")); diff != "" {
		t.Errorf("members after update (-want +got):\n%s", diff)
	}
	if got, _ := gs.GetGroup(ctx, tenant, "g1"); got == nil || got.DisplayName != "Administrators" || got.Meta.Version != next.Meta.Version {
		t.Errorf("GetGroup after update = %+v", got)
	}
	var display string
	_ = gs.Members(ctx, tenant, "g1", func(m scim.Member) error {
		if m.Value == "u3" {
			display = m.Display
		}
		return nil
	})
	if display != "three" {
		t.Errorf("member display = %q, want the one sent", display)
	}
	// A stale version, and an unknown member, change nothing.
	if err := gs.UpdateGroup(ctx, tenant, bump(next, 2), `W/"1"`, scim.MemberChange{Remove: []string{"u2"}}); !errors.Is(err, scim.ErrVersionMismatch) {
		t.Errorf("UpdateGroup with a stale version = %v, want ErrVersionMismatch", err)
	}
	if err := gs.UpdateGroup(ctx, tenant, bump(next, 2), next.Meta.Version, scim.MemberChange{Remove: []string{"u2"}, Add: []scim.Member{{Value: "ghost"}}}); !errors.Is(err, scim.ErrNoMember) {
		t.Errorf("UpdateGroup adding an unknown member = %v, want ErrNoMember", err)
	}
	if diff := cmp.Diff([]string{"User:u2", "User:u3"}, members(t, gs, tenant, "g1")); diff != "" {
		t.Errorf("a refused update changed members (-want +got):\n%s", diff)
	}
	if err := gs.UpdateGroup(ctx, tenant, bump(next, 3), next.Meta.Version, scim.MemberChange{Replace: true, Add: []scim.Member{{Value: "u1"}}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"User:u1"}, members(t, gs, tenant, "g1")); diff != "" {
		t.Errorf("members after replace (-want +got):\n%s", diff)
	}
	refs, err := gs.GroupsOf(ctx, tenant, []string{"u1", "u2", "u3"})
	if err != nil {
		t.Fatal(err)
	}
	wantRefs := map[string][]scim.GroupRef{
		"u1": {{Value: "g1", Display: "Administrators", Type: "direct"}},
		"u3": {{Value: "g2", Display: "Nested", Type: "direct"}},
	}
	if diff := cmp.Diff(wantRefs, refs); diff != "" {
		t.Errorf("GroupsOf (-want +got):\n%s", diff)
	}
	if err := gs.UpdateGroup(ctx, tenant, bump(next, 4), `W/"1"`, scim.MemberChange{}); !errors.Is(err, scim.ErrNotFound) && !errors.Is(err, scim.ErrVersionMismatch) {
		t.Errorf("UpdateGroup stale = %v", err)
	}
	if err := gs.UpdateGroup(ctx, tenant, group("nope", "x", 1), `W/"1"`, scim.MemberChange{}); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("UpdateGroup of a missing group = %v, want ErrNotFound", err)
	}
	if err := gs.Members(ctx, tenant, "nope", func(scim.Member) error { return nil }); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("Members of a missing group = %v, want ErrNotFound", err)
	}
	stop := errors.New("stop")
	if err := gs.Members(ctx, tenant, "g2", func(scim.Member) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("Members does not return yield's error: %v", err)
	}
	if err := gs.DeleteGroup(ctx, tenant, "g1", `W/"1"`); !errors.Is(err, scim.ErrVersionMismatch) {
		t.Errorf("DeleteGroup with a stale version = %v, want ErrVersionMismatch", err)
	}
}

func groupIDs(p *scim.GroupPage) []string {
	out := []string{}
	for _, g := range p.Groups {
		out = append(out, g.ID)
		if g.Members != nil {
			out = append(out, "(members loaded)")
		}
	}
	return out
}

func testGroupQueries(t *testing.T, st scim.Store, gs scim.GroupStore) {
	ctx := context.Background()
	loadGroupFixture(t, st, tenant)
	for _, g := range []*scim.Group{
		group("g1", "Sales", 3, "u1", "u2"),
		group("g2", "admins", 2, "u2"),
		group("g3", "Engineering", 1),
	} {
		if g.ID == "g3" {
			g.ExternalID = "ext-3"
		}
		if err := gs.CreateGroup(ctx, tenant, g); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		filter, sortBy, order string
		start, count          int
		want                  []string
		total                 int
	}{
		{"", "", "", 1, 100, []string{"g1", "g2", "g3"}, 3},
		{`displayName eq "ADMINS"`, "", "", 1, 100, []string{"g2"}, 1},
		{`externalId eq "ext-3"`, "", "", 1, 100, []string{"g3"}, 1},
		{`externalId eq "EXT-3"`, "", "", 1, 100, []string{}, 0},
		{`members.value eq "u2"`, "", "", 1, 100, []string{"g1", "g2"}, 2},
		{`members[value eq "u1"]`, "", "", 1, 100, []string{"g1"}, 1},
		{`id eq "g1" and members eq "u1"`, "", "", 1, 100, []string{"g1"}, 1},
		{`id eq "g2" and members eq "u1"`, "", "", 1, 100, []string{}, 0},
		{`displayName sw "s" or externalId pr`, "", "", 1, 100, []string{"g1", "g3"}, 2},
		{"", "displayName", "", 1, 100, []string{"g2", "g3", "g1"}, 3},
		{"", "meta.created", "descending", 1, 100, []string{"g1", "g2", "g3"}, 3},
		{"", "displayName", "", 2, 1, []string{"g3"}, 3},
		{"", "displayName", "", 4, 10, []string{}, 3},
		{"", "", "", 1, 0, []string{}, 3},
	} {
		q, err := scim.NewGroupQuery(c.filter, c.sortBy, c.order, c.start, c.count)
		if err != nil {
			t.Fatalf("NewGroupQuery(%q): %v", c.filter, err)
		}
		p, err := gs.ListGroups(ctx, tenant, q)
		if err != nil {
			t.Errorf("ListGroups(%q): %v", c.filter, err)
			continue
		}
		got := groupIDs(p)
		if c.sortBy == "" {
			slices.Sort(got) // the store's own order
		}
		if diff := cmp.Diff(c.want, got); diff != "" || p.Total != c.total {
			t.Errorf("ListGroups(%q sortBy %q %s, %d/%d): total %d, want %d (-want +got):\n%s", c.filter, c.sortBy, c.order, c.start, c.count, p.Total, c.total, diff)
		}
	}
}

func testGroupCascade(t *testing.T, st scim.Store, gs scim.GroupStore) {
	ctx := context.Background()
	loadGroupFixture(t, st, tenant)
	for _, g := range []*scim.Group{group("g1", "A", 1, "u1", "u2"), group("g2", "B", 2, "u1", "g1")} {
		if err := gs.CreateGroup(ctx, tenant, g); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DeleteUser(ctx, tenant, "u1", ""); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"User:u2"}, members(t, gs, tenant, "g1")); diff != "" {
		t.Errorf("g1 after deleting u1 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Group:g1"}, members(t, gs, tenant, "g2")); diff != "" {
		t.Errorf("g2 after deleting u1 (-want +got):\n%s", diff)
	}
	if err := gs.DeleteGroup(ctx, tenant, "g1", ""); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{}, members(t, gs, tenant, "g2")); diff != "" {
		t.Errorf("g2 after deleting g1 (-want +got):\n%s", diff)
	}
	if refs, err := gs.GroupsOf(ctx, tenant, []string{"u1", "u2"}); err != nil || len(refs) != 0 {
		t.Errorf("GroupsOf after the deletions = %v, %v; want none", refs, err)
	}
	if err := gs.DeleteGroup(ctx, tenant, "g1", ""); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("DeleteGroup twice = %v, want ErrNotFound", err)
	}
	// The user can be created again and is in no group.
	load(t, st, tenant, []*scim.User{fixtureUser("u1", "one@example.com", 9, nil)})
	if refs, err := gs.GroupsOf(ctx, tenant, []string{"u1"}); err != nil || len(refs) != 0 {
		t.Errorf("GroupsOf(recreated u1) = %v, %v; want none", refs, err)
	}
}

func testGroupTenants(t *testing.T, st scim.Store, gs scim.GroupStore) {
	ctx := context.Background()
	loadGroupFixture(t, st, "a")
	load(t, st, "b", []*scim.User{fixtureUser("ub", "b@example.com", 1, nil)})
	if err := gs.CreateGroup(ctx, "a", group("g1", "A", 1, "u1")); err != nil {
		t.Fatal(err)
	}
	if err := gs.CreateGroup(ctx, "b", group("gb", "B", 1, "u1")); !errors.Is(err, scim.ErrNoMember) {
		t.Errorf("a member of another tenant = %v, want ErrNoMember", err)
	}
	if err := gs.CreateGroup(ctx, "b", group("gb", "B", 1, "g1")); !errors.Is(err, scim.ErrNoMember) {
		t.Errorf("a group of another tenant as member = %v, want ErrNoMember", err)
	}
	if _, err := gs.GetGroup(ctx, "b", "g1"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetGroup in another tenant = %v, want ErrNotFound", err)
	}
	if err := gs.Members(ctx, "b", "g1", func(scim.Member) error { return nil }); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("Members in another tenant = %v, want ErrNotFound", err)
	}
	if err := gs.UpdateGroup(ctx, "b", bump(group("g1", "A", 1), 1), `W/"1"`, scim.MemberChange{Replace: true}); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("UpdateGroup in another tenant = %v, want ErrNotFound", err)
	}
	if err := gs.DeleteGroup(ctx, "b", "g1", ""); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("DeleteGroup in another tenant = %v, want ErrNotFound", err)
	}
	q, _ := scim.NewGroupQuery(`members eq "u1"`, "", "", 1, 100)
	if p, err := gs.ListGroups(ctx, "b", q); err != nil || p.Total != 0 {
		t.Errorf("ListGroups in another tenant = %v, %v", p, err)
	}
	if refs, err := gs.GroupsOf(ctx, "b", []string{"u1"}); err != nil || len(refs) != 0 {
		t.Errorf("GroupsOf in another tenant = %v, %v", refs, err)
	}
	// Deleting b's user of the same id leaves a's membership alone.
	load(t, st, "b", []*scim.User{fixtureUser("u1", "u1@b.example.com", 1, nil)})
	if err := st.DeleteUser(ctx, "b", "u1", ""); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"User:u1"}, members(t, gs, "a", "g1")); diff != "" {
		t.Errorf("a's group after deleting b's u1 (-want +got):\n%s", diff)
	}
}
