package scim

import (
	"reflect"
	"testing"
)

// ResolveFilter exposes resolveFilter to the external tests, as net/http's
// export_test.go does for its internals.
func (m *Model) ResolveFilter(f Filter) (Filter, error) { return m.resolveFilter(f) }

// CheckRoundTrip lets the external fuzz test check a parsed filter as
// TestParseFilter does.
func CheckRoundTrip(t testing.TB, in string, f Filter) { checkRoundTrip(t, in, f) }

// CompileFilterGeneral compiles f as compile's general path does, without
// compileFilter's shortcuts, for tests that check the shortcuts answer the
// same.
func (m *Model) CompileFilterGeneral(f Filter) (Matcher, error) {
	r, err := m.resolveFilter(f)
	if err != nil {
		return nil, err
	}
	ev, err := m.compile(r, nil)
	if err != nil {
		return nil, err
	}
	return func(u *User) bool { return ev(reflect.ValueOf(u).Elem()) }, nil
}

// ParseFilterGeneral and ParseComparisonOnly expose ParseFilter's two
// paths, for the fuzz test that checks they agree.
func ParseFilterGeneral(s string) (Filter, error) { return parseFilter(s) }

func ParseComparisonOnly(s string) (Filter, bool) {
	e, ok := parseComparisonOnly(s)
	return e, ok
}
