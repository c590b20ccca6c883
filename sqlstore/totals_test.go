package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/scimkit/scim"
)

// TestTotalsSQLite pages through a result: the total is counted once, and
// counted again after a commit by the store or by another connection to
// the same file (another process).
func TestTotalsSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "scim.db")
	st, other := openSQLiteFile(t, path), openSQLiteFile(t, path)
	user := func(i int) *scim.User {
		return &scim.User{ID: fmt.Sprintf("u%03d", i), UserName: fmt.Sprintf("user%03d", i),
			Name: scim.Name{FamilyName: fmt.Sprintf("Adams%03d", i)}, Meta: scim.Meta{Version: "v"}}
	}
	var users []*scim.User
	for i := range 30 {
		users = append(users, user(i))
	}
	if err := st.CreateUsers(ctx, "acme", users); err != nil {
		t.Fatal(err)
	}
	check := func(step string, start, wantTotal int, wantCounts int64) {
		t.Helper()
		p := listUsers(t, st, planModel, `name.familyName sw "adams"`, "", start, 5)
		if p.Total != wantTotal || len(p.Users) != 5 {
			t.Errorf("%s: %d users of %d, want 5 of %d", step, len(p.Users), p.Total, wantTotal)
		}
		if n := st.counts.Load(); n != wantCounts {
			t.Errorf("%s: %d counts so far, want %d", step, n, wantCounts)
		}
	}
	check("first page", 1, 30, 1)
	check("second page", 6, 30, 1)
	check("third page", 11, 30, 1)
	if err := st.CreateUser(ctx, "acme", user(30)); err != nil {
		t.Fatal(err)
	}
	check("after a create", 1, 31, 2)
	check("after a create, again", 6, 31, 2)
	if err := other.CreateUser(ctx, "acme", user(31)); err != nil {
		t.Fatal(err)
	}
	check("after another connection's create", 1, 32, 3)
	if err := other.DeleteUser(ctx, "acme", "u000", ""); err != nil {
		t.Fatal(err)
	}
	check("after another connection's delete", 1, 31, 4)
	// Another tenant's query is another count.
	q, _ := planModel.NewQuery(`name.familyName sw "adams"`, "", "", 1, 5)
	if p, err := st.ListUsers(ctx, "other", q); err != nil || p.Total != 0 {
		t.Errorf("other tenant: %v, %v; want total 0", p, err)
	}
	// Inside a batch the count is of the batch's own, uncommitted state,
	// and not kept.
	err := st.Batch(ctx, func(b scim.Store) error {
		if err := b.CreateUser(ctx, "acme", user(32)); err != nil {
			return err
		}
		p, err := b.ListUsers(ctx, "acme", q)
		if err != nil || p.Total != 32 {
			return fmt.Errorf("in the batch: %v, %v; want total 32", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check("after the batch", 1, 32, 7)
}
