package scim

import (
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestNewUUID pins the ids the handler gives new resources: RFC 9562
// version 7 UUIDs, whose first 48 bits are the creation time in
// milliseconds. Ids created in later milliseconds sort after earlier ones,
// so a store's id indexes grow at one end (one page written per commit
// instead of one per user) and pages without sortBy list
// users about in creation order.
func TestNewUUID(t *testing.T) {
	form := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	prev := ""
	for i := range 2000 {
		before := time.Now().UnixMilli()
		id := newUUID()
		after := time.Now().UnixMilli()
		if !form.MatchString(id) {
			t.Fatalf("newUUID() = %q, not a version 7 UUID", id)
		}
		if seen[id] {
			t.Fatalf("newUUID() returned %q twice", id)
		}
		seen[id] = true
		ms, err := strconv.ParseInt(id[0:8]+id[9:13], 16, 64)
		if err != nil || ms < before || ms > after {
			t.Fatalf("newUUID() = %q: time %d, created between %d and %d", id, ms, before, after)
		}
		if i > 0 && id[:13] < prev[:13] {
			t.Fatalf("%q sorts before the earlier %q", id, prev)
		}
		prev = id
	}
}
