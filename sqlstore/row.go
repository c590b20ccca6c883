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

// fmtTime formats t in timeLayout. Every write formats two times for
// every user it writes, so the digits are written by hand rather than by
// interpreting the layout (TestFmtTime compares).
func fmtTime(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.Format(timeLayout)
	}
	hour, minute, sec := t.Clock()
	ns := t.Nanosecond()
	var b [len(timeLayout)]byte
	put := func(at, n, digits int) {
		for i := at + digits - 1; i >= at; i-- {
			b[i] = byte('0' + n%10)
			n /= 10
		}
	}
	put(0, year, 4)
	b[4] = '-'
	put(5, int(month), 2)
	b[7] = '-'
	put(8, day, 2)
	b[10] = 'T'
	put(11, hour, 2)
	b[13] = ':'
	put(14, minute, 2)
	b[16] = ':'
	put(17, sec, 2)
	b[19] = '.'
	put(20, ns, 9)
	b[29] = 'Z'
	return string(b[:])
}

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
