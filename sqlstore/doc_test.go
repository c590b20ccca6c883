package sqlstore

import (
	"fmt"
	"reflect"
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
	got, err := decodeDoc(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&u, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	// The zero user round-trips to itself, nil slices and maps included.
	b, _ = encodeDoc(&scim.User{})
	if got, _ := decodeDoc(b); !reflect.DeepEqual(got, &scim.User{}) {
		t.Errorf("zero user: %s decodes to %+v", b, got)
	}
}

func BenchmarkDecodeDoc(b *testing.B) {
	doc, _ := encodeDoc(benchUser(5))
	b.ReportMetric(float64(len(doc)), "bytes")
	for b.Loop() {
		decodeDoc(doc)
	}
}
