package scim

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// userRoutes are the request handlers of /Users.
var userRoutes = resourceRoutes{
	list: (*request).listUsers, create: (*request).createUser,
	get: (*request).getUser, replace: (*request).replaceUser, patch: (*request).patchUser, remove: (*request).deleteUser,
}

// stringList accepts a JSON array of strings or one comma-separated string.
type stringList string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var arr []string
	if err := json.Unmarshal(b, &arr); err == nil {
		*l = stringList(strings.Join(arr, ","))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("must be an array of attribute names")
	}
	*l = stringList(s)
	return nil
}

// listUsers answers a list or search of users, by index or by cursor.
func (req *request) listUsers(p listParams) {
	count, err := req.pageCount(p)
	if err != nil {
		req.fail(err)
		return
	}
	proj, err := req.model.ParseProjection(p.attributes, p.excluded)
	if err != nil {
		req.fail(err)
		return
	}
	var f Filter
	if strings.TrimSpace(p.filter) != "" {
		if f, err = ParseFilter(p.filter); err != nil {
			req.fail(err)
			return
		}
	}
	if f, err = req.employeeFilter(f); err != nil {
		req.fail(err)
		return
	}
	q, err := req.model.newQuery(f, p.sortBy, p.sortOrder, max(p.startIndex, 1), count)
	if err != nil {
		req.fail(err)
		return
	}
	scope, after, err := req.listCursor("Users", p, count)
	if err != nil {
		req.fail(err)
		return
	}
	q.Cursor, q.After = scope != nil, after
	page, err := req.listPage(q)
	if err == nil {
		err = req.attachGroups(page.Users)
	}
	if err != nil {
		req.fail(listError(err))
		return
	}
	// A page of a few users (an identity provider's lookup by userName or
	// externalId) fits a pooled buffer; a larger page is sized once.
	var pooled *[]byte
	var buf []byte
	if n := 256 + len(page.Users)*1024; n <= 2048 { // what bodyBuffers start with
		pooled = getBuffer()
		buf = *pooled
	} else {
		buf = make([]byte, 0, n)
	}
	buf = req.appendListHead(buf, page.Total, len(page.Users), scope, q.StartIndex, count, page.Next)
	refs := req.lookupReferences(page.Users)
	for i, u := range page.Users {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = req.encode(buf, u, proj, refs, true)
	}
	buf = append(buf, "]}"...)
	req.writeJSON(http.StatusOK, buf)
	if pooled != nil {
		putBuffer(pooled, buf)
	}
}

// encode renders a stored user for this request: location, references
// (looked up in refs) resolved for display, projection applied. A user the
// store lent (lent: it came from a read) rendered whole before comes from
// the handler's renderCache.
func (req *request) encode(dst []byte, u *User, p *Projection, refs *references, lent bool) []byte {
	alone := lent && req.rendersAlone(u, p)
	if alone {
		if body, ok := req.h.rendered.get(u, req.model, req.base); ok {
			return append(dst, body...)
		}
	}
	mark := len(dst)
	dst = req.render(dst, u, p, refs)
	if alone {
		req.h.rendered.put(u, req.model, req.base, dst[mark:])
	}
	return dst
}

// rendersAlone reports whether u, lent by the store, renders the same for
// as long as it is the store's: whole (no projection), without groups
// (attached from another store), and without references that render as
// other employees are now (see renderReferences): a pending manager, and
// employees in custom attributes.
func (req *request) rendersAlone(u *User, p *Projection) bool {
	if p != nil || req.groupStore() != nil {
		return false
	}
	if m := u.Enterprise.Manager; m.Value != "" && m.DisplayName == "" {
		return false
	}
	if _, ok := req.store.(UserViewer); !ok {
		return false
	}
	for name := range u.Custom {
		if a := req.model.CustomAttribute(name); a != nil && a.CustomType == CustomEmployee {
			return false
		}
	}
	return true
}

// render is encode without the cache.
func (req *request) render(dst []byte, u *User, p *Projection, refs *references) []byte {
	// u may be the store's own (UserViewer): change meta in a shallow copy,
	// a pooled one (the encoder's indirect calls would move a local copy
	// to the heap: an allocation of a User for every user rendered).
	s := shallowUsers.Get().(*shallowUser)
	v := &s.user
	*v = *u
	// The location is built in the copy's own buffer, not concatenated:
	// a page of 100 users would allocate 100 strings only to copy them
	// into dst. The string aliases s.loc, so it lives no longer than this
	// call: v is cleared before s goes back to the pool, and EncodeUser
	// copies what it renders.
	s.loc = append(append(append(s.loc[:0], req.base...), "/Users/"...), u.ID...)
	v.Meta.Location = unsafe.String(unsafe.SliceData(s.loc), len(s.loc))
	if v.Meta.ResourceType == "" {
		v.Meta.ResourceType = "User"
	}
	dst = req.model.EncodeUser(dst, req.renderReferences(v, refs), p)
	*v = User{} // hold nothing of u's
	if cap(s.loc) > 1024 {
		s.loc = nil // a rare long id or mount point does not stay pooled
	}
	shallowUsers.Put(s)
	return dst
}

// shallowUser is encode's shallow copy of a user, with the buffer its
// meta.location is built in.
type shallowUser struct {
	user User
	loc  []byte
}

// shallowUsers are encode's shallow copies.
var shallowUsers = sync.Pool{New: func() any { return new(shallowUser) }}

// respondUser writes a single user with its ETag and, for 201, Location.
func (req *request) respondUser(status int, u *User) { req.respondUserLent(status, u, false) }

// respondUserLent is respondUser for a user the store may have lent (a
// GET's), whose rendering the handler keeps (renderCache).
func (req *request) respondUserLent(status int, u *User, lent bool) {
	q := req.query
	proj, err := req.model.ParseProjection(q.Get("attributes"), q.Get("excludedAttributes"))
	if err != nil {
		req.fail(err)
		return
	}
	one := []*User{u}
	if err := req.attachGroups(one); err != nil {
		req.fail(err)
		return
	}
	u = one[0]
	refs := req.lookupReferences([]*User{u})
	body, ok := req.encodeSized(u, proj, refs)
	var buf *[]byte
	if !ok {
		req.sized.release(req.sized.body)
		buf = getBuffer()
		body = req.encode(*buf, u, proj, refs, lent)
	}
	if status == http.StatusCreated {
		req.w.Header()["Location"] = []string{req.location(u.ID)}
	}
	writeBodyTagged(req.w, status, body, u.Meta.Version)
	if ok {
		req.sized.release(body)
	} else {
		putBuffer(buf, body)
	}
}

// encodeSized is req.encode(u, p, refs) made from the encoding the size
// check kept (req.sized), when that is u's as it now renders: the same
// user with only meta changed since (commitUpdate stamps it), no
// projection, and no reference rendered otherwise than stored.
func (req *request) encodeSized(u *User, p *Projection, refs *references) ([]byte, bool) {
	s := &req.sized
	if s.buf == nil || s.u != u || s.id != u.ID || p != nil {
		return nil, false
	}
	su := shallowUsers.Get().(*shallowUser)
	v := &su.user
	*v = *u
	v.Meta.Location = req.location(u.ID)
	if v.Meta.ResourceType == "" {
		v.Meta.ResourceType = "User"
	}
	var body []byte
	ok := req.renderReferences(v, refs) == v
	if ok {
		body = s.withMeta(req.model, v)
	}
	*v = User{}
	shallowUsers.Put(su)
	return body, ok
}

func (req *request) getUser(id string) {
	u, err := req.viewUser(id)
	if err != nil {
		req.fail(notFound(err, id))
		return
	}
	if req.notModified(u.Meta.Version) {
		return
	}
	req.respondUserLent(http.StatusOK, u, true)
}

func (req *request) decodeOptions() DecodeOptions {
	return DecodeOptions{IgnoreUnknownAttributes: req.h.IgnoreUnknownAttributes, MaxValues: req.h.maxValues()}
}

func (req *request) createUser() {
	withBody(req, http.StatusCreated, req.create, req.respondUser)
}

// create decodes, validates and stores a new user.
func (req *request) create(body []byte) (*User, error) {
	u, err := req.model.DecodeUser(body, req.decodeOptions())
	if err != nil {
		return nil, err
	}
	if err := req.prepareWrite(nil, u); err != nil {
		return nil, err
	}
	now := req.h.now().UTC()
	u.ID = req.h.newID()
	u.Meta = Meta{ResourceType: "User", Created: now, LastModified: now, Version: nextVersion("")}
	if err := req.store.CreateUser(req.ctx, req.tenant, u); err != nil {
		return nil, err
	}
	req.committed(nil, u)
	req.resolveReports(nil, u)
	return u, nil
}

// prepareWrite validates a user about to be written and resolves its
// references to other employees.
func (req *request) prepareWrite(before, after *User) error {
	if err := checkValueCounts(req.model, before, after, req.h.maxValues()); err != nil {
		return err // first: a user with thousands of emails is not worth validating
	}
	if err := req.model.Validate(before, after); err != nil {
		return err
	}
	if err := req.resolveReferences(before, after); err != nil {
		return err
	}
	return req.checkUserSize(before, after)
}

func (req *request) replaceUser(id string) {
	withBody(req, http.StatusOK, func(body []byte) (*User, error) { return req.replace(id, body, req.ifMatch()) }, req.respondUser)
}

// replace implements PUT: the body replaces the user; read-only attributes
// keep their values and omitted ones are cleared.
func (req *request) replace(id string, body []byte, ifMatch string) (*User, error) {
	repl, err := req.model.DecodeUser(body, req.decodeOptions())
	if err != nil {
		return nil, err
	}
	return req.update(id, ifMatch, func(cur *User) (*User, error) {
		next := repl.Clone()
		next.ID, next.Meta, next.Groups = cur.ID, cur.Meta, cur.Groups
		return next, nil
	})
}

func (req *request) patchUser(id string) {
	withBody(req, http.StatusOK, func(body []byte) (*User, error) { return req.patch(id, body, req.ifMatch()) }, req.respondUser)
}

// patch implements PATCH: the operations apply to the current user, all
// or nothing, inside the compare-and-swap loop.
func (req *request) patch(id string, body []byte, ifMatch string) (*User, error) {
	p, err := req.parsePatch(body)
	if err != nil {
		return nil, err
	}
	opts := req.decodeOptions()
	return req.update(id, ifMatch, func(cur *User) (*User, error) {
		return req.model.ApplyPatch(cur, p, opts)
	})
}

// update runs a read-modify-write of one user through the store's
// compare-and-swap, retrying when another writer got in between. With
// If-Match, a version mismatch is 412 rather than a retry: the client asked
// to change exactly the version it saw.
func (req *request) update(id, ifMatch string, mutate func(cur *User) (*User, error)) (*User, error) {
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		cur, err := req.viewUser(id) // read only: mutate builds next
		if err != nil {
			return nil, notFound(err, id)
		}
		if ifMatch != "" && !etagMatches(ifMatch, cur.Meta.Version) {
			return nil, Errorf(http.StatusPreconditionFailed, "", "user %s is at version %s, not %s: read it again and retry", id, cur.Meta.Version, ifMatch)
		}
		next, err := mutate(cur)
		if err != nil {
			return nil, err
		}
		if err := req.prepareWrite(cur, next); err != nil {
			return nil, err
		}
		if sameResource(cur, next) {
			return cur, nil // nothing changed: no new version, no event
		}
		err = req.commitUpdate(cur, next)
		if err == nil {
			req.resolveReports(cur, next)
			return next, nil
		}
		if err = casRetry(err, "user", id, ifMatch, attempt, notFound); err != nil {
			return nil, err
		}
	}
	return nil, tooManyWriters("user", id)
}

// commitUpdate stamps next as the version after cur and writes it through
// the store's compare-and-swap; on success the change's event is delivered.
func (req *request) commitUpdate(cur, next *User) error {
	next.Meta.LastModified = req.h.now().UTC()
	if next.Meta.LastModified.Before(cur.Meta.LastModified) {
		next.Meta.LastModified = cur.Meta.LastModified // clocks may step back
	}
	next.Meta.Version = nextVersion(cur.Meta.Version)
	if err := req.store.UpdateUser(req.ctx, req.tenant, next, cur.Meta.Version); err != nil {
		return err
	}
	req.committed(cur, next)
	return nil
}

// sameResource reports whether two versions of a user differ only in meta.
func sameResource(a, b *User) bool { return sameExceptMeta(a, b) }

func (req *request) deleteUser(id string) {
	if err := req.remove(id, req.ifMatch()); err != nil {
		req.fail(err)
		return
	}
	req.w.WriteHeader(http.StatusNoContent)
}

// remove implements DELETE through the store's compare-and-swap delete:
// the version deleted is the one read, so that a concurrent update is
// never deleted unseen. With If-Match, an update in between is 412; without
// it the delete retries on the new version, so that the event announces
// the user as it was when deleted.
func (req *request) remove(id, ifMatch string) error {
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		cur, err := req.store.GetUser(req.ctx, req.tenant, id)
		if err != nil {
			return notFound(err, id)
		}
		if ifMatch != "" && !etagMatches(ifMatch, cur.Meta.Version) {
			return Errorf(http.StatusPreconditionFailed, "", "user %s is at version %s, not %s", id, cur.Meta.Version, ifMatch)
		}
		err = req.store.DeleteUser(req.ctx, req.tenant, id, cur.Meta.Version)
		if err == nil {
			req.committed(cur, nil)
			return nil
		}
		if err = casRetry(err, "user", id, ifMatch, attempt, notFound); err != nil {
			return err
		}
	}
	return tooManyWriters("user", id)
}

// usersByGroupBatch is how many member ids one user lookup of a groups
// filter names.
const usersByGroupBatch = 100

// listPage answers a user list query, by index or by cursor. A cursor
// query whose filter names groups pages, with a [Pager], the whole result
// listUserPage finds among the group's members: those are read whole for
// every page anyway.
func (req *request) listPage(q *Query) (*Page, error) {
	if !q.Cursor || req.groupStore() == nil || !mentionsGroups(q.Filter) {
		return req.listUserPage(q)
	}
	all := *q
	all.Cursor, all.After, all.StartIndex, all.Count = false, "", 1, math.MaxInt
	page, err := req.listUserPage(&all)
	if err != nil {
		return nil, err
	}
	pq := *q
	pq.Filter, pq.match = nil, nil // listUserPage applied it
	p := pq.Pager(false)
	for _, u := range page.Users {
		p.Offer(u)
	}
	return p.Page(), p.Err()
}

// listUserPage answers a user list query. With groups on, a filter naming
// groups is answered here: users do not store their groups, so it must
// name a group (groups.value eq "<id>", alone or in an "and"), whose user
// members are the candidates; the whole filter then applies to each.
//
// The members are read in the store's chunks, in id order. When the
// filter is that group test alone and no sortBy is given (an identity
// provider reading a group's users page by page), the total is the count
// of user members and only the page's users are looked up: one lookup for
// count=1 whatever the group's size. Otherwise the members are looked up
// usersByGroupBatch at a time (one ListUsers and one GroupsOf each), and
// a [Pager] keeps only what the page needs.
func (req *request) listUserPage(q *Query) (*Page, error) {
	if req.groupStore() == nil || !mentionsGroups(q.Filter) {
		return req.viewUsers(q) // read only: rendered
	}
	gid, ok := groupTerm(q.Filter)
	if !ok {
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "a filter on groups must include groups.value eq \"<group id>\", alone or joined with and")
	}
	skip, count := q.Bounds()
	var window []string // the page's ids, when the group test is the whole filter
	alone := q.SortBy == nil && isGroupTermOnly(q.Filter)
	p := q.Pager(q.SortBy == nil)
	batch := make([]string, 0, usersByGroupBatch)
	flush := func() error {
		users, err := req.usersByID(batch, true)
		batch = batch[:0]
		if err != nil {
			return err
		}
		for _, u := range users {
			p.Offer(u) // the whole filter, groups attached
		}
		return nil
	}
	total, seen := 0, 0
	limit := 0 // the store's bound on what a list may match (ResultLimiter)
	if rl, ok := req.store.(ResultLimiter); ok {
		limit = rl.ResultLimit()
	}
	err := req.groupStore().Members(req.ctx, req.tenant, gid, func(m Member) error {
		if m.Type != MemberUser {
			return nil
		}
		if seen++; limit > 0 && seen > limit {
			return ErrTooMany
		}
		if alone {
			if total++; total > skip && len(window) < count {
				window = append(window, m.Value)
			}
			return nil
		}
		if batch = append(batch, m.Value); len(batch) == usersByGroupBatch {
			return flush()
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if alone {
		// Looked up a batch at a time: a cursor walk (listPage) asks for
		// every member at once. The members come in id order, as each
		// batch's users do.
		users := make([]*User, 0, len(window))
		for ids := range slices.Chunk(window, usersByGroupBatch) {
			us, err := req.usersByID(ids, false) // the caller attaches the page's groups
			if err != nil {
				return nil, err
			}
			users = append(users, us...)
		}
		return &Page{Users: users, Total: total}, nil
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return p.Page(), nil
}

// usersByID looks up the users with the ids (at most a page or a batch of
// them) in one store query, ordered by id, with their groups attached when
// attach is set. Ids no longer a user's are left out.
func (req *request) usersByID(ids []string, attach bool) ([]*User, error) {
	if len(ids) == 0 {
		return []*User{}, nil
	}
	var f Filter
	for _, id := range ids {
		e := &AttrExpr{Path: AttrPath{Name: "id"}, Op: OpEqual, Value: id}
		if f == nil {
			f = e
		} else {
			f = &LogicalExpr{Op: "or", Left: f, Right: e}
		}
	}
	bq, err := req.model.NewFilterQuery(f, 1, len(ids))
	if err != nil {
		return nil, err
	}
	page, err := req.viewUsers(bq)
	if err != nil {
		return nil, err
	}
	users := page.Users
	slices.SortFunc(users, func(a, b *User) int { return strings.Compare(a.ID, b.ID) })
	if attach { // all of them, for the filter: the caller attaches the page's to render
		if err := req.attachGroupsCapped(users, false); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// viewUser reads a user the request only renders or builds a next version
// from: lent by a [UserViewer] store, else a copy from GetUser.
func (req *request) viewUser(id string) (*User, error) {
	if v, ok := req.store.(UserViewer); ok {
		return v.ViewUser(req.ctx, req.tenant, id)
	}
	return req.store.GetUser(req.ctx, req.tenant, id)
}

// viewUsers reads a page the request only renders, as viewUser.
func (req *request) viewUsers(q *Query) (*Page, error) {
	if v, ok := req.store.(UserViewer); ok {
		return v.ViewUsers(req.ctx, req.tenant, q)
	}
	return req.store.ListUsers(req.ctx, req.tenant, q)
}
