// Package literal reads filter literals and dates the way the scim package
// compares them, for the stores that push filters down to SQL.
package literal

import (
	"encoding/json"
	"strconv"
	"time"
)

// Text returns the text a string comparison reads from a filter literal
// (scim.AttrExpr.Value): the string itself, a number's digits as written,
// or "true"/"false". It reports false for null and for values a parsed
// filter never holds.
func Text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// Date accepts an ISO 8601 calendar date or date-time and returns the
// calendar date as YYYY-MM-DD, in the offset the client wrote.
func Date(s string) (string, bool) {
	for _, layout := range []string{"2006-01-02", time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}
