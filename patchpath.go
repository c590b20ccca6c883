package scim

import (
	"net/http"
	"strings"
)

// PatchPath is a parsed PATCH path (RFC 7644 §3.5.2, "PATH" of Figure 1):
//
//	attr                          userName, name, emails
//	attr.sub                      name.givenName
//	URN:attr[.sub]                urn:...:enterprise:2.0:User:manager.value
//	URN                           urn:...:enterprise:2.0:User (the whole extension)
//	attr[filter]                  emails[type eq "work"]
//	attr[filter].sub              emails[type eq "work"].value
//
// Peakon custom attributes are named after the Peakon extension URN by
// display name or alias, which may contain spaces:
// urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Employed Since.
// A [PatchPath] is syntax only; ApplyPatch resolves it against a [Model].
type PatchPath struct {
	// Attr is the attribute as written. Attr.Name is "" when the path is a
	// schema URN alone (Attr.URN). Attr.Attr and Attr.SubAttr stay nil.
	Attr AttrPath
	// Filter is the value filter of attr[filter], or nil.
	Filter Filter
	// Sub is the sub-attribute after attr[filter], or "".
	Sub string

	raw string // the text parsed, for PatchRequest's cache
}

// String returns the canonical text of the path, which [ParsePatchPath] parses back
// to an equal path.
func (p PatchPath) String() string {
	if p.Attr.Name == "" {
		return p.Attr.URN
	}
	s := p.Attr.String()
	if p.Filter != nil {
		s += "[" + p.Filter.String() + "]"
		if p.Sub != "" {
			s += "." + p.Sub
		}
	}
	return s
}

// ParsePatchPath parses a PATCH path. Errors are *Error 400 invalidPath naming
// the problem. Attribute names are not checked here: [Model.ApplyPatch]
// resolves them.
func ParsePatchPath(s string) (PatchPath, error) {
	if len(s) > MaxFilterLength {
		return PatchPath{}, Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "the path is %d bytes long; at most %d are accepted", len(s), MaxFilterLength)
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return PatchPath{}, Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "the path is empty; omit it to patch the whole resource")
	}
	// A Peakon custom attribute's name may hold spaces and other
	// characters a filter word cannot: everything after the URN is the name.
	if len(t) >= len(SchemaPeakonUser) && strings.EqualFold(t[:len(SchemaPeakonUser)], SchemaPeakonUser) {
		rest := t[len(SchemaPeakonUser):]
		if rest == "" {
			return PatchPath{Attr: AttrPath{URN: t}, raw: s}, nil
		}
		if rest[0] == ':' && len(rest) > 1 {
			return PatchPath{Attr: AttrPath{URN: t[:len(SchemaPeakonUser)], Name: rest[1:]}, raw: s}, nil
		}
	}
	if strings.EqualFold(t, SchemaUser) || strings.EqualFold(t, SchemaEnterpriseUser) {
		return PatchPath{Attr: AttrPath{URN: t}, raw: s}, nil
	}
	if !strings.ContainsAny(t, "[] \t\r\n\"()") {
		ap, ok := splitPath(t)
		if !ok {
			return PatchPath{}, badPath(s, "expected an attribute name such as name.givenName or urn:...:User:attribute")
		}
		return PatchPath{Attr: ap, raw: s}, nil
	}
	p := &parser{src: t}
	p.next()
	if p.tok.kind != tokWord {
		return PatchPath{}, badPath(s, "expected an attribute name at position 1")
	}
	ap, ok := splitPath(p.tok.text)
	if !ok {
		return PatchPath{}, badPath(s, "%q is not an attribute name", p.tok.text)
	}
	p.next()
	pp := PatchPath{Attr: ap, raw: s}
	if p.tok.kind == tokLBracket {
		if ap.Sub != "" {
			return PatchPath{}, badPath(s, "a value filter \"[\" must follow a multi-valued attribute, not a sub-attribute")
		}
		p.next()
		inner, err := p.parseOr(1)
		if err != nil {
			return PatchPath{}, badPath(s, "%s", err.(*Error).Detail)
		}
		if p.tok.kind != tokRBracket {
			return PatchPath{}, badPath(s, "expected \"]\" at position %d", p.tok.pos+1)
		}
		end := p.pos
		p.next()
		pp.Filter = inner
		if p.tok.kind == tokWord && p.tok.pos == end && strings.HasPrefix(p.tok.text, ".") {
			sub := p.tok.text[1:]
			if sub == "" || !validAttrName(sub) {
				return PatchPath{}, badPath(s, "expected a sub-attribute name after \"].\"")
			}
			pp.Sub = sub
			p.next()
		}
	}
	if p.tok.kind != tokEOF {
		return PatchPath{}, badPath(s, "unexpected %q at position %d", p.tok.raw, p.tok.pos+1)
	}
	return pp, nil
}
