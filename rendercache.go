package scim

import (
	"sync"
	"unsafe"
)

// renderCache keeps the JSON of users the handler rendered whole, keyed by
// the *User a [UserViewer] lent: such a store never modifies a lent user in
// place (a write installs a new *User), so the same pointer is the same
// user at the same version, and its rendering is reused instead of encoded
// again. An identity provider reads a user before each write and looks
// users up by userName; encoding was a fifth of a GET's handler time. The
// entries hold their users, so no pointer is reused for another user
// while its entry lives; a user rendered with another model (the company's
// attributes changed) or base URL is rendered anew. Correct with other
// instances writing: what is reused is keyed by what the store returned
// for this request.
//
// A rendering is kept the second time its user is rendered: a store that
// decodes users anew for every call (as [UserViewer] allows; sqlstore on
// PostgreSQL) lends a new *User each time, which would fill the cache with
// renderings never asked for again. seen remembers the addresses of users
// rendered once, as numbers, which hold nothing alive: an address reused
// by another user only admits that user's rendering, which is as correct.
type renderCache struct {
	mu   sync.RWMutex // readers share it: a hit takes no write lock
	m    map[*User]renderedUser
	seen *[renderSeenSlots]uintptr // made on first use: 128 KB
}

// renderSeenSlots is how many users rendered once renderCache remembers,
// by a hash of their address: enough for an identity provider's walk of a
// few thousand users to come back to each.
const (
	renderSeenBits  = 14
	renderSeenSlots = 1 << renderSeenBits
)

type renderedUser struct {
	model *Model
	base  string
	body  []byte
}

// renderCacheSize bounds the users a handler keeps renderings of: a few
// megabytes.
const renderCacheSize = 4096

// get returns u's rendering with model m at base, if kept.
func (c *renderCache) get(u *User, m *Model, base string) ([]byte, bool) {
	c.mu.RLock()
	r, ok := c.m[u]
	c.mu.RUnlock()
	if !ok || r.model != m || r.base != base {
		return nil, false
	}
	return r.body, true
}

// put keeps a copy of body, u's rendering with model m at base, if u was
// rendered before, dropping an entry at random at the bound.
func (c *renderCache) put(u *User, m *Model, base string, body []byte) {
	addr := uintptr(unsafe.Pointer(u))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = new([renderSeenSlots]uintptr)
	}
	// Fibonacci hashing: users of one size class lie at regular
	// addresses, which a plain modulus would crowd into a few slots.
	slot := &c.seen[uint64(addr)*0x9E3779B97F4A7C15>>(64-renderSeenBits)]
	if *slot != addr {
		*slot = addr
		return
	}
	r := renderedUser{m, base, append([]byte(nil), body...)}
	if c.m == nil {
		c.m = make(map[*User]renderedUser)
	}
	if _, ok := c.m[u]; !ok && len(c.m) >= renderCacheSize {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[u] = r
}
