package scim

import "testing"

// TestNextVersion: versions count up from any stored one, a missing or
// foreign one counting as 0.
func TestNextVersion(t *testing.T) {
	for v, want := range map[string]string{
		``:                         `W/"1"`,
		`W/"1"`:                    `W/"2"`,
		`W/"9"`:                    `W/"10"`,
		`W/"18446744073709551614"`: `W/"18446744073709551615"`,
		`"abc"`:                    `W/"1"`,
	} {
		if got := nextVersion(v); got != want {
			t.Errorf("nextVersion(%s) = %s, want %s", v, got, want)
		}
	}
}
