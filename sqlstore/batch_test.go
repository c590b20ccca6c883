package sqlstore

import (
	"context"
	"errors"
	"testing"

	"github.com/scimkit/scim"
)

func testBatch(t *testing.T, st *Store) {
	ctx := context.Background()
	user := func(id, name string) *scim.User {
		return &scim.User{ID: id, UserName: name, Active: true, Meta: scim.Meta{Version: "v1"}}
	}
	boom := errors.New("boom")
	// A failing batch leaves nothing behind.
	err := st.Batch(ctx, func(b scim.Store) error {
		if err := b.CreateUser(ctx, "acme", user("a", "alice")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Batch = %v, want boom", err)
	}
	if _, err := st.GetUser(ctx, "acme", "a"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("a rolled-back batch's user exists: %v", err)
	}
	// A failed write inside a batch changes nothing and the batch goes on;
	// reads inside the batch see its writes.
	err = st.Batch(ctx, func(b scim.Store) error {
		if err := b.CreateUser(ctx, "acme", user("a", "alice")); err != nil {
			return err
		}
		if err := b.CreateUser(ctx, "acme", user("b", "ALICE")); !errors.Is(err, scim.ErrConflict) {
			t.Errorf("duplicate inside a batch = %v, want ErrConflict", err)
		}
		u, err := b.GetUser(ctx, "acme", "a")
		if err != nil {
			return err
		}
		u.Meta.Version = "v2"
		if err := b.UpdateUser(ctx, "acme", u, "v0"); !errors.Is(err, scim.ErrVersionMismatch) {
			t.Errorf("stale update inside a batch = %v, want ErrVersionMismatch", err)
		}
		if err := b.UpdateUser(ctx, "acme", u, "v1"); err != nil {
			return err
		}
		q, _ := scim.NewModel(nil).NewQuery(`userName eq "alice"`, "", "", 1, 10)
		p, err := b.ListUsers(ctx, "acme", q)
		if err != nil || p.Total != 1 {
			t.Errorf("ListUsers inside a batch: %v, %v", p, err)
		}
		return b.CreateUser(ctx, "acme", user("c", "carol"))
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, version := range map[string]string{"a": "v2", "c": "v1"} {
		if u, err := st.GetUser(ctx, "acme", id); err != nil || u.Meta.Version != version {
			t.Errorf("after the batch, %s: %v, %v; want version %s", id, u, err, version)
		}
	}
	if _, err := st.GetUser(ctx, "acme", "b"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("the failed write inside the batch left a user: %v", err)
	}
}

func TestBatchSQLite(t *testing.T)   { testBatch(t, openSQLite(t)) }
func TestBatchPostgres(t *testing.T) { testBatch(t, openPostgres(t)) }
