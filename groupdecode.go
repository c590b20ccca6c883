package scim

import (
	"net/http"
	"strings"
)

// decodeGroup reads a group as a client sends it to POST or PUT. Read-only
// and unknown attributes are ignored, as for users; hasMembers reports
// whether the body names members at all (a PUT without members keeps
// them: see [Handler].Groups).
func decodeGroup(body []byte) (g *Group, hasMembers bool, err error) {
	v, err := parseJSON(body)
	if err != nil {
		return nil, false, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, false, Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "a group must be a JSON object, not %s", jsonKind(v))
	}
	g = &Group{}
	for k, x := range obj {
		switch strings.ToLower(k) {
		case "displayname":
			if g.DisplayName, err = groupString("displayName", x); err != nil {
				return nil, false, err
			}
		case "externalid":
			if g.ExternalID, err = groupString("externalId", x); err != nil {
				return nil, false, err
			}
		case "members":
			hasMembers = true
			if g.Members, err = decodeMembers(x); err != nil {
				return nil, false, err
			}
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
		for k, y := range o {
			var err error
			switch strings.ToLower(k) {
			case "value":
				m.Value, err = groupString("members.value", y)
			case "display":
				m.Display, err = groupString("members.display", y)
			case "type":
				m.Type, err = groupString("members.type", y)
			}
			if err != nil {
				return nil, err
			}
		}
		if err := checkMember(m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
