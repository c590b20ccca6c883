package jsonw

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzString checks String writes exactly what encoding/json writes for a
// string, invalid UTF-8, control characters and HTML included.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uo\te`, "tab\tnew\nline\r", "\x00\x1f\x7f", "<a>&b", "é ü 日本", "\u2028\u2029", "\xff\xfe bad", "mixed\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := String(nil, s); string(got) != string(want) {
			t.Errorf("String(%q) = %s, want %s", s, got, want)
		}
	})
}

func TestKeyAndValues(t *testing.T) {
	b := []byte{'{'}
	b = Key(b, "a")
	b = Int(b, -42)
	b = Key(b, "b")
	b = Bool(b, true)
	b = Key(b, "t")
	b = Time(b, time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.FixedZone("x", 3600)))
	b = append(b, '}')
	if want := `{"a":-42,"b":true,"t":"2024-01-02T02:04:05.006Z"}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}
