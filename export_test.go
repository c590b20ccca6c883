package scim

// ResolveFilter exposes resolveFilter to the external tests, as net/http's
// export_test.go does for its internals.
func (m *Model) ResolveFilter(f Filter) (Filter, error) { return m.resolveFilter(f) }
