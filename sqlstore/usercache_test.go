package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

// TestUserCache pins that GetUser on SQLite answers from decoded users
// only while nothing was committed: a write through the store, or through
// another store on the same file (another process), is seen at once; and
// that what it returns is the caller's to change.
func TestUserCache(t *testing.T) {
	ctx := context.Background()
	a, b := openSQLitePair(t)
	u := benchUser(1)
	if err := a.CreateUser(ctx, "acme", u); err != nil {
		t.Fatal(err)
	}
	get := func(st *Store) *scim.User {
		t.Helper()
		got, err := st.GetUser(ctx, "acme", u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := get(a)
	if diff := cmp.Diff(u, first); diff != "" {
		t.Fatalf("GetUser (-created +got):\n%s", diff)
	}
	first.UserName = "changed by the caller"
	first.Emails[0].Value = "changed@example.com"
	if got := get(a); got.UserName != u.UserName || got.Emails[0].Value != u.Emails[0].Value {
		t.Fatalf("the cache handed out its own user: %q, %q", got.UserName, got.Emails[0].Value)
	}
	if n := len(a.users.m); n != 1 {
		t.Fatalf("cache holds %d users, want 1", n)
	}

	// Another store on the file, as another process would, updates.
	next := u.Clone()
	next.Name.GivenName = "Renamed"
	next.Meta.Version = `W/"2"`
	if err := b.UpdateUser(ctx, "acme", next, u.Meta.Version); err != nil {
		t.Fatal(err)
	}
	if got := get(a); got.Name.GivenName != "Renamed" {
		t.Fatalf("after another connection's commit, GetUser = %q, want the update", got.Name.GivenName)
	}
	// The store's own writes.
	next2 := next.Clone()
	next2.Active = false
	next2.Meta.Version = `W/"3"`
	if err := a.UpdateUser(ctx, "acme", next2, next.Meta.Version); err != nil {
		t.Fatal(err)
	}
	if got := get(a); got.Active {
		t.Fatal("after the store's own update, GetUser still shows the user active")
	}
	if err := b.DeleteUser(ctx, "acme", u.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetUser(ctx, "acme", u.ID); !errors.Is(err, scim.ErrNotFound) {
		t.Fatalf("after another connection's delete, GetUser = %v, want ErrNotFound", err)
	}
	// Tenants do not share entries.
	if _, err := a.GetUser(ctx, "other", u.ID); !errors.Is(err, scim.ErrNotFound) {
		t.Fatalf("another tenant's GetUser = %v, want ErrNotFound", err)
	}
}

func TestUserCacheBounded(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t, WithUserCache(3))
	for i := range 10 {
		if err := st.CreateUser(ctx, "acme", benchUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		if _, err := st.GetUser(ctx, "acme", benchUser(i).ID); err != nil {
			t.Fatal(err)
		}
		if n := len(st.users.m); n > 3 {
			t.Fatalf("after %d reads the cache holds %d users, bound 3", i+1, n)
		}
	}
	if off := openSQLite(t, WithUserCache(0)); off.users != nil {
		t.Fatal("WithUserCache(0) keeps a cache")
	}
}

// TestDataVersionShared checks that a data_version reading shared between
// concurrent requests still sees every commit acknowledged before each
// request arrived.
func TestDataVersionShared(t *testing.T) {
	ctx := context.Background()
	a, b := openSQLitePair(t)
	calls := 0
	for i := range 30 {
		before, err := a.totals.dv.read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.CreateUser(ctx, "acme", benchUser(i)); err != nil {
			t.Fatal(err)
		}
		got := make(chan int64, 8)
		for range 8 {
			go func() {
				v, err := a.totals.dv.read(ctx)
				if err != nil {
					t.Error(err)
				}
				got <- v
			}()
		}
		for range 8 {
			if v := <-got; v == before {
				t.Fatalf("commit %d: a request arriving after it read data_version %d, as before it", i, v)
			}
		}
		calls += 9
	}
	t.Logf("%d readings for %d requests", a.totals.dv.started.Load(), calls)
}

// TestViewUserLends pins that ViewUser lends the cached user (the same
// value twice, no copy) while GetUser copies, and that a commit ends the
// lending as it ends the cache.
func TestViewUserLends(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	var _ scim.UserViewer = st
	u := benchUser(1)
	if err := st.CreateUser(ctx, "acme", u); err != nil {
		t.Fatal(err)
	}
	view := func() *scim.User {
		t.Helper()
		v, err := st.ViewUser(ctx, "acme", u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	view() // fills the cache
	a, b := view(), view()
	if a != b {
		t.Error("ViewUser copied a cached user")
	}
	if g, err := st.GetUser(ctx, "acme", u.ID); err != nil || g == a {
		t.Errorf("GetUser lent the cached user (err %v)", err)
	}
	next := u.Clone()
	next.Title = "Boss"
	next.Meta.Version = `W/"2"`
	if err := st.UpdateUser(ctx, "acme", next, u.Meta.Version); err != nil {
		t.Fatal(err)
	}
	if got := view(); got == a || got.Title != "Boss" {
		t.Errorf("after a commit ViewUser lent %p with title %q, want a new user titled Boss", got, got.Title)
	}
	if _, err := st.ViewUser(ctx, "acme", "missing"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("ViewUser of a missing id: %v, want ErrNotFound", err)
	}
}

// TestUserCacheNeverStale races readers against writers on two stores on
// one file (the second standing for another process): a read that starts
// after a write was acknowledged must see that write or a later one,
// whichever store made it and whichever store reads.
func TestUserCacheNeverStale(t *testing.T) {
	ctx := context.Background()
	a, b := openSQLitePair(t)
	stores := []*Store{a, b}
	const users, writes = 8, 60
	var acked [users]atomic.Int64 // the newest acknowledged write of each user
	for i := range users {
		u := benchUser(i)
		u.Title = "0"
		if err := a.CreateUser(ctx, "acme", u); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	for i := range users { // one writer a user, alternating stores
		wg.Go(func() {
			u := benchUser(i)
			for n := 1; n <= writes; n++ {
				next := u.Clone()
				next.Title = strconv.Itoa(n)
				next.Meta.Version = fmt.Sprintf(`W/"%d"`, n)
				prev := `W/"1"`
				if n > 1 {
					prev = fmt.Sprintf(`W/"%d"`, n-1)
				}
				if err := stores[n%2].UpdateUser(ctx, "acme", next, prev); err != nil {
					t.Errorf("user %d, write %d: %v", i, n, err)
					return
				}
				acked[i].Store(int64(n))
			}
		})
	}
	var readers sync.WaitGroup
	for r := range 4 {
		readers.Go(func() {
			for k := 0; ; k++ {
				select {
				case <-done:
					return
				default:
				}
				i := (k*7 + r) % users
				floor := acked[i].Load()
				got, err := stores[(k+r)%2].GetUser(ctx, "acme", benchUser(i).ID)
				if err != nil {
					t.Error(err)
					return
				}
				if n, _ := strconv.Atoi(got.Title); int64(n) < floor {
					t.Errorf("user %d read write %d after write %d was acknowledged", i, n, floor)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	readers.Wait()
}

// TestUserCacheFollowsOwnWrites pins what a SQLite store's own writes do
// to its user cache (usercache.go): a write through the group commit
// leaves the users it did not touch cached and holds the one it wrote as
// stored; a delete forgets its user; a write that does not say what it did
// (a company's erasure) empties the cache.
func TestUserCacheFollowsOwnWrites(t *testing.T) {
	ctx := context.Background()
	st, other := openSQLitePair(t)
	if !st.follow {
		t.Fatal("a SQLite store on a file does not follow the wal-index")
	}
	if err := st.CreateCompany(ctx, &scim.Company{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	x, y := benchUser(1), benchUser(2)
	for _, u := range []*scim.User{x, y} {
		if err := st.CreateUser(ctx, "acme", u); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []*scim.User{x, y} {
		if _, err := st.GetUser(ctx, "acme", u.ID); err != nil {
			t.Fatal(err)
		}
	}
	cached := func(id string) *scim.User { return st.users.m[cachedKey{"acme", id}].u }
	if cached(x.ID) == nil || cached(y.ID) == nil {
		t.Fatal("the reads were not cached")
	}

	next := x.Clone()
	next.Title = "Updated"
	next.Meta.Version = `W/"2"`
	if err := st.UpdateUser(ctx, "acme", next, x.Meta.Version); err != nil {
		t.Fatal(err)
	}
	if cached(y.ID) == nil {
		t.Error("an update of x dropped y from the cache")
	}
	stored, err := other.GetUser(ctx, "acme", x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stored, cached(x.ID)); diff != "" {
		t.Errorf("the cache holds x otherwise than stored (-stored +cached):\n%s", diff)
	}

	if err := st.DeleteUser(ctx, "acme", y.ID, ""); err != nil {
		t.Fatal(err)
	}
	if cached(y.ID) != nil || cached(x.ID) == nil {
		t.Errorf("after deleting y: y cached %v, x cached %v; want only x", cached(y.ID) != nil, cached(x.ID) != nil)
	}
	if _, err := st.GetUser(ctx, "acme", y.ID); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetUser of the deleted user = %v, want ErrNotFound", err)
	}

	if err := st.DeleteCompany(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if n := len(st.users.m); n != 0 {
		t.Errorf("after the company's erasure the cache holds %d users", n)
	}
	if _, err := st.GetUser(ctx, "acme", x.ID); err == nil {
		t.Error("GetUser after the company's erasure found the user")
	}
}

// TestUpdateFromCache: an update takes the stored user from the cache,
// which follows the store's own writes, instead of reading it under the
// write lock; and reads it whenever the cache may not hold the database's
// user: a stale version, another process's commit, an earlier write of the
// same transaction to the same user.
func TestUpdateFromCache(t *testing.T) {
	ctx := context.Background()
	st, other := openSQLitePair(t)
	if err := st.CreateCompany(ctx, &scim.Company{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	x := benchUser(1)
	if err := st.CreateUser(ctx, "acme", x); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetUser(ctx, "acme", x.ID); err != nil {
		t.Fatal(err)
	}
	update := func(s *Store, from *scim.User, title string) (*scim.User, error) {
		next := from.Clone()
		next.Title = title
		next.Meta.Version = fmt.Sprintf(`W/"%s"`, title)
		return next, s.UpdateUser(ctx, "acme", next, from.Meta.Version)
	}
	reads := func() int64 { return st.group.lockedReads.Load() }

	v2, err := update(st, x, "2")
	if err != nil || reads() != 0 {
		t.Fatalf("first update: %v, %d locked reads, want none (the cache held the user)", err, reads())
	}
	v3, err := update(st, v2, "3")
	if err != nil || reads() != 0 {
		t.Fatalf("second update: %v, %d locked reads, want none (the cache followed the first)", err, reads())
	}
	if _, err := update(st, v2, "stale"); !errors.Is(err, scim.ErrVersionMismatch) || reads() != 1 {
		t.Fatalf("update from a stale version: %v, %d locked reads; want ErrVersionMismatch after one", err, reads())
	}
	v4, err := update(other, v3, "4") // another process
	if err != nil {
		t.Fatal(err)
	}
	if _, err := update(st, v4, "5"); err != nil || reads() != 2 {
		t.Fatalf("update after another process's: %v, %d locked reads, want 2", err, reads())
	}

	// In one transaction: x deleted, created again with the same id and
	// version and another email, then updated back to the first email.
	// The cache holds the first x at that version, but the third write
	// must diff against the second x, or the email index keeps its email.
	y := benchUser(2)
	if err := st.CreateUser(ctx, "acme", y); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetUser(ctx, "acme", y.ID); err != nil {
		t.Fatal(err)
	}
	again := y.Clone()
	again.Emails = []scim.MultiValue{{Value: "again@mail.example.com", Type: "work"}}
	back := y.Clone()
	back.Title = "back"
	back.Meta.Version = `W/"back"`
	errs := queueInOneGroup(t, st,
		func() error { return st.DeleteUser(ctx, "acme", y.ID, "") },
		func() error { return st.CreateUser(ctx, "acme", again) },
		func() error { return st.UpdateUser(ctx, "acme", back, y.Meta.Version) },
	)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("write %d of the group: %v", i, err)
		}
	}
	m := scim.NewModel(nil)
	for email, want := range map[string]int{y.Emails[0].Value: 1, "again@mail.example.com": 0} {
		if p := listUsers(t, other, m, `emails.value eq "`+email+`"`, "", 1, 10); p.Total != want {
			t.Errorf("emails.value eq %q: %d users, want %d", email, p.Total, want)
		}
	}
}

// TestUserCacheCommitWindow: between a described write's commit and its
// endWrite, a reader that finds the commit's header is served the users
// the write did not touch, and reads the database for the others, for a
// header that is not that commit's, and when the write is not described.
func TestUserCacheCommitWindow(t *testing.T) {
	var pre walHeader
	pre[0], pre[walChange], pre[4] = walIndexVersion, 41, 100
	post := pre
	post[walChange]++
	post[4] += 3
	later := post // another process's commit after this one's
	later[walChange]++
	x, y := &scim.User{ID: "x"}, &scim.User{ID: "y"}

	c := newUserCache(16)
	_, _, gen, usable := c.lookupAt("acme", "x", pre, true)
	if !usable {
		t.Fatal("a fresh cache cannot take the header")
	}
	c.putAt("acme", x, gen)
	c.putAt("acme", y, gen)
	hit := func(id string, h walHeader) bool {
		_, ok, _, _ := c.lookupAt("acme", id, h, true)
		return ok
	}

	c.beginWrite()
	if hit("y", post) {
		t.Error("before the write announced its commit, a new header found y")
	}
	c.committingWrite(pre, true, []userEffect{{tenant: "acme", id: "x", u: x}})
	if hit("y", post) {
		t.Error("before its COMMIT returned, the write's header served y: had it failed, that header could be another process's")
	}
	c.committed()
	for _, tc := range []struct {
		id   string
		h    walHeader
		want bool
	}{
		{"y", pre, true},    // read before the commit
		{"y", post, true},   // the commit's header: y untouched
		{"x", post, false},  // x touched
		{"y", later, false}, // a commit after this one: y may have changed
		{"z", post, false},  // not cached
	} {
		if got := hit(tc.id, tc.h); got != tc.want {
			t.Errorf("%s at iChange %d: hit %v, want %v", tc.id, tc.h[walChange], got, tc.want)
		}
	}
	c.endWrite(false, pre, pre, writerVersion{}, false, false, nil)

	c.beginWrite()
	c.committingWrite(pre, false, nil) // a write that said nothing of what it did
	c.committed()
	if hit("y", post) {
		t.Error("an undescribed write's commit window served y")
	}
	c.endWrite(false, pre, pre, writerVersion{}, false, false, nil)
	if c.committing != nil {
		t.Error("endWrite left the commit announced")
	}
}

// TestWALChangeCounter pins what untouched relies on: every commit adds
// one to the wal-index header's iChange, whichever connection commits,
// one for a transaction of several writes, and a checkpoint that restarts
// the log changes nothing of it.
func TestWALChangeCounter(t *testing.T) {
	ctx := context.Background()
	st, other := openSQLitePair(t)
	if st.totals == nil || st.totals.wal == nil {
		t.Skip("no wal-index mapped here")
	}
	if err := st.CreateCompany(ctx, &scim.Company{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	change := func() uint32 {
		t.Helper()
		h, ok := st.totals.wal.header()
		if !ok {
			t.Fatal("no header")
		}
		return h[walChange]
	}
	n := change()
	step := func(what string, write func() error) {
		t.Helper()
		if err := write(); err != nil {
			t.Fatal(err)
		}
		if got := change(); got != n+1 {
			t.Errorf("%s: iChange %d, want %d", what, got, n+1)
		}
		n = change()
	}
	step("a create", func() error { return st.CreateUser(ctx, "acme", benchUser(1)) })
	step("another process's create", func() error { return other.CreateUser(ctx, "acme", benchUser(2)) })
	step("three creates in one transaction", func() error {
		return st.CreateUsers(ctx, "acme", []*scim.User{benchUser(3), benchUser(4), benchUser(5)})
	})
	if _, err := other.w.ExecContext(ctx, "PRAGMA wal_checkpoint(RESTART)"); err != nil {
		t.Fatal(err)
	}
	if got := change(); got != n {
		t.Errorf("a checkpoint moved iChange from %d to %d", n, got)
	}
	step("a create after the checkpoint", func() error { return st.CreateUser(ctx, "acme", benchUser(6)) })
}
