package scim

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/go-playground/validator/v10"
	"github.com/scimkit/scim/internal/jsonw"
)

// AttrType is an attribute's data type (RFC 7643 §2.3).
type AttrType string

// Attribute types of RFC 7643 §2.3.
const (
	TypeString    AttrType = "string"
	TypeBoolean   AttrType = "boolean"
	TypeDecimal   AttrType = "decimal"
	TypeInteger   AttrType = "integer"
	TypeDateTime  AttrType = "dateTime"
	TypeReference AttrType = "reference"
	TypeComplex   AttrType = "complex"
	TypeBinary    AttrType = "binary"
)

// Mutability says whether and when a client may write an attribute
// (RFC 7643 §7).
type Mutability string

// Mutability values of RFC 7643 §7.
const (
	ReadOnly  Mutability = "readOnly"
	ReadWrite Mutability = "readWrite"
	Immutable Mutability = "immutable"
	WriteOnly Mutability = "writeOnly"
)

// Returned says when an attribute is returned in a response (RFC 7643 §7).
type Returned string

// Returned values of RFC 7643 §7.
const (
	ReturnedAlways  Returned = "always"
	ReturnedNever   Returned = "never"
	ReturnedDefault Returned = "default"
	ReturnedRequest Returned = "request"
)

// Uniqueness says how an attribute's values must be unique (RFC 7643 §7).
type Uniqueness string

// Uniqueness values of RFC 7643 §7.
const (
	UniquenessNone   Uniqueness = "none"
	UniquenessServer Uniqueness = "server"
	UniquenessGlobal Uniqueness = "global"
)

// Attribute is one attribute definition of RFC 7643 §7. It is the single
// source of truth about an attribute: JSON decoding and encoding, filters,
// sorting, PATCH paths, projection, /Schemas and SQL pushdown all read it.
// Attributes belong to a [Model] and must not be modified once it is built.
type Attribute struct {
	Name            string
	Type            AttrType
	MultiValued     bool
	Description     string
	Required        bool
	CaseExact       bool
	Mutability      Mutability
	Returned        Returned
	Uniqueness      Uniqueness
	CanonicalValues []string
	ReferenceTypes  []string
	SubAttributes   []*Attribute

	// MaxLength, when positive, is the most characters a string value may
	// have; Format, when set, is the form it must have: "email" (an email
	// address), [FormatTimezone] or [FormatLanguageTag]. With Required they
	// are the field rules [Model.Validate] enforces; /Schemas states them
	// in the description, as RFC 7643 has no field for them.
	MaxLength int
	Format    string

	// Schema is the URN of the schema that defines the attribute.
	Schema string
	// Aliases are further names a client may use (Peakon custom attributes:
	// "Employed_Since" for "Employed Since"). Matched case-insensitively.
	Aliases []string
	// Custom reports a Peakon custom attribute; its value lives in User.Custom
	// under Name. CustomType is its Peakon type (see [CustomAttribute]).
	Custom     bool
	CustomType string

	// rule is the validator/v10 tag of the field rules (see setRules).
	rule string
	// key is Name as a JSON string (jsonw.Quote), which the encoder writes
	// for every user; "" for attributes not built by this package.
	key     string
	goField string
	// field is the Go struct field holding the value, as a reflect index path
	// from [*User] (top-level attributes) or from the element/parent struct
	// (sub-attributes). Nil for custom attributes.
	field []int
	// parent is the complex attribute this is a sub-attribute of.
	parent *Attribute
	// at and typ locate field without reflection (locateUserFields): the
	// offset from the start of a User (top-level attributes) or of the
	// parent's struct (sub-attributes of a singular complex attribute),
	// and the field's type; typ is nil where Value must reflect.
	at  uintptr
	typ reflect.Type
	// identity lists the sub-attributes that tell the elements of a
	// multi-valued complex attribute apart (see dedupe).
	identity []*Attribute
}

// Parent returns the complex attribute a sub-attribute belongs to, or nil.
func (a *Attribute) Parent() *Attribute { return a.parent }

// Sub returns the sub-attribute with the given name (case-insensitive), or nil.
func (a *Attribute) Sub(name string) *Attribute {
	for _, s := range a.SubAttributes {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

// Leaf returns the attribute that a filter comparison, a sort key or a
// value lookup on a reads, given the sub-attribute sub the path names (nil
// for none): sub when given; for a complex attribute its "value"
// sub-attribute, which stands for it ("emails co x", "manager eq id";
// RFC 7644 §3.4.2.2); else a itself. It is nil for a complex attribute
// without a value sub-attribute, such as name or meta: such a path must
// name one of its sub-attributes.
func (a *Attribute) Leaf(sub *Attribute) *Attribute {
	switch {
	case sub != nil:
		return sub
	case a.Type == TypeComplex:
		return a.Sub("value")
	}
	return a
}

// Path returns the attribute's fully qualified name: the schema URN for
// extension attributes, then "parent.sub" for sub-attributes.
func (a *Attribute) Path() string {
	name := a.Name
	if a.parent != nil {
		name = a.parent.Name + "." + a.Name
	}
	top := a
	if a.parent != nil {
		top = a.parent
	}
	if top.Schema != "" && top.Schema != SchemaUser {
		return top.Schema + ":" + name
	}
	return name
}

// MarshalJSON renders the definition as in RFC 7643 §7.
func (a *Attribute) MarshalJSON() ([]byte, error) {
	type out struct {
		Name            string       `json:"name"`
		Type            AttrType     `json:"type"`
		MultiValued     bool         `json:"multiValued"`
		Description     string       `json:"description,omitempty"`
		Required        bool         `json:"required"`
		CaseExact       bool         `json:"caseExact"`
		Mutability      Mutability   `json:"mutability"`
		Returned        Returned     `json:"returned"`
		Uniqueness      Uniqueness   `json:"uniqueness"`
		CanonicalValues []string     `json:"canonicalValues,omitempty"`
		ReferenceTypes  []string     `json:"referenceTypes,omitempty"`
		SubAttributes   []*Attribute `json:"subAttributes,omitempty"`
	}
	return json.Marshal(out{a.Name, a.Type, a.MultiValued, a.Description, a.Required, a.CaseExact,
		a.Mutability, a.Returned, a.Uniqueness, a.CanonicalValues, a.ReferenceTypes, a.SubAttributes})
}

// Schema is a schema definition (RFC 7643 §7) as served by /Schemas.
type Schema struct {
	ID          string
	Name        string
	Description string
	Attributes  []*Attribute
}

// Attribute returns the top-level attribute with the given name or alias
// (case-insensitive), or nil.
func (s *Schema) Attribute(name string) *Attribute {
	for _, a := range s.Attributes {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	for _, a := range s.Attributes {
		for _, alias := range a.Aliases {
			if strings.EqualFold(alias, name) {
				return a
			}
		}
	}
	return nil
}

// MarshalJSON renders the schema resource of RFC 7643 §7 (without meta,
// which the handler adds with the location it serves it at).
func (s *Schema) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Schemas     []string     `json:"schemas"`
		ID          string       `json:"id"`
		Name        string       `json:"name"`
		Description string       `json:"description,omitempty"`
		Attributes  []*Attribute `json:"attributes"`
	}{[]string{SchemaSchema}, s.ID, s.Name, s.Description, nonNil(s.Attributes)})
}

func nonNil(a []*Attribute) []*Attribute {
	if a == nil {
		return []*Attribute{}
	}
	return a
}

// Model is the set of schemas a tenant's users are described by: the core
// User schema, the Enterprise extension and the tenant's Peakon extension
// with its custom attributes. Build one with [NewModel]; a Model is immutable
// and safe for concurrent use.
type Model struct {
	core       *Schema
	enterprise *Schema
	peakon     *Schema
	custom     map[string]*Attribute // folded name or alias → attribute

	// ruled lists the top-level attributes that carry field rules, or
	// whose sub-attributes do (see Validate).
	ruled []*Attribute
	// validate enforces them; built on first use, since models are also
	// built for single decodes ([User.UnmarshalJSON]).
	validateOnce sync.Once
	validate     *validator.Validate
	ruledFields  []ruledField // ruled, compiled by validateOnce (validate.go)
	zones        sync.Map     // time zone names found valid, see isTimezone
	enc          *userEncoder // EncodeUser's plan, see encodeplan.go
}

// ruledField is an attribute with field rules compiled against [User]
// (compileRuled): where its field is, and a test of two values of it for
// equality, so that an update's unchanged attributes are skipped without
// reflection.
type ruledField struct {
	a    *Attribute
	off  uintptr
	typ  reflect.Type
	same func(x, y unsafe.Pointer) bool
}

// Core returns the core User schema (RFC 7643 §4.1).
func (m *Model) Core() *Schema { return m.core }

// Enterprise returns the Enterprise User extension (RFC 7643 §4.3).
func (m *Model) Enterprise() *Schema { return m.enterprise }

// Schemas returns the model's schemas in the order /Schemas lists them.
func (m *Model) Schemas() []*Schema { return []*Schema{m.core, m.enterprise, m.peakon} }

// schemaByURN returns the schema with the URN (case-insensitive), or nil.
func (m *Model) schemaByURN(urn string) *Schema {
	for _, s := range m.Schemas() {
		if strings.EqualFold(s.ID, urn) {
			return s
		}
	}
	return nil
}

// CustomAttribute returns the Peakon custom attribute with the given display
// name or alias, case-insensitively, or nil.
func (m *Model) CustomAttribute(name string) *Attribute {
	return m.custom[strings.ToLower(name)]
}

// Lookup resolves a top-level attribute name as a client may write it in a
// filter, a PATCH path, sortBy or attributes: "userName", "name",
// "urn:...:enterprise:2.0:User:employeeNumber",
// "urn:...:peakon:2.0:User:Employed_Since", or an extension attribute
// without its URN ("manager"; see unqualified). rest is what
// follows the attribute (".givenName" or ""), unparsed. Lookup returns nil
// when nothing matches.
func (m *Model) Lookup(path string) (attr *Attribute, rest string) {
	return m.lookup(path, true)
}

// lookup is Lookup; with extensions false an unqualified name is a core
// attribute or nothing, as in the top level of a resource body, where
// extension attributes belong inside their extension's object.
func (m *Model) lookup(path string, extensions bool) (attr *Attribute, rest string) {
	if len(path) > 4 && strings.EqualFold(path[:4], "urn:") {
		for _, s := range m.Schemas() {
			if name, ok := cutSchema(path, s.ID); ok {
				sub := ""
				// Custom attribute names may contain dots? No: Peakon names
				// contain spaces, never dots, so a dot starts a sub-attribute.
				if i := strings.IndexByte(name, '.'); i >= 0 {
					name, sub = name[:i], name[i:]
				}
				if a := s.Attribute(name); a != nil {
					return a, sub
				}
				return nil, ""
			}
		}
		return nil, ""
	}
	name, sub := path, ""
	if i := strings.IndexByte(path, '.'); i >= 0 {
		name, sub = path[:i], path[i:]
	}
	if !extensions {
		return m.core.Attribute(name), sub
	}
	return m.unqualified(name), sub
}

// unqualified resolves an attribute name written without a schema URN, as
// filters, PATCH paths, sortBy and attributes may: a core attribute of that
// name (or alias) if there is one, else the Enterprise extension's, else
// the company's Peakon custom attribute's. RFC 7644 §3.10 lets clients omit
// the URN of core attributes; Entra omits it for extension attributes too
// ({"op":"Add","path":"manager",...}). The order settles names that several
// schemas define: a core attribute always wins, and the Enterprise
// extension wins over a custom attribute ("Department", "Manager"), since
// that is what Entra means by the bare name. unqualified returns nil when
// no schema defines the name.
func (m *Model) unqualified(name string) *Attribute {
	if a := m.core.Attribute(name); a != nil {
		return a
	}
	if a := m.enterprise.Attribute(name); a != nil {
		return a
	}
	return m.CustomAttribute(name)
}

// cutSchema returns what follows the schema URN urn and a colon at the
// start of path (the URN compared ignoring case), and whether path starts
// so: "urn:...:Group:displayName" gives "displayName". Users and groups
// strip URNs through it alike.
func cutSchema(path, urn string) (rest string, ok bool) {
	if urn == "" || len(path) <= len(urn)+1 || path[len(urn)] != ':' || !strings.EqualFold(path[:len(urn)], urn) {
		return path, false
	}
	return path[len(urn)+1:], true
}

// NewModel returns the model for a tenant with the given Peakon custom
// attributes (nil for none).
func NewModel(custom []CustomAttribute) *Model {
	b := builtInUserSchemas()
	m := &Model{
		core:       b.core,
		enterprise: b.enterprise,
		ruled:      b.ruled,
		enc:        b.enc,
		peakon: &Schema{
			ID:          SchemaPeakonUser,
			Name:        "Peakon User",
			Description: "Peakon custom employee attributes, keyed by display name.",
		},
		custom: make(map[string]*Attribute, 2*len(custom)),
	}
	for _, c := range custom {
		a := c.attribute()
		m.peakon.Attributes = append(m.peakon.Attributes, a)
		m.custom[strings.ToLower(a.Name)] = a
		for _, alias := range a.Aliases {
			m.custom[strings.ToLower(alias)] = a
		}
	}
	return m
}

// userSchemas are the core and Enterprise schemas with their field rules
// and compiled encoder: the same for every company, so built once and
// shared by every Model (they are never modified once built), and a
// company's model costs only its custom attributes. A process serving
// thousands of companies rebuilds an evicted model cheaply.
type userSchemas struct {
	core, enterprise *Schema
	ruled            []*Attribute
	enc              *userEncoder
}

var builtInUserSchemas = sync.OnceValue(func() *userSchemas {
	m := &Model{core: coreUserSchema(), enterprise: enterpriseUserSchema()}
	for _, s := range []*Schema{m.core, m.enterprise} {
		for _, a := range s.Attributes {
			if setRules(a) {
				m.ruled = append(m.ruled, a)
			}
		}
	}
	m.enc = compileUserEncoder(m)
	return &userSchemas{core: m.core, enterprise: m.enterprise, ruled: m.ruled, enc: m.enc}
})

// defaultModel serves tenants without custom attributes.
var defaultModel = NewModel(nil)

// attr is a compact constructor for built-in definitions: the Go field name
// binds the attribute to the [User] struct.
type attrOpt func(*Attribute)

func caseExact(a *Attribute)    { a.CaseExact = true }
func required(a *Attribute)     { a.Required = true }
func multi(a *Attribute)        { a.MultiValued = true }
func readOnly(a *Attribute)     { a.Mutability = ReadOnly }
func writeOnly(a *Attribute)    { a.Mutability = WriteOnly; a.Returned = ReturnedNever }
func always(a *Attribute)       { a.Returned = ReturnedAlways }
func serverUnique(a *Attribute) { a.Uniqueness = UniquenessServer }
func refTypes(t ...string) attrOpt {
	return func(a *Attribute) { a.ReferenceTypes = t }
}
func canonical(v ...string) attrOpt {
	return func(a *Attribute) { a.CanonicalValues = v }
}
func desc(d string) attrOpt { return func(a *Attribute) { a.Description = d } }
func maxLen(n int) attrOpt  { return func(a *Attribute) { a.MaxLength = n } }
func format(f string) attrOpt {
	return func(a *Attribute) { a.Format = f }
}
func subs(s ...*Attribute) attrOpt {
	return func(a *Attribute) {
		a.SubAttributes = s
		for _, sub := range s {
			sub.parent = a
		}
		a.identity = identity(s)
	}
}

// subOpt applies options to the sub-attribute name, given by an earlier subs.
func subOpt(name string, opts ...attrOpt) attrOpt {
	return func(a *Attribute) {
		s := a.Sub(name)
		for _, o := range opts {
			o(s)
		}
	}
}

func newAttr(name string, typ AttrType, field string, opts ...attrOpt) *Attribute {
	a := &Attribute{Name: name, Type: typ, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniquenessNone}
	a.key = jsonw.Quote(name)
	a.goField = field
	for _, o := range opts {
		o(a)
	}
	return a
}

// bind resolves the Go field names recorded by newAttr into reflect index
// paths. It panics on a mismatch: that is a programming error in this
// package, caught by any test.
func bind(attrs []*Attribute, t reflect.Type, prefix []int) {
	for _, a := range attrs {
		if a.goField == "" {
			continue
		}
		f, ok := t.FieldByName(a.goField)
		if !ok {
			panic("scim: no field " + a.goField + " in " + t.Name())
		}
		a.field = append(append([]int(nil), prefix...), f.Index...)
		if len(a.SubAttributes) > 0 {
			et := f.Type
			if et.Kind() == reflect.Slice {
				et = et.Elem()
			}
			bind(a.SubAttributes, et, nil)
		}
	}
}

// setRules builds the validator tag of a and its sub-attributes from
// Required, MaxLength and Format, and adds the length to the description
// that /Schemas serves. It reports whether any of them has a rule.
func setRules(a *Attribute) bool {
	var tags []string
	if a.Required {
		tags = append(tags, "required")
	}
	if a.MaxLength > 0 {
		tags = append(tags, "max="+strconv.Itoa(a.MaxLength))
		if a.Format == "" {
			a.Description = strings.TrimSpace(a.Description + " At most " + strconv.Itoa(a.MaxLength) + " characters.")
		}
	}
	if a.Format != "" {
		tags = append(tags, a.Format)
	}
	a.rule = strings.Join(tags, ",")
	ruled := a.rule != ""
	for _, sub := range a.SubAttributes {
		if setRules(sub) {
			ruled = true
		}
	}
	return ruled
}

// Value returns the attribute's value in u as u holds it: a string, bool
// or time.Time; for a complex attribute its struct (Name, Meta...); for a
// multi-valued one the slice of its elements ([]MultiValue for emails).
// A store that keeps attributes in columns of their own reads them
// through it, walking the model instead of listing User's fields. ok is
// false for attributes User has no field for: password, Peakon custom
// attributes (in User.Custom by Name) and sub-attributes of multi-valued
// attributes, whose values are per element.
func (a *Attribute) Value(u *User) (v any, ok bool) {
	if a == nil || u == nil || a.field == nil {
		return nil, false
	}
	if a.typ != nil && (a.parent == nil || a.parent.typ != nil) {
		// Located: stores use Value for every column of every user they
		// write, where reflection cost a third of the time.
		base := unsafe.Pointer(u)
		if p := a.parent; p != nil {
			if p.MultiValued {
				return nil, false
			}
			base = unsafe.Add(base, p.at)
		}
		f := unsafe.Add(base, a.at)
		switch a.typ.Kind() {
		case reflect.String:
			return *(*string)(f), true
		case reflect.Bool:
			return *(*bool)(f), true
		}
		if a.typ == timeType { // meta.created and meta.lastModified
			return *(*time.Time)(f), true
		}
		return reflect.NewAt(a.typ, f).Elem().Interface(), true
	}
	rv := reflect.ValueOf(u).Elem()
	if p := a.parent; p != nil {
		if p.MultiValued || p.field == nil {
			return nil, false
		}
		rv = rv.FieldByIndex(p.field)
	}
	f := rv.FieldByIndex(a.field)
	switch f.Kind() {
	case reflect.String:
		return f.String(), true // boxes "" without allocating
	case reflect.Bool:
		return f.Bool(), true
	}
	return f.Interface(), true
}

// timeType is the type of meta's times, which Value reads without
// reflection and cursor positions carry as RFC 3339.
var timeType = reflect.TypeFor[time.Time]()

// locateUserFields sets at and typ of attrs, top-level attributes of a
// User schema bound by bind, and of the sub-attributes of the singular
// ones, where the path to their field crosses no pointer.
func locateUserFields(attrs []*Attribute) {
	for _, a := range attrs {
		at, typ := fieldAt(userType, a.field)
		if typ == nil {
			continue
		}
		a.at, a.typ = at, typ
		if a.MultiValued {
			continue
		}
		for _, sub := range a.SubAttributes {
			sub.at, sub.typ = fieldAt(typ, sub.field)
		}
	}
}

// fieldAt returns the offset and type of the field of t at the index path,
// or a nil type if there is none or the path crosses a pointer.
func fieldAt(t reflect.Type, path []int) (uintptr, reflect.Type) {
	if len(path) == 0 || t.Kind() != reflect.Struct {
		return 0, nil
	}
	var at uintptr
	for _, i := range path {
		if t.Kind() != reflect.Struct || i >= t.NumField() {
			return 0, nil
		}
		f := t.Field(i)
		at += f.Offset
		t = f.Type
	}
	return at, t
}

// ModelSource returns the attribute model of a tenant.
type ModelSource interface {
	Model(ctx context.Context, tenant string) (*Model, error)
}

// ModelSourceFunc adapts a function to [ModelSource].
type ModelSourceFunc func(ctx context.Context, tenant string) (*Model, error)

// Model implements [ModelSource].
func (f ModelSourceFunc) Model(ctx context.Context, tenant string) (*Model, error) {
	return f(ctx, tenant)
}

func (req *request) loadModel() error {
	if req.h.models == nil {
		req.model = defaultModel
		return nil
	}
	m, err := req.h.models.Model(req.ctx, req.tenant)
	if err != nil {
		return err
	}
	req.model = m
	return nil
}
