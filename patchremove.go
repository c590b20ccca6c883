package scim

import (
	"net/http"
	"reflect"
)

// remove applies a remove operation.
func (p *patcher) remove(pp *PatchPath, val any) error {
	if pp == nil {
		return Errorf(http.StatusBadRequest, SCIMTypeNoTarget, "remove needs a path naming what to remove")
	}
	t, err := p.resolve(pp)
	if err != nil {
		return err
	}
	if t.kind != targetAttr {
		return t.nonAttr(p.removeSchema)
	}
	a := t.attr
	if a.Mutability == ReadOnly {
		return readOnlyError(a)
	}
	if t.sub != nil && t.sub.Mutability == ReadOnly {
		return readOnlyError(t.sub)
	}
	if a.Custom {
		delete(p.u.Custom, a.Name)
		if len(p.u.Custom) == 0 {
			p.u.Custom = nil
		}
		return nil
	}
	f := p.rv.FieldByIndex(a.field)
	switch {
	case t.filter != nil:
		matched := false
		deleteOrClear := func(e reflect.Value) bool {
			if !t.filter(e) {
				return false
			}
			matched = true
			if t.sub == nil {
				return true
			}
			e.FieldByIndex(t.sub.field).SetZero()
			return false
		}
		deleteWhere(f, deleteOrClear)
		if !matched {
			return Errorf(http.StatusBadRequest, SCIMTypeNoTarget, "no element of %s matches the filter", a.Path())
		}
		prune(a, f)
		dedupe(a, f) // elements that lost their type may now repeat
	case t.sub != nil && a.MultiValued:
		for i := 0; i < f.Len(); i++ {
			f.Index(i).FieldByIndex(t.sub.field).SetZero()
		}
		prune(a, f)
		dedupe(a, f)
	case t.sub != nil:
		return p.setSub(a, f, t.sub, nil)
	case a.MultiValued && val != nil:
		return removeValues(a, f, val)
	default:
		return p.clearAttr(a, f, true)
	}
	return nil
}

// removeSchema removes a whole extension; the core schema stays.
func (p *patcher) removeSchema(s *Schema) error {
	if s == p.m.core {
		return Errorf(http.StatusBadRequest, SCIMTypeMutability, "the core User schema cannot be removed")
	}
	p.m.clearSchema(p.u, p.rv, s)
	return nil
}

// removeValues removes the elements matching the given ones: every
// sub-attribute a given element sets must equal the stored element's.
func removeValues(a *Attribute, fv reflect.Value, val any) error {
	if s, ok := val.(string); ok && a.Sub("value") != nil {
		val = map[string]any{"value": s}
	}
	given := reflect.New(fv.Type()).Elem()
	if err := decodeMulti(a, given, val); err != nil {
		return err
	}
	removeMatching(a, fv, given)
	return nil
}

// removeMatching removes from fv the elements that some element of given
// covers.
func removeMatching(a *Attribute, fv, given reflect.Value) {
	if given.Len() == 0 {
		return
	}
	all, keyed := compareMask(a, fv.Type().Elem())
	if !keyed {
		deleteWhere(fv, func(e reflect.Value) bool {
			for i := 0; i < given.Len(); i++ {
				if covers(a, e, given.Index(i)) {
					return true
				}
			}
			return false
		})
		return
	}
	// Index the given elements by the sub-attributes each sets, so that
	// removing n values from m costs about n+m, not n×m.
	byMask := make(map[uint64]map[string]bool)
	var key []byte
	for i := 0; i < given.Len(); i++ {
		g := given.Index(i)
		var mask uint64
		for j, sub := range a.SubAttributes {
			if all&(1<<j) != 0 && !g.FieldByIndex(sub.field).IsZero() {
				mask |= 1 << j
			}
		}
		if byMask[mask] == nil {
			byMask[mask] = make(map[string]bool)
		}
		key = elemKey(key[:0], a, mask, g)
		byMask[mask][string(key)] = true
	}
	deleteWhere(fv, func(e reflect.Value) bool {
		for mask, keys := range byMask {
			key = elemKey(key[:0], a, mask, e)
			if keys[string(key)] {
				return true
			}
		}
		return false
	})
}
