//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package sqlstore

import "fmt"

// mapWALIndex has no mapping to offer here: the store reads PRAGMA
// data_version instead.
func mapWALIndex(path string) ([]byte, error) {
	return nil, fmt.Errorf("%w: not mapped on this platform", errNoWALIndex)
}

func unmapWALIndex([]byte) error { return nil }
