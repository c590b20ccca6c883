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

// TestTimeAsAppendFormat checks the hand-written digits against
// time.AppendFormat over years, offsets and sub-millisecond fractions.
func TestTimeAsAppendFormat(t *testing.T) {
	for _, tm := range []time.Time{
		{},
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2024, 2, 29, 0, 0, 0, 1_500_000, time.FixedZone("x", -7*3600)),
		time.Date(2026, 11, 27, 9, 5, 3, 42_000_000, time.FixedZone("y", 5*3600+1800)),
		time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("z", -3600)), // year 10000 in UTC
		time.Date(-5, 6, 7, 8, 9, 10, 0, time.UTC),
		time.Unix(1<<40, 123456789),
	} {
		want := `"` + tm.UTC().Format("2006-01-02T15:04:05.000Z07:00") + `"`
		if got := string(Time(nil, tm)); got != want {
			t.Errorf("Time(%v) = %s, want %s", tm, got, want)
		}
	}
}
