package sqlstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
)

// TestOrChain runs the lookup of a page's references: thousands of
// equalities on id, userName, emails.value and externalId in one left-deep
// "or", built as a Filter value (no parser limits), which both databases
// answer in one statement of one IN list per attribute.
func TestOrChainSQLite(t *testing.T)   { testOrChain(t, openSQLite(t)) }
func TestOrChainPostgres(t *testing.T) { testOrChain(t, openPostgres(t)) }

func testOrChain(t *testing.T, st *Store) {
	createPlanUsers(t, st)
	var f scim.Filter
	add := func(name, sub, v string) {
		e := &scim.AttrExpr{Path: scim.AttrPath{Name: name, Sub: sub}, Op: scim.OpEqual, Value: v}
		if f == nil {
			f = e
			return
		}
		f = &scim.LogicalExpr{Op: "or", Left: f, Right: e}
	}
	want := map[string]bool{}
	for i := range 1500 { // ids: the even ones below 300 exist
		add("id", "", fmt.Sprintf("id-%04d", 2*i))
		if 2*i < 300 {
			want[fmt.Sprintf("id-%04d", 2*i)] = true
		}
	}
	for i := 1; i < 300; i += 10 { // users named by a key, in other cases
		k := []string{fmt.Sprintf("USER%04d@EXAMPLE.COM", i), fmt.Sprintf("Mail%04d@Example.com", i), fmt.Sprintf("ext-%04d", i)}[i%3]
		for _, p := range [][2]string{{"userName", ""}, {"emails", "value"}, {"externalId", ""}} {
			add(p[0], p[1], k)
		}
		want[fmt.Sprintf("id-%04d", i)] = true
	}
	add("externalId", "", "EXT-0003") // externalId is caseExact: nobody
	q, err := planModel.NewFilterQuery(f, 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if sq := st.compile("acme", q); !sq.exact {
		t.Errorf("the chain is not pushed down entirely")
	}
	page, err := st.ListUsers(context.Background(), "acme", q)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, u := range page.Users {
		got[u.ID] = true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("users found (-want +got):\n%s", diff)
	}
	if page.Total != len(want) {
		t.Errorf("total %d, want %d", page.Total, len(want))
	}
}
