package sqlstore

import (
	"context"
	"fmt"
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
			var users []*scim.User
			g := &scim.Group{ID: "g", DisplayName: "G", Meta: scim.Meta{Version: `W/"1"`}}
			for i := range 2*memberReadChunk + 10 {
				id := fmt.Sprintf("u%05d", i)
				users = append(users, &scim.User{ID: id, UserName: id + "@example.com", Meta: scim.Meta{Version: `W/"1"`}})
				g.Members = append(g.Members, scim.Member{Value: id})
			}
			if err := st.CreateUsers(ctx, "acme", users); err != nil {
				t.Fatal(err)
			}
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
