package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

// writeCountingStore embeds *MemoryStore and counts its own writes.
type writeCountingStore struct {
	*MemoryStore
	creates, updates, deletes int
}

func (s *writeCountingStore) CreateUser(ctx context.Context, tenant string, u *User) error {
	s.creates++
	return s.MemoryStore.CreateUser(ctx, tenant, u)
}

func (s *writeCountingStore) UpdateUser(ctx context.Context, tenant string, u *User, version string) error {
	s.updates++
	return s.MemoryStore.UpdateUser(ctx, tenant, u, version)
}

func (s *writeCountingStore) DeleteUser(ctx context.Context, tenant, id, version string) error {
	s.deletes++
	return s.MemoryStore.DeleteUser(ctx, tenant, id, version)
}

// TestEmbeddedStoreWrites: a store that embeds *MemoryStore and defines
// its own writes has every write go through them. The handler may not
// reach the memory store around them (an optional method of the memory
// store's, exported or not, is promoted through the embedding and would
// be found on the wrapper): twice a faster path for the memory store's
// writes did, and was reverted.
func TestEmbeddedStoreWrites(t *testing.T) {
	st := &writeCountingStore{MemoryStore: NewMemoryStore()}
	h := &Handler{Store: st, Auth: StaticTokens{"tok": "acme"}}
	w := serve(h, http.MethodPost, "/Users", `{"userName":"ann@example.com"}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", w.Code, w.Body)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil || created.ID == "" {
		t.Fatalf("POST answered %s (%v)", w.Body, err)
	}
	path := "/Users/" + created.ID
	if w := serve(h, http.MethodPatch, path, `{"Operations":[{"op":"replace","path":"title","value":"Engineer"}]}`); w.Code != http.StatusOK {
		t.Fatalf("PATCH: %d %s", w.Code, w.Body)
	}
	if w := serve(h, http.MethodPut, path, `{"userName":"ann@example.com","title":"Lead"}`); w.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", w.Code, w.Body)
	}
	if w := serve(h, http.MethodDelete, path, ""); w.Code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", w.Code, w.Body)
	}
	if st.creates != 1 || st.updates != 2 || st.deletes != 1 {
		t.Errorf("the wrapper saw %d creates, %d updates, %d deletes; want 1, 2, 1", st.creates, st.updates, st.deletes)
	}
}
