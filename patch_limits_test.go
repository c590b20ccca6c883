package scim

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

// TestPatchEmptyArray: [] clears a multi-valued attribute and the manager;
// for any other singular attribute, wherever a PATCH names it, it is 400
// invalidValue, as POST and PUT answer, and the user is left alone.
func TestPatchEmptyArray(t *testing.T) {
	mgr := func(u *User) { u.Enterprise.Manager = Manager{} }
	runPatchCases(t, []patchCase{
		{name: "replace name", body: ops(`{"op":"replace","path":"name","value":[]}`), err: errValue, detail: []string{"name", "empty array"}},
		{name: "add name", body: ops(`{"op":"add","path":"name","value":[]}`), err: errValue, detail: []string{"name"}},
		{name: "replace displayName", body: ops(`{"op":"replace","path":"displayName","value":[]}`), err: errValue, detail: []string{"displayName"}},
		{name: "replace active", body: ops(`{"op":"replace","path":"active","value":[]}`), err: errValue, detail: []string{"active"}},
		{name: "sub-attribute of complex", body: ops(`{"op":"replace","path":"name.givenName","value":[]}`), err: errValue, detail: []string{"name.givenName"}},
		{name: "sub-attribute of every element", body: ops(`{"op":"replace","path":"emails.type","value":[]}`), err: errValue, detail: []string{"emails.type"}},
		{name: "filtered element", body: ops(`{"op":"replace","path":"emails[type eq \"work\"]","value":[]}`), err: errValue, detail: []string{"emails"}},
		{name: "filtered sub-attribute", body: ops(`{"op":"replace","path":"emails[type eq \"work\"].value","value":[]}`), err: errValue, detail: []string{"emails.value"}},
		{name: "enterprise attribute", body: ops(`{"op":"replace","path":"` + entURN + `:department","value":[]}`), err: errValue, detail: []string{entURN + ":department"}},
		{name: "manager value", body: ops(`{"op":"replace","path":"` + entURN + `:manager.value","value":[]}`), err: errValue, detail: []string{"manager.value"}},
		{name: "custom attribute", body: ops(`{"op":"replace","path":"` + peakonURN + `:Department","value":[]}`), err: errValue, detail: []string{"Department"}},
		{name: "without path", body: ops(`{"op":"replace","value":{"name":[]}}`), err: errValue, detail: []string{`member "name"`}},
		{name: "inside an extension object", body: ops(`{"op":"replace","path":"` + entURN + `","value":{"division":[]}}`), err: errValue, detail: []string{"division"}},

		{name: "multi-valued cleared", body: ops(`{"op":"replace","path":"emails","value":[]}`), want: func(u *User) { u.Emails = nil }},
		{name: "multi-valued add of nothing", body: ops(`{"op":"add","path":"emails","value":[]}`)},
		{name: "manager cleared", body: ops(`{"op":"replace","path":"` + entURN + `:manager","value":[]}`), want: mgr},
		{name: "manager cleared without path", body: ops(`{"op":"replace","value":{"` + entURN + `:manager":[]}}`), want: mgr},
		{name: "one-element array still accepted", body: ops(`{"op":"replace","path":"displayName","value":["B"]}`), want: func(u *User) { u.DisplayName = "B" }},
	})
}

// TestPatchMaxValues: with DecodeOptions.MaxValues, an operation that
// leaves a multi-valued attribute with more values than the limit, and
// more than the user had, fails naming the attribute and the limit.
func TestPatchMaxValues(t *testing.T) {
	emails := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"value":"e%d@x.org"}`, i)
		}
		return "[" + b.String() + "]"
	}
	three := DecodeOptions{MaxValues: 3}
	over := func() *User { // five emails: the limit was lowered since they were stored
		u := patchBase()
		for i := range 3 {
			u.Emails = append(u.Emails, MultiValue{Value: fmt.Sprintf("old%d@x.org", i)})
		}
		return u
	}
	runPatchCases(t, []patchCase{
		{name: "add up to the limit", opts: three, body: ops(`{"op":"add","path":"emails","value":[{"value":"c@x.org"}]}`),
			want: func(u *User) { u.Emails = append(u.Emails, MultiValue{Value: "c@x.org"}) }},
		{name: "add past the limit", opts: three, body: ops(`{"op":"add","path":"emails","value":` + emails(2) + `}`),
			err: errValue, detail: []string{"emails", "4 values", "at most 3"}},
		{name: "add many at once", opts: three, body: ops(`{"op":"add","path":"emails","value":` + emails(5000) + `}`),
			err: errValue, detail: []string{"emails", "5002 values", "at most 3"}},
		{name: "duplicates do not count", opts: three, body: ops(`{"op":"add","path":"emails","value":[{"value":"c@x.org"},{"value":"C@X.ORG"},{"value":"BABS@jensen.org","type":"home"}]}`),
			want: func(u *User) { u.Emails = append(u.Emails, MultiValue{Value: "c@x.org"}) }},
		{name: "replace past the limit", opts: three, body: ops(`{"op":"replace","path":"phoneNumbers","value":` + emails(4) + `}`),
			err: errValue, detail: []string{"phoneNumbers", "4 values", "at most 3"}},
		{name: "without path", opts: three, body: ops(`{"op":"add","value":{"roles":` + emails(4) + `}}`),
			err: errValue, detail: []string{"roles", "at most 3"}},
		{name: "filter creating an element", opts: DecodeOptions{MaxValues: 2}, body: ops(`{"op":"add","path":"emails[type eq \"other\"].value","value":"o@x.org"}`),
			err: errValue, detail: []string{"emails", "3 values", "at most 2"}},
		{name: "one operation of several", opts: three, body: ops(`{"op":"replace","path":"title","value":"T"}`, `{"op":"add","path":"addresses","value":[{"locality":"A"},{"locality":"B"},{"locality":"C"}]}`),
			err: errValue, detail: []string{"Operations[1]", "addresses", "at most 3"}},
		{name: "no limit", body: ops(`{"op":"add","path":"emails","value":` + emails(2) + `}`),
			want: func(u *User) {
				u.Emails = append(u.Emails, MultiValue{Value: "e0@x.org"}, MultiValue{Value: "e1@x.org"})
			}},
		{name: "already over: other attributes change", opts: three, before: over, body: ops(`{"op":"replace","path":"title","value":"T"}`),
			want: func(u *User) { u.Title = "T" }},
		{name: "already over: may shrink", opts: three, before: over, body: ops(`{"op":"remove","path":"emails[value eq \"old0@x.org\"]"}`),
			want: func(u *User) { u.Emails = append(u.Emails[:2:2], u.Emails[3:]...) }},
		{name: "already over: may not grow", opts: three, before: over, body: ops(`{"op":"add","path":"emails","value":[{"value":"c@x.org"}]}`),
			err: errValue, detail: []string{"emails", "6 values", "at most 3"}},
	})
}

// appendPairwise is appendElems as it was: every new element compared
// with every element already there.
func appendPairwise(a *Attribute, f, add reflect.Value) {
	pidx := primaryIndex(f.Type().Elem())
	primary := -1
	for i := 0; i < add.Len(); i++ {
		e := add.Index(i)
		j := 0
		for ; j < f.Len(); j++ {
			if sameElem(a, f.Index(j), e) {
				break
			}
		}
		if j == f.Len() {
			f.Set(reflect.Append(f, e))
		}
		if pidx >= 0 && e.Field(pidx).Bool() {
			primary = j
		}
	}
	if primary >= 0 {
		onlyPrimary(f, pidx, primary)
	}
}

// TestAppendElemsAgreesWithPairwise: indexing elements by key finds
// exactly the duplicates comparing them pairwise finds, caseExact and
// Unicode case folding included, for every multi-valued attribute; and
// removeValues removes exactly what matching each given element against
// each stored one removes.
func TestAppendElemsAgreesWithPairwise(t *testing.T) {
	// Strings that are equal ignoring case in ways a naive lower-casing
	// gets wrong (K and the Kelvin sign, σ and ς), or nearly so.
	words := []string{"", "a", "A", "k", "K", "\u212a", "σ", "Σ", "ς", "ß", "ẞ", "İ", "i", "ı", "a\x00", "\xff", "ab", "a", "b"}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() string {
		if rng.IntN(3) == 0 {
			return words[rng.IntN(len(words))] + words[rng.IntN(len(words))]
		}
		return words[rng.IntN(len(words))]
	}
	fill := func(v reflect.Value) {
		for i := 0; i < v.NumField(); i++ {
			switch f := v.Field(i); f.Kind() {
			case reflect.String:
				f.SetString(pick())
			case reflect.Bool:
				f.SetBool(rng.IntN(4) == 0)
			}
		}
	}
	for _, a := range patchModel.core.Attributes {
		if !a.MultiValued {
			continue
		}
		if _, keyed := compareMask(a, reflect.ValueOf(patchBase()).Elem().FieldByIndex(a.field).Type().Elem()); !keyed {
			t.Errorf("%s: elements not keyed; appendElems compares them pairwise", a.Name)
		}
		for round := range 300 {
			typ := reflect.ValueOf(patchBase()).Elem().FieldByIndex(a.field).Type()
			mk := func(n int) reflect.Value {
				s := reflect.MakeSlice(typ, n, n)
				for i := range n {
					fill(s.Index(i))
				}
				return s
			}
			have, add := mk(rng.IntN(6)), mk(rng.IntN(8))
			for i := 0; i < add.Len() && have.Len() > 0; i += 2 {
				// A duplicate up to case: each rune anywhere in its
				// case-folding orbit (caseExact sub-attributes then differ).
				e := add.Index(i)
				e.Set(have.Index(rng.IntN(have.Len())))
				for j := 0; j < e.NumField(); j++ {
					if f := e.Field(j); f.Kind() == reflect.String && round%2 == 0 {
						f.SetString(caseVariant(rng, f.String()))
					}
				}
			}
			got := reflect.New(typ).Elem()
			got.Set(reflect.AppendSlice(reflect.MakeSlice(typ, 0, have.Len()), have))
			want := reflect.New(typ).Elem()
			want.Set(reflect.AppendSlice(reflect.MakeSlice(typ, 0, have.Len()), have))
			appendElems(a, got, add)
			appendPairwise(a, want, add)
			if diff := cmp.Diff(want.Interface(), got.Interface()); diff != "" {
				t.Fatalf("%s: adding %v to %v (-pairwise +keyed):\n%s", a.Name, add, have, diff)
			}

			// Removing: the given elements' zero sub-attributes match anything.
			for i := 0; i < add.Len(); i++ {
				for j := 0; j < add.Index(i).NumField(); j++ {
					if rng.IntN(3) == 0 {
						add.Index(i).Field(j).SetZero()
					}
				}
			}
			got.Set(reflect.AppendSlice(reflect.MakeSlice(typ, 0, have.Len()), have))
			want.Set(reflect.AppendSlice(reflect.MakeSlice(typ, 0, have.Len()), have))
			deleteWhere(want, func(e reflect.Value) bool {
				for i := 0; i < add.Len(); i++ {
					if covers(a, e, add.Index(i)) {
						return true
					}
				}
				return false
			})
			removeMatching(a, got, add)
			if diff := cmp.Diff(want.Interface(), got.Interface()); diff != "" {
				t.Fatalf("%s: removing %v from %v (-pairwise +keyed):\n%s", a.Name, add, have, diff)
			}
		}
	}
}

// caseVariant returns s with each rune replaced by a random member of its
// Unicode simple case-folding orbit: a string strings.EqualFold to s.
func caseVariant(rng *rand.Rand, s string) string {
	var b strings.Builder
	for _, r := range s {
		for range rng.IntN(4) {
			r = unicode.SimpleFold(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
