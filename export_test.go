package scim

import "testing"

// ResolveFilter exposes resolveFilter to the external tests, as net/http's
// export_test.go does for its internals.
func (m *Model) ResolveFilter(f Filter) (Filter, error) { return m.resolveFilter(f) }

// CheckRoundTrip lets the external fuzz test check a parsed filter as
// TestParseFilter does.
func CheckRoundTrip(t testing.TB, in string, f Filter) { checkRoundTrip(t, in, f) }
