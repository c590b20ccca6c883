package scim

// ResolveFilter returns a copy of f whose attribute paths are resolved
// against the model: [AttrPath.Attr] and [AttrPath.SubAttr] are set, as a
// [Store] that pushes [Query.Filter] down expects. f itself is never
// modified, so a parsed [Filter] may be kept, shared between goroutines
// and resolved against the models of several companies. Unknown attributes
// and incomplete trees are 400 invalidFilter. A nil filter resolves to
// nil.
func (m *Model) ResolveFilter(f Filter) (Filter, error) {
	if f == nil {
		return nil, nil
	}
	return m.resolveFilter(f, nil)
}

// resolveFilter is ResolveFilter inside the value filter of parent (nil at
// the top level), where names are parent's sub-attributes.
func (m *Model) resolveFilter(f Filter, parent *Attribute) (Filter, error) {
	switch n := f.(type) {
	case *LogicalExpr:
		if n == nil || n.Left == nil || n.Right == nil {
			return nil, invalidFilter("incomplete %q expression", "and/or")
		}
		l, err := m.resolveFilter(n.Left, parent)
		if err != nil {
			return nil, err
		}
		r, err := m.resolveFilter(n.Right, parent)
		if err != nil {
			return nil, err
		}
		return &LogicalExpr{Op: n.Op, Left: l, Right: r}, nil
	case *NotExpr:
		if n == nil || n.Filter == nil {
			return nil, invalidFilter("incomplete \"not\" expression")
		}
		inner, err := m.resolveFilter(n.Filter, parent)
		if err != nil {
			return nil, err
		}
		return &NotExpr{Filter: inner}, nil
	case *ValuePathExpr:
		if n == nil || n.Filter == nil {
			return nil, invalidFilter("incomplete value filter")
		}
		if parent != nil {
			return nil, invalidFilter("value filters cannot nest (%s inside %s[...])", n.Path.String(), parent.Name)
		}
		c := &ValuePathExpr{Path: n.Path}
		if err := m.ResolvePath(&c.Path); err != nil {
			return nil, err
		}
		a := c.Path.Attr
		if c.Path.SubAttr != nil || a.Type != TypeComplex || a.Custom {
			return nil, invalidFilter("%s is not a complex attribute and takes no value filter", n.Path.String())
		}
		inner, err := m.resolveFilter(n.Filter, a)
		if err != nil {
			return nil, err
		}
		c.Filter = inner
		return c, nil
	case *AttrExpr:
		if n == nil {
			return nil, invalidFilter("incomplete comparison")
		}
		c := *n
		if err := m.resolve(&c.Path, parent); err != nil {
			return nil, err
		}
		return &c, nil
	}
	return nil, invalidFilter("unsupported expression %T", f)
}

// resolve fills in p.Attr and p.SubAttr. Inside a value path (parent set),
// names are sub-attributes of parent.
func (m *Model) resolve(p *AttrPath, parent *Attribute) error {
	if parent != nil {
		if p.URN != "" || p.Sub != "" {
			return invalidFilter("%q inside %s[...] must be a sub-attribute name", p.String(), parent.Name)
		}
		if p.Attr = parent.Sub(p.Name); p.Attr == nil {
			return invalidFilter("%s has no sub-attribute %q", parent.Path(), p.Name)
		}
		p.SubAttr = nil
		return nil
	}
	return m.ResolvePath(p)
}

// ResolvePath resolves a top-level path against the model; a name without
// a URN is resolved by [Model.Unqualified]. An unknown attribute is 400
// invalidFilter.
func (m *Model) ResolvePath(p *AttrPath) error {
	var a *Attribute
	if p.URN != "" {
		s := m.SchemaByURN(p.URN)
		if s == nil {
			return invalidFilter("unknown schema %q in %q", p.URN, p.String())
		}
		a = s.Attribute(p.Name)
	} else {
		a = m.Unqualified(p.Name)
	}
	if a == nil {
		return invalidFilter("unknown attribute %q", p.String())
	}
	p.Attr, p.SubAttr = a, nil
	if p.Sub != "" {
		if p.SubAttr = a.Sub(p.Sub); p.SubAttr == nil {
			return invalidFilter("%s has no sub-attribute %q", a.Path(), p.Sub)
		}
	}
	return nil
}
