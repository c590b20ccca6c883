// Package attrspec parses the compact text form of Peakon custom attribute
// definitions that the demo server's -attrs flag and scimtest take.
package attrspec

import (
	"strings"

	"github.com/scimkit/scim"
)

// Parse parses custom attribute definitions written as comma-separated
// name:type[:alias...] items:
//
//	Department:option,Employed Since:date:Employed_Since,Manager:employee
//
// Names may contain spaces; the type may be omitted (Option). The result
// is validated as by [scim.ValidateCustomAttributes].
func Parse(s string) ([]scim.CustomAttribute, error) {
	var attrs []scim.CustomAttribute
	for item := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		parts := strings.Split(item, ":")
		c := scim.CustomAttribute{Name: parts[0], Type: scim.CustomOption}
		if len(parts) > 1 {
			c.Type = parts[1]
		}
		if len(parts) > 2 {
			c.Aliases = parts[2:]
		}
		attrs = append(attrs, c)
	}
	return scim.ValidateCustomAttributes(attrs)
}
