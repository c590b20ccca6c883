package scim

import (
	"encoding/binary"
	"fmt"
	"reflect"

	"github.com/scimkit/scim/internal/fold"
)

// dedupeLinear is the element count from which dedupe indexes the elements
// by key instead of comparing each with those kept before it.
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
// after. Past dedupeLinear elements the work is linear, as Okta and Entra
// may send long lists.
func dedupe(a *Attribute, f reflect.Value) {
	n := f.Len()
	if n < 2 || len(a.identity) == 0 {
		return
	}
	pidx := primaryIndex(f.Type().Elem())
	var seen map[string]int // element key → index among those kept
	var buf []byte
	if n > dedupeLinear {
		seen = make(map[string]int, n)
	}
	kept := 0
	for i := range n {
		e := f.Index(i)
		first := -1
		if seen == nil {
			for k := range kept {
				if sameIdentity(a.identity, f.Index(k), e) {
					first = k
					break
				}
			}
		} else {
			buf = identityKey(buf[:0], a.identity, e)
			if k, ok := seen[string(buf)]; ok {
				first = k
			} else {
				seen[string(buf)] = kept
			}
		}
		if first >= 0 {
			if pidx >= 0 && e.Field(pidx).Bool() {
				f.Index(first).Field(pidx).SetBool(true)
			}
			continue
		}
		if i != kept {
			f.Index(kept).Set(e)
		}
		kept++
	}
	if kept == n {
		return
	}
	for i := kept; i < n; i++ {
		f.Index(i).SetZero() // release what the dropped elements referenced
	}
	f.SetLen(kept)
}

func sameIdentity(subs []*Attribute, x, y reflect.Value) bool {
	for _, s := range subs {
		if !subEqual(s, x.FieldByIndex(s.field), y.FieldByIndex(s.field)) {
			return false
		}
	}
	return true
}

// identityKey appends to dst a key that is equal for two elements exactly
// when sameIdentity holds for them: each sub-attribute's value, folded
// unless caseExact, prefixed with its length.
func identityKey(dst []byte, subs []*Attribute, e reflect.Value) []byte {
	for _, s := range subs {
		v := e.FieldByIndex(s.field)
		var k string
		switch {
		case v.Kind() != reflect.String:
			k = fmt.Sprint(v.Interface())
		case s.CaseExact:
			k = v.String()
		default:
			k = fold.Key(v.String())
		}
		dst = binary.AppendUvarint(dst, uint64(len(k)))
		dst = append(dst, k...)
	}
	return dst
}
