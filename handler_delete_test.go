package scim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// interleavingStore runs a write of another client between the handler's
// read of a user and its delete, as a concurrent PATCH landing at the
// wrong moment would.
type interleavingStore struct {
	*MemoryStore
	mu           sync.Mutex
	beforeDelete func() // run once, before the next DeleteUser
}

func (s *interleavingStore) DeleteUser(ctx context.Context, tenant, id, version string) error {
	s.mu.Lock()
	f := s.beforeDelete
	s.beforeDelete = nil
	s.mu.Unlock()
	if f != nil {
		f()
	}
	return s.MemoryStore.DeleteUser(ctx, tenant, id, version)
}

// TestDeleteCompareAndSwap checks that DELETE deletes the version it read:
// with If-Match, an update after the read is 412 and the user stays; without
// it, the delete goes through and its event carries the updated user.
func TestDeleteCompareAndSwap(t *testing.T) {
	for _, c := range []struct {
		name       string
		ifMatch    bool
		wantStatus int
		wantKept   bool
	}{
		{name: "If-Match", ifMatch: true, wantStatus: http.StatusPreconditionFailed, wantKept: true},
		{name: "unconditional", wantStatus: http.StatusNoContent},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := &interleavingStore{MemoryStore: NewMemoryStore()}
			var events []Event
			h := &Handler{Store: st, Auth: StaticTokens{testToken: "acme"}, OnChange: func(_ context.Context, e Event) { events = append(events, e) }}
			mux := http.NewServeMux()
			mux.Handle("/scim/v2/", h)
			srv := httptest.NewServer(mux)
			defer srv.Close()
			s := &testServer{Server: srv, h: h, store: st.MemoryStore, t: t}

			res := s.do("POST", "/scim/v2/Users", oktaUser(1))
			id, etag := s.expect(res, http.StatusCreated)["id"].(string), res.header.Get("ETag")
			st.beforeDelete = func() {
				u, err := st.GetUser(context.Background(), "acme", id)
				if err != nil {
					t.Error(err)
					return
				}
				old := u.Meta.Version
				u.Title = "promoted meanwhile"
				u.Meta.Version = nextVersion(old)
				if err := st.UpdateUser(context.Background(), "acme", u, old); err != nil {
					t.Error(err)
				}
			}
			var hdr []string
			if c.ifMatch {
				hdr = []string{"If-Match", etag}
			}
			s.expect(s.do("DELETE", "/scim/v2/Users/"+id, "", hdr...), c.wantStatus)

			got := s.do("GET", "/scim/v2/Users/"+id, "")
			if kept := got.status == http.StatusOK; kept != c.wantKept {
				t.Fatalf("after DELETE: GET answers %d, want the user kept: %v", got.status, c.wantKept)
			}
			if c.wantKept {
				if title := got.json(t)["title"]; title != "promoted meanwhile" {
					t.Errorf("kept user's title = %v, want the concurrent update's", title)
				}
				return
			}
			var deleted []string
			for _, e := range events {
				if e.Type == EventDeleted {
					deleted = append(deleted, e.Before.Title)
				}
			}
			if d := cmp.Diff([]string{"promoted meanwhile"}, deleted); d != "" {
				t.Errorf("deletion events' users' titles (-want +got):\n%s", d)
			}
		})
	}
}
