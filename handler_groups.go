package scim

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/scimkit/scim/internal/jsonw"
)

// streamChunk is what a streamed response buffers before writing: a group's
// members are rendered into at most this much memory (plus one member),
// whatever their number.
const streamChunk = 32 << 10

// groupRoutes are the request handlers of /Groups, when Handler.Groups is
// set.
var groupRoutes = resourceRoutes{
	list: (*request).listGroups, create: (*request).createGroupRequest,
	get: (*request).getGroup, replace: (*request).replaceGroupRequest, patch: (*request).patchGroupRequest, remove: (*request).deleteGroupRequest,
}

// deleteGroupRequest answers DELETE of a group.
func (req *request) deleteGroupRequest(id string) {
	if err := req.removeGroup(id, req.ifMatch()); err != nil {
		req.fail(err)
		return
	}
	req.w.WriteHeader(http.StatusNoContent)
}

// groupStore is the group store of this request: Handler.Groups, or the
// bulk batch when it keeps groups too.
func (req *request) groupStore() GroupStore {
	if req.h.Groups == nil {
		return nil
	}
	if gs, ok := req.store.(GroupStore); ok && req.deferEvents { // inside a Batcher's batch
		return gs
	}
	return req.h.Groups
}

// groupError words store errors for a group.
func groupError(err error, id string) error {
	switch {
	case errors.Is(err, ErrNotFound):
		return Errorf(http.StatusNotFound, "", "group %s not found", id)
	case errors.Is(err, ErrNoMember):
		return asError(err)
	}
	return err
}

func (req *request) groupLocation(id string) string { return req.base + "/Groups/" + id }

// streamer writes a response that may be large in bounded memory: it holds
// up to streamChunk bytes, then sends them. Until the first send an error
// can still be answered as such; after it, the response is aborted, so that
// a client never takes a cut-off group for a whole one. A response that
// outgrows one chunk takes one of Handler.MaxStreams before its first send
// (or is answered 503), and each send has a deadline of its own.
type streamer struct {
	w       http.ResponseWriter
	h       *Handler
	status  int
	buf     []byte
	started bool
	slot    bool  // holds one of MaxStreams
	err     error // a write to the client failed
}

func (s *streamer) maybeFlush() error {
	if len(s.buf) >= streamChunk {
		if !s.started {
			if err := s.h.startStream(); err != nil {
				return err
			}
			s.slot = true
		}
		s.flush()
	}
	return s.err
}

func (s *streamer) flush() {
	if !s.started {
		s.w.Header()["Content-Type"] = []string{MediaType}
		s.w.WriteHeader(s.status)
		s.started = true
	}
	// Not supported by every ResponseWriter (a recorder): then the
	// server's own timeouts apply.
	_ = http.NewResponseController(s.w).SetWriteDeadline(time.Now().Add(s.h.streamWriteTimeout()))
	if _, err := s.w.Write(s.buf); err != nil && s.err == nil {
		s.err = err
	}
	s.buf = s.buf[:0]
}

// finish sends what is buffered: with a Content-Length when it is all.
func (s *streamer) finish() {
	defer s.release()
	if !s.started {
		writeBody(s.w, s.status, s.buf)
		return
	}
	s.flush()
}

// release gives back the stream's slot, once.
func (s *streamer) release() {
	if s.slot {
		s.slot = false
		s.h.streams.Add(-1)
	}
}

// appendGroup renders g into s, streaming its members from the store when
// the projection returns them.
func (req *request) appendGroup(s *streamer, g *Group, p groupProjection) error {
	g.Meta.Location = req.groupLocation(g.ID)
	s.buf = appendGroupHead(s.buf, g, p)
	if p.members {
		mark := len(s.buf)
		s.buf = jsonw.Key(s.buf, "members")
		s.buf = append(s.buf, '[')
		n := 0
		err := req.groupStore().Members(req.ctx, req.tenant, g.ID, func(m Member) error {
			if n++; n > 1 {
				s.buf = append(s.buf, ',') // not after '[': the buffer may have been sent
			}
			s.buf = appendMember(s.buf, m, req.base)
			return s.maybeFlush()
		})
		switch {
		case errors.Is(err, ErrNotFound):
			// Deleted since it was read: render it without members.
		case err != nil:
			return err
		}
		if n == 0 && !s.started {
			s.buf = s.buf[:mark] // no members: the attribute is absent
		} else {
			s.buf = append(s.buf, ']')
		}
	}
	s.buf = appendGroupTail(s.buf, g, p)
	return nil
}

// respondGroup writes one group with its ETag and, for 201, Location.
func (req *request) respondGroup(status int, g *Group) {
	q := req.query
	p := parseGroupProjection(q.Get("attributes"), q.Get("excludedAttributes"))
	hdr := req.w.Header()
	if g.Meta.Version != "" {
		hdr["Etag"] = []string{g.Meta.Version}
	}
	if status == http.StatusCreated {
		hdr["Location"] = []string{req.groupLocation(g.ID)}
	}
	s := &streamer{w: req.w, h: req.h, status: status, buf: make([]byte, 0, 1024)}
	if err := req.appendGroup(s, g, p); err != nil {
		req.abort(s, err)
		return
	}
	s.finish()
}

// abort ends a streamed response that failed: answered as an error when
// nothing was sent yet, else cut off so the client sees a broken response.
func (req *request) abort(s *streamer, err error) {
	s.release()
	if !s.started {
		delete(req.w.Header(), "Etag")
		delete(req.w.Header(), "Location")
		req.fail(err)
		return
	}
	req.h.log.ErrorContext(req.ctx, "scim: streamed response aborted", "path", req.r.URL.Path, "tenant", req.tenant, "error", err)
	panic(http.ErrAbortHandler)
}

func (req *request) getGroup(id string) {
	g, err := req.groupStore().GetGroup(req.ctx, req.tenant, id)
	if err != nil {
		req.fail(groupError(err, id))
		return
	}
	if req.notModified(g.Meta.Version) {
		return
	}
	req.respondGroup(http.StatusOK, g)
}

// listGroups answers a list or search of groups, by index or, with a
// cursor, by cursor as users' lists are (the same signed cursors, scoped
// to the Groups endpoint).
func (req *request) listGroups(lp listParams) {
	count, err := req.pageCount(lp)
	if err != nil {
		req.fail(err)
		return
	}
	gq, err := NewGroupQuery(lp.filter, lp.sortBy, lp.sortOrder, max(lp.startIndex, 1), count)
	if err != nil {
		req.fail(err)
		return
	}
	scope, after, err := req.listCursor("Groups", lp, count)
	if err != nil {
		req.fail(err)
		return
	}
	gq.Cursor, gq.After = scope != nil, after
	p := parseGroupProjection(lp.attributes, lp.excluded)
	page, err := req.groupStore().ListGroups(req.ctx, req.tenant, gq)
	if err != nil {
		req.fail(listError(err))
		return
	}
	s := &streamer{w: req.w, h: req.h, status: http.StatusOK, buf: make([]byte, 0, 256+len(page.Groups)*256)}
	s.buf = req.appendListHead(s.buf, page.Total, len(page.Groups), scope, gq.StartIndex, count, page.Next)
	for i, g := range page.Groups {
		if i > 0 {
			s.buf = append(s.buf, ',')
		}
		if err := req.appendGroup(s, g, p); err != nil {
			req.abort(s, err)
			return
		}
	}
	s.buf = append(s.buf, "]}"...)
	s.finish()
}

func (req *request) createGroupRequest() {
	withBody(req, http.StatusCreated, req.createGroup, req.respondGroup)
}

// createGroup decodes, validates and stores a new group.
func (req *request) createGroup(body []byte) (*Group, error) {
	g, _, err := decodeGroup(body)
	if err != nil {
		return nil, err
	}
	now := req.h.now().UTC()
	g.ID = req.h.newID()
	g.Meta = Meta{ResourceType: "Group", Created: now, LastModified: now, Version: nextVersion("")}
	if err := req.groupStore().CreateGroup(req.ctx, req.tenant, g); err != nil {
		return nil, groupError(err, g.ID)
	}
	g.Members = nil
	return g, nil
}

func (req *request) replaceGroupRequest(id string) {
	withBody(req, http.StatusOK, func(body []byte) (*Group, error) { return req.replaceGroup(id, body, req.ifMatch()) }, req.respondGroup)
}

// replaceGroup implements PUT. A body without members keeps them (a
// rename must not empty a group of thousands); members: [] empties it.
func (req *request) replaceGroup(id string, body []byte, ifMatch string) (*Group, error) {
	repl, hasMembers, err := decodeGroup(body)
	if err != nil {
		return nil, err
	}
	return req.updateGroup(id, ifMatch, func(cur *Group) (*Group, MemberChange, error) {
		next := *cur
		next.DisplayName, next.ExternalID = repl.DisplayName, repl.ExternalID
		return &next, MemberChange{Replace: hasMembers, Add: repl.Members}, nil
	})
}

func (req *request) patchGroupRequest(id string) {
	withBody(req, http.StatusOK, func(body []byte) (*Group, error) { return req.patchGroup(id, body, req.ifMatch()) }, req.respondPatchedGroup)
}

// respondPatchedGroup answers a group PATCH: 204 with the ETag, which RFC
// 7644 §3.5.2 allows (a one-member change of a large group must not
// render its member list), or with attributes asked for, the group.
func (req *request) respondPatchedGroup(status int, g *Group) {
	if !req.query.Has("attributes") {
		req.w.Header().Set("ETag", g.Meta.Version)
		req.w.WriteHeader(http.StatusNoContent)
		return
	}
	req.respondGroup(status, g)
}

// patchGroup implements PATCH: the operations fold into one write of the
// names and the members they touch, all or nothing.
func (req *request) patchGroup(id string, body []byte, ifMatch string) (*Group, error) {
	p, err := req.parsePatch(body)
	if err != nil {
		return nil, err
	}
	// A remove whose filter is not a plain value eq selects stored
	// members: the list is read once per PATCH, at the first such remove,
	// and at most maxMemberFilters filters are tested against it, in a
	// request: a bulk request's group PATCHes share the bound, so that it
	// reads member lists at most that many times inside its batch (on
	// SQLite, the single writer).
	var stored []Member
	read := false
	matching := func(f Filter) ([]string, error) {
		if req.memberFilters++; req.memberFilters > maxMemberFilters {
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "a request may remove group members by at most %d filters other than value eq (a bulk request's operations together); name the members (members[value eq \"<id>\"]) or split the request", maxMemberFilters)
		}
		if err := checkMemberFilter(f); err != nil {
			return nil, err
		}
		match, err := compileMemberFilter(f)
		if err != nil {
			return nil, err
		}
		if !read {
			read = true
			err := req.groupStore().Members(req.ctx, req.tenant, id, func(m Member) error {
				stored = append(stored, m)
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		var out []string
		for _, m := range stored {
			if match(m) {
				out = append(out, m.Value)
			}
		}
		return out, nil
	}
	gp, err := foldGroupPatch(p, id, matching)
	if err != nil {
		return nil, groupError(err, id)
	}
	ch := gp.change()
	return req.updateGroup(id, ifMatch, func(cur *Group) (*Group, MemberChange, error) {
		next := *cur
		if gp.displayName != nil {
			next.DisplayName = *gp.displayName
		}
		if gp.externalID != nil {
			next.ExternalID = *gp.externalID
		}
		return &next, ch, nil
	})
}

// updateGroup runs a read-modify-write of a group through the store's
// compare-and-swap, as update does for users. Members are not read.
func (req *request) updateGroup(id, ifMatch string, mutate func(cur *Group) (*Group, MemberChange, error)) (*Group, error) {
	gs := req.groupStore()
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		cur, err := gs.GetGroup(req.ctx, req.tenant, id)
		if err != nil {
			return nil, groupError(err, id)
		}
		if ifMatch != "" && !etagMatches(ifMatch, cur.Meta.Version) {
			return nil, Errorf(http.StatusPreconditionFailed, "", "group %s is at version %s, not %s: read it again and retry", id, cur.Meta.Version, ifMatch)
		}
		next, ch, err := mutate(cur)
		if err != nil {
			return nil, err
		}
		if err := checkGroup(&Group{DisplayName: next.DisplayName, ExternalID: next.ExternalID, Members: ch.Add}); err != nil {
			return nil, err
		}
		next.Meta.LastModified = req.h.now().UTC()
		if next.Meta.LastModified.Before(cur.Meta.LastModified) {
			next.Meta.LastModified = cur.Meta.LastModified // clocks may step back
		}
		next.Meta.Version = nextVersion(cur.Meta.Version)
		err = gs.UpdateGroup(req.ctx, req.tenant, next, cur.Meta.Version, ch)
		if err == nil {
			return next, nil
		}
		if err = casRetry(err, "group", id, ifMatch, attempt, groupError); err != nil {
			return nil, err
		}
	}
	return nil, tooManyWriters("group", id)
}

// removeGroup implements DELETE, a compare-and-swap with If-Match.
func (req *request) removeGroup(id, ifMatch string) error {
	version := ""
	if ifMatch != "" {
		cur, err := req.groupStore().GetGroup(req.ctx, req.tenant, id)
		if err != nil {
			return groupError(err, id)
		}
		if !etagMatches(ifMatch, cur.Meta.Version) {
			return Errorf(http.StatusPreconditionFailed, "", "group %s is at version %s, not %s", id, cur.Meta.Version, ifMatch)
		}
		version = cur.Meta.Version
	}
	if err := req.groupStore().DeleteGroup(req.ctx, req.tenant, id, version); err != nil {
		if errors.Is(err, ErrVersionMismatch) {
			return Errorf(http.StatusPreconditionFailed, "", "group %s was modified concurrently; read it again and retry", id)
		}
		return groupError(err, id)
	}
	return nil
}

// attachGroups fills, in copies it puts in their place, the read-only
// groups attribute of users about to be rendered, when groups are on, as
// far as groupsAllowance allows. Users never store it.
func (req *request) attachGroups(users []*User) error { return req.attachGroupsCapped(users, true) }

// attachGroupsCapped is attachGroups; with capped false it attaches every
// group, for a groups filter to test (never to render).
func (req *request) attachGroupsCapped(users []*User, capped bool) error {
	gs := req.groupStore()
	if gs == nil || len(users) == 0 {
		return nil
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	refs, err := gs.GroupsOf(req.ctx, req.tenant, ids)
	if err != nil {
		return err
	}
	for i, u := range users {
		// A shallow copy: the user may be the store's own (UserViewer),
		// which is never written to.
		c := *u
		c.Groups = refs[u.ID]
		for j := range c.Groups {
			c.Groups[j].Ref = req.groupLocation(c.Groups[j].Value)
		}
		if capped {
			c.Groups = capGroups(c.Groups) // counted in pageSizes
		}
		users[i] = &c
	}
	return nil
}

func isGroupsPath(p AttrPath) bool {
	return strings.EqualFold(p.Name, "groups") && (p.URN == "" || strings.EqualFold(p.URN, SchemaUser))
}

func mentionsGroups(f Filter) bool {
	switch n := f.(type) {
	case *LogicalExpr:
		return mentionsGroups(n.Left) || mentionsGroups(n.Right)
	case *NotExpr:
		return mentionsGroups(n.Filter)
	case *ValuePathExpr:
		return isGroupsPath(n.Path)
	case *AttrExpr:
		return isGroupsPath(n.Path)
	}
	return false
}

// isGroupTermOnly reports whether f is a group test alone (groupTerm's,
// not joined with anything).
func isGroupTermOnly(f Filter) bool {
	if _, ok := f.(*LogicalExpr); ok {
		return false
	}
	_, ok := groupTerm(f)
	return ok
}

// groupTerm finds groups.value eq "<id>" (or groups eq, or
// groups[value eq]) among the terms of a top-level "and".
func groupTerm(f Filter) (string, bool) {
	switch n := f.(type) {
	case *LogicalExpr:
		if n.Op != "and" {
			return "", false
		}
		if id, ok := groupTerm(n.Left); ok {
			return id, true
		}
		return groupTerm(n.Right)
	case *ValuePathExpr:
		if isGroupsPath(n.Path) && n.Path.Sub == "" {
			if e, ok := n.Filter.(*AttrExpr); ok && strings.EqualFold(e.Path.Name, "value") && e.Op == OpEqual {
				v, ok := e.Value.(string)
				return v, ok
			}
		}
	case *AttrExpr:
		if isGroupsPath(n.Path) && (n.Path.Sub == "" || strings.EqualFold(n.Path.Sub, "value")) && n.Op == OpEqual {
			v, ok := n.Value.(string)
			return v, ok
		}
	}
	return "", false
}
