// Package fold compares strings case-insensitively without allocating, as
// SCIM's caseExact=false attributes require on the filter hot path.
package fold

import (
	"unicode"
	"unicode/utf8"
)

// lower maps a rune to its canonical case-folded form.
func lower(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(unicode.ToUpper(r))
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
		if sr != pr && lower(sr) != lower(pr) {
			return 0, false
		}
		i += size
	}
	return i, true
}

// HasSuffix reports whether s ends with suffix, ignoring case.
func HasSuffix(s, suffix string) bool {
	for i := len(s); i >= 0; i-- {
		if i < len(s) && !utf8.RuneStart(s[i]) {
			continue
		}
		if n, ok := matchAt(s[i:], suffix); ok && i+n == len(s) {
			return true
		}
		if len(s)-i > 4*len(suffix)+4 {
			return false
		}
	}
	return false
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
// or +1.
func Compare(a, b string) int {
	for a != "" && b != "" {
		ar, as := utf8.DecodeRuneInString(a)
		br, bs := utf8.DecodeRuneInString(b)
		if ar != br {
			la, lb := lower(ar), lower(br)
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
