package scim

import (
	"encoding/binary"
	"reflect"
	"strings"

	"github.com/scimkit/scim/internal/fold"
)

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
