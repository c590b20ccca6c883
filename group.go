package scim

import (
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/scimkit/scim/internal/jsonw"
)

// Group is a SCIM Group (RFC 7643 §4.2), served only when [Handler].Groups
// is set: Peakon itself has no groups, so a handler without Groups answers
// /Groups with 501. The enterprise and Peakon extensions do not apply to groups.
//
// Members is nil in groups a [GroupStore] returns from GetGroup and
// ListGroups: a group may hold hundreds of thousands of members, so they
// are read on their own, streamed, through GroupStore.Members, and only
// when a response renders them.
type Group struct {
	ID          string
	ExternalID  string
	DisplayName string
	Members     []Member
	Meta        Meta
}

// Member is an element of a group's members. A member is a user or a group
// of the same company; a nested group is kept as a member and not expanded
// (its users are not members of the outer group, and users' groups lists
// only the groups that name them directly).
type Member struct {
	// Value is the member's id.
	Value string
	// Ref is the member's URI. Stores need not keep it: the handler builds
	// it from the request's base URL when it renders the member.
	Ref string
	// Type is "User" or "Group": the store sets it from what the id names,
	// whatever the client sent.
	Type string
	// Display is the human-readable name the client sent with the member
	// (Okta sends the userName), kept as sent.
	Display string
}

// Member types.
const (
	MemberUser  = "User"
	MemberGroup = "Group"
)

var groupType = reflect.TypeFor[Group]()

// groupSchema is the core Group schema as /Schemas publishes it when groups
// are on.
var groupSchema = func() *Schema {
	s := &Schema{
		ID:          SchemaGroup,
		Name:        "Group",
		Description: "Group",
		Attributes: []*Attribute{
			newAttr("id", TypeString, "ID", caseExact, readOnly, always, serverUnique),
			newAttr("externalId", TypeString, "ExternalID", caseExact),
			newAttr("displayName", TypeString, "DisplayName", required,
				desc("A human-readable name for the Group. REQUIRED.")),
			newAttr("members", TypeComplex, "Members", multi, subs(
				newAttr("value", TypeString, "Value", caseExact, desc("The id of a user or group of the same company.")),
				newAttr("$ref", TypeReference, "Ref", refTypes("User", "Group")),
				newAttr("type", TypeString, "Type", canonical(MemberUser, MemberGroup)),
				newAttr("display", TypeString, "Display"),
			), desc("The users and groups in the group. A nested group is a member, not expanded.")),
			metaAttr(),
		},
	}
	for _, a := range s.Attributes {
		a.Schema = SchemaGroup
	}
	bind(s.Attributes, groupType, nil)
	return s
}()

// Limits of a group's strings, as for a user's.
const (
	maxGroupString = 256
	maxMemberValue = 2048
)

// checkGroup validates a group as a client wrote it.
func checkGroup(g *Group) error {
	switch {
	case strings.TrimSpace(g.DisplayName) == "":
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "displayName is required")
	case utf8.RuneCountInString(g.DisplayName) > maxGroupString:
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "displayName is longer than %d characters", maxGroupString)
	case utf8.RuneCountInString(g.ExternalID) > maxGroupString:
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "externalId is longer than %d characters", maxGroupString)
	}
	for _, m := range g.Members {
		if err := checkMember(m); err != nil {
			return err
		}
	}
	return nil
}

func checkMember(m Member) error {
	switch {
	case m.Value == "":
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "a member needs a value: the id of a user or group")
	case len(m.Value) > maxMemberValue:
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "member value is longer than %d bytes", maxMemberValue)
	case utf8.RuneCountInString(m.Display) > maxGroupString:
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "display of member %q is longer than %d characters", m.Value, maxGroupString)
	case m.Type != "" && !strings.EqualFold(m.Type, MemberUser) && !strings.EqualFold(m.Type, MemberGroup):
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "type of member %q must be \"User\" or \"Group\", not %q", m.Value, m.Type)
	}
	return nil
}

// groupProjection is attributes/excludedAttributes for a group: which
// top-level attributes a response carries. id is always returned.
type groupProjection struct {
	externalID, displayName, members, meta bool
}

// parseGroupProjection reads the attributes and excludedAttributes
// parameters for groups. Names are case-insensitive, may carry the Group
// URN and may name a sub-attribute (members.value selects members; meta.x
// selects meta). Unknown names are ignored, as for users.
func parseGroupProjection(attributes, excluded string) groupProjection {
	list, include := attributes, true
	if strings.TrimSpace(list) == "" {
		list, include = excluded, false
	}
	p := groupProjection{true, true, true, true}
	if strings.TrimSpace(list) == "" {
		return p
	}
	if include {
		p = groupProjection{}
	}
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if strings.EqualFold(name, SchemaGroup) {
			p = groupProjection{include, include, include, include}
			continue
		}
		name, _ = cutSchema(name, SchemaGroup)
		top, sub, _ := strings.Cut(name, ".")
		var f *bool
		switch a := groupSchema.Attribute(top); {
		case a == nil || a.Returned == ReturnedAlways: // id
			continue
		case a == membersAttr:
			f = &p.members
		case a.Type == TypeComplex: // meta
			f = &p.meta
		case a.Required: // displayName
			f = &p.displayName
		default:
			f = &p.externalID
		}
		if include || sub == "" {
			*f = include // excluding a sub-attribute keeps the attribute
		}
	}
	return p
}

// appendGroupHead appends the group up to, not including, its members: the
// opening brace, schemas, id, externalId and displayName.
func appendGroupHead(dst []byte, g *Group, p groupProjection) []byte {
	dst = append(dst, `{"schemas":["`+SchemaGroup+`"]`...)
	dst = jsonw.Key(dst, "id")
	dst = jsonw.String(dst, g.ID)
	if p.externalID && g.ExternalID != "" {
		dst = jsonw.Key(dst, "externalId")
		dst = jsonw.String(dst, g.ExternalID)
	}
	if p.displayName {
		dst = jsonw.Key(dst, "displayName")
		dst = jsonw.String(dst, g.DisplayName)
	}
	return dst
}

// appendMember appends one member object, with its $ref.
func appendMember(dst []byte, m Member, base string) []byte {
	dst = append(dst, `{"value":`...)
	dst = jsonw.String(dst, m.Value)
	if base != "" && (m.Type == MemberUser || m.Type == MemberGroup) {
		dst = append(dst, `,"$ref":`...)
		dst = jsonw.String(dst, base+"/"+m.Type+"s/"+m.Value)
	}
	if m.Type != "" {
		dst = append(dst, `,"type":`...)
		dst = jsonw.String(dst, m.Type)
	}
	if m.Display != "" {
		dst = append(dst, `,"display":`...)
		dst = jsonw.String(dst, m.Display)
	}
	return append(dst, '}')
}

// appendGroupTail appends meta and the closing brace.
func appendGroupTail(dst []byte, g *Group, p groupProjection) []byte {
	if p.meta {
		dst = jsonw.Key(dst, "meta")
		dst = append(dst, `{"resourceType":"Group"`...)
		if !g.Meta.Created.IsZero() {
			dst = append(dst, `,"created":`...)
			dst = jsonw.Time(dst, g.Meta.Created)
		}
		if !g.Meta.LastModified.IsZero() {
			dst = append(dst, `,"lastModified":`...)
			dst = jsonw.Time(dst, g.Meta.LastModified)
		}
		if g.Meta.Location != "" {
			dst = append(dst, `,"location":`...)
			dst = jsonw.String(dst, g.Meta.Location)
		}
		if g.Meta.Version != "" {
			dst = append(dst, `,"version":`...)
			dst = jsonw.String(dst, g.Meta.Version)
		}
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// decodeGroup reads a group as a client sends it to POST or PUT. Read-only
// and unknown attributes are ignored, as for users; hasMembers reports
// whether the body names members at all (a PUT without members keeps
// them: see [Handler].Groups).
func decodeGroup(body []byte) (g *Group, hasMembers bool, err error) {
	obj, err := parseJSONObject(body, "a group")
	if err != nil {
		return nil, false, err
	}
	g = &Group{}
	gv := reflect.ValueOf(g).Elem()
	for k, x := range obj {
		switch a := groupSchema.Attribute(k); {
		case a == membersAttr:
			hasMembers = true
			if g.Members, err = decodeMembers(x); err != nil {
				return nil, false, err
			}
		case a == nil || a.Mutability == ReadOnly:
			// Unknown or the server's: ignored, as for users.
		default: // a plain string: displayName, externalId
			s, err := groupString(a.Name, x)
			if err != nil {
				return nil, false, err
			}
			gv.FieldByIndex(a.field).SetString(s)
		}
	}
	if err := checkGroup(g); err != nil {
		return nil, false, err
	}
	return g, hasMembers, nil
}

func groupString(name string, x any) (string, error) {
	switch s := x.(type) {
	case nil:
		return "", nil
	case string:
		return s, nil
	}
	return "", Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s must be a string, not %s", name, jsonKind(x))
}

// decodeMembers reads a members value: an array of member objects, or one
// object, or null (none).
func decodeMembers(x any) ([]Member, error) {
	var list []any
	switch v := x.(type) {
	case nil:
		return nil, nil
	case []any:
		list = v
	case map[string]any:
		list = []any{v}
	default:
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "members must be an array of objects with a value, not %s", jsonKind(x))
	}
	out := make([]Member, 0, len(list))
	for _, e := range list {
		o, ok := e.(map[string]any)
		if !ok {
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "a member must be an object such as {\"value\":\"<id>\"}, not %s", jsonKind(e))
		}
		var m Member
		mv := reflect.ValueOf(&m).Elem()
		for k, y := range o {
			sub := membersAttr.Sub(k)
			if sub == nil || sub.Type == TypeReference { // $ref: the server builds it
				continue
			}
			s, err := groupString("members."+sub.Name, y)
			if err != nil {
				return nil, err
			}
			mv.FieldByIndex(sub.field).SetString(s)
		}
		if err := checkMember(m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// membersAttr is groupSchema's members.
var membersAttr = groupSchema.Attribute("members")
