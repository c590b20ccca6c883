package sqlstore

import (
	"sync"

	"github.com/scimkit/scim"
)

// defaultUserCache is how many decoded users a SQLite store keeps by
// default (WithUserCache): a few tens of megabytes.
const defaultUserCache = 16384

// userCache keeps users read by GetUser, decoded, between commits (SQLite
// only). On SQLite, a read after any commit starts from a cold page cache
// on its connection, and reading and decoding a user's document is most
// of a GET's cost. An entry is reused only while the database's version
// (totals.version: the wal-index header, or data_version) is the one read
// before the user was: any commit, by the store's writer or another
// process, makes every entry stale. So the
// cache serves the reads between writes (an identity provider's import,
// a GET before a PATCH), never an outdated user. It is not used on
// PostgreSQL, where validating an entry would cost the round trip it
// saves.
type userCache struct {
	mu  sync.Mutex
	m   map[cachedKey]cachedUser
	max int
	// version is the database's version at the newest entry: entries
	// read at an older one are stale (the version only grows).
	version int64
}

type cachedKey struct{ tenant, id string }

type cachedUser struct {
	u       *scim.User // never modified: lent (ViewUser) or cloned (GetUser)
	version int64
}

func newUserCache(n int) *userCache {
	if n <= 0 {
		return nil
	}
	return &userCache{m: make(map[cachedKey]cachedUser), max: n}
}

// get returns the user read at version, if there is one: lent, or a copy.
func (c *userCache) get(tenant, id string, version int64, lend bool) (*scim.User, bool) {
	c.mu.Lock()
	e, ok := c.m[cachedKey{tenant, id}]
	c.mu.Unlock()
	if !ok || e.version != version {
		return nil, false
	}
	if lend {
		return e.u, true
	}
	return e.u.Clone(), true
}

// put records u, read after the database's version was read as version.
// Were a commit to land between the two, u would be of a later state, but
// version then differs from every later reading, so the entry is never
// reused.
func (c *userCache) put(tenant string, u *scim.User, version int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case version < c.version:
		return // stale already
	case version > c.version:
		clear(c.m) // all stale
		c.version = version
	}
	k := cachedKey{tenant, u.ID}
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		for old := range c.m { // one at random
			delete(c.m, old)
			break
		}
	}
	c.m[k] = cachedUser{u.Clone(), version}
}
