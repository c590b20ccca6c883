package sqlstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

// fill sets every field reachable from v to a distinct non-zero value.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d ünï \"'%%_\\", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2020, 1, 2, 3, 4, 5, *n, time.FixedZone("x", 3600))))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), n)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k, n)
			fill(e, n)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		panic("sqlstore: doc test cannot fill " + v.Kind().String())
	}
}

// TestDocRoundTrip fails when scim.User gains a field the stored document
// does not keep.
func TestDocRoundTrip(t *testing.T) {
	var u scim.User
	n := 0
	fill(reflect.ValueOf(&u).Elem(), &n)
	b, err := encodeDoc(&u)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeDoc(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&u, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	// The zero user round-trips to itself, nil slices and maps included.
	b, _ = encodeDoc(&scim.User{})
	if got, _ := decodeDoc(string(b)); !reflect.DeepEqual(got, &scim.User{}) {
		t.Errorf("zero user: %s decodes to %+v", b, got)
	}
}

// pgDoc is benchUser(5)'s document as PostgreSQL returns it from a JSONB
// column: spaces after ':' and ',', shorter keys first.
const pgDoc = `{"a": true, "c": {"Department": "dept-5"}, "e": {"no": "5"}, "m": {"c": "2024-01-01T00:00:05Z", "v": "W/\"1\"", "lm": "2024-01-01T00:00:05Z", "rt": "User"}, "n": {"g": "Given5", "fa": "Jfamily00005"}, "em": [{"p": true, "t": "work", "v": "user000005@mail.example.com"}], "id": "00000005-0000-4000-8000-000000000005", "un": "user000005@example.com", "ext": "ext-000005"}`

func mustParse(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// decodeDocTests are checked against encoding/json too, and seed
// FuzzDecodeDoc.
var decodeDocTests = []struct {
	name    string
	in      string
	want    *scim.User // nil: an error
	stdDiff bool       // encoding/json decodes differently (case-insensitive keys)
}{
	{name: "PostgreSQL", in: pgDoc, want: benchUser(5)},
	{name: "whitespace", in: " \r\n{\t\"id\" :\"x\" ,\n\"em\" : [ { \"v\" : \"e\" } , null ] , \"a\" : false } \n",
		want: &scim.User{ID: "x", Emails: []scim.MultiValue{{Value: "e"}, {}}}},
	{name: "escapes", in: `{"id":"q\"b\\s\/\b\f\n\r\t\u00e9\u00E9\ud83d\ude00","\u0075n":"日本 é","dn":"\ud800x\udc00\ud800\ud800\udc00","nn":"a` + "\xff\xc3" + `b\u0000"}`,
		want: &scim.User{ID: "q\"b\\s/\b\f\n\r\téé😀", UserName: "日本 é", DisplayName: "\ufffdx\ufffd\ufffd\U00010000", NickName: "a\ufffd\ufffdb\x00"}},
	{name: "nulls", in: `{"id":null,"n":null,"a":null,"em":null,"ad":null,"gr":null,"e":null,"c":null,"m":null}`, want: &scim.User{}},
	{name: "null keeps a value but clears a pointer, slice or map",
		in:   `{"id":"x","id":null,"a":true,"a":null,"n":{"g":"G"},"n":null,"e":{"no":"1"},"e":null,"em":[{"v":"a"}],"em":null,"c":{"k":"v"},"c":null,"m":{"rt":"User","c":"2024-01-01T00:00:00Z"},"m":null,"m":{"c":null}}`,
		want: &scim.User{ID: "x", Active: true, Meta: scim.Meta{ResourceType: "User", Created: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}},
	{name: "null elements and values", in: `{"em":[null,{"v":"x","p":null}],"c":{"k":null}}`,
		want: &scim.User{Emails: []scim.MultiValue{{}, {Value: "x"}}, Custom: map[string]string{"k": ""}}},
	{name: "unknown keys", in: `{"zz":{"a":[1,-2.5e-3,0,1E+2,{"b":null}],"c":true,"d":"\u00e9"},"id":"x","n":{"q":[],"g":"G"},"em":[{"zz":false,"v":"e"}],"m":{"x":"y"},"Id":"y"}`,
		want: &scim.User{ID: "x", Name: scim.Name{GivenName: "G"}, Emails: []scim.MultiValue{{Value: "e"}}}, stdDiff: true},
	{name: "empty", in: `{"em":[],"ph":[],"ad":[],"gr":[],"x5":[],"c":{},"n":{},"e":{},"m":{}}`,
		want: &scim.User{Emails: []scim.MultiValue{}, PhoneNumbers: []scim.MultiValue{}, Addresses: []scim.Address{}, Groups: []scim.GroupRef{}, X509Certificates: []scim.MultiValue{}, Custom: map[string]string{}}},
	{name: "repeated keys merge", in: `{"id":"a","id":"b","n":{"g":"G"},"n":{"fa":"F"},"c":{"a":"1"},"c":{"b":"2","a":"3"},"em":[{"v":"x"},{"v":"y"}],"em":[{"t":"w"}]}`,
		want: &scim.User{ID: "b", Name: scim.Name{GivenName: "G", FamilyName: "F"}, Custom: map[string]string{"a": "3", "b": "2"}, Emails: []scim.MultiValue{{Value: "x", Type: "w"}}}},
	{name: "repeated array reuses the earlier elements", in: `{"ad":[{"f":"x"},{"f":"y"}],"ad":[{}],"ad":[{},{"t":"t"}],"gr":[{"v":"g"}],"gr":[],"gr":[{}]}`,
		want: &scim.User{Addresses: []scim.Address{{Formatted: "x"}, {Formatted: "y", Type: "t"}}, Groups: []scim.GroupRef{{}}}},
	{name: "times", in: `{"m":{"c":"2024-02-29T23:59:59.123456789Z","lm":"2024-01-01T00:00:05.5+01:00"}}`,
		want: &scim.User{Meta: scim.Meta{Created: time.Date(2024, 2, 29, 23, 59, 59, 123456789, time.UTC), LastModified: mustParse("2024-01-01T00:00:05.5+01:00")}}},
	{name: "time with 10 fractional digits", in: `{"m":{"c":"0000-01-01T00:00:00.1234567891Z","lm":"9999-12-31T23:59:59.1Z"}}`,
		want: &scim.User{Meta: scim.Meta{Created: time.Date(0, 1, 1, 0, 0, 0, 123456789, time.UTC), LastModified: time.Date(9999, 12, 31, 23, 59, 59, 1e8, time.UTC)}}},
	{name: "null document", in: " null ", want: &scim.User{}},
	{name: "deepest unknown value", in: `{"zz":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + "}", want: &scim.User{}},
	{name: "key differing in case", in: `{"id":"x","ID":"y"}`, want: &scim.User{ID: "x"}, stdDiff: true},

	{name: "string for bool", in: `{"a":"true"}`},
	{name: "number for string", in: `{"id":1}`},
	{name: "object for array", in: `{"em":{}}`},
	{name: "number in array", in: `{"em":[1]}`},
	{name: "number in custom", in: `{"c":{"k":1}}`},
	{name: "string for object", in: `{"n":"x"}`},
	{name: "array for map", in: `{"c":[]}`},
	{name: "number for time", in: `{"m":{"c":1}}`},
	{name: "month 13", in: `{"m":{"c":"2024-13-01T00:00:00Z"}}`},
	{name: "February 30", in: `{"m":{"c":"2023-02-29T00:00:00Z"}}`},
	{name: "hour 24", in: `{"m":{"c":"2024-01-01T24:00:00Z"}}`},
	{name: "escaped time", in: `{"m":{"c":"2024-01-01T00:00:05\u005a"}}`},
	{name: "no zone", in: `{"m":{"c":"2024-01-01T00:00:05"}}`},
	{name: "array", in: `[]`},
	{name: "empty", in: ``},
	{name: "trailing data", in: `{"id":"x"} x`},
	{name: "two documents", in: `{}{}`},
	{name: "truncated", in: `{"id":"x"`},
	{name: "invalid unknown value", in: `{"zz":[1,]}`},
	{name: "key without value", in: `{"id":"x","un"}`},
	{name: "control character", in: "{\"id\":\"a\nb\"}"},
	{name: "too deep", in: `{"zz":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "}"},
}

func TestDecodeDoc(t *testing.T) {
	for _, tc := range decodeDocTests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeDoc(tc.in)
			if tc.want == nil {
				if err == nil {
					t.Errorf("decodeDoc = %+v, want an error", got)
				}
			} else if err != nil {
				t.Errorf("decodeDoc: %v", err)
			} else if d := cmp.Diff(tc.want, got, sameTime); d != "" {
				t.Errorf("decodeDoc (-want +got):\n%s", d)
			}
			if tc.stdDiff {
				return
			}
			std, err := decodeDocStd([]byte(tc.in))
			if (err == nil) != (tc.want != nil) {
				t.Fatalf("encoding/json: %v, %+v", err, std)
			}
			if d := cmp.Diff(tc.want, std, sameTime); tc.want != nil && d != "" {
				t.Errorf("encoding/json (-want +got):\n%s", d)
			}
		})
	}
}

// sameTime compares times as instants and by location.
var sameTime = cmp.Comparer(func(a, b time.Time) bool {
	an, ao := a.Zone()
	bn, bo := b.Zone()
	return a.Equal(b) && an == bn && ao == bo && a.Location().String() == b.Location().String()
})

// docKeys are the keys of the doc types, from their tags.
var docKeys = func() map[string]bool {
	keys := map[string]bool{}
	for _, v := range []any{doc{}, docName{}, docMulti{}, docAddress{}, docGroup{}, docEnterprise{}, docMeta{}} {
		for f := range reflect.TypeOf(v).Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			keys[name] = true
		}
	}
	return keys
}()

// foldedKey reports whether the JSON b has a key that only differs in
// case from a doc key, which encoding/json matches and decodeDoc does not.
// It reads tokens, not an any, whose maps would drop repeated keys' values.
func foldedKey(b []byte) bool {
	if !json.Valid(b) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		k, ok := tok.(string)
		if rest := bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n"); !ok || !bytes.HasPrefix(rest, []byte(":")) {
			continue // not a key
		}
		for known := range docKeys {
			if k != known && strings.EqualFold(k, known) {
				return true
			}
		}
	}
}

// FuzzDecodeDoc checks decodeDoc against encoding/json into doc, the
// decoder it replaced: the same user or both an error, except where a key
// differs from a doc key only in case.
func FuzzDecodeDoc(f *testing.F) {
	var u scim.User
	n := 0
	fill(reflect.ValueOf(&u).Elem(), &n)
	for _, u := range []*scim.User{benchUser(5), benchUser(10), &u, {}} {
		b, err := encodeDoc(u)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, tc := range decodeDocTests {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeDoc(string(b))
		want, stdErr := decodeDocStd(b)
		if foldedKey(b) {
			return
		}
		switch {
		case err != nil && stdErr == nil:
			t.Fatalf("decodeDoc: %v; encoding/json decodes %q", err, b)
		case err == nil && stdErr != nil:
			t.Fatalf("decodeDoc decodes %q; encoding/json: %v", b, stdErr)
		case err == nil:
			if d := cmp.Diff(want, got, sameTime); d != "" {
				t.Fatalf("%q: decodeDoc differs from encoding/json (-std +decodeDoc):\n%s", b, d)
			}
		}
	})
}

// BenchmarkDecodeDoc decodes a document as the store reads it: a string
// the driver allocated once.
func BenchmarkDecodeDoc(b *testing.B) {
	b.ReportAllocs()
	doc, _ := encodeDoc(benchUser(5))
	s := string(doc)
	for b.Loop() {
		if _, err := decodeDoc(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeDocStd decodes it with encoding/json, as the store did,
// from the []byte it scanned.
func BenchmarkDecodeDocStd(b *testing.B) {
	b.ReportAllocs()
	doc, _ := encodeDoc(benchUser(5))
	for b.Loop() {
		if _, err := decodeDocStd(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// encodeDocTests are users whose documents take encodeDoc's every branch:
// each is checked against json.Marshal(docOf(u)) (TestEncodeDoc) and seeds
// FuzzEncodeDoc.
func encodeDocTests() []*scim.User {
	var full scim.User
	n := 0
	fill(reflect.ValueOf(&full).Elem(), &n)
	at := time.Date(2026, 12, 8, 1, 2, 3, 450_000_000, time.UTC)
	return []*scim.User{
		{},
		&full,
		benchUser(5),
		{ID: "a", UserName: `<b>&"x"</b>` + "\u2028\x01\xff", Active: true, Meta: scim.Meta{Created: at, LastModified: at}},
		// Empty but not nil: omitted as json.Marshal omits them.
		{ID: "b", Emails: []scim.MultiValue{}, Custom: map[string]string{}, Meta: scim.Meta{Created: at, LastModified: at}},
		// A value with every field empty is {}; custom keys sorted and escaped.
		{ID: "c", Emails: []scim.MultiValue{{}, {Primary: true}}, Addresses: []scim.Address{{}}, Groups: []scim.GroupRef{{}},
			Custom: map[string]string{"z": "1", "Employed Since": "2020", "<a>": "\"q\""}, Meta: scim.Meta{Created: at, LastModified: at}},
		{ID: "d", Enterprise: scim.EnterpriseUser{Manager: scim.Manager{Value: "m"}}, Name: scim.Name{HonorificSuffix: "Jr"},
			Meta: scim.Meta{ResourceType: "User", Created: at, LastModified: at, Version: `W/"1"`}},
		// Times in a zone, without fraction, and those json.Marshal
		// refuses or writes otherwise (encoding/json's own path).
		{ID: "e", Meta: scim.Meta{Created: time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("x", -5*3600-1800)), LastModified: at.Add(7)}},
		{ID: "f", Meta: scim.Meta{Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), LastModified: at}},
		{ID: "g", Meta: scim.Meta{Created: at, LastModified: at.In(time.FixedZone("s", 3661))}},
		{ID: "h", Meta: scim.Meta{Created: at, LastModified: at.In(time.FixedZone("far", 25*3600))}},
	}
}

// TestEncodeDoc: encodeDoc writes what json.Marshal writes for the doc.
func TestEncodeDoc(t *testing.T) {
	for i, u := range encodeDocTests() {
		checkEncodeDoc(t, fmt.Sprint(i), u)
	}
}

func checkEncodeDoc(t *testing.T, name string, u *scim.User) {
	t.Helper()
	want, wantErr := json.Marshal(docOf(u))
	got, err := encodeDoc(u)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%s: encodeDoc error %v, json.Marshal error %v", name, err, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: encodeDoc wrote\n%s\njson.Marshal writes\n%s", name, got, want)
	}
}

// FuzzEncodeDoc checks encodeDoc against json.Marshal(docOf(u)) for the
// users that documents decode to (encoding/json's decoder, so that any key
// and value reach every field).
func FuzzEncodeDoc(f *testing.F) {
	for _, u := range encodeDocTests() {
		if b, err := json.Marshal(docOf(u)); err == nil {
			f.Add(b)
		}
	}
	for _, tc := range decodeDocTests {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := decodeDocStd(b)
		if err != nil {
			return
		}
		checkEncodeDoc(t, fmt.Sprintf("%q", b), u)
	})
}

// BenchmarkEncodeDoc encodes a user's stored document, as every write
// does.
func BenchmarkEncodeDoc(b *testing.B) {
	b.ReportAllocs()
	u := benchUser(5)
	for b.Loop() {
		if _, err := encodeDoc(u); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeDocStd encodes it with encoding/json, as the store did.
func BenchmarkEncodeDocStd(b *testing.B) {
	b.ReportAllocs()
	u := benchUser(5)
	for b.Loop() {
		if _, err := json.Marshal(docOf(u)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFmtTime compares fmtTime's digits with time.Format's.
func TestFmtTime(t *testing.T) {
	times := []time.Time{
		{},
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 8, 1, 2, 3, 4, time.UTC),
		time.Date(2024, 2, 29, 23, 59, 59, 999_999_999, time.FixedZone("x", -7*3600)),
		time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("z", -3600)), // year 10000 in UTC
		time.Date(-5, 6, 7, 8, 9, 10, 11, time.UTC),
		time.Unix(1<<40, 123456789),
	}
	for i := range 1000 {
		times = append(times, time.Unix(int64(i)*7_777_777_777, int64(i)*999_999).In(time.FixedZone("y", (i%48-24)*1800)))
	}
	for _, tm := range times {
		if got, want := fmtTime(tm), tm.UTC().Format(timeLayout); got != want {
			t.Errorf("fmtTime(%v) = %s, want %s", tm, got, want)
		}
	}
}
