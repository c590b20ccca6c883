package jsonr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// validity lists inputs to Skip then End, with the offset and message of
// the error for invalid ones.
var validity = []struct {
	in     string
	offset int    // -1: valid
	msg    string // part of the error's message
}{
	{`0`, -1, ""},
	{` -0.5e+10 `, -1, ""},
	{`1E-2`, -1, ""},
	{`-12.0e3`, -1, ""},
	{`"a\"\\\/\b\f\n\r\t\u00e9\uD83D"`, -1, ""},
	{"\"\xff invalid UTF-8 is accepted\"", -1, ""},
	{`true`, -1, ""},
	{`false`, -1, ""},
	{"\t\r\n null \t\r\n", -1, ""},
	{`[]`, -1, ""},
	{`{}`, -1, ""},
	{`[ 1 , [ ] , { } , "x" ]`, -1, ""},
	{`{ "a" : { "b" : [ null ] } , "a" : 1 }`, -1, ""},

	{``, 0, "expected value, found end of input"},
	{` `, 1, "expected value, found end of input"},
	{`01`, 1, "expected end of input, found '1'"},
	{`-`, 1, "expected digit, found end of input"},
	{`-a`, 1, "expected digit, found 'a'"},
	{`1.`, 2, "expected digit"},
	{`1.e3`, 2, "expected digit, found 'e'"},
	{`1e`, 2, "expected digit"},
	{`1e+`, 3, "expected digit"},
	{`+1`, 0, "expected value, found '+'"},
	{`.5`, 0, "expected value"},
	{`tru`, 0, "expected true or false"},
	{`nul`, 0, "expected null"},
	{`True`, 0, "expected value, found 'T'"},
	{`"abc`, 4, `expected '"', found end of input`},
	{`"a\`, 3, "expected escape sequence"},
	{`"a\x"`, 3, "expected escape character"},
	{`"\u12"`, 3, "expected 4 hexadecimal digits"},
	{`"\u12G4"`, 3, "expected 4 hexadecimal digits"},
	{"\"a\tb\"", 2, "control characters must be escaped), found byte 0x09"},
	{"\"\x00\"", 1, "found byte 0x00"},
	{`[`, 1, "expected value, found end of input"},
	{`[1`, 2, "expected ',' or ']', found end of input"},
	{`[1,]`, 3, "expected value, found ']'"},
	{`[1 2]`, 3, "expected ',' or ']', found '2'"},
	{`{`, 1, "expected string (object key), found end of input"},
	{`{1:2}`, 1, "expected string (object key), found '1'"},
	{`{"a" 1}`, 5, "expected ':', found '1'"},
	{`{"a":1,}`, 7, "expected string (object key), found '}'"},
	{`{"a":1]`, 6, "expected ',' or '}', found ']'"},
	{`{"a":}`, 5, "expected value, found '}'"},
	{`[] []`, 3, "expected end of input, found '['"},
	{"\xef\xbb\xbf{}", 0, "expected value, found byte 0xef"},
	{"\u00a0{}", 0, "found byte 0xc2"},
	{"{}\f", 2, "found byte 0x0c"},
}

func TestValidity(t *testing.T) {
	for _, tc := range validity {
		r := NewReader(tc.in)
		err := r.Skip()
		if err == nil {
			err = r.End()
		}
		if valid := json.Valid([]byte(tc.in)); valid != (tc.offset < 0) {
			t.Errorf("%q: json.Valid = %v, the test says otherwise", tc.in, valid)
		}
		if tc.offset < 0 {
			if err != nil {
				t.Errorf("%q: %v", tc.in, err)
			}
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v, want a *SyntaxError", tc.in, err)
			continue
		}
		if se.Offset != tc.offset || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("%q: %v, want %q at offset %d", tc.in, err, tc.msg, tc.offset)
		}
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`""`, ""},
		{`"plain"`, "plain"},
		{`"a longer string, longer than eight bytes"`, "a longer string, longer than eight bytes"},
		{`"é ü 日本 😀"`, "é ü 日本 😀"},
		{`"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t"},
		{`"\u0000\u001f\u00e9\u00E9\u65e5"`, "\x00\x1féé日"},
		{`"\ud83d\ude00"`, "😀"},
		{`"\uD83D\uDE00 upper case"`, "😀 upper case"},
		{`"\ud83d"`, "\ufffd"},                               // lone high surrogate
		{`"\ude00"`, "\ufffd"},                               // lone low surrogate
		{`"\ud83dx"`, "\ufffdx"},                             // high surrogate, no escape after
		{`"\ud83d\n"`, "\ufffd\n"},                           // high surrogate, another escape after
		{`"\ud83d\u0041"`, "\ufffdA"},                        // high surrogate, not a low one after
		{`"\ud83d\ud83d\ude00"`, "\ufffd😀"},                  // two high surrogates, then the low
		{`"\ude00\ud83d"`, "\ufffd\ufffd"},                   // pair in the wrong order
		{"\"\xff\xfe\"", "\ufffd\ufffd"},                     // invalid bytes
		{"\"a\xc3\"", "a\ufffd"},                             // truncated sequence
		{"\"\xed\xa0\x80\"", "\ufffd\ufffd\ufffd"},           // surrogate encoded in UTF-8
		{"\"\xf4\x90\x80\x80\"", "\ufffd\ufffd\ufffd\ufffd"}, // beyond U+10FFFF
		{"\"\xff\\n\"", "\ufffd\n"},
		{` "space before" `, "space before"},
	} {
		got, err := NewReader(tc.in).String()
		if err != nil || got != tc.want {
			t.Errorf("String(%s) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
		var std string
		if err := json.Unmarshal([]byte(tc.in), &std); err != nil || std != tc.want {
			t.Errorf("encoding/json unquotes %s to %q, %v, the test says %q", tc.in, std, err, tc.want)
		}
	}
	for _, in := range []string{`1`, `null`, `{}`, `"abc`} {
		if got, err := NewReader(in).String(); err == nil {
			t.Errorf("String(%s) = %q, want an error", in, got)
		}
	}
}

// TestZeroCopy checks strings that need no unquoting share the input's
// memory.
func TestZeroCopy(t *testing.T) {
	for _, in := range []string{`"short"`, `"a string longer than eight bytes"`, `"é ü 日本"`} {
		got, err := NewReader(in).String()
		if err != nil {
			t.Fatal(err)
		}
		if unsafe.StringData(got) != unsafe.StringData(in[1:]) {
			t.Errorf("String(%s) is a copy", in)
		}
	}
	if testing.AllocsPerRun(100, func() {
		r := NewReader(`{"key": ["value", "é", true, null, 1.5e3]}`)
		if err := r.Object(func(string) error { return r.Skip() }); err != nil {
			t.Fatal(err)
		}
	}) != 0 {
		t.Error("reading allocates")
	}
}

// TestSpecialBytes checks specialBytes finds the first byte that is not
// plain in every block of 8 with one or two bytes that might not be.
func TestSpecialBytes(t *testing.T) {
	block := []byte("aaaaaaaa")
	for p := range 8 {
		for c1 := range 256 {
			block[p] = byte(c1)
			for q := p + 1; q <= 8; q++ {
				for c2 := range 256 {
					if q < 8 {
						block[q] = byte(c2)
					}
					want := 8 // none
					switch {
					case !plain[c1]:
						want = p
					case q < 8 && !plain[c2]:
						want = q
					}
					if got := bits.TrailingZeros64(specialBytes(string(block))) / 8; got != want {
						t.Fatalf("%q: first special byte at %d, want %d", block, got, want)
					}
					if q == 8 {
						break
					}
				}
				if q < 8 {
					block[q] = 'a'
				}
			}
		}
		block[p] = 'a'
	}
}

func TestValue(t *testing.T) {
	const in = ` { "a" : [ 1 , -2.5e3 , "x\ty" , true , false , null , { } , [ ] ] , "b\u00e9" : { "c" : "d" } , "a" : 0 } `
	r := NewReader(in)
	got, err := r.Value()
	if err == nil {
		err = r.End()
	}
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": json.Number("0"), "bé": map[string]any{"c": "d"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Value (-want +got):\n%s", d)
	}
}

func TestTypeErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		read func(r *Reader) error
		msg  string
	}{
		{`"x"`, func(r *Reader) error { _, err := r.Bool(); return err }, `expected true or false, found '"'`},
		{`1`, func(r *Reader) error { _, err := r.String(); return err }, "expected string, found '1'"},
		{`[]`, func(r *Reader) error { return r.Object(func(string) error { return nil }) }, "expected object, found '['"},
		{`{}`, func(r *Reader) error { return r.Array(func() error { return nil }) }, "expected array, found '{'"},
		{`{"a":1}`, func(r *Reader) error { return r.Object(func(string) error { return nil }) }, "expected ',' or '}', found '1'"},
	} {
		err := tc.read(NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %q", tc.in, err, tc.msg)
		}
	}
	// An error of the callback is returned as is.
	errStop := errors.New("stop")
	r := NewReader(`[{"a":1}]`)
	err := r.Array(func() error { return r.Object(func(string) error { return errStop }) })
	if err != errStop {
		t.Errorf("callback's error: got %v", err)
	}
}

func TestDepth(t *testing.T) {
	// nest returns arrays and objects nested n deep.
	nest := func(n int) string {
		inner := "0"
		if n%2 == 1 {
			inner = "[]"
		}
		return strings.Repeat(`[{"a":`, n/2) + inner + strings.Repeat(`}]`, n/2)
	}
	for _, n := range []int{1, 2, MaxDepth - 1, MaxDepth, MaxDepth + 1, 3 * MaxDepth} {
		in := nest(n)
		r := NewReader(in)
		err := r.Skip()
		if want := json.Valid([]byte(in)); (err == nil) != want || want != (n <= MaxDepth) {
			t.Errorf("depth %d: Skip: %v, json.Valid: %v", n, err, want)
		}
		if n > MaxDepth && (err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d nested", MaxDepth))) {
			t.Errorf("depth %d: %v", n, err)
		}
	}
	// Object and Array count towards the depth Skip sees.
	r := NewReader(`[` + nest(MaxDepth) + `]`)
	if err := r.Array(r.Skip); err == nil {
		t.Errorf("depth %d inside an array: no error", MaxDepth+1)
	}
}

// FuzzReader checks that Skip agrees with json.Valid on any input, and
// that Value of a valid input gives what encoding/json decodes.
func FuzzReader(f *testing.F) {
	for _, tc := range validity {
		f.Add(tc.in)
	}
	f.Add(`{"a":[1,2,{"b":"\ud83d\ude00\u00e9"}],"c":null,"d":true,"a":"x"}`)
	f.Fuzz(func(t *testing.T, s string) {
		r := NewReader(s)
		err := r.Skip()
		if err == nil {
			err = r.End()
		}
		if valid := json.Valid([]byte(s)); (err == nil) != valid {
			t.Fatalf("%q: Skip: %v, json.Valid: %v", s, err, valid)
		}
		if err != nil {
			return
		}
		r = NewReader(s)
		got, err := r.Value()
		if err == nil {
			err = r.End()
		}
		if err != nil {
			t.Fatalf("%q: Value: %v", s, err)
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(s)))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("%q: encoding/json: %v", s, err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("%q: Value differs from encoding/json (-want +got):\n%s", s, d)
		}
	})
}

// FuzzString checks String unquotes what encoding/json unquotes, to the
// same string, and rejects the rest.
func FuzzString(f *testing.F) {
	for _, s := range []string{``, `plain`, `\"\\\/\b\f\n\r\t`, `\u00e9\ud83d\ude00`, `\ud83d`, `\ude00\ud83d`, `\ud83d\u0041`, "\xff\xc3", `\x`, `\u12`, "a\x01", `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in := `"` + s + `"`
		r := NewReader(in)
		got, err := r.String()
		if err == nil {
			err = r.End()
		}
		var want string
		stdErr := json.Unmarshal([]byte(in), &want)
		if (err == nil) != (stdErr == nil) {
			t.Fatalf("%s: String: %v; encoding/json: %v", in, err, stdErr)
		}
		if err == nil && got != want {
			t.Fatalf("%s: String = %q, encoding/json = %q", in, got, want)
		}
	})
}
