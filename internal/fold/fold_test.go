package fold

import (
	"strings"
	"testing"
)

var samples = []string{
	"", "a", "A", "abc", "ABC", "aBc", "ab", "abcd", "_", "Z", "z",
	"straße", "STRASSE", "Straße", "ſam", "SAM", "sam",
	"K", "k", "K", "İstanbul", "istanbul", "Éloïse", "éloïse", "ÉLOÏSE",
	"Ωmega", "ωmega", "Σίσυφος", "ΣΊΣΥΦΟΣ", "σίσυφοσ", "ς", "\xff", "\xfe", "日本",
}

func TestAgreesWithEqualFold(t *testing.T) {
	for _, a := range samples {
		for _, b := range samples {
			want := strings.EqualFold(a, b)
			if got := Compare(a, b) == 0; got != want {
				t.Errorf("Compare(%q, %q) == 0 is %v, EqualFold %v", a, b, got, want)
			}
			if string(AppendKey(nil, a)) != Key(a) {
				t.Errorf("AppendKey(%q) = %q, Key %q", a, AppendKey(nil, a), Key(a))
			}
			if got := Key(a) == Key(b); got != want {
				t.Errorf("Key(%q) == Key(%q) is %v, EqualFold %v", a, b, got, want)
			}
			if Compare(a, b) != -Compare(b, a) {
				t.Errorf("Compare(%q, %q) is not antisymmetric", a, b)
			}
		}
	}
}

func TestSubstrings(t *testing.T) {
	tests := []struct {
		s, sub                   string
		prefix, suffix, contains bool
	}{
		{"Barbara Jensen", "bar", true, false, true},
		{"Barbara Jensen", "JENSEN", false, true, true},
		{"Barbara Jensen", "a j", false, false, true},
		{"Barbara Jensen", "", true, true, true},
		{"", "", true, true, true},
		{"", "a", false, false, false},
		{"ſam", "SA", true, false, true},
		{"Kelvin", "kel", true, false, true},
		{"Éloïse", "ÏSE", false, true, true},
		{"ab", "abc", false, false, false},
		{"abc", "bc", false, true, true},
		{"abc", "xbc", false, false, false},
	}
	for _, tt := range tests {
		if got := HasPrefix(tt.s, tt.sub); got != tt.prefix {
			t.Errorf("HasPrefix(%q, %q) = %v", tt.s, tt.sub, got)
		}
		if got := HasSuffix(tt.s, tt.sub); got != tt.suffix {
			t.Errorf("HasSuffix(%q, %q) = %v", tt.s, tt.sub, got)
		}
		if got := Contains(tt.s, tt.sub); got != tt.contains {
			t.Errorf("Contains(%q, %q) = %v", tt.s, tt.sub, got)
		}
	}
}

func TestOrder(t *testing.T) {
	for _, tt := range []struct{ a, b string }{{"a", "B"}, {"A", "b"}, {"_", "a"}, {"ab", "abc"}, {"", "a"}} {
		if Compare(tt.a, tt.b) >= 0 {
			t.Errorf("Compare(%q, %q) >= 0", tt.a, tt.b)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		Contains("Barbara Jensen", "JENS")
		HasSuffix("Éloïse", "ÏSE")
		Compare("Straße", "STRASSE")
		Key("already lower")
	})
	if n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}

// TestKeyASCII: keySlow's byte loop for ASCII agrees with folding a rune
// at a time.
func TestKeyASCII(t *testing.T) {
	for _, s := range []string{"Given001", "ABC", "aBc", "user@EXAMPLE.com", "MiXeD 123 _-.", "\x7f@[`{"} {
		want := string(AppendKey(nil, s))
		if got := Key(s); got != want {
			t.Errorf("Key(%q) = %q, want %q", s, got, want)
		}
	}
}
