package scim

import (
	"reflect"
	"strconv"
	"time"
	"unsafe"

	"github.com/scimkit/scim/internal/jsonw"
)

// userEncoder is [Model.EncodeUser] compiled once per model: the model's
// attributes resolved into field offsets in [User] and kinds, so that
// rendering a user walks a plan instead of reflecting on every field of
// every request. The attribute model stays the only description of
// attributes: the plan is derived from it, and it renders byte for byte
// what the reflective encodeUserReflect, a test oracle, renders
// (TestCompiledEncoder).
type userEncoder struct {
	core []fieldPlan // core attributes but meta, in schema order
	ent  []fieldPlan
	meta *fieldPlan
	// entOff and entZero test the enterprise extension's struct for the
	// zero value, which decides whether the extension is rendered.
	entOff  uintptr
	entZero func(unsafe.Pointer) bool
}

// fieldPlan renders one attribute: its value lives at off from the start
// of the struct holding it (User for top-level attributes, the element or
// parent struct for sub-attributes).
type fieldPlan struct {
	a      *Attribute
	off    uintptr
	kind   planKind
	isZero func(unsafe.Pointer) bool // the reflect.Value.IsZero of the field
	elem   uintptr                   // planMulti: size of an element
	subs   []fieldPlan               // planComplex, planMulti
}

type planKind uint8

const (
	planString planKind = iota
	planBool
	planInt
	planInt64
	planTime
	planComplex // a struct
	planMulti   // a slice of structs
)

// compileUserEncoder builds the plan of m's core and enterprise attributes.
// It panics when an attribute's Go field cannot be rendered as its type
// says: that is a programming error in this package, caught by any test.
func compileUserEncoder(m *Model) *userEncoder {
	e := &userEncoder{}
	for _, a := range m.core.Attributes {
		if a.field == nil {
			continue
		}
		fp := compileField(a, userType)
		if a.Name == "meta" {
			e.meta = &fp
			continue
		}
		e.core = append(e.core, fp)
	}
	for _, a := range m.enterprise.Attributes {
		if a.field != nil {
			e.ent = append(e.ent, compileField(a, userType))
		}
	}
	if len(m.enterprise.Attributes) > 0 {
		f := userType.Field(m.enterprise.Attributes[0].field[0])
		e.entOff, e.entZero = f.Offset, zeroFunc(f.Type)
	}
	return e
}

func compileField(a *Attribute, t reflect.Type) fieldPlan {
	var off uintptr
	for _, i := range a.field {
		if t.Kind() != reflect.Struct {
			panic("scim: attribute " + a.Name + " crosses a " + t.Kind().String())
		}
		f := t.Field(i)
		off += f.Offset
		t = f.Type
	}
	fp := fieldPlan{a: a, off: off, isZero: zeroFunc(t)}
	switch {
	case a.MultiValued:
		if t.Kind() != reflect.Slice || t.Elem().Kind() != reflect.Struct {
			panic("scim: multi-valued attribute " + a.Name + " is not a slice of structs")
		}
		fp.kind, fp.elem = planMulti, t.Elem().Size()
		fp.subs = compileSubs(a, t.Elem())
	case a.Type == TypeComplex:
		if t.Kind() != reflect.Struct {
			panic("scim: complex attribute " + a.Name + " is not a struct")
		}
		fp.kind = planComplex
		fp.subs = compileSubs(a, t)
	default:
		fp.kind = scalarKind(a, t)
	}
	return fp
}

func compileSubs(a *Attribute, t reflect.Type) []fieldPlan {
	subs := make([]fieldPlan, 0, len(a.SubAttributes))
	for _, sub := range a.SubAttributes {
		if sub.field == nil {
			panic("scim: sub-attribute " + a.Name + "." + sub.Name + " has no field")
		}
		subs = append(subs, compileField(sub, t))
	}
	return subs
}

// scalarKind is the rendering encodeScalar chooses for the field's type.
func scalarKind(a *Attribute, t reflect.Type) planKind {
	switch {
	case a.Type == TypeBoolean && t.Kind() == reflect.Bool:
		return planBool
	case a.Type == TypeDateTime && t == reflect.TypeFor[time.Time]():
		return planTime
	case a.Type == TypeInteger && t.Kind() == reflect.Int:
		return planInt
	case a.Type == TypeInteger && t.Kind() == reflect.Int64:
		return planInt64
	case t.Kind() == reflect.String && a.Type != TypeBoolean && a.Type != TypeDateTime:
		return planString
	}
	panic("scim: attribute " + a.Name + " of type " + string(a.Type) + " is held in a " + t.String())
}

// zeroFunc returns a test equal to reflect.Value.IsZero for values of t.
func zeroFunc(t reflect.Type) func(unsafe.Pointer) bool {
	switch t.Kind() {
	case reflect.String:
		return func(p unsafe.Pointer) bool { return len(*(*string)(p)) == 0 }
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.UnsafePointer, reflect.Chan, reflect.Func, reflect.Interface:
		// The first word is the data pointer, map, pointer or type.
		return func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil }
	case reflect.Struct:
		type part struct {
			off    uintptr
			isZero func(unsafe.Pointer) bool
		}
		parts := make([]part, t.NumField())
		for i := range parts {
			f := t.Field(i)
			parts[i] = part{f.Offset, zeroFunc(f.Type)}
		}
		return func(p unsafe.Pointer) bool {
			for _, x := range parts {
				if !x.isZero(unsafe.Add(p, x.off)) {
					return false
				}
			}
			return true
		}
	case reflect.Array:
		elem, size, n := zeroFunc(t.Elem()), t.Elem().Size(), uintptr(t.Len())
		return func(p unsafe.Pointer) bool {
			for i := range n {
				if !elem(unsafe.Add(p, i*size)) {
					return false
				}
			}
			return true
		}
	default: // booleans and numbers: zero when every byte is (-0.0 is not)
		size := t.Size()
		return func(p unsafe.Pointer) bool {
			for i := range size {
				if *(*byte)(unsafe.Add(p, i)) != 0 {
					return false
				}
			}
			return true
		}
	}
}

// encode is EncodeUser following the plan.
func (e *userEncoder) encode(m *Model, dst []byte, u *User, p *Projection) []byte {
	base := unsafe.Pointer(u)
	dst = append(dst, `{"schemas":["`+SchemaUser+`"`...) // URNs need no escaping
	hasEnt := e.entZero != nil && !e.entZero(unsafe.Add(base, e.entOff))
	hasPeakon := len(u.Custom) > 0
	if hasEnt {
		dst = append(dst, `,"`+SchemaEnterpriseUser+`"`...)
	}
	if hasPeakon {
		dst = append(dst, `,"`+SchemaPeakonUser+`"`...)
	}
	dst = append(dst, ']')
	for i := range e.core {
		dst = e.core[i].encode(dst, base, p)
	}
	if hasEnt {
		mark := len(dst)
		dst = append(dst, `,"`+SchemaEnterpriseUser+`":{`...)
		inner := len(dst)
		for i := range e.ent {
			dst = e.ent[i].encode(dst, base, p)
		}
		dst = closeObject(dst, mark, inner)
	}
	if hasPeakon {
		dst = m.encodeCustom(dst, u, p)
	}
	if e.meta != nil {
		dst = e.meta.encode(dst, base, p)
	}
	return append(dst, '}')
}

// encode renders a top-level attribute (nothing when it is unset or
// projected out).
func (f *fieldPlan) encode(dst []byte, base unsafe.Pointer, p *Projection) []byte {
	yes, partial := p.returns(f.a)
	if !yes {
		return dst
	}
	v := unsafe.Add(base, f.off)
	if f.kind != planBool && f.isZero(v) {
		return dst
	}
	mark := len(dst)
	dst = f.a.jsonKey(dst)
	switch f.kind {
	case planMulti:
		dst = append(dst, '[')
		s := *(*[]byte)(v) // only the header is read: data and length
		data := unsafe.Pointer(unsafe.SliceData(s))
		for i := range len(s) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = f.encodeComplex(dst, unsafe.Add(data, uintptr(i)*f.elem), p, partial)
		}
		dst = append(dst, ']')
	case planComplex:
		before := len(dst)
		dst = f.encodeComplex(dst, v, p, partial)
		if len(dst)-before == 2 { // {} after projection: omit the attribute
			return dst[:mark]
		}
	default:
		dst = f.encodeScalar(dst, v)
	}
	return dst
}

func (f *fieldPlan) encodeComplex(dst []byte, v unsafe.Pointer, p *Projection, partial bool) []byte {
	dst = append(dst, '{')
	for i := range f.subs {
		sub := &f.subs[i]
		if partial && !p.returnsSub(sub.a) {
			continue
		}
		sv := unsafe.Add(v, sub.off)
		if sub.kind == planBool {
			if !*(*bool)(sv) { // primary=false is noise; absent means false
				continue
			}
		} else if sub.isZero(sv) {
			continue
		}
		dst = sub.a.jsonKey(dst)
		dst = sub.encodeScalar(dst, sv)
	}
	return append(dst, '}')
}

func (f *fieldPlan) encodeScalar(dst []byte, v unsafe.Pointer) []byte {
	switch f.kind {
	case planBool:
		return jsonw.Bool(dst, *(*bool)(v))
	case planTime:
		return jsonw.Time(dst, *(*time.Time)(v))
	case planInt:
		return strconv.AppendInt(dst, int64(*(*int)(v)), 10)
	case planInt64:
		return strconv.AppendInt(dst, *(*int64)(v), 10)
	}
	return jsonw.String(dst, *(*string)(v))
}

// largest names the core or Enterprise attribute of u that takes the most
// bytes as JSON, and that size, for an error message.
func (e *userEncoder) largest(u *User) (path string, size int) {
	base := unsafe.Pointer(u)
	var buf []byte
	for _, plans := range [...][]fieldPlan{e.core, e.ent} {
		for i := range plans {
			buf = plans[i].encode(buf[:0], base, nil)
			if len(buf) > size {
				path, size = plans[i].a.Path(), len(buf)
			}
		}
	}
	return path, size
}
