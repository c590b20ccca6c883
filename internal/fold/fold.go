// Package fold compares strings case-insensitively without allocating, as
// SCIM's caseExact=false attributes require on the filter hot path.
//
// Two runes are equal ignoring case exactly when strings.EqualFold says so:
// when they belong to the same Unicode simple case-folding orbit. Every
// function here maps a rune to one representative of its orbit, so Equal,
// Key, Compare, HasPrefix, HasSuffix and Contains agree with each other and
// with strings.EqualFold; an index keyed by Key finds what Equal matches.
package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// canon maps a rune to the representative of its case-folding orbit: the
// lower case of the orbit's smallest member when that is in the orbit
// (U+0130 İ lowers to i but does not fold to it), else the smallest member.
// Lower case, so that ordering agrees with SQL's lower() for ASCII ("_"
// sorts before "a").
func canon(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	lower := unicode.ToLower(least)
	for f := unicode.SimpleFold(r); ; f = unicode.SimpleFold(f) {
		if f == lower {
			return lower
		}
		if f == r {
			return least
		}
	}
}

// Equal reports whether s and t are equal ignoring case (strings.EqualFold).
func Equal(s, t string) bool { return strings.EqualFold(s, t) }

// Key returns a string that is equal for two strings exactly when Equal
// holds for them, for use as a map key. It allocates only when s is not
// already in canonical form.
func Key(s string) string {
	for i, r := range s {
		if canon(r) != r || r == utf8.RuneError {
			return keySlow(s, i)
		}
	}
	return s
}

func keySlow(s string, i int) string {
	if ascii(s[i:]) {
		// Only A-Z change: a byte loop, not a rune at a time.
		b := make([]byte, len(s))
		copy(b, s[:i])
		for j := i; j < len(s); j++ {
			c := s[j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[j] = c
		}
		return string(b)
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		b.WriteRune(canon(r))
	}
	return b.String()
}

// AppendKey appends Key(s) to dst, so that a map lookup
// m[string(AppendKey(buf[:0], s))] need not allocate.
func AppendKey(dst []byte, s string) []byte {
	for _, r := range s {
		dst = utf8.AppendRune(dst, canon(r))
	}
	return dst
}

// HasPrefix reports whether s begins with prefix, ignoring case.
func HasPrefix(s, prefix string) bool {
	_, ok := matchAt(s, prefix)
	return ok
}

// matchAt reports whether s starts with p ignoring case, and the byte length
// of s consumed.
func matchAt(s, p string) (int, bool) {
	i := 0
	for _, pr := range p {
		if i >= len(s) {
			return 0, false
		}
		sr, size := utf8.DecodeRuneInString(s[i:])
		if sr != pr && canon(sr) != canon(pr) {
			return 0, false
		}
		i += size
	}
	return i, true
}

// HasSuffix reports whether s ends with suffix, ignoring case.
func HasSuffix(s, suffix string) bool {
	n := utf8.RuneCountInString(suffix)
	// Runes of one orbit may differ in encoded length, so count runes, not
	// bytes, back from the end.
	i := len(s)
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	if n > 0 {
		return false
	}
	m, ok := matchAt(s[i:], suffix)
	return ok && i+m == len(s)
}

// Contains reports whether sub is within s, ignoring case.
func Contains(s, sub string) bool {
	if sub == "" {
		return true
	}
	for i := 0; i < len(s); {
		if _, ok := matchAt(s[i:], sub); ok {
			return true
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return false
}

// Compare compares a and b rune by rune after case folding, returning -1, 0
// or +1. Compare(a, b) == 0 exactly when Equal(a, b).
func Compare(a, b string) int {
	for a != "" && b != "" {
		ar, as := utf8.DecodeRuneInString(a)
		br, bs := utf8.DecodeRuneInString(b)
		if ar != br {
			la, lb := canon(ar), canon(br)
			if la < lb {
				return -1
			}
			if la > lb {
				return 1
			}
		}
		a, b = a[as:], b[bs:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// ascii reports whether s is all ASCII.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
