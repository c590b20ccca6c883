package scim

import (
	"context"
	"testing"
)

// TestMemoryStoreAdopt: the Handler's writes hand a *MemoryStore the user
// itself (adoptCreate, adoptUpdate), while the Store methods keep a copy
// the caller cannot reach.
func TestMemoryStoreAdopt(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	u := &User{ID: "1", UserName: "ann", Emails: []MultiValue{{Value: "ann@example.com"}}, Meta: Meta{Version: `W/"1"`}}
	if err := s.adoptCreate(ctx, "t", u); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ViewUser(ctx, "t", "1"); got != u {
		t.Errorf("adoptCreate stored a copy")
	}
	next := u.Clone()
	next.Title, next.Meta.Version = "Boss", `W/"2"`
	if err := s.adoptUpdate(ctx, "t", next, `W/"1"`); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ViewUser(ctx, "t", "1"); got != next {
		t.Errorf("adoptUpdate stored a copy")
	}

	mine := next.Clone()
	mine.Title, mine.Meta.Version = "Chief", `W/"3"`
	if err := s.UpdateUser(ctx, "t", mine, `W/"2"`); err != nil {
		t.Fatal(err)
	}
	mine.Title, mine.Emails[0].Value = "changed", "changed@example.com"
	got, _ := s.ViewUser(ctx, "t", "1")
	if got == mine || got.Title != "Chief" || got.Emails[0].Value != "ann@example.com" {
		t.Errorf("UpdateUser kept the caller's user: %+v", got)
	}
	other := &User{ID: "2", UserName: "bob", Emails: []MultiValue{{Value: "bob@example.com"}}}
	if err := s.CreateUser(ctx, "t", other); err != nil {
		t.Fatal(err)
	}
	other.Emails[0].Value = "changed@example.com"
	if got, _ := s.ViewUser(ctx, "t", "2"); got == other || got.Emails[0].Value != "bob@example.com" {
		t.Errorf("CreateUser kept the caller's user: %+v", got)
	}
}
