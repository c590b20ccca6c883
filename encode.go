package scim

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/scimkit/scim/internal/jsonw"
)

// Projection selects the attributes a response carries (RFC 7644 §3.9,
// attributes and excludedAttributes). The nil *Projection returns every
// attribute whose returned characteristic is "always" or "default".
type Projection struct {
	include bool                // attributes= given: only what it names
	full    map[*Attribute]bool // named whole (include) or excluded whole (exclude)
	partial map[*Attribute]bool // sub-attributes named; their parents are partially included/excluded
}

// ParseProjection parses the attributes and excludedAttributes parameters
// (comma-separated, case-insensitive, sub-attributes and URN-qualified names
// allowed). When both are given attributes wins, as RFC 7644 §3.9 leaves the
// choice to the server. Unknown names are ignored, as clients ask for
// attributes of other providers' schemas.
func (m *Model) ParseProjection(attributes, excluded string) (*Projection, error) {
	list, include := attributes, true
	if strings.TrimSpace(list) == "" {
		list, include = excluded, false
	}
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	p := &Projection{include: include, full: map[*Attribute]bool{}, partial: map[*Attribute]bool{}}
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if s := m.schemaByURN(name); s != nil {
			for _, a := range s.Attributes {
				p.full[a] = true
			}
			continue
		}
		a, rest := m.Lookup(name)
		if a == nil {
			continue
		}
		if rest == "" {
			p.full[a] = true
			continue
		}
		if sub := a.Sub(rest[1:]); sub != nil {
			p.partial[sub] = true
			p.partial[a] = true
		}
	}
	return p, nil
}

// returns reports whether a top-level attribute is rendered, and whether
// only some of its sub-attributes are.
func (p *Projection) returns(a *Attribute) (yes, partial bool) {
	if a.Returned == ReturnedNever {
		return false, false
	}
	if a.Returned == ReturnedAlways {
		return true, false
	}
	if p == nil {
		return a.Returned != ReturnedRequest, false
	}
	if p.include {
		if p.full[a] {
			return true, false
		}
		return p.partial[a], p.partial[a]
	}
	if p.full[a] {
		return false, false
	}
	return a.Returned != ReturnedRequest, p.partial[a]
}

func (p *Projection) returnsSub(sub *Attribute) bool {
	if sub.Returned == ReturnedNever {
		return false
	}
	if p.include {
		return p.partial[sub]
	}
	return !p.partial[sub]
}

// EncodeUser appends the JSON of u, as rendered to clients, to dst:
// canonical attribute names, schemas naming core plus exactly the
// extensions present, and meta. p may be nil.
func (m *Model) EncodeUser(dst []byte, u *User, p *Projection) []byte {
	return m.enc.encode(m, dst, u, p)
}

// encodeCustom appends the Peakon extension's object, if any of its
// attributes is rendered.
func (m *Model) encodeCustom(dst []byte, u *User, p *Projection) []byte {
	mark := len(dst)
	dst = jsonw.Key(dst, SchemaPeakonUser)
	dst = append(dst, '{')
	inner := len(dst)
	for _, a := range m.peakon.Attributes {
		v, ok := u.Custom[a.Name]
		if !ok {
			continue
		}
		if yes, _ := p.returns(a); !yes {
			continue
		}
		dst = a.jsonKey(dst)
		if a.CustomType == CustomNumber {
			dst = append(dst, v...)
		} else {
			dst = jsonw.String(dst, v)
		}
	}
	return closeObject(dst, mark, inner)
}

// closeObject ends the JSON object opened at mark, whose members start at
// inner, or drops it, key and brace, when it has no members.
func closeObject(dst []byte, mark, inner int) []byte {
	if len(dst) == inner {
		return dst[:mark]
	}
	return append(dst, '}')
}

// jsonKey appends the attribute's name as an object key.
func (a *Attribute) jsonKey(dst []byte) []byte {
	if a.key == "" {
		return jsonw.Key(dst, a.Name)
	}
	return jsonw.QuotedKey(dst, a.key)
}

// MarshalJSON renders the user with the default model (no custom attribute
// definitions: custom values render as strings) and no projection.
func (u *User) MarshalJSON() ([]byte, error) {
	return defaultModelFor(u).EncodeUser(nil, u, nil), nil
}

// UnmarshalJSON decodes a user as DecodeUser does with the default model,
// keeping Peakon values whatever their names (there are no definitions to
// check them against).
func (u *User) UnmarshalJSON(data []byte) error {
	obj, err := parseJSONObject(data, "a user")
	if err != nil {
		return err
	}
	var custom map[string]string
	for k, val := range obj {
		if !strings.EqualFold(k, SchemaPeakonUser) {
			continue
		}
		ext, _ := val.(map[string]any)
		for name, x := range ext {
			if s, err := canonicalCustomValue(&Attribute{Name: name, CustomType: CustomOption}, x); err == nil && s != "" {
				if custom == nil {
					custom = map[string]string{}
				}
				custom[name] = s
			}
		}
	}
	d, err := defaultModel.userFromObject(obj, DecodeOptions{IgnoreUnknownAttributes: true})
	if err != nil {
		return err
	}
	id, meta := stringMember(obj, "id"), d.Meta
	if mo, ok := memberFold(obj, "meta").(map[string]any); ok {
		meta.ResourceType = stringMember(mo, "resourceType")
		meta.Location = stringMember(mo, "location")
		meta.Version = stringMember(mo, "version")
		meta.Created, _ = time.Parse(time.RFC3339Nano, stringMember(mo, "created"))
		meta.LastModified, _ = time.Parse(time.RFC3339Nano, stringMember(mo, "lastModified"))
	}
	// Read-only attributes a client may not set are part of a stored user.
	if g := memberFold(obj, "groups"); g != nil {
		a := defaultModel.core.Attribute("groups")
		if err := decodeMulti(a, reflect.ValueOf(d).Elem().FieldByIndex(a.field), g); err != nil {
			return err
		}
	}
	if ent, ok := memberFold(obj, SchemaEnterpriseUser).(map[string]any); ok {
		if mgr, ok := memberFold(ent, "manager").(map[string]any); ok {
			d.Enterprise.Manager.DisplayName = stringMember(mgr, "displayName")
		}
	}
	*u = *d
	u.ID, u.Meta, u.Custom = id, meta, custom
	return nil
}

// defaultModelFor builds a model whose Peakon schema has an option
// attribute for each custom value of u, so the generic encoder renders them.
func defaultModelFor(u *User) *Model {
	if len(u.Custom) == 0 {
		return defaultModel
	}
	defs := make([]CustomAttribute, 0, len(u.Custom))
	for _, name := range slices.Sorted(maps.Keys(u.Custom)) {
		defs = append(defs, CustomAttribute{Name: name, Type: CustomOption})
	}
	return NewModel(defs)
}

func memberFold(obj map[string]any, name string) any {
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

func stringMember(obj map[string]any, name string) string {
	s, _ := memberFold(obj, name).(string)
	return s
}
