package scim

import (
	"cmp"
	"slices"
	"sort"
	"strings"

	"github.com/scimkit/scim/internal/fold"
)

// The attributes MemoryStore indexes by case-folded value, in order, so
// that a "sw" filter on them reads the users whose value starts with the
// prefix instead of scanning every user: the attributes clients page and
// search by.
const (
	prefixUserName = iota
	prefixFamilyName
	prefixEmail
	numPrefixIndexes
)

// prefixValues appends the folded values of u that index i holds: sorted,
// without duplicates, without "".
func prefixValues(i int, u *User, buf []string) []string {
	n := len(buf)
	switch i {
	case prefixUserName:
		buf = append(buf, fold.Key(u.UserName))
	case prefixFamilyName:
		buf = append(buf, fold.Key(u.Name.FamilyName))
	case prefixEmail:
		for _, e := range u.Emails {
			buf = append(buf, fold.Key(e.Value))
		}
	}
	vs := buf[n:]
	slices.Sort(vs)
	vs = slices.Compact(vs)
	if len(vs) > 0 && vs[0] == "" {
		vs = vs[1:]
	}
	return append(buf[:n], vs...)
}

// samePrefixSource reports whether two users hold the very values prefix
// index i is built from, so that their keys are equal too.
func samePrefixSource(i int, a, b *User) bool {
	switch i {
	case prefixUserName:
		return a.UserName == b.UserName
	case prefixFamilyName:
		return a.Name.FamilyName == b.Name.FamilyName
	case prefixEmail:
		return slices.EqualFunc(a.Emails, b.Emails, func(x, y MultiValue) bool { return x.Value == y.Value })
	}
	return false
}

// prefixIndexFor returns which prefix index answers a "sw" comparison,
// or -1: userName, name.familyName and emails.value of the core schema,
// with a non-empty prefix.
func prefixIndexFor(n *AttrExpr) (int, string) {
	v, ok := n.Value.(string)
	p := n.Path
	if !ok || v == "" || n.Op != OpStartsWith || p.Attr == nil || p.Attr.Schema != SchemaUser {
		return -1, ""
	}
	switch {
	case p.Attr.Name == "userName" && p.SubAttr == nil:
		return prefixUserName, v
	case p.Attr.Name == "name" && p.SubAttr != nil && p.SubAttr.Name == "familyName":
		return prefixFamilyName, v
	case p.Attr.Name == "emails" && p.SubAttr != nil && p.SubAttr.Name == "value":
		return prefixEmail, v
	}
	return -1, ""
}

// prefixIndex orders (folded value, entry) pairs by value, then creation,
// so that the entries whose value starts with a prefix are one run. The
// pairs are kept in sorted chunks of at most prefixChunk, so that an
// insertion moves a chunk, not the whole index.
type prefixIndex struct {
	chunks [][]prefixItem
}

type prefixItem struct {
	key string
	e   *memEntry
}

const prefixChunk = 256

func (it prefixItem) compare(key string, seq uint64) int {
	if c := strings.Compare(it.key, key); c != 0 {
		return c
	}
	return cmp.Compare(it.e.seq, seq)
}

// chunk returns the chunk that holds, or would hold, (key, seq).
func (x *prefixIndex) chunk(key string, seq uint64) int {
	i := sort.Search(len(x.chunks), func(i int) bool {
		c := x.chunks[i]
		return c[len(c)-1].compare(key, seq) >= 0
	})
	return min(i, len(x.chunks)-1)
}

func (x *prefixIndex) add(key string, e *memEntry) {
	if len(x.chunks) == 0 {
		x.chunks = [][]prefixItem{{{key, e}}}
		return
	}
	i := x.chunk(key, e.seq)
	c := x.chunks[i]
	j, _ := slices.BinarySearchFunc(c, e, func(it prefixItem, e *memEntry) int { return it.compare(key, e.seq) })
	c = slices.Insert(c, j, prefixItem{key, e})
	if len(c) > prefixChunk {
		half := len(c) / 2
		right := slices.Clone(c[half:])
		clear(c[half:])
		c = c[:half]
		x.chunks = slices.Insert(x.chunks, i+1, right)
	}
	x.chunks[i] = c
}

func (x *prefixIndex) remove(key string, e *memEntry) {
	if len(x.chunks) == 0 {
		return
	}
	i := x.chunk(key, e.seq)
	c := x.chunks[i]
	j, found := slices.BinarySearchFunc(c, e, func(it prefixItem, e *memEntry) int { return it.compare(key, e.seq) })
	if !found {
		return
	}
	c = slices.Delete(c, j, j+1)
	if len(c) == 0 {
		x.chunks = slices.Delete(x.chunks, i, i+1)
		return
	}
	x.chunks[i] = c
}

// prefix appends the entries whose folded value starts with the folded
// prefix p to buf, in creation order, each once.
func (x *prefixIndex) prefix(buf []*memEntry, p string) []*memEntry {
	p = fold.Key(p)
	n := len(buf)
	i := sort.Search(len(x.chunks), func(i int) bool {
		c := x.chunks[i]
		return c[len(c)-1].key >= p
	})
scan:
	for ; i < len(x.chunks); i++ {
		c := x.chunks[i]
		j, _ := slices.BinarySearchFunc(c, p, func(it prefixItem, p string) int { return strings.Compare(it.key, p) })
		for _, it := range c[j:] {
			if !strings.HasPrefix(it.key, p) {
				break scan
			}
			buf = append(buf, it.e)
		}
	}
	slices.SortFunc(buf[n:], bySeq)
	return append(buf[:n], slices.Compact(buf[n:])...)
}

// movePrefixes updates the prefix indexes for e changing from old to new;
// nil is no user.
func (t *memTenant) movePrefixes(e *memEntry, old, new *User) {
	var ob, nb [4]string
	for i := range t.prefixes {
		if old != nil && new != nil && samePrefixSource(i, old, new) {
			continue // most updates: no keys to fold (an allocation each) and compare
		}
		var ov, nv []string
		if old != nil {
			ov = prefixValues(i, old, ob[:0])
		}
		if new != nil {
			nv = prefixValues(i, new, nb[:0])
		}
		if slices.Equal(ov, nv) {
			continue
		}
		for _, k := range ov {
			t.prefixes[i].remove(k, e)
		}
		for _, k := range nv {
			t.prefixes[i].add(k, e)
		}
	}
}

// prefixed answers a "sw" filter on an attribute with a prefix index,
// alone or as a term of an "and": ok reports that the filter can match
// only the users returned, in creation order. The caller still applies the
// whole filter to them.
func (t *memTenant) prefixed(f Filter) ([]*memEntry, bool) {
	switch n := f.(type) {
	case *AttrExpr:
		i, v := prefixIndexFor(n)
		if i < 0 {
			return nil, false
		}
		return t.prefixes[i].prefix(nil, v), true
	case *LogicalExpr:
		if n.Op != "and" {
			return nil, false
		}
		if c, ok := t.prefixed(n.Left); ok {
			return c, true
		}
		return t.prefixed(n.Right)
	}
	return nil, false
}
