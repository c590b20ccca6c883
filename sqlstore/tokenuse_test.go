package sqlstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/scimkit/scim"
)

// TestTouchTokenKeepsUserCache: recording a token's use (once a minute
// for every token in use) commits through the group commit saying it
// changed no user, so the user cache keeps its users past it; the use is
// recorded all the same, and an unknown token is ErrNotFound.
func TestTouchTokenKeepsUserCache(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	if !st.follow {
		t.Skip("the cache does not follow the wal-index here")
	}
	tok := &scim.Token{ID: "t1", Company: "acme", Hash: [32]byte{1}, Label: "okta", Created: time.Now().UTC()}
	u := benchUser(1)
	for _, err := range []error{ // in this order
		st.CreateCompany(ctx, &scim.Company{ID: "acme", Name: "Acme"}),
		st.CreateToken(ctx, tok),
		st.CreateUser(ctx, "acme", u),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// The first read fills the cache, the second is served from it.
	if _, err := st.ViewUser(ctx, "acme", u.ID); err != nil {
		t.Fatal(err)
	}
	before, err := st.ViewUser(ctx, "acme", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 8, 1, 2, 3, 0, time.UTC)
	if err := st.TouchToken(ctx, tok.ID, at); err != nil {
		t.Fatal(err)
	}
	// The cache lends the user it holds: the same one, unless emptied.
	if after, err := st.ViewUser(ctx, "acme", u.ID); err != nil || after != before {
		t.Errorf("after recording a token's use the user was read again (%v): the user cache was emptied", err)
	}
	got, err := st.TokenByHash(ctx, tok.Hash)
	if err != nil || !got.LastUsed.Equal(at) {
		t.Errorf("the token's last use is %v (%v), want %v", got.LastUsed, err, at)
	}
	if err := st.TouchToken(ctx, "no-such-token", at); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("touching an unknown token: %v, want ErrNotFound", err)
	}
}
