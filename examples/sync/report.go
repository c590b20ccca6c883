package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimclient"
)

// input is what Sync is given: the good rows, and, for a bad row naming
// an employee the endpoint has, that employee as they are, so that Sync
// leaves them alone rather than deactivate them as absent.
type input struct {
	users []*scim.User
	rows  []*row // of each user
	kept  map[*row]*scim.User
	keyed map[*row]bool // kept, but given the row's External ID, the key
}

func (s *sheet) desired(key scimclient.Key, current []*scim.User) *input {
	in := &input{kept: map[*row]*scim.User{}, keyed: map[*row]bool{}}
	keyOf := func(u *scim.User) string {
		if key == scimclient.KeyExternalID {
			return u.ExternalID
		}
		return strings.ToLower(u.UserName)
	}
	claimed, names := map[string]bool{}, map[string]bool{}
	for _, r := range s.rows {
		if !r.bad() {
			in.users = append(in.users, r.user)
			in.rows = append(in.rows, r)
			claimed[keyOf(r.user)] = true
			names[strings.ToLower(r.user.UserName)] = true
		}
	}
	byKey, byName := map[string]*scim.User{}, map[string]*scim.User{}
	for _, u := range current {
		if k := keyOf(u); k != "" {
			byKey[k] = u
		}
		byName[strings.ToLower(u.UserName)] = u
	}
	for _, r := range s.rows {
		k := keyOf(r.user)
		if !r.bad() || k == "" || claimed[k] {
			continue
		}
		var u *scim.User
		if v := byKey[k]; v != nil {
			u = v.Clone()
		} else if key == scimclient.KeyExternalID {
			// As Sync matches: by userName an employee without an
			// externalId, unless a good row has that userName.
			name := strings.ToLower(r.user.UserName)
			if v := byName[name]; v != nil && v.ExternalID == "" && !names[name] {
				u = v.Clone()
				u.ExternalID = k
				in.keyed[r] = true
			}
		}
		if u == nil {
			continue
		}
		names[strings.ToLower(u.UserName)] = true
		claimed[k] = true
		in.users = append(in.users, u)
		in.rows = append(in.rows, r)
		in.kept[r] = u
	}
	return in
}

// printer writes the findings (stderr, as FILE:LINE: ...) and the plan or
// what was done (stdout).
type printer struct {
	stdout, stderr io.Writer
	file           string
	sheet          *sheet
	in             *input
	m              *scim.Model
	current        []*scim.User

	skipped int // rows not provisioned
}

func (p *printer) badRows() {
	bad := append([]*row(nil), p.sheet.unreadable...)
	for _, r := range p.sheet.rows {
		if r.bad() {
			bad = append(bad, r)
		}
	}
	slices.SortStableFunc(bad, func(a, b *row) int { return a.line - b.line })
	for _, r := range bad {
		p.skipped++
		what := "row skipped"
		if u := p.in.kept[r]; u != nil {
			what = "row skipped; " + u.UserName + " is left as the endpoint has them"
			if p.in.keyed[r] {
				what += ", but for their " + p.sheet.column(fieldNamed("External ID")) + ", the key"
			}
		}
		fmt.Fprintf(p.stderr, "%s:%d: %s (%s)\n", p.file, r.line, strings.Join(r.problems, "; "), what)
	}
}

// line is the CSV line of the desired user at index i.
func (p *printer) line(i int) int {
	if i < 0 || i >= len(p.in.rows) {
		return 0
	}
	return p.in.rows[i].line
}

func (p *printer) report(rep *scimclient.Report, applied bool) {
	names := pathNames(p.sheet)
	ids := p.emailsByID(rep)
	for _, st := range rep.Steps {
		who := st.UserName
		if st.Index >= 0 {
			who += fmt.Sprintf(" (line %d)", p.line(st.Index))
		} else {
			who += " (not in the file)"
		}
		if st.Action == scimclient.ActionSkip {
			p.skipped++
			fmt.Fprintf(p.stderr, "%s:%d: %s (row skipped)\n", p.file, p.line(st.Index), p.explain(st.Err, names))
			continue
		}
		for _, w := range st.Warnings {
			fmt.Fprintf(p.stderr, "%s:%d: warning: %s\n", p.file, p.line(st.Index), p.warning(w))
		}
		verb := string(st.Action)
		switch st.Status {
		case scimclient.StatusApplied:
			verb = past(st.Action)
		case scimclient.StatusFailed:
			verb = "FAILED to " + verb
		case scimclient.StatusNotAttempted:
			if applied && st.Err != nil && !errors.Is(st.Err, scimclient.ErrTooManyDeactivations) {
				verb = "not attempted: " + verb
			}
		}
		line := fmt.Sprintf("%-11s %s", verb, who)
		if d := p.describe(st, ids); d != "" {
			line += ": " + d
		}
		if st.Status == scimclient.StatusFailed || strings.HasPrefix(verb, "not attempted") {
			line += " — " + p.explain(st.Err, names)
		}
		fmt.Fprintln(p.stdout, line)
	}
}

// explain words a step's error for the file's reader: columns for
// attribute names, CSV lines for positions.
func (p *printer) explain(err error, names *strings.Replacer) string {
	if err == nil {
		return ""
	}
	var dup *scimclient.DuplicateError
	if errors.As(err, &dup) {
		col := p.sheet.column(fields[0])
		if dup.Attribute == "externalId" {
			col = p.sheet.column(fieldNamed("External ID"))
		}
		return fmt.Sprintf("%s %q is also on line %d", col, dup.Value, p.line(dup.First))
	}
	return names.Replace(detail(err))
}

// warning words a Sync warning ("the manager refers to "x", who is
// neither an employee nor a valid desired user; ...") with the file's
// columns, and the line of the employee referred to when their row was
// skipped.
func (p *printer) warning(w string) string {
	w = strings.Replace(w, "nor a valid desired user", "nor on a good row of the file", 1)
	if _, rest, ok := strings.Cut(w, " refers to "); ok {
		if q, err := strconv.QuotedPrefix(rest); err == nil {
			ref, _ := strconv.Unquote(q)
			for _, r := range p.sheet.rows {
				if r.bad() && strings.EqualFold(r.user.UserName, ref) {
					note := fmt.Sprintf(" (their row, line %d, was skipped)", r.line)
					if i := strings.Index(w, ";"); i >= 0 {
						w = w[:i] + note + w[i:]
					} else {
						w += note
					}
					break
				}
			}
		}
	}
	for _, c := range p.sheet.cols {
		if c.field == nil {
			continue
		}
		if c.field.name == "Enterprise manager" && strings.HasPrefix(w, "the manager ") {
			return c.header + strings.TrimPrefix(w, "the manager")
		}
		if c.field.custom != nil && strings.HasPrefix(w, c.field.custom.Name+" ") {
			return c.header + strings.TrimPrefix(w, c.field.custom.Name)
		}
	}
	return w
}

func past(a scimclient.Action) string {
	switch a {
	case scimclient.ActionCreate:
		return "created"
	case scimclient.ActionUpdate:
		return "updated"
	case scimclient.ActionReactivate:
		return "reactivated"
	case scimclient.ActionDeactivate:
		return "deactivated"
	case scimclient.ActionDelete:
		return "deleted"
	}
	return string(a)
}

// emailsByID names the employees a manager value (an id) may refer to.
func (p *printer) emailsByID(rep *scimclient.Report) map[string]string {
	ids := map[string]string{}
	for _, u := range p.current {
		ids[u.ID] = u.UserName
	}
	for _, st := range rep.Steps {
		if st.ID != "" && ids[st.ID] == "" {
			ids[st.ID] = st.UserName
		}
	}
	return ids
}

// describe says what an update changes, column by column, as the demo's
// web log does: "Department: Engineering → Customer Success".
func (p *printer) describe(st *scimclient.Step, ids map[string]string) string {
	if len(st.Operations) == 0 || st.Action == scimclient.ActionCreate && st.Status != scimclient.StatusApplied {
		return ""
	}
	var before *scim.User
	for _, u := range p.current {
		if u.ID == st.ID {
			before = u
			break
		}
	}
	if before == nil {
		before = &scim.User{}
		if st.User != nil {
			before = st.User.Clone() // a create's references, set afterwards
		}
	}
	after, err := p.m.ApplyPatch(before.Clone(), &scim.PatchRequest{Operations: st.Operations}, scim.DecodeOptions{})
	if err != nil {
		return ""
	}
	var parts []string
	for _, c := range p.sheet.cols {
		if c.field == nil || c.field.name == "Active" {
			continue
		}
		a, b := c.field.get(before), c.field.get(after)
		if a == b {
			continue
		}
		if c.field.name == "Enterprise manager" {
			a, b = orID(ids, a), orID(ids, b)
		}
		parts = append(parts, c.header+": "+orNone(a)+" → "+orNone(b))
	}
	return strings.Join(parts, ", ")
}

func orID(ids map[string]string, id string) string {
	if e := ids[id]; e != "" {
		return e
	}
	return id
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// summary is stdout's last line: what was done, or would be.
func (p *printer) summary(rep *scimclient.Report, applied bool) string {
	type kind struct {
		a          scimclient.Action
		verb, done string
	}
	kinds := []kind{
		{scimclient.ActionCreate, "create", "created"},
		{scimclient.ActionUpdate, "update", "updated"},
		{scimclient.ActionReactivate, "reactivate", "reactivated"},
		{scimclient.ActionDeactivate, "deactivate", "deactivated"},
		{scimclient.ActionDelete, "delete", "deleted"},
	}
	var parts []string
	for _, k := range kinds {
		if applied {
			if n := rep.Count(k.a, scimclient.StatusApplied); n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", k.done, n))
			}
		} else if n := rep.Count(k.a, ""); n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k.verb, n))
		}
	}
	what := strings.Join(parts, ", ")
	if what == "" {
		what = "nothing to change"
		if len(rep.Steps) > rep.Count(scimclient.ActionSkip, "") {
			what = "nothing" // it failed, or was not attempted
		}
	}
	var b strings.Builder
	if applied {
		b.WriteString("applied: " + what)
	} else if len(parts) > 0 {
		b.WriteString("dry run, nothing written: would " + what)
	} else {
		b.WriteString("dry run, nothing written: " + what)
	}
	if applied {
		fmt.Fprintf(&b, "; failed %d", rep.Count("", scimclient.StatusFailed)-rep.Count(scimclient.ActionSkip, ""))
		if n := rep.Count("", scimclient.StatusNotAttempted); n > 0 {
			fmt.Fprintf(&b, "; not attempted %d", n)
		}
	}
	fmt.Fprintf(&b, "; %d unchanged", rep.Unchanged)
	if p.skipped > 0 {
		fmt.Fprintf(&b, "; %d %s skipped", p.skipped, plural(p.skipped, "bad row", "bad rows"))
	}
	return b.String()
}

// total counts, from a dry run's report, the changes -apply will write:
// the steps, and the references to employees created meanwhile, which Sync
// sets in a second round once they exist.
func (p *printer) total(rep *scimclient.Report) int {
	n := 0
	creates := map[int]bool{}
	skips := map[int]bool{}
	for _, st := range rep.Steps {
		switch {
		case st.Action == scimclient.ActionSkip:
			skips[st.Index] = true
		case st.Status == scimclient.StatusNotAttempted && st.Err == nil:
			n++
			if st.Action == scimclient.ActionCreate {
				creates[st.Index] = true
			}
		}
	}
	existing := map[string]bool{}
	for _, u := range p.current {
		existing[u.ID] = true
		existing[strings.ToLower(u.UserName)] = true
		for _, e := range u.Emails {
			existing[strings.ToLower(e.Value)] = true
		}
		if u.ExternalID != "" {
			existing[u.ExternalID] = true
		}
	}
	desired := map[string]int{}
	for i, u := range p.in.users {
		desired[strings.ToLower(u.UserName)] = i
		if u.ExternalID != "" {
			desired[u.ExternalID] = i
		}
	}
	pending := func(ref string) bool {
		ref = strings.TrimSpace(ref)
		if ref == "" || existing[ref] || existing[strings.ToLower(ref)] {
			return false
		}
		j, ok := desired[strings.ToLower(ref)]
		if !ok {
			j, ok = desired[ref]
		}
		return ok && creates[j]
	}
	for i, u := range p.in.users {
		if skips[i] {
			continue
		}
		refs := []string{u.Enterprise.Manager.Value}
		for name, v := range u.Custom {
			if a := p.m.CustomAttribute(name); a != nil && a.CustomType == scim.CustomEmployee {
				refs = append(refs, v)
			}
		}
		for _, ref := range refs {
			if pending(ref) {
				n++
				break
			}
		}
	}
	return n
}
