package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeOptions tune how client JSON becomes a [User].
type DecodeOptions struct {
	// IgnoreUnknownAttributes drops Peakon extension keys the tenant has not
	// defined instead of rejecting them with 400 invalidValue.
	IgnoreUnknownAttributes bool
	// MaxValues, when positive, limits the values of each multi-valued
	// attribute: [Model.ApplyPatch] fails with 400 invalidValue as soon as
	// an operation leaves more than MaxValues, and more than the user had
	// before, rather than building a user it will refuse. DecodeUser does
	// not count: a body's size bounds its values, and the write that
	// follows is checked as a whole (Handler.MaxValues).
	MaxValues int
}

// parseJSON decodes a request body into generic JSON with numbers kept
// exact. Trailing data after the value is a syntax error, and so are
// strings that are not UTF-8 (see [checkUTF8]).
func parseJSON(data []byte) (any, error) {
	if err := checkUTF8(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalidSyntax(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "the request body holds data after its JSON value")
	}
	return v, nil
}

// parseJSONObject is parseJSON for a body that must be a JSON object; what
// names it in the error ("a user").
func parseJSONObject(data []byte, what string) (map[string]any, error) {
	v, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "%s must be a JSON object, not %s", what, jsonKind(v))
	}
	return obj, nil
}

// checkUTF8 rejects a body that is not UTF-8, which RFC 8259 §8.1
// requires, or that escapes half of a UTF-16 surrogate pair without the
// other half ("\ud800"), which no Unicode text holds (RFC 8259 §8.2).
// encoding/json would quietly replace either with U+FFFD and the server
// would store data the client never sent. The error is 400 invalidSyntax
// naming the member that holds it, such as "displayName" or
// "Operations[0].value.name.givenName".
func checkUTF8(data []byte) error {
	bad, surrogate := badText(data)
	if bad < 0 {
		return nil
	}
	// Outside strings, any byte that is not UTF-8 is a syntax error the
	// tokenizer reports; inside one, the string token spans it.
	type frame struct {
		object  bool
		key     string
		index   int
		wantKey bool
	}
	var stack []frame
	where := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case !f.object:
				fmt.Fprintf(&b, "[%d]", f.index)
			case b.Len() > 0:
				b.WriteString("." + f.key)
			default:
				b.WriteString(f.key)
			}
		}
		return b.String()
	}
	valueDone := func() {
		if n := len(stack); n > 0 {
			if top := &stack[n-1]; top.object {
				top.wantKey = true
			} else {
				top.index++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				break
			}
			return invalidSyntax(err)
		}
		isKey := false
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			if k, ok := tok.(string); ok {
				isKey = true
				stack[n-1].key, stack[n-1].wantKey = k, false
			}
		}
		if _, ok := tok.(string); ok && int64(bad) < dec.InputOffset() {
			return notText(where(), isKey, bad, surrogate)
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			if !isKey {
				valueDone()
			}
		}
	}
	return notText(where(), false, bad, surrogate) // not reached: the bytes are in some token
}

// badText returns the offset of the first byte of data that is not UTF-8,
// or of the first \u escape of a surrogate that is not half of a pair
// (then surrogate is true); -1 when there is neither. A backslash outside a
// string is a syntax error the tokenizer reports, so escapes are found
// without tracking strings.
func badText(data []byte) (offset int, surrogate bool) {
	bad := -1
	if !utf8.Valid(data) {
		bad = 0
		for bad < len(data) {
			r, n := utf8.DecodeRune(data[bad:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			bad += n
		}
	}
	end := len(data)
	if bad >= 0 {
		end = bad
	}
	for i := 0; i < end; i++ {
		j := bytes.IndexByte(data[i:end], '\\')
		if j < 0 {
			break
		}
		i += j
		if i+1 >= end || data[i+1] != 'u' {
			i++ // a one-character escape: skip what it escapes
			continue
		}
		r, ok := hexRune(data, i+2)
		switch {
		case !ok || !utf16.IsSurrogate(r):
		case r < 0xdc00 && i+11 < len(data) && data[i+6] == '\\' && data[i+7] == 'u':
			if low, ok := hexRune(data, i+8); ok && low >= 0xdc00 && low <= 0xdfff {
				i += 11 // a pair
				continue
			}
			return i, true
		default:
			return i, true
		}
		i += 5
	}
	return bad, false
}

// hexRune reads the four hex digits of a \u escape at data[i:].
func hexRune(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func notText(path string, isKey bool, offset int, surrogate bool) *Error {
	if surrogate {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "%s escapes half of a UTF-16 surrogate pair without the other half (at byte %d), which is no character: JSON text must be Unicode (RFC 8259 §8.2); send the character itself, or both halves of its pair", what(path, isKey), offset)
	}
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "%s is not valid UTF-8 (at byte %d); JSON text must be UTF-8 (RFC 8259): send the text UTF-8 encoded", what(path, isKey), offset)
}

// what names where in a body a problem is: the body, a member name or a
// member's value.
func what(path string, isKey bool) string {
	switch {
	case path == "":
		return "the request body"
	case isKey:
		return "the member name " + quote(path)
	}
	return "the value of " + quote(path)
}

// DecodeUser decodes a [User] from a client's JSON body, accepting what real
// clients send: attribute names in any case, booleans as strings, explicit
// nulls, extension objects whether or not listed in schemas. Read-only
// attributes (id, meta, groups) and unknown core attributes are ignored.
// Active defaults to true. In a multi-valued attribute at most one element
// stays primary (the last so marked) and an element repeating an earlier
// one's type and value is dropped (RFC 7643 §2.4), the earlier one taking
// its primary flag. The result is not yet validated: see [Model.Validate].
func (m *Model) DecodeUser(data []byte, opts DecodeOptions) (*User, error) {
	obj, err := parseJSONObject(data, "the request body")
	if err != nil {
		return nil, err
	}
	return m.userFromObject(obj, opts)
}

func (m *Model) userFromObject(obj map[string]any, opts DecodeOptions) (*User, error) {
	u := &User{Active: true}
	rv := reflect.ValueOf(u).Elem()
	for key, val := range obj {
		if err := m.setTop(u, rv, key, val, opts, false); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// setTop applies one member of a resource object: a core attribute, an
// extension object or a URN-qualified attribute. merge governs complex
// values and extension objects: false replaces them whole, true merges
// their sub-attributes (PATCH add).
func (m *Model) setTop(u *User, rv reflect.Value, key string, val any, opts DecodeOptions, merge bool) error {
	if strings.EqualFold(key, "schemas") {
		return nil
	}
	if s := m.schemaByURN(key); s != nil && s != m.core {
		if val == nil {
			m.clearSchema(u, rv, s)
			return nil
		}
		ext, ok := val.(map[string]any)
		if !ok {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s must be a JSON object, not %s", s.ID, jsonKind(val))
		}
		if !merge {
			m.clearSchema(u, rv, s)
		}
		for k, v := range ext {
			a := s.Attribute(k)
			if a == nil {
				if s == m.peakon && !opts.IgnoreUnknownAttributes {
					return unknownCustom(k, m)
				}
				continue
			}
			if err := m.setAttr(u, rv, a, v, merge); err != nil {
				return err
			}
		}
		return nil
	}
	a, rest := m.lookup(key, false)
	if a == nil {
		if len(key) > 4 && strings.EqualFold(key[:4], "urn:") && strings.HasPrefix(strings.ToLower(key), strings.ToLower(SchemaPeakonUser)+":") && !opts.IgnoreUnknownAttributes {
			return unknownCustom(key[len(SchemaPeakonUser)+1:], m)
		}
		return nil // unknown core attributes are ignored, as RFC 7644 §3.3 permits
	}
	if a.Mutability == ReadOnly {
		return nil
	}
	if rest != "" {
		sub := a.Sub(rest[1:])
		if sub == nil || a.MultiValued {
			return nil
		}
		return m.setSub(rv, a, sub, val)
	}
	return m.setAttr(u, rv, a, val, merge)
}

func unknownCustom(name string, m *Model) *Error {
	known := make([]string, 0, len(m.peakon.Attributes))
	for _, a := range m.peakon.Attributes {
		known = append(known, fmt.Sprintf("%q", a.Name))
	}
	list := "none are defined"
	if len(known) > 0 {
		list = "defined: " + strings.Join(known, ", ")
	}
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s:%s is not a custom attribute of this company (%s)", SchemaPeakonUser, name, list)
}

func (m *Model) clearSchema(u *User, rv reflect.Value, s *Schema) {
	if s == m.peakon {
		u.Custom = nil
		return
	}
	for _, a := range s.Attributes {
		if a.Mutability != ReadOnly {
			f := rv.FieldByIndex(a.field)
			f.SetZero()
		}
	}
}

// setAttr sets a top-level attribute (core or extension) from a JSON value.
func (m *Model) setAttr(u *User, rv reflect.Value, a *Attribute, val any, merge bool) error {
	if a.Mutability == ReadOnly || a.Mutability == WriteOnly && a.field == nil {
		return nil
	}
	if a.Custom {
		return setCustom(u, a, val)
	}
	if arr, ok := val.([]any); ok && isManager(a) && len(arr) <= 1 {
		val = nil // Entra's forms: [{"value":"id"}] sets the manager, [] clears it
		if len(arr) == 1 {
			val = arr[0]
		}
	}
	f := rv.FieldByIndex(a.field)
	if val == nil {
		if a.Type == TypeBoolean && a.Name == "active" {
			f.SetBool(true) // an employee is active unless a client says otherwise
			return nil
		}
		f.SetZero()
		return nil
	}
	if a.MultiValued {
		return decodeMulti(a, f, val)
	}
	if a.Type == TypeComplex {
		if !merge {
			f.SetZero()
		}
		return decodeComplex(a, f, val)
	}
	return decodeScalar(a, f, val)
}

// isManager reports whether a is the enterprise manager, the one singular
// attribute a client may send as an array: Entra sends [{"value":"id"}],
// and [] to clear it.
func isManager(a *Attribute) bool {
	return a.Schema == SchemaEnterpriseUser && a.Name == "manager"
}

func (m *Model) setSub(rv reflect.Value, parent, sub *Attribute, val any) error {
	if sub.Mutability == ReadOnly {
		return nil
	}
	f := rv.FieldByIndex(parent.field).FieldByIndex(sub.field)
	if val == nil {
		f.SetZero()
		return nil
	}
	return decodeScalar(sub, f, val)
}

func setCustom(u *User, a *Attribute, val any) error {
	if val == nil {
		delete(u.Custom, a.Name)
		return nil
	}
	s, err := canonicalCustomValue(a, val)
	if err != nil {
		return err
	}
	if s == "" {
		delete(u.Custom, a.Name)
		return nil
	}
	if u.Custom == nil {
		u.Custom = make(map[string]string, 4)
	}
	u.Custom[a.Name] = s
	return nil
}

func decodeMulti(a *Attribute, f reflect.Value, val any) error {
	arr, ok := val.([]any)
	if !ok {
		// A single object where an array belongs: accept it as one element,
		// as several HR clients send manager-like values.
		if obj, isObj := val.(map[string]any); isObj {
			arr = []any{obj}
		} else {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s must be an array, not %s", a.Path(), jsonKind(val))
		}
	}
	out := reflect.MakeSlice(f.Type(), 0, len(arr))
	for _, el := range arr {
		if el == nil {
			continue
		}
		e := reflect.New(f.Type().Elem()).Elem()
		if err := decodeComplex(a, e, el); err != nil {
			return err
		}
		if e.IsZero() {
			continue
		}
		out = reflect.Append(out, e)
	}
	if out.Len() == 0 {
		f.SetZero()
		return nil
	}
	f.Set(out)
	normalizePrimary(f)
	dedupe(a, f)
	return nil
}

// normalizePrimary keeps at most one primary element (RFC 7643 §2.4): the
// last one marked wins, as the most recent statement of the client.
func normalizePrimary(f reflect.Value) {
	idx := primaryIndex(f.Type().Elem())
	if idx < 0 {
		return
	}
	last := -1
	for i := 0; i < f.Len(); i++ {
		if f.Index(i).Field(idx).Bool() {
			last = i
		}
	}
	for i := 0; i < f.Len(); i++ {
		if i != last {
			f.Index(i).Field(idx).SetBool(false)
		}
	}
}

func primaryIndex(t reflect.Type) int {
	if sf, ok := t.FieldByName("Primary"); ok {
		return sf.Index[0]
	}
	return -1
}

func decodeComplex(a *Attribute, f reflect.Value, val any) error {
	obj, ok := val.(map[string]any)
	if !ok {
		// A bare value for a complex attribute means its "value"
		// sub-attribute: Entra sends the manager as a raw id string.
		if sub := a.Sub("value"); sub != nil {
			if s, isStr := val.(string); isStr {
				return decodeScalar(sub, f.FieldByIndex(sub.field), s)
			}
		}
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s must be a JSON object, not %s", a.Path(), jsonKind(val))
	}
	for k, v := range obj {
		sub := a.Sub(k)
		if sub == nil || sub.Mutability == ReadOnly && a.Name != "groups" {
			continue
		}
		sf := f.FieldByIndex(sub.field)
		if v == nil {
			sf.SetZero()
			continue
		}
		if err := decodeScalar(sub, sf, v); err != nil {
			return err
		}
	}
	return nil
}

func decodeScalar(a *Attribute, f reflect.Value, val any) error {
	switch a.Type {
	case TypeBoolean:
		b, ok := parseBool(val)
		if !ok {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s must be a boolean (true or false), not %s", a.Path(), describe(val))
		}
		f.SetBool(b)
	case TypeDateTime:
		s, ok := val.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if !ok || err != nil {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s must be an RFC 3339 date-time such as 2019-04-01T00:00:00Z, not %s", a.Path(), describe(val))
		}
		f.Set(reflect.ValueOf(t))
	case TypeComplex:
		return decodeComplex(a, f, val)
	default:
		switch v := val.(type) {
		case string:
			f.SetString(v)
		case json.Number:
			f.SetString(v.String())
		default:
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s must be a string, not %s", a.Path(), describe(val))
		}
	}
	return nil
}

// parseBool accepts JSON booleans and the strings "true"/"false" in any
// case, which Entra sends.
func parseBool(v any) (bool, bool) {
	switch b := v.(type) {
	case bool:
		return b, true
	case string:
		switch {
		case strings.EqualFold(b, "true"):
			return true, true
		case strings.EqualFold(b, "false"):
			return false, true
		}
	}
	return false, false
}

func reflectUser(u *User) reflect.Value { return reflect.ValueOf(u).Elem() }
