package scim

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDedupe drives dedupe directly on both of its strategies: comparison
// with the kept elements (short lists) and a key index (past dedupeLinear).
func TestDedupe(t *testing.T) {
	emails := defaultModel.core.Attribute("emails")
	for _, n := range []int{2, dedupeLinear, dedupeLinear + 2, 200} { // even: every value twice
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			// n elements: values v0..v(n/2-1) twice, the repeat in upper
			// case and, for the last value, primary.
			in := make([]MultiValue, n)
			want := make([]MultiValue, n/2)
			for i := range in {
				v := fmt.Sprintf("v%d@example.com", i%(n/2))
				if i >= n/2 {
					v = fmt.Sprintf("V%d@EXAMPLE.COM", i%(n/2))
				}
				in[i] = MultiValue{Value: v, Type: "work", Primary: i == n-1}
			}
			for i := range want {
				want[i] = MultiValue{Value: fmt.Sprintf("v%d@example.com", i), Type: "work", Primary: i == n/2-1}
			}
			f := reflect.ValueOf(&in).Elem()
			dedupe(emails, f)
			if diff := cmp.Diff(want, in); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// A length prefix keeps ("ab","c") and ("a","bc") apart.
	phones := defaultModel.core.Attribute("phoneNumbers")
	in := make([]MultiValue, 0, 2*dedupeLinear)
	for range dedupeLinear {
		in = append(in, MultiValue{Type: "ab", Value: "c"}, MultiValue{Type: "a", Value: "bc"})
	}
	f := reflect.ValueOf(&in).Elem()
	dedupe(phones, f)
	if diff := cmp.Diff([]MultiValue{{Type: "ab", Value: "c"}, {Type: "a", Value: "bc"}}, in); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// BenchmarkDedupe measures dedupe on what clients send (two emails, no
// repeat) and on long lists of distinct and repeated elements.
func BenchmarkDedupe(b *testing.B) {
	emails := defaultModel.core.Attribute("emails")
	for _, c := range []struct {
		name string
		n    int
		rep  int // distinct values
	}{{"2", 2, 2}, {"16", 16, 16}, {"1000", 1000, 1000}, {"1000-repeated", 1000, 10}} {
		src := make([]MultiValue, c.n)
		for i := range src {
			src[i] = MultiValue{Value: fmt.Sprintf("User%d@Example.com", i%c.rep), Type: "work"}
		}
		b.Run(c.name, func(b *testing.B) {
			s := make([]MultiValue, c.n)
			b.ReportAllocs()
			for b.Loop() {
				s = append(s[:0], src...)
				dedupe(emails, reflect.ValueOf(&s).Elem())
			}
		})
	}
}
