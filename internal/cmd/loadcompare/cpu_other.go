//go:build !unix

package main

import "time"

// cpuTime is not measured on this system: only requests/s are compared.
func cpuTime() (time.Duration, bool) { return 0, false }
