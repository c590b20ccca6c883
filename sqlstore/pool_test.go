package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scim"
)

// TestPoolBounds checks the connection pools' bounds: the defaults, and a
// store bounded to one connection serving concurrent reads, writes and
// batches that read inside their transaction (which must not wait for a
// second connection while holding the one there is).
func TestPoolBounds(t *testing.T) {
	for _, c := range []struct {
		name        string
		open        func(testing.TB, ...Option) *Store
		opts        []Option
		wantReaders int // the read pool's bound, with SQLite's commit watcher
	}{
		{"SQLite/default", openSQLite, nil, defaultSQLiteReaders + 1},
		{"SQLite/1", openSQLite, []Option{WithMaxConns(1)}, 2},
		{"SQLite/0", openSQLite, []Option{WithMaxConns(0)}, 2},
		{"Postgres/default", openPostgres, nil, defaultPostgresConns},
		{"Postgres/1", openPostgres, []Option{WithMaxConns(1)}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := c.open(t, c.opts...)
			if got := st.db.Stats().MaxOpenConnections; got != c.wantReaders {
				t.Errorf("read pool bound %d, want %d", got, c.wantReaders)
			}
			if got := st.w.Stats().MaxOpenConnections; st.d == sqlite && got != 1 {
				t.Errorf("SQLite writer pool bound %d, want 1", got)
			}
			// A guard against a deadlock, not a measurement: a test that
			// waits this long has hung.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			m := scim.NewModel(nil)
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 5 {
						id := fmt.Sprintf("g%d-%d", g, i)
						u := &scim.User{ID: id, UserName: id + "@example.com", ExternalID: "shared", Meta: scim.Meta{Version: `W/"1"`}}
						if err := st.CreateUser(ctx, "acme", u); err != nil {
							t.Errorf("CreateUser: %v", err)
							return
						}
						q, _ := m.NewQuery(`externalId eq "shared"`, "userName", "", 2, 3)
						if _, err := st.ListUsers(ctx, "acme", q); err != nil {
							t.Errorf("ListUsers: %v", err)
							return
						}
						err := st.Batch(ctx, func(b scim.Store) error {
							if _, err := b.GetUser(ctx, "acme", id); err != nil {
								return err
							}
							q, _ := m.NewQuery(`userName eq "`+id+`@example.com"`, "", "", 1, 1)
							if p, err := b.ListUsers(ctx, "acme", q); err != nil || len(p.Users) != 1 {
								return fmt.Errorf("in a batch: %v %v", p, err)
							}
							return b.DeleteUser(ctx, "acme", id, `W/"1"`)
						})
						if err != nil {
							t.Errorf("Batch: %v", err)
							return
						}
					}
				})
			}
			wg.Wait()
			if s := st.db.Stats(); s.OpenConnections > c.wantReaders {
				t.Errorf("%d connections open, bound %d", s.OpenConnections, c.wantReaders)
			}
		})
	}
}

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
