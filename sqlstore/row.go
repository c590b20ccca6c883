package sqlstore

import (
	"strconv"
	"time"

	ifold "github.com/scimkit/scim/internal/fold"
)

// fold maps s to the matcher's case-folding key (internal/fold.Key), so
// that comparing folded strings bytewise gives the matcher's
// case-insensitive eq, sw, ew, co and order.
func fold(s string) string { return ifold.Key(s) }

// timeLayout is fixed-width UTC with nanoseconds, so stored times order
// as strings exactly as time.Time.Compare orders them (years 0-9999).
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// nullTime is NULL for the zero time, which the matcher treats as absent.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// customNum is a custom value as the matcher reads numbers, or NULL.
func customNum(v string) any {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return nil
	}
	return f
}
