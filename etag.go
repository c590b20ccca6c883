package scim

import (
	"strconv"
	"strings"
)

// nextVersion returns the weak ETag following v: W/"1", W/"2", ...
func nextVersion(v string) string {
	n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(v, `W/"`), `"`), 10, 64)
	var b [24]byte // W/" and 20 digits and "
	return string(append(strconv.AppendUint(append(b[:0], `W/"`...), n+1, 10), '"'))
}

// etagMatches reports whether an If-Match / If-None-Match header value
// matches version, comparing weakly (RFC 7232 §2.3.2) and honouring "*".
func etagMatches(header, version string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == strings.TrimPrefix(version, "W/") {
			return true
		}
	}
	return false
}
