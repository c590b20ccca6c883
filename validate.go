package scim

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zone names are checked against the database, on any host
	"unicode/utf8"
	"unsafe"

	"github.com/go-playground/validator/v10"
)

// Formats of [Attribute.Format] besides "email".
const (
	// FormatTimezone is a name of the IANA time zone database (RFC 7643
	// §4.1.1 timezone), such as "Europe/Paris": what [time.LoadLocation]
	// loads, "Local" and names not shaped as the database's (components
	// beginning with a capital letter, of letters, digits, "_", "+" and "-")
	// excepted, so that neither the host's extra files ("posixrules",
	// "right/...") nor its file system's case folding change the answer. The
	// database is embedded (time/tzdata) for hosts without one; a host's own,
	// where present, is read first, as time.LoadLocation does.
	FormatTimezone = "timezone"
	// FormatLanguageTag is a language tag of RFC 5646's syntax (RFC 7643
	// §4.1.1 locale), compared ignoring case, with "_" accepted between
	// subtags as RFC 7643 permits and Okta sends (en_US): a language of 2 or 3
	// letters (with up to three extended language subtags), then optionally
	// a script, a region, variants, extensions and a private-use part; or a
	// private-use tag (x-...) or one of RFC 5646's grandfathered tags. The
	// subtags are checked for their shape, not against the IANA registry.
	FormatLanguageTag = "languageTag"
)

// Validate checks a user about to be written against the field rules of
// the model's attributes: [Attribute.Required], [Attribute.MaxLength] and
// [Attribute.Format], the rules /Schemas describes. A program that builds
// users with [Model.DecodeUser] or [Model.ApplyPatch] and stores them
// itself calls it before writing, as [Handler] does. before is nil for a
// new user; for an update it is the stored user, and only attributes
// whose value changed are checked: the others were checked when they
// were written, and a PATCH of one attribute should not pay for all of
// them. A failure is a 400 invalidValue [*Error] naming the attribute (and
// the element of a multi-valued one).
//
// Custom attributes are checked when decoded and patched, against their
// Peakon type.
func (m *Model) Validate(before, after *User) error {
	m.validateOnce.Do(func() {
		m.validate = validator.New()
		// Errors only for a programming error here: the tags are not reserved.
		_ = m.validate.RegisterValidation(FormatTimezone, func(fl validator.FieldLevel) bool { return isTimezone(fl.Field().String(), &m.zones) })
		_ = m.validate.RegisterValidation(FormatLanguageTag, func(fl validator.FieldLevel) bool { return isLanguageTag(fl.Field().String()) })
		m.ruledFields = make([]ruledField, len(m.ruled))
		for i, a := range m.ruled {
			m.ruledFields[i] = compileRuled(a)
		}
	})
	for i := range m.ruledFields {
		r := &m.ruledFields[i]
		f := unsafe.Add(unsafe.Pointer(after), r.off)
		if before != nil && r.same(unsafe.Add(unsafe.Pointer(before), r.off), f) {
			continue
		}
		if err := m.validateAttr(r.a, reflect.NewAt(r.typ, f).Elem()); err != nil {
			return err
		}
	}
	return nil
}

func compileRuled(a *Attribute) ruledField {
	off, t := fieldAt(userType, a.field)
	return ruledField{a: a, off: off, typ: t, same: sameFunc(t)}
}

// sameFunc returns a test equal to sameValue for values of t.
func sameFunc(t reflect.Type) func(x, y unsafe.Pointer) bool {
	switch t.Kind() {
	case reflect.String:
		return func(x, y unsafe.Pointer) bool { return *(*string)(x) == *(*string)(y) }
	case reflect.Bool:
		return func(x, y unsafe.Pointer) bool { return *(*bool)(x) == *(*bool)(y) }
	case reflect.Slice:
		if t.Elem().Comparable() {
			elem, size := sameFunc(t.Elem()), t.Elem().Size()
			return func(x, y unsafe.Pointer) bool {
				xs, ys := *(*[]byte)(x), *(*[]byte)(y) // the headers only
				if len(xs) != len(ys) || (xs == nil) != (ys == nil) {
					return false
				}
				xd, yd := unsafe.Pointer(unsafe.SliceData(xs)), unsafe.Pointer(unsafe.SliceData(ys))
				if xd == yd {
					return true
				}
				for i := range uintptr(len(xs)) {
					if !elem(unsafe.Add(xd, i*size), unsafe.Add(yd, i*size)) {
						return false
					}
				}
				return true
			}
		}
	case reflect.Struct:
		type part struct {
			off  uintptr
			same func(x, y unsafe.Pointer) bool
		}
		parts := make([]part, t.NumField())
		for i := range parts {
			f := t.Field(i)
			parts[i] = part{f.Offset, sameFunc(f.Type)}
		}
		return func(x, y unsafe.Pointer) bool {
			for _, p := range parts {
				if !p.same(unsafe.Add(x, p.off), unsafe.Add(y, p.off)) {
					return false
				}
			}
			return true
		}
	}
	return func(x, y unsafe.Pointer) bool {
		return sameValue(reflect.NewAt(t, x).Elem(), reflect.NewAt(t, y).Elem())
	}
}

// sameValue reports whether two values of one [User] field are equal.
// Slices of comparable elements (every multi-valued attribute's) are
// compared element by element: reflect.DeepEqual would box both slices,
// two allocations for each multi-valued attribute of every write.
func sameValue(x, y reflect.Value) bool {
	if x.Kind() != reflect.Slice {
		return x.Equal(y)
	}
	if !x.Type().Elem().Comparable() || x.IsNil() != y.IsNil() {
		return reflect.DeepEqual(x.Interface(), y.Interface())
	}
	n := x.Len()
	if n != y.Len() {
		return false
	}
	if n == 0 || x.Pointer() == y.Pointer() {
		return true
	}
	for i := range n {
		if !x.Index(i).Equal(y.Index(i)) {
			return false
		}
	}
	return true
}

// validateAttr checks the top-level attribute a, whose field is f.
func (m *Model) validateAttr(a *Attribute, f reflect.Value) error {
	switch {
	case a.MultiValued:
		for i := range f.Len() {
			e := f.Index(i)
			for _, sub := range a.SubAttributes {
				if sub.rule == "" {
					continue
				}
				if err := m.validateValue(sub, e.FieldByIndex(sub.field).String(), i); err != nil {
					return err
				}
			}
		}
	case a.Type == TypeComplex:
		for _, sub := range a.SubAttributes {
			if sub.rule == "" {
				continue
			}
			if err := m.validateValue(sub, f.FieldByIndex(sub.field).String(), -1); err != nil {
				return err
			}
		}
	case a.rule != "":
		return m.validateValue(a, f.String(), -1)
	}
	return nil
}

// formats completes the error for a value not of an [Attribute.Format]:
// "<attribute> <value> is not ...".
var formats = map[string]string{
	"email":           "an email address: Peakon identifies employees by email, so every emails value must be an address such as jane@example.com",
	FormatTimezone:    "a time zone name of the IANA database, such as Europe/Paris or America/Los_Angeles (abbreviations such as CEST are ambiguous): Peakon sends surveys at the employee's local hour",
	FormatLanguageTag: "a language tag such as en-US, fr-CA or es-419 (RFC 5646; en_US is accepted too): Peakon surveys the employee in that language",
}

// maxZoneName bounds a time zone name: the database's longest has 32
// characters.
const maxZoneName = 64

// isTimezone reports whether name is a time zone name of the IANA
// database, or empty (no time zone). See [FormatTimezone]. known holds the
// names found valid, so that each is loaded once: at most the database's
// few hundred.
func isTimezone(name string, known *sync.Map) bool {
	if name == "" {
		return true
	}
	if _, ok := known.Load(name); ok {
		return true
	}
	if len(name) > maxZoneName || name == "Local" {
		return false
	}
	for part := range strings.SplitSeq(name, "/") {
		if part == "" || part[0] < 'A' || part[0] > 'Z' {
			return false
		}
		for _, c := range []byte(part) {
			if !isAlnum(c) && c != '_' && c != '+' && c != '-' {
				return false
			}
		}
	}
	if _, err := time.LoadLocation(name); err != nil {
		return false
	}
	known.Store(name, true)
	return true
}

// maxLanguageTag bounds a language tag; real ones have a few dozen
// characters.
const maxLanguageTag = 128

// grandfathered are RFC 5646's grandfathered tags (§2.2.8), lower case.
var grandfathered = map[string]bool{
	"en-gb-oed": true, "i-ami": true, "i-bnn": true, "i-default": true, "i-enochian": true, "i-hak": true,
	"i-klingon": true, "i-lux": true, "i-mingo": true, "i-navajo": true, "i-pwn": true, "i-tao": true, "i-tay": true,
	"i-tsu": true, "sgn-be-fr": true, "sgn-be-nl": true, "sgn-ch-de": true,
	"art-lojban": true, "cel-gaulish": true, "no-bok": true, "no-nyn": true, "zh-guoyu": true, "zh-hakka": true,
	"zh-min": true, "zh-min-nan": true, "zh-xiang": true,
}

// isLanguageTag reports whether s has the syntax of an RFC 5646 language
// tag, or is empty (no locale). See [FormatLanguageTag].
func isLanguageTag(s string) bool {
	if s == "" {
		return true
	}
	if len(s) > maxLanguageTag {
		return false
	}
	s = strings.ToLower(strings.ReplaceAll(s, "_", "-"))
	if grandfathered[s] {
		return true
	}
	subs := strings.Split(s, "-")
	i := 0
	at := func(min, max int, ok func(byte) bool) bool {
		if i >= len(subs) || len(subs[i]) < min || len(subs[i]) > max {
			return false
		}
		for _, c := range []byte(subs[i]) {
			if !ok(c) {
				return false
			}
		}
		return true
	}
	isAlpha := func(c byte) bool { return 'a' <= c && c <= 'z' }
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	// privateuse = "x" 1*("-" (1*8alphanum))
	privateUse := func() bool {
		if i >= len(subs) || subs[i] != "x" {
			return false
		}
		i++
		n := 0
		for ; at(1, 8, isAlnum); i++ {
			n++
		}
		return n > 0
	}
	if privateUse() {
		return i == len(subs)
	}
	// language = 2*3ALPHA ["-" extlang], extlang = 3ALPHA *2("-" 3ALPHA).
	// 4 letters are reserved and 5 to 8 for registered languages, of which
	// there are none: "english" is no language subtag.
	if !at(2, 3, isAlpha) {
		return false
	}
	i++
	for n := 0; n < 3 && at(3, 3, isAlpha); n++ {
		i++
	}
	if at(4, 4, isAlpha) { // script
		i++
	}
	if at(2, 2, isAlpha) || at(3, 3, isDigit) { // region
		i++
	}
	// variant = 5*8alphanum / (DIGIT 3alphanum)
	for at(5, 8, isAlnum) || at(4, 4, isAlnum) && isDigit(subs[i][0]) {
		i++
	}
	// extension = singleton 1*("-" (2*8alphanum)), singleton any alphanum but x
	for at(1, 1, isAlnum) && subs[i] != "x" {
		i++
		n := 0
		for ; at(2, 8, isAlnum); i++ {
			n++
		}
		if n == 0 {
			return false
		}
	}
	if i < len(subs) && !privateUse() {
		return false
	}
	return i == len(subs)
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// validateValue checks one string value of a (of the i-th element of a's
// parent, when i is not -1) with validator/v10, by the rule the model
// built for a.
func (m *Model) validateValue(a *Attribute, s string, i int) error {
	tag := ""
	if a.Required && strings.TrimSpace(s) == "" {
		tag = "required" // blank is empty too
	} else if a.Format == "" || a.Format == FormatTimezone || a.Format == FormatLanguageTag {
		tag = m.ruleFailed(a, s)
	} else if err := m.validate.Var(s, a.rule); err != nil {
		if verrs, ok := err.(validator.ValidationErrors); ok && len(verrs) > 0 {
			tag = verrs[0].Tag()
		} else {
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s is invalid: %v", a.Path(), err)
		}
	}
	if tag == "" {
		return nil
	}
	name := a.Path()
	if i >= 0 {
		name = a.parent.Path() + "[" + strconv.Itoa(i) + "]." + a.Name
	}
	switch {
	case tag == "required":
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s is required and must not be empty", name)
	case tag == "max" && a.Format != "":
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s %s is longer than %d characters", name, describe(s), a.MaxLength)
	case tag == "max":
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s must be at most %d characters long", name, a.MaxLength)
	case tag == a.Format:
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s %s is not %s", name, describe(s), formats[a.Format])
	}
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s is invalid (%s)", name, tag)
}

// ruleFailed checks a non-blank value s against a's rule without
// validator/v10 (whose Var boxes the value and takes a pooled validator on
// every call), for the rules it can hold without an email Format:
// "required", "max=N" and this package's own formats, in that order. It
// returns the tag of the first rule s breaks, as validator names it, or
// "". "required" holds, s not being blank; "max" counts characters
// (runes), as validator does for a string.
func (m *Model) ruleFailed(a *Attribute, s string) string {
	switch {
	case a.MaxLength > 0 && utf8.RuneCountInString(s) > a.MaxLength:
		return "max"
	case a.Format == FormatTimezone && !isTimezone(s, &m.zones):
		return FormatTimezone
	case a.Format == FormatLanguageTag && !isLanguageTag(s):
		return FormatLanguageTag
	}
	return ""
}
