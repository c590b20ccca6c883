package scim

import (
	"errors"
	"net/http"
	"strings"
)

// findEmployee finds a user of the tenant by id, or by email or userName
// (case-insensitive). It returns nil when there is none.
func (req *request) findEmployee(ref string) (*User, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, nil
	}
	u, err := req.store.GetUser(req.ctx, req.tenant, ref)
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	lit := formatValue(ref)
	q, err := req.model.NewQuery("userName eq "+lit+" or emails.value eq "+lit, "", "", 1, 2)
	if err != nil {
		return nil, err
	}
	page, err := req.store.ListUsers(req.ctx, req.tenant, q)
	if err != nil {
		return nil, err
	}
	if len(page.Users) == 0 {
		return nil, nil
	}
	return page.Users[0], nil
}

// resolveReferences resolves the enterprise manager and Peakon Employee
// attributes of a user being written. A manager that is not (yet) an
// employee is kept as sent unless Handler.StrictManager; an Employee
// attribute naming nobody is 400, as Peakon documents.
func (req *request) resolveReferences(before, after *User) error {
	mgr := &after.Enterprise.Manager
	if mgr.Value != "" && (before == nil || before.Enterprise.Manager.Value != mgr.Value || mgr.DisplayName == "") {
		m, err := req.findEmployee(mgr.Value)
		if err != nil {
			return err
		}
		switch {
		case m != nil:
			mgr.Value, mgr.Ref, mgr.DisplayName = m.ID, req.location(m.ID), displayName(m)
		case req.h.StrictManager:
			return Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s:manager %q is not an employee of this company; provision the manager first", SchemaEnterpriseUser, mgr.Value)
		}
	} else if mgr.Value == "" {
		*mgr = Manager{}
	}
	for name, v := range after.Custom {
		a := req.model.CustomAttribute(name)
		if a == nil || a.CustomType != CustomEmployee {
			continue
		}
		if before != nil && before.Custom[name] == v {
			continue
		}
		e, err := req.findEmployee(v)
		if err != nil {
			return err
		}
		if e == nil {
			return Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s:%s refers to %q, who is not an employee of this company; the referenced employee must be provisioned first", SchemaPeakonUser, a.Name, v)
		}
		after.Custom[name] = e.ID
	}
	return nil
}

// renderReferences returns u with Employee attributes shown as the
// referenced employee's email, and an unresolved manager resolved if that
// employee exists by now. u itself is not modified.
func (req *request) renderReferences(u *User) *User {
	out := u
	for name, id := range u.Custom {
		a := req.model.CustomAttribute(name)
		if a == nil || a.CustomType != CustomEmployee {
			continue
		}
		e, err := req.store.GetUser(req.ctx, req.tenant, id)
		if err != nil {
			continue // deleted since: show the stored reference
		}
		if out == u {
			out = u.Clone()
		}
		if email := e.PrimaryEmail(); email != "" {
			out.Custom[name] = email
		} else {
			out.Custom[name] = e.UserName
		}
	}
	if m := u.Enterprise.Manager; m.Value != "" && m.DisplayName == "" {
		if e, err := req.findEmployee(m.Value); err == nil && e != nil {
			if out == u {
				out = u.Clone()
			}
			out.Enterprise.Manager = Manager{Value: e.ID, Ref: req.location(e.ID), DisplayName: displayName(e)}
		}
	}
	return out
}

func displayName(u *User) string {
	switch {
	case u.DisplayName != "":
		return u.DisplayName
	case u.Name.Formatted != "":
		return u.Name.Formatted
	case u.Name.GivenName != "" || u.Name.FamilyName != "":
		return strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName)
	}
	return u.UserName
}
