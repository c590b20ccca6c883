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
// before the user was: a commit makes every entry stale, except the
// store's own writes through the group commit where the wal-index is
// mapped, which move the cache past them (see lookupAt). So the cache
// serves the reads between other processes' writes (an identity
// provider's import, a GET before a PATCH), never an outdated user. It is
// not used on PostgreSQL, where validating an entry would cost the round
// trip it saves.
type userCache struct {
	mu  sync.Mutex
	m   map[cachedKey]cachedUser
	max int
	// version is the database's version at the newest entry: entries
	// read at an older one are stale (the version only grows).
	version int64

	// Following the wal-index header (see lookupAt).
	at      walHeader
	atValid bool
	gen     uint64
	writing int // described writes under way
	// committing is set by the write about to commit (committingWrite): the
	// header its transaction wrote on and the users its writes touched.
	committing *pendingCommit
	dv         writerVersion // the writer's data_version at the last endWrite
	dvKnown    bool
}

type cachedKey struct{ tenant, id string }

// pendingCommit is a commit of a described write under way: pre is the
// header its transaction wrote on, effects what its writes did to users,
// done whether its COMMIT has returned without an error.
type pendingCommit struct {
	pre     walHeader
	effects []userEffect
	done    bool
}

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
	c.insert(cachedKey{tenant, u.ID}, cachedUser{u.Clone(), version})
}

// With the wal-index mapped (walindex.go), the cache follows the database
// by its header instead of a version number, which lets it outlive the
// store's own commits. Every commit still changes the header, but a write
// committed through the group commit (groupcommit.go) says what it did to
// which users (userEffect), and the writer, which knows the header its
// transaction started from and the one its commit left, moves the cache
// from the one to the other, applying those effects: the cache then keeps
// the users no write touched and holds the written ones as stored. Any
// other commit (another process's, or a write of the store's that says
// nothing, such as a batch or an erasure) empties it.
//
// at is the header of the state the entries hold. A reader that finds
// another header empties the cache and takes the new one, unless one of
// the store's described writes is under way (writing): that write will
// move the cache itself once it knows its commit was the only one, and
// meanwhile readers read the database without caching, but for the users
// the write did not touch once its COMMIT has returned (untouched). gen
// counts the moves: a reader's put is kept only if no move happened since
// its lookup, so that a user read before a write is not kept after it.

// userEffect is what a committed write did to one user: u is the user as
// stored now (decoded from the stored document, as GetUser would return
// it), nil if the user is gone.
type userEffect struct {
	tenant, id string
	u          *scim.User
}

// touches reports whether effects include one on the user id of tenant.
func touches(effects []userEffect, tenant, id string) bool {
	for _, e := range effects {
		if e.tenant == tenant && e.id == id {
			return true
		}
	}
	return false
}

// writerVersion is a data_version reading and the driver connection it
// was read on.
type writerVersion struct {
	conn any
	n    int64
}

// lookupAt is get for a reader that read the header h: the user if the
// cache holds it at h, and the generation to put what it reads at
// (usable false: do not put).
func (c *userCache) lookupAt(tenant, id string, h walHeader, lend bool) (u *scim.User, hit bool, gen uint64, usable bool) {
	c.mu.Lock()
	if !c.atValid || h != c.at {
		if c.writing > 0 {
			e, ok := c.untouched(tenant, id, h)
			c.mu.Unlock()
			if !ok {
				return nil, false, 0, false
			}
			return e.user(lend), true, 0, false
		}
		clear(c.m)
		c.at, c.atValid = h, true
		c.gen++
	}
	e, ok := c.m[cachedKey{tenant, id}]
	gen = c.gen
	c.mu.Unlock()
	if !ok {
		return nil, false, gen, true
	}
	return e.user(lend), true, gen, true
}

// user returns e's user to a reader: the cache's own when lent, else a
// copy.
func (e cachedUser) user(lend bool) *scim.User {
	if lend {
		return e.u
	}
	return e.u.Clone()
}

// untouched returns the entry of the user id of tenant, with c.mu held,
// when the header h a reader found differs from at while a write is under
// way, if the entry is still the user as stored: the write committed
// (committingWrite, then committed) on at, h is its commit's (the one
// after pre: the write held the write lock from before pre until it
// committed, and any later commit, another process's, would count one
// more; a COMMIT that failed would let another process's take that count,
// hence committed), and the write did not touch the user. Between a
// commit and the endWrite that applies it, one read in twenty of
// concurrent PATCHes fell here, and a read from the database then costs a
// reader connection, whose pages the commit made stale, some hundred µs.
func (c *userCache) untouched(tenant, id string, h walHeader) (cachedUser, bool) {
	p := c.committing
	if p == nil || !p.done || !c.atValid || p.pre != c.at || h[walChange] != p.pre[walChange]+1 ||
		touches(p.effects, tenant, id) {
		return cachedUser{}, false
	}
	e, ok := c.m[cachedKey{tenant, id}]
	return e, ok
}

// storedAt returns the user the cache holds at the header h if it is at
// version: lent, never to be modified.
func (c *userCache) storedAt(tenant, id string, h walHeader, version string) (*scim.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.atValid || h != c.at {
		return nil, false
	}
	e, ok := c.m[cachedKey{tenant, id}]
	if !ok || e.u.Meta.Version != version {
		return nil, false
	}
	return e.u, true
}

// putAt records u, read after lookupAt returned gen, if the cache has not
// moved since.
func (c *userCache) putAt(tenant string, u *scim.User, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.atValid || gen != c.gen {
		return
	}
	c.insert(cachedKey{tenant, u.ID}, cachedUser{u: u.Clone()})
}

// insert adds an entry, dropping one at random at the bound.
func (c *userCache) insert(k cachedKey, e cachedUser) {
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[k] = e
}

// beginWrite announces a described write: until its endWrite, readers
// that find a new header do not take it.
func (c *userCache) beginWrite() {
	c.mu.Lock()
	c.writing++
	c.mu.Unlock()
}

// committingWrite announces that the described write under way commits
// next, on the header pre (read under its write lock), having done
// effects to users: until its endWrite, readers that find the commit's
// header are served the users it did not touch (untouched). With any write
// of the transaction undescribed (described false), nothing is announced.
func (c *userCache) committingWrite(pre walHeader, described bool, effects []userEffect) {
	if !described {
		return
	}
	c.mu.Lock()
	c.committing = &pendingCommit{pre: pre, effects: effects}
	c.mu.Unlock()
}

// committed records that the commit committingWrite announced returned
// without an error: its header is the one after pre.
func (c *userCache) committed() {
	c.mu.Lock()
	if c.committing != nil {
		c.committing.done = true
	}
	c.mu.Unlock()
}

// endWrite ends a described write. committed says whether its transaction
// committed; pre is the header the transaction wrote on (read under the
// write lock), post the header read after the commit and dv the writer
// connection's data_version read after post, which changes only when
// another connection commits: if it is the one the previous endWrite saw,
// nothing but this commit came after pre, so post is this commit's. With
// every write of the transaction described (described), the cache moves
// from pre to post with effects applied; else it is emptied at post, or
// left to the next reader when post is not known to be this commit's.
func (c *userCache) endWrite(committed bool, pre, post walHeader, dv writerVersion, dvOK, described bool, effects []userEffect) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writing--
	c.committing = nil
	if !committed {
		return // nothing changed
	}
	sole := dvOK && c.dvKnown && dv == c.dv
	c.dv, c.dvKnown = dv, dvOK
	c.gen++
	switch {
	case sole && described && c.atValid && c.at == pre:
		for _, e := range effects {
			k := cachedKey{e.tenant, e.id}
			if e.u == nil {
				delete(c.m, k)
			} else {
				c.insert(k, cachedUser{u: e.u})
			}
		}
		c.at = post
	case sole:
		clear(c.m)
		c.at, c.atValid = post, true
	default:
		clear(c.m)
		c.atValid = false
	}
}
