package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// findEmployee finds a user of the tenant by id, by email or userName
// (case-insensitive), or by externalId. It returns nil when there is none,
// and when several users have it (externalId and emails are not unique):
// a reference names one employee or stays unresolved.
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
	q, err := req.model.NewFilterQuery(referenceFilter(nil, []string{ref}), 1, 2)
	if err != nil {
		return nil, err
	}
	page, err := req.store.ListUsers(req.ctx, req.tenant, q)
	if err != nil {
		return nil, err
	}
	if page.Total != 1 || len(page.Users) != 1 {
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
			mgr.Value, mgr.DisplayName = m.ID, displayName(m)
		case req.h.StrictManager:
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s:manager %q is not an employee of this company; provision the manager first", SchemaEnterpriseUser, mgr.Value)
		}
	} else if mgr.Value == "" {
		*mgr = Manager{}
	}
	// $ref and meta.location are rendered from the base URL each request
	// is served at, never stored: without Handler.BaseURL that comes from
	// the request's Host header, which a client chooses.
	mgr.Ref, after.Meta.Location = "", ""
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
			return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s:%s refers to %q, who is not an employee of this company; the referenced employee must be provisioned first", SchemaPeakonUser, a.Name, v)
		}
		after.Custom[name] = e.ID
	}
	return nil
}

// maxRefValues bounds the values one reference query looks up (each
// pending manager counts once, though it is tried as an id, userName, email
// and externalId): a list page of the largest size, with its managers and
// Employee values, takes one query.
const maxRefValues = 2000

// references are the employees a page of users refers to, looked up at
// once by lookupReferences.
type references struct {
	byID map[string]*User // by id: Employee values, resolved managers
	// byKey maps a pending manager's value (trimmed) to the employee it
	// names, as findEmployee would find them.
	byKey map[string]*User
}

// noReferences is the references of users that refer to no one; it is
// shared, and read only (nil maps).
var noReferences references

// lookupReferences finds the employees that rendering users needs and
// cannot read from them: the values of Employee attributes (stored as
// ids, shown as the employee's email) and managers not resolved when they
// were written. It asks the store once (per maxRefValues values) with an
// "or" of equalities built as a [Filter] value, which stores answer with one
// index lookup per attribute; resolving user by user would cost up to
// three lookups per user of a page. A lookup that fails leaves the
// references as stored: rendering never fails on them.
func (req *request) lookupReferences(users []*User) *references {
	type want struct {
		v   string
		key bool // a pending manager's value, not only an id
	}
	var wants []want
	seen := map[want]bool{}
	add := func(w want) {
		if w.v != "" && !seen[w] {
			seen[w] = true
			wants = append(wants, w)
		}
	}
	for _, u := range users {
		for name, id := range u.Custom {
			if a := req.model.CustomAttribute(name); a != nil && a.CustomType == CustomEmployee {
				add(want{v: id})
			}
		}
		if m := u.Enterprise.Manager; m.Value != "" && m.DisplayName == "" {
			add(want{v: strings.TrimSpace(m.Value), key: true})
		}
	}
	if len(wants) == 0 {
		return &noReferences // most users: nothing to look up, nothing to allocate
	}
	refs := &references{byID: map[string]*User{}, byKey: map[string]*User{}}
	if len(wants) == 1 && !wants[0].key {
		// One id (a single user's Employee value): the store's cheapest
		// lookup.
		if e, err := req.store.GetUser(req.ctx, req.tenant, wants[0].v); err == nil {
			refs.byID[e.ID] = e
		}
		return refs
	}
	var found []*User // in the store's order
	for chunk := range slices.Chunk(wants, maxRefValues) {
		var ids, keys []string
		for _, w := range chunk {
			ids = append(ids, w.v)
			if w.key {
				keys = append(keys, w.v)
			}
		}
		users, err := req.listMatching(referenceFilter(ids, keys), len(chunk))
		if err != nil {
			req.h.log.ErrorContext(req.ctx, "scim: looking up references", "tenant", req.tenant, "error", err)
			return refs
		}
		found = append(found, users...)
	}
	for _, e := range found {
		refs.byID[e.ID] = e
	}
	for _, w := range wants {
		if !w.key {
			continue
		}
		if e := refs.byID[w.v]; e != nil {
			refs.byKey[w.v] = e
			continue
		}
		// A key names one employee or none: several holders (externalId
		// and emails are not unique) leave the manager unresolved, as
		// findEmployee does.
		var named *User
		for _, e := range found {
			if namedBy(e, w.v) {
				if named != nil {
					named = nil
					break
				}
				named = e
			}
		}
		if named != nil {
			refs.byKey[w.v] = named
		}
	}
	return refs
}

// listMatching returns every user matching f, reading pages of size.
func (req *request) listMatching(f Filter, size int) ([]*User, error) {
	q, err := req.model.NewFilterQuery(f, 1, max(size, 1))
	if err != nil {
		return nil, err
	}
	var out []*User
	for {
		page, err := req.store.ListUsers(req.ctx, req.tenant, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Users...)
		q.StartIndex += len(page.Users)
		if len(page.Users) == 0 || q.StartIndex > page.Total {
			return out, nil
		}
	}
}

// referenceFilter is "id eq v" for each of ids, or "userName eq k or
// emails.value eq k or externalId eq k" for each of keys, grouped by
// attribute so that a store compiles each attribute's equalities to one
// lookup. The tree is balanced: a store that walks it recursively goes
// only log2(n) deep.
func referenceFilter(ids, keys []string) Filter {
	var terms []Filter
	eq := func(name, sub string, vals []string) {
		for _, v := range vals {
			terms = append(terms, &AttrExpr{Path: AttrPath{Name: name, Sub: sub}, Op: OpEqual, Value: v})
		}
	}
	eq("id", "", ids)
	eq("userName", "", keys)
	eq("emails", "value", keys)
	eq("externalId", "", keys)
	return anyOf(terms)
}

// anyOf joins fs (at least one) with "or" in a balanced tree.
func anyOf(fs []Filter) Filter {
	if len(fs) == 1 {
		return fs[0]
	}
	return &LogicalExpr{Op: "or", Left: anyOf(fs[:len(fs)/2]), Right: anyOf(fs[len(fs)/2:])}
}

// namedBy reports whether ref names u by userName or email (ignoring case)
// or externalId, as findEmployee's query does.
func namedBy(u *User, ref string) bool {
	if u.ExternalID == ref || strings.EqualFold(u.UserName, ref) {
		return true
	}
	for _, e := range u.Emails {
		if e.Value != "" && strings.EqualFold(e.Value, ref) {
			return true
		}
	}
	return false
}

// renderReferences returns u as shown to this request's client: Employee
// attributes as the referenced employee's email, a manager resolved if
// that employee exists by now, and a resolved manager's $ref built from
// the request's base URL (stored users hold no $ref). u itself is not
// modified.
func (req *request) renderReferences(u *User, refs *references) *User {
	out := u
	clone := func() {
		if out == u {
			out = u.Clone()
		}
	}
	for name, id := range u.Custom {
		a := req.model.CustomAttribute(name)
		if a == nil || a.CustomType != CustomEmployee {
			continue
		}
		e := refs.byID[id]
		if e == nil {
			continue // deleted since: show the stored reference
		}
		clone()
		if email := e.PrimaryEmail(); email != "" {
			out.Custom[name] = email
		} else {
			out.Custom[name] = e.UserName
		}
	}
	m := u.Enterprise.Manager
	want := m
	switch {
	case m.Value == "":
	case m.DisplayName != "":
		want.Ref = req.location(m.Value)
	default:
		want.Ref = "" // pending: there is no resource to refer to
		if e := refs.byKey[strings.TrimSpace(m.Value)]; e != nil {
			want = Manager{Value: e.ID, Ref: req.location(e.ID), DisplayName: displayName(e)}
		}
	}
	if want != m {
		clone()
		out.Enterprise.Manager = want
	}
	return out
}

// reportsPageSize is how many reports resolveReports reads per query.
const reportsPageSize = 100

// resolveReports runs after u was committed (created, or updated from
// before). A manager reference naming someone who is not an employee yet
// is stored as the client sent it; once u is the employee it names (by
// id, userName, email or externalId), it is resolved to u (value = u's
// id, $ref, displayName). References already resolved to u get u's new
// display name. Each report is updated through the store's
// compare-and-swap and announced like any other change.
//
// Concurrent writes of a company share one lookup (reportLookups). It is
// a follow-up of a committed write: a failure is logged and does not fail
// the request, and renderReferences still shows a pending manager
// resolved when it is read.
func (req *request) resolveReports(before, u *User) {
	if before != nil && !identityChanged(before, u) {
		return
	}
	// The exact values a reference may hold (manager.value is caseExact),
	// which every store can look up in an index: the memory store and the
	// SQL stores index manager.value. A reference that differs from these
	// in case is still shown resolved when read (renderReferences).
	keys := managerKeys(u)
	var found []*User
	var err error
	if req.deferEvents {
		found, err = req.lookupReports(req.ctx, keys) // in a bulk request's transaction
	} else {
		found, err = req.h.reports.find(req, keys)
	}
	if err != nil {
		req.h.log.ErrorContext(req.ctx, "scim: resolving reports", "tenant", req.tenant, "user", u.ID, "error", err)
		return
	}
	for _, r := range found {
		if !managedBy(r.Enterprise.Manager, u) || !req.namesOnly(r.Enterprise.Manager, u) {
			continue
		}
		if err := req.setManager(r.ID, u); err != nil {
			req.h.log.ErrorContext(req.ctx, "scim: resolving a report's manager", "tenant", req.tenant, "user", r.ID, "manager", u.ID, "error", err)
		}
	}
}

// lookupReports returns the users whose manager.value is one of keys,
// reading every page.
func (req *request) lookupReports(ctx context.Context, keys []string) ([]*User, error) {
	terms := make([]Filter, len(keys))
	for i, k := range keys {
		terms[i] = &AttrExpr{Path: AttrPath{URN: SchemaEnterpriseUser, Name: "manager", Sub: "value"}, Op: OpEqual, Value: k}
	}
	f := anyOf(terms)
	var out []*User
	for start := 1; ; {
		q, err := req.model.NewFilterQuery(f, start, reportsPageSize)
		if err != nil {
			return nil, err
		}
		page, err := req.store.ListUsers(ctx, req.tenant, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Users...)
		start += len(page.Users)
		if len(page.Users) == 0 || start > page.Total {
			return out, nil
		}
	}
}

// namesOnly reports whether m, a reference managedBy u, names u and nobody
// else: a pending reference by an externalId that several employees share
// stays pending.
func (req *request) namesOnly(m Manager, u *User) bool {
	if m.Value == u.ID {
		return true
	}
	e, err := req.findEmployee(m.Value)
	return err == nil && e != nil && e.ID == u.ID
}

// identityChanged reports whether an update changed what a manager
// reference may name (userName, emails, externalId) or the display name a
// resolved reference shows.
func identityChanged(a, b *User) bool {
	if a.UserName != b.UserName || a.ExternalID != b.ExternalID || !sameDisplayName(a, b) || len(a.Emails) != len(b.Emails) {
		return true
	}
	for i := range a.Emails {
		if a.Emails[i].Value != b.Emails[i].Value {
			return true
		}
	}
	return false
}

// sameDisplayName reports whether a and b have the same displayName
// (displayName), without joining the names of either when the attributes
// it is made of are the same: a PATCH of some other attribute.
func sameDisplayName(a, b *User) bool {
	if a.DisplayName == b.DisplayName && a.Name.Formatted == b.Name.Formatted &&
		a.Name.GivenName == b.Name.GivenName && a.Name.FamilyName == b.Name.FamilyName && a.UserName == b.UserName {
		return true
	}
	return displayName(a) == displayName(b)
}

// managerKeys are the manager.value strings that may name u. manager.value
// is case-exact, so emails and the userName are also tried in lower case,
// the form identity providers send; managedBy makes the final,
// case-insensitive decision.
func managerKeys(u *User) []string {
	var keys []string
	seen := make(map[string]bool, 2+2*len(u.Emails))
	add := func(k string) {
		if k != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	add(u.ID)
	add(u.ExternalID)
	for _, k := range append([]string{u.UserName}, emailValues(u)...) {
		add(k)
		add(strings.ToLower(k))
	}
	return keys
}

func emailValues(u *User) []string {
	out := make([]string, len(u.Emails))
	for i, e := range u.Emails {
		out[i] = e.Value
	}
	return out
}

// managedBy reports whether m, a report's manager, should now be u: it is
// a pending reference naming u, or a resolved one to u whose display name
// is out of date.
func managedBy(m Manager, u *User) bool {
	if m.Value == u.ID {
		return m.DisplayName != displayName(u)
	}
	if m.DisplayName != "" {
		return false // resolved to someone else
	}
	if m.Value == u.ExternalID || strings.EqualFold(m.Value, u.UserName) {
		return true
	}
	for _, e := range u.Emails {
		if strings.EqualFold(m.Value, e.Value) {
			return true
		}
	}
	return false
}

// setManager points the manager of the user with the id at mgr, if it still
// names mgr, through the store's compare-and-swap.
func (req *request) setManager(id string, mgr *User) error {
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		cur, err := req.store.GetUser(req.ctx, req.tenant, id)
		if errors.Is(err, ErrNotFound) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if !managedBy(cur.Enterprise.Manager, mgr) {
			return nil // changed meanwhile
		}
		next := cur.Clone()
		next.Enterprise.Manager = Manager{Value: mgr.ID, DisplayName: displayName(mgr)} // $ref is rendered
		next.Meta.Location = ""
		err = req.commitUpdate(cur, next)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ErrVersionMismatch):
			backoff(attempt)
		default:
			return err
		}
	}
	return fmt.Errorf("scim: user %s: too many concurrent updates", id)
}

// employeeFilter rewrites a filter's eq and ne comparisons of Employee
// custom attributes from what clients see, the referenced employee's
// email (or userName, or externalId), to what is stored, their id, so
// "Manager eq "boss@example.com"" finds the reports GET shows with that
// manager. It returns f itself when nothing changes, and otherwise a copy:
// f is not modified. A value naming nobody is left as is and matches what
// it matches.
func (req *request) employeeFilter(f Filter) (Filter, error) {
	if f == nil || len(req.model.peakon.Attributes) == 0 {
		return f, nil
	}
	switch n := f.(type) {
	case *LogicalExpr:
		l, err := req.employeeFilter(n.Left)
		if err != nil {
			return nil, err
		}
		r, err := req.employeeFilter(n.Right)
		if err != nil {
			return nil, err
		}
		if l == n.Left && r == n.Right {
			return f, nil
		}
		return &LogicalExpr{Op: n.Op, Left: l, Right: r}, nil
	case *NotExpr:
		inner, err := req.employeeFilter(n.Filter)
		if err != nil || inner == n.Filter {
			return f, err
		}
		return &NotExpr{Filter: inner}, nil
	case *AttrExpr:
		v, ok := n.Value.(string)
		if !ok || n.Op != OpEqual && n.Op != OpNotEqual || n.Path.Sub != "" || !strings.EqualFold(n.Path.URN, SchemaPeakonUser) {
			return f, nil
		}
		if a := req.model.CustomAttribute(n.Path.Name); a == nil || a.CustomType != CustomEmployee {
			return f, nil
		}
		e, err := req.findEmployee(v)
		if err != nil {
			return nil, err
		}
		if e != nil && e.ID != v {
			c := *n
			c.Value = e.ID
			return &c, nil
		}
	}
	return f, nil
}

// reportLookups gathers the lookups of reports that follow writes
// (resolveReports) into shared queries, one company at a time, the way
// group commit gathers writes. Every create asks the store which users
// name the new employee as a pending manager; on SQLite that read, the
// first after a commit on its connection, cost as much CPU as the insert.
// Writes that finish while a lookup of their company runs
// wait for the next one, which looks all their keys up in one query
// (an "or" of equalities, as lookupReferences does for a page); a lone
// writer's lookup starts at once. A lookup starts after every write it
// serves has committed, so it finds what a lookup of each would have.
type reportLookups struct {
	mu      sync.Mutex
	tenants map[string]*reportQueue
}

// reportQueue is a company's batches: the first runs while the others
// gather keys.
type reportQueue struct {
	running bool
	batches []*reportBatch
}

// reportBatch is the keys of writes looked up together, and what was found.
type reportBatch struct {
	keys  []string
	seen  map[string]bool
	lead  chan struct{} // one token: the waiter who receives it runs the batch
	done  chan struct{} // closed when found and err are set
	found []*User
	err   error
}

func (b *reportBatch) add(keys []string) {
	for _, k := range keys {
		if !b.seen[k] {
			b.seen[k] = true
			b.keys = append(b.keys, k)
		}
	}
}

// find returns the users of req's company whose manager.value is one of
// keys, read after the call began. The users may be shared with other
// callers: they must not be changed.
func (l *reportLookups) find(req *request, keys []string) ([]*User, error) {
	l.mu.Lock()
	if l.tenants == nil {
		l.tenants = make(map[string]*reportQueue)
	}
	q := l.tenants[req.tenant]
	if q == nil {
		q = &reportQueue{}
		l.tenants[req.tenant] = q
	}
	var b *reportBatch
	if n := len(q.batches); n > 0 && len(q.batches[n-1].keys)+len(keys) <= maxRefValues {
		b = q.batches[n-1]
	} else {
		b = &reportBatch{seen: map[string]bool{}, lead: make(chan struct{}, 1), done: make(chan struct{})}
		q.batches = append(q.batches, b)
	}
	b.add(keys)
	if q.running {
		l.mu.Unlock()
		select {
		case <-b.done:
			return b.found, b.err
		case <-b.lead:
		}
		l.mu.Lock()
	}
	// Lead: b is first in the queue, and no lookup of the company runs.
	q.running = true
	q.batches = q.batches[1:]
	l.mu.Unlock()
	// Shared: one writer's client going away must not fail the others'.
	b.found, b.err = req.lookupReports(context.WithoutCancel(req.ctx), b.keys)
	close(b.done)
	l.mu.Lock()
	if len(q.batches) > 0 {
		q.batches[0].lead <- struct{}{}
	} else {
		q.running = false
		delete(l.tenants, req.tenant)
	}
	l.mu.Unlock()
	return b.found, b.err
}
