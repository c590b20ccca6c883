package scim

import (
	"encoding/binary"
	"hash/maphash"
	"reflect"
	"strings"

	"github.com/scimkit/scim/internal/fold"
)

// dedupeLinear is the element count from which dedupe indexes the elements
// by a hash of their identity instead of comparing each with those kept
// before it.
const dedupeLinear = 16

// identity returns the sub-attributes that identify an element of a
// multi-valued attribute: type and value (RFC 7643 §2.4), or, for elements
// without a value (addresses), every sub-attribute but primary.
func identity(subs []*Attribute) []*Attribute {
	var value, typ *Attribute
	for _, s := range subs {
		switch s.Name {
		case "value":
			value = s
		case "type":
			typ = s
		}
	}
	if value != nil {
		if typ == nil {
			return []*Attribute{value}
		}
		return []*Attribute{typ, value}
	}
	var out []*Attribute
	for _, s := range subs {
		if s.Name != "primary" {
			out = append(out, s)
		}
	}
	return out
}

// dedupe drops, in place, the elements of the multi-valued attribute a that
// repeat the identity of an earlier element: the same type and value, each
// compared as its caseExact says (RFC 7643 §2.4: "the same 'type' and
// 'value' combination SHOULD NOT" repeat). The first element stays, with
// the other sub-attributes it has, and is primary if any of its repeats
// was. Callers make at most one element primary before, so at most one is
// after. f is an addressable slice. Past dedupeLinear elements the work is
// linear, as Okta and Entra may send long lists.
func dedupe(a *Attribute, f reflect.Value) {
	n := f.Len()
	if n < 2 || len(a.identity) == 0 {
		return
	}
	if p, ok := reflect.TypeAssert[*[]MultiValue](f.Addr()); ok && len(a.identity) == 2 {
		// emails, phoneNumbers and the like, without reflection.
		s, exact := *p, a.identity[1].CaseExact
		kept := compactElems(n, func(i, j int) bool {
			return equalCase(s[i].Value, s[j].Value, exact) && strings.EqualFold(s[i].Type, s[j].Type)
		}, func(h *maphash.Hash, buf []byte, i int) []byte {
			buf = hashString(h, buf, s[i].Type, false)
			return hashString(h, buf, s[i].Value, exact)
		}, func(dst, src int) {
			if dst >= 0 {
				s[dst] = s[src]
			} else {
				s[-dst-1].Primary = s[-dst-1].Primary || s[src].Primary
			}
		})
		clear(s[kept:])
		*p = s[:kept]
		return
	}
	pidx := primaryIndex(f.Type().Elem())
	kept := compactElems(n, func(i, j int) bool {
		return sameIdentity(a.identity, f.Index(i), f.Index(j))
	}, func(h *maphash.Hash, buf []byte, i int) []byte {
		e := f.Index(i)
		for _, s := range a.identity {
			buf = hashString(h, buf, e.FieldByIndex(s.field).String(), s.CaseExact)
		}
		return buf
	}, func(dst, src int) {
		switch {
		case dst >= 0:
			f.Index(dst).Set(f.Index(src))
		case pidx >= 0 && f.Index(src).Field(pidx).Bool():
			f.Index(-dst - 1).Field(pidx).SetBool(true)
		}
	})
	for i := kept; i < n; i++ {
		f.Index(i).SetZero() // release what the dropped elements referenced
	}
	f.SetLen(kept)
}

// compactElems is dedupe's algorithm over n elements known by index: same
// compares two elements' identities, hash writes one's to h (using buf as
// scratch, which it returns), move(dst, src) moves element src to the kept
// position dst, or with dst = -k-1 merges the dropped src into kept
// element k. It returns the number of elements kept.
func compactElems(n int, same func(i, j int) bool, hash func(h *maphash.Hash, buf []byte, i int) []byte, move func(dst, src int)) int {
	var seen map[uint64]int // hash of an identity → kept index of its first element
	var h *maphash.Hash
	var buf []byte
	if n > dedupeLinear {
		seen = make(map[uint64]int, n)
		h = new(maphash.Hash)
	}
	kept := 0
	for i := range n {
		first := -1
		scan := seen == nil
		if seen != nil {
			h.Reset()
			buf = hash(h, buf, i)
			sum := h.Sum64()
			switch k, ok := seen[sum]; {
			case !ok:
				seen[sum] = kept // new: it is kept below
			case same(k, i):
				first = k
			default:
				scan = true // a hash collision
			}
		}
		if scan {
			for k := range kept {
				if same(k, i) {
					first = k
					break
				}
			}
		}
		if first >= 0 {
			move(-first-1, i)
			continue
		}
		if i != kept {
			move(kept, i)
		}
		kept++
	}
	return kept
}

// hashString writes s to h, folded unless exact, with a terminator so that
// ("ab", "c") and ("a", "bc") hash apart.
func hashString(h *maphash.Hash, buf []byte, s string, exact bool) []byte {
	if exact {
		h.WriteString(s)
	} else {
		buf = fold.AppendKey(buf[:0], s)
		h.Write(buf)
	}
	h.WriteByte(0xff) // never in UTF-8
	return buf
}

func equalCase(x, y string, exact bool) bool {
	if exact {
		return x == y
	}
	return strings.EqualFold(x, y)
}

func sameIdentity(subs []*Attribute, x, y reflect.Value) bool {
	for _, s := range subs {
		if !subEqual(s, x.FieldByIndex(s.field), y.FieldByIndex(s.field)) {
			return false
		}
	}
	return true
}

// appendElems adds the elements of add to f, skipping those equal to an
// element already there (primary aside). It indexes f's elements by
// [elemKey], so that adding n elements to m costs n+m, not n×m: a PATCH
// may carry tens of thousands of values.
func appendElems(a *Attribute, f, add reflect.Value) {
	pidx := primaryIndex(f.Type().Elem())
	primary := -1
	all, keyed := compareMask(a, f.Type().Elem())
	index := make(map[string]int, f.Len()+add.Len())
	var key []byte
	for j := 0; keyed && j < f.Len(); j++ {
		key = elemKey(key[:0], a, all, f.Index(j))
		if _, dup := index[string(key)]; !dup {
			index[string(key)] = j
		}
	}
	f.Grow(add.Len())
	for i := 0; i < add.Len(); i++ {
		e := add.Index(i)
		j, found := -1, false
		if keyed {
			key = elemKey(key[:0], a, all, e)
			j, found = index[string(key)]
		} else {
			for j = 0; j < f.Len() && !found; j++ {
				found = sameElem(a, f.Index(j), e)
			}
			j-- // the loop stepped past the match
		}
		if !found {
			j = f.Len()
			f.Set(reflect.Append(f, e))
			if keyed {
				index[string(key)] = j
			}
		}
		if pidx >= 0 && e.Field(pidx).Bool() {
			primary = j
		}
	}
	if primary >= 0 {
		onlyPrimary(f, pidx, primary)
	}
}

// compareMask returns the sub-attributes [sameElem] compares, as a bit set
// over a.SubAttributes: all but primary. keyed reports whether [elemKey]
// can key them: every one a string or a boolean, as in every multi-valued
// attribute of [User].
func compareMask(a *Attribute, elem reflect.Type) (mask uint64, keyed bool) {
	keyed = len(a.SubAttributes) <= 64
	for i, sub := range a.SubAttributes {
		if sub.Name == "primary" || i >= 64 {
			continue
		}
		mask |= 1 << i
		if k := elem.FieldByIndex(sub.field).Type.Kind(); k != reflect.String && k != reflect.Bool {
			keyed = false
		}
	}
	return mask, keyed
}

// elemKey appends to dst a key of e's sub-attributes in mask (bit i is
// a.SubAttributes[i]): two elements have equal keys exactly when
// [subEqual] holds for each of them. Strings that are not caseExact are
// folded with [fold.AppendKey]; each part is length-prefixed so that
// parts cannot run into each other.
func elemKey(dst []byte, a *Attribute, mask uint64, e reflect.Value) []byte {
	for i, sub := range a.SubAttributes {
		if mask&(1<<i) == 0 {
			continue
		}
		v := e.FieldByIndex(sub.field)
		if v.Kind() == reflect.Bool {
			dst = append(dst, boolByte(v.Bool()))
			continue
		}
		mark := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		if sub.CaseExact {
			dst = append(dst, v.String()...)
		} else {
			dst = fold.AppendKey(dst, v.String())
		}
		binary.LittleEndian.PutUint32(dst[mark:], uint32(len(dst)-mark-4))
	}
	return dst
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// sameElem compares two elements sub-attribute by sub-attribute, following
// caseExact, ignoring primary.
func sameElem(a *Attribute, x, y reflect.Value) bool {
	for _, sub := range a.SubAttributes {
		if sub.Name != "primary" && !subEqual(sub, x.FieldByIndex(sub.field), y.FieldByIndex(sub.field)) {
			return false
		}
	}
	return true
}

// covers reports whether every sub-attribute given in pattern (non-zero,
// primary aside) equals e's, following caseExact.
func covers(a *Attribute, e, pattern reflect.Value) bool {
	for _, sub := range a.SubAttributes {
		if sub.Name == "primary" {
			continue
		}
		if sp := pattern.FieldByIndex(sub.field); !sp.IsZero() && !subEqual(sub, sp, e.FieldByIndex(sub.field)) {
			return false
		}
	}
	return true
}

// subEqual compares two values of a sub-attribute, following caseExact.
func subEqual(sub *Attribute, x, y reflect.Value) bool {
	if x.Kind() != reflect.String {
		return x.Equal(y)
	}
	if sub.CaseExact {
		return x.String() == y.String()
	}
	return strings.EqualFold(x.String(), y.String())
}

func onlyPrimary(f reflect.Value, pidx, keep int) {
	for i := 0; i < f.Len(); i++ {
		f.Index(i).Field(pidx).SetBool(i == keep)
	}
}

// prune drops elements left without content: with a "value" sub-attribute,
// those whose value is empty; otherwise those with nothing but type and
// primary.
func prune(a *Attribute, f reflect.Value) {
	vs := a.Sub("value")
	deleteWhere(f, func(e reflect.Value) bool {
		if vs != nil {
			return e.FieldByIndex(vs.field).IsZero()
		}
		for _, sub := range a.SubAttributes {
			if sub.Name == "type" || sub.Name == "primary" {
				continue
			}
			if !e.FieldByIndex(sub.field).IsZero() {
				return false
			}
		}
		return true
	})
}

// deleteWhere removes the elements for which drop is true, in place; an
// emptied slice becomes nil.
func deleteWhere(f reflect.Value, drop func(reflect.Value) bool) {
	j := 0
	for i := 0; i < f.Len(); i++ {
		if drop(f.Index(i)) {
			continue
		}
		if i != j {
			f.Index(j).Set(f.Index(i))
		}
		j++
	}
	if j == f.Len() {
		return
	}
	if j == 0 {
		f.SetZero()
		return
	}
	for i := j; i < f.Len(); i++ {
		f.Index(i).SetZero() // release what the dropped elements referenced
	}
	f.SetLen(j)
}
