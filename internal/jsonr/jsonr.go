// Package jsonr reads JSON from a string without reflection, the mirror of
// jsonw, for the stores' hot decoding path. Strings without escapes are
// returned as substrings of the input, so a decoded value costs no copy;
// the input string stays alive as long as any of them does.
//
// A Reader accepts exactly what encoding/json accepts (RFC 8259, nesting
// at most MaxDepth deep) and unquotes strings exactly as it does: invalid
// UTF-8 and lone surrogates become U+FFFD.
package jsonr

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is how deeply arrays and objects may nest, encoding/json's limit.
const MaxDepth = 10000

// SyntaxError reports invalid JSON, or a value of another type than the
// one asked for.
type SyntaxError struct {
	Offset int    // byte offset of the problem in the input
	Msg    string // what was expected there, and what was found
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("jsonr: %s at offset %d", e.Msg, e.Offset)
}

// Reader reads one JSON value from a string, a token at a time: the caller
// asks for the type it expects next. After a method returns an error the
// Reader's position is unspecified and it should not be used further.
type Reader struct {
	s     string
	i     int // offset of the next unread byte
	depth int // arrays and objects open around the position
}

// NewReader returns a Reader of s.
func NewReader(s string) *Reader { return &Reader{s: s} }

// Object reads an object, calling f with each member's key, unquoted, when
// the Reader is at the member's value; f must read that value, with any
// method of r. Keys may repeat; f sees each occurrence.
func (r *Reader) Object(f func(key string) error) error { return r.object(true, f) }

// object is Object; without unquote, keys are only checked, and f gets "".
func (r *Reader) object(unquote bool, f func(key string) error) error {
	if err := r.open('{', "object"); err != nil {
		return err
	}
	if r.peek() == '}' {
		return r.close()
	}
	for {
		if r.peek() != '"' {
			return r.expected("string (object key)")
		}
		var key string
		var err error
		if unquote {
			key, err = r.String()
		} else {
			err = r.skipString()
		}
		if err != nil {
			return err
		}
		if r.peek() != ':' {
			return r.expected("':'")
		}
		r.i++
		if err := f(key); err != nil {
			return err
		}
		if done, err := r.after('}'); done {
			return err
		}
	}
}

// Array reads an array, calling f once per element when the Reader is at
// the element; f must read it, with any method of r.
func (r *Reader) Array(f func() error) error {
	if err := r.open('[', "array"); err != nil {
		return err
	}
	if r.peek() == ']' {
		return r.close()
	}
	for {
		if err := f(); err != nil {
			return err
		}
		if done, err := r.after(']'); done {
			return err
		}
	}
}

// String reads a string. Without escapes or invalid UTF-8 the result is a
// substring of the input; otherwise it is a new, unescaped string.
func (r *Reader) String() (string, error) {
	if r.peek() != '"' {
		return "", r.expected("string")
	}
	// Most strings are plain throughout: find their end 8 bytes at a time.
	start := r.i + 1
	i := start
	for ; i+8 <= len(r.s); i += 8 {
		if special := specialBytes(r.s[i : i+8]); special != 0 {
			i += bits.TrailingZeros64(special) / 8
			break
		}
	}
	for ; i < len(r.s) && plain[r.s[i]]; i++ {
	}
	if i < len(r.s) && r.s[i] == '"' {
		r.i = i + 1
		return r.s[start:i], nil
	}
	// An escape, a control character or a multi-byte sequence: validate
	// first, so that unquote knows where the string ends and that it is
	// well-formed.
	if err := r.skipString(); err != nil {
		return "", err
	}
	return unquote(r.s[start : r.i-1]), nil
}

// Bool reads true or false.
func (r *Reader) Bool() (bool, error) {
	switch r.peek() {
	case 't':
		if strings.HasPrefix(r.s[r.i:], "true") {
			r.i += len("true")
			return true, nil
		}
	case 'f':
		if strings.HasPrefix(r.s[r.i:], "false") {
			r.i += len("false")
			return false, nil
		}
	}
	return false, r.expected("true or false")
}

// Null reads a null and reports true if one is next; otherwise it reads
// nothing and reports false.
func (r *Reader) Null() bool {
	if r.peek() == 'n' && strings.HasPrefix(r.s[r.i:], "null") {
		r.i += len("null")
		return true
	}
	return false
}

// Next skips whitespace and returns the first byte of the next value
// without reading it: '{', '[', '"', 't', 'f', 'n', or a digit or '-'
// for a number (anything else is invalid JSON, which the reading methods
// report); 0 at the end of the input. It lets a caller dispatch on the
// type of a value it reads generically.
func (r *Reader) Next() byte { return r.peek() }

// Value reads a value of any type into what encoding/json decodes into an
// any with UseNumber: nil, bool, string, json.Number, []any or
// map[string]any. Strings and keys are copied, not substrings of the
// input: a value kept must not keep the whole input alive.
func (r *Reader) Value() (any, error) {
	switch r.peek() {
	case '{':
		obj := map[string]any{}
		err := r.Object(func(key string) error {
			v, err := r.Value()
			obj[strings.Clone(key)] = v
			return err
		})
		return obj, err
	case '[':
		arr := []any{}
		err := r.Array(func() error {
			v, err := r.Value()
			arr = append(arr, v)
			return err
		})
		return arr, err
	case '"':
		s, err := r.String()
		return strings.Clone(s), err
	case 't', 'f':
		return r.Bool()
	case 'n':
		if r.Null() {
			return nil, nil
		}
	}
	s, err := r.Raw() // a number, or the syntax error
	return json.Number(strings.Clone(s)), err
}

// Skip reads a value of any type, checking it is valid JSON.
func (r *Reader) Skip() error {
	switch c := r.peek(); c {
	case '{':
		return r.object(false, func(string) error { return r.Skip() })
	case '[':
		return r.Array(r.Skip)
	case '"':
		return r.skipString()
	case 't', 'f':
		_, err := r.Bool()
		return err
	case 'n':
		if !r.Null() {
			return r.expected("null")
		}
		return nil
	default:
		return r.skipNumber()
	}
}

// Raw reads a value of any type, as Skip does, and returns its JSON text.
func (r *Reader) Raw() (string, error) {
	r.peek()
	start := r.i
	err := r.Skip()
	return r.s[start:r.i], err
}

// End checks that only whitespace is left.
func (r *Reader) End() error {
	r.peek()
	if r.i != len(r.s) {
		return r.expected("end of input")
	}
	return nil
}

// open consumes the opening bracket c of a container of the given kind.
func (r *Reader) open(c byte, kind string) error {
	if r.peek() != c {
		return r.expected(kind)
	}
	if r.depth == MaxDepth {
		return &SyntaxError{Offset: r.i, Msg: fmt.Sprintf("more than %d nested arrays and objects", MaxDepth)}
	}
	r.depth++
	r.i++
	return nil
}

// close consumes the closing bracket peek has just seen.
func (r *Reader) close() error {
	r.depth--
	r.i++
	return nil
}

// after reads what follows a member or element: a ',', or the closing
// byte of its object or array, which ends it (done). Anything else is an
// error, and done.
func (r *Reader) after(closing byte) (done bool, err error) {
	switch r.peek() {
	case ',':
		r.i++
		return false, nil
	case closing:
		return true, r.close()
	}
	return true, r.expected("',' or '" + string(closing) + "'")
}

// peek skips whitespace and returns the next byte, 0 at the end.
func (r *Reader) peek() byte {
	// Compact JSON has no whitespace: the next byte first, inlined.
	if r.i < len(r.s) && r.s[r.i] > ' ' {
		return r.s[r.i]
	}
	return r.peekSpace()
}

// peekSpace is peek's loop over whitespace, out of line.
func (r *Reader) peekSpace() byte {
	for ; r.i < len(r.s); r.i++ {
		switch c := r.s[r.i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// expected returns an error at the current offset saying what should have
// been there.
func (r *Reader) expected(what string) error {
	found := "end of input"
	if r.i < len(r.s) {
		if c := r.s[r.i]; c >= ' ' && c < utf8.RuneSelf {
			found = fmt.Sprintf("%q", c)
		} else {
			found = fmt.Sprintf("byte 0x%02x", c)
		}
	}
	return &SyntaxError{Offset: r.i, Msg: "expected " + what + ", found " + found}
}

// plain is true for the bytes a string can hold as they are: not the
// closing quote, a backslash, a control character, nor part of a multi-byte
// UTF-8 sequence (which must be checked).
var plain = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// specialBytes tests 8 bytes at once for bytes that are not plain: the
// result has the high bit set of each byte below ' ', equal to '"' or
// '\\', or not ASCII; above the first such byte a high bit may also be set
// wrongly, by a borrow of the subtractions.
func specialBytes(s string) uint64 {
	const ones = 0x0101010101010101
	x := binary.LittleEndian.Uint64([]byte(s))
	q, b := x^('"'*ones), x^('\\'*ones)
	return (((x - ' '*ones) & ^x) | ((q - ones) & ^q) | ((b - ones) & ^b) | x) & (0x80 * ones)
}

// unquote returns the text of the valid JSON string whose content is s,
// as encoding/json's unquote does: s itself when it is valid UTF-8 without
// escapes, else an unescaped copy in which invalid UTF-8 and surrogates
// that are not half of a pair become U+FFFD.
func unquote(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '\\' {
			break
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		rr, size := utf8.DecodeRuneInString(s[i:])
		if rr == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\\':
			i += escape(&b, s, i)
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			rr, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(rr)
			i += size
		}
	}
	return b.String()
}

// escape writes what the valid escape sequence at s[i:] stands for to b
// and returns the sequence's length.
func escape(b *strings.Builder, s string, i int) int {
	switch c := s[i+1]; c {
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		rr := hex4(s, i+2)
		if !utf16.IsSurrogate(rr) {
			b.WriteRune(rr)
			return 6
		}
		if i+7 < len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
			if pair := utf16.DecodeRune(rr, hex4(s, i+8)); pair != utf8.RuneError {
				b.WriteRune(pair)
				return 12
			}
		}
		b.WriteRune(utf8.RuneError)
		return 6
	default: // '"', '\\' or '/'
		b.WriteByte(c)
	}
	return 2
}

// hex4 returns the value of the 4 hexadecimal digits at s[i:], or -1.
func hex4(s string, i int) rune {
	if i+4 > len(s) {
		return -1
	}
	var v rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		v = v<<4 | rune(c)
	}
	return v
}

// skipString reads a string without unquoting it. Invalid UTF-8 is valid
// JSON to encoding/json (it becomes U+FFFD), so only the escapes and
// control characters are checked.
func (r *Reader) skipString() error {
	for i := r.i + 1; i < len(r.s); i++ {
		c := r.s[i]
		if plain[c] || c >= utf8.RuneSelf {
			continue
		}
		switch {
		case c == '"':
			r.i = i + 1
			return nil
		case c == '\\':
			if i+1 >= len(r.s) {
				r.i = len(r.s)
				return r.expected("escape sequence")
			}
			switch r.s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if hex4(r.s, i+2) < 0 {
					r.i = i + 2
					return r.expected("4 hexadecimal digits")
				}
				i += 5
			default:
				r.i = i + 1
				return r.expected(`escape character (one of "\/bfnrtu)`)
			}
		case c < ' ':
			r.i = i
			return r.expected("string character (control characters must be escaped)")
		}
	}
	r.i = len(r.s)
	return r.expected(`'"'`)
}

// skipNumber reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *Reader) skipNumber() error {
	start := r.i
	if r.i < len(r.s) && r.s[r.i] == '-' {
		r.i++
	}
	switch {
	case r.i < len(r.s) && r.s[r.i] == '0':
		r.i++
	case r.digits() == 0:
		if r.i == start {
			return r.expected("value")
		}
		return r.expected("digit")
	}
	if r.i < len(r.s) && r.s[r.i] == '.' {
		r.i++
		if r.digits() == 0 {
			return r.expected("digit")
		}
	}
	if r.i < len(r.s) && (r.s[r.i] == 'e' || r.s[r.i] == 'E') {
		r.i++
		if r.i < len(r.s) && (r.s[r.i] == '+' || r.s[r.i] == '-') {
			r.i++
		}
		if r.digits() == 0 {
			return r.expected("digit")
		}
	}
	return nil
}

// digits reads decimal digits and returns how many.
func (r *Reader) digits() int {
	start := r.i
	for r.i < len(r.s) && '0' <= r.s[r.i] && r.s[r.i] <= '9' {
		r.i++
	}
	return r.i - start
}
