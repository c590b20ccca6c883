package scim

import (
	"context"
	"net/http"
	"reflect"
	"sync"
	"time"
	"unsafe"

	"github.com/scimkit/scim/internal/jsonw"
)

// Defaults of the [Handler]'s limits on what one user may hold and on what
// one list response may carry. No user Okta or Entra provisions comes near
// them: a typical user has one to three values per multi-valued attribute
// and renders in about a kilobyte.
const (
	// DefaultMaxValues is the default of Handler.MaxValues.
	DefaultMaxValues = 100
	// DefaultMaxUserBytes is the default of Handler.MaxUserBytes.
	DefaultMaxUserBytes = 32 << 10
	// DefaultMaxListBytes is the default of Handler.MaxListBytes. With
	// [DefaultMaxUserBytes] it leaves the default MaxPageSize (1000) as is.
	DefaultMaxListBytes = 64 << 20
	// DefaultMaxPatchOperations is the default of Handler.MaxPatchOperations:
	// as many as a bulk request may carry. Okta and Entra send one to a few
	// operations per PATCH.
	DefaultMaxPatchOperations = 1000
	// DefaultMaxStreams is the default of Handler.MaxStreams.
	DefaultMaxStreams = 16
	// DefaultStreamWriteTimeout is the default of Handler.StreamWriteTimeout.
	DefaultStreamWriteTimeout = 10 * time.Second
)

// streamRetryAfter is the Retry-After, in seconds, of a stream refused
// for MaxStreams: about one stream write's deadline.
const streamRetryAfter = 10

// groupsAllowance bounds, in bytes, the read-only groups attribute of a
// rendered user when groups are on: a user lists the groups naming it, in
// group id order, as far as they fit in it (about a hundred groups of
// typical names), and pageSizes counts it beside MaxUserBytes, so that a
// page never exceeds MaxListBytes whatever the users' memberships. The
// complete list of a user's groups is GET /Groups?filter=members eq
// "<id>". At the default limits it leaves the largest page at 1000.
const groupsAllowance = 16 << 10

// maxMemberFilters bounds the members[...] removes of one group PATCH
// whose filter is not a plain value eq: each is tested against every
// member, so together they cost this many passes over the group at most.
const maxMemberFilters = 10

// renderAllowance bounds what rendering adds to a stored user besides the
// base URL: meta.location's path, the manager's $ref path and displayName
// (256 characters, escaped), resourceType and the keys around them.
const renderAllowance = 2 << 10

func (h *Handler) maxValues() int {
	if h.MaxValues > 0 {
		return h.MaxValues
	}
	return DefaultMaxValues
}

func (h *Handler) maxUserBytes() int {
	if h.MaxUserBytes > 0 {
		return h.MaxUserBytes
	}
	return DefaultMaxUserBytes
}

func (h *Handler) maxListBytes() int64 {
	if h.MaxListBytes > 0 {
		return h.MaxListBytes
	}
	return DefaultMaxListBytes
}

// pageSizes returns the page size of a list that names no count and the
// largest count a list may have when served at base. Every stored user
// renders in at most MaxUserBytes plus what rendering adds (its location
// and its manager's $ref hold the base URL), so a page of maxSize users
// fits in MaxListBytes. The bound lowers the page size up front, where
// itemsPerPage reports it, and never cuts a page short: identity providers
// stop importing at a page shorter than they asked for, taking it for the
// last.
func (h *Handler) pageSizes(base string) (def, maxSize int) {
	def, maxSize = h.DefaultPageSize, h.MaxPageSize
	if maxSize <= 0 {
		maxSize = 1000
	}
	if def <= 0 {
		def = 100
	}
	perUser := int64(h.maxUserBytes()) + renderAllowance + 2*int64(len(base))
	if h.Groups != nil {
		perUser += groupsAllowance
	}
	if fit := h.maxListBytes() / perUser; fit < int64(maxSize) {
		maxSize = int(max(fit, 1))
	}
	return min(def, maxSize), maxSize
}

// capGroups returns the leading refs whose rendering fits in
// groupsAllowance: each renders as {"value":…,"$ref":…,"display":…,
// "type":…} and a comma.
func capGroups(refs []GroupRef) []GroupRef {
	size := len(`"groups":[],`)
	var scratch []byte
	for i, r := range refs {
		scratch = jsonw.String(scratch[:0], r.Value)
		n := len(scratch)
		scratch = jsonw.String(scratch[:0], r.Ref)
		n += len(scratch)
		scratch = jsonw.String(scratch[:0], r.Display)
		n += len(scratch)
		scratch = jsonw.String(scratch[:0], r.Type)
		n += len(scratch) + len(`{"value":,"$ref":,"display":,"type":},`)
		if size += n; size > groupsAllowance {
			return refs[:i]
		}
	}
	return refs
}

func tooManyValues(a *Attribute, n, limit int) *Error {
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s would hold %d values; at most %d are accepted per attribute", a.Path(), n, limit)
}

// checkValueCounts enforces MaxValues on a user about to be written: no
// multi-valued attribute may hold more values, unless it already held more
// before the write (the limit was lowered since) and does not grow. The
// read-only groups are the server's, not the client's, and not counted.
func checkValueCounts(m *Model, before, u *User, limit int) error {
	rv := reflect.ValueOf(u).Elem()
	for _, s := range [...]*Schema{m.core, m.enterprise} {
		for _, a := range s.Attributes {
			if !a.MultiValued || a.Mutability == ReadOnly || a.field == nil {
				continue
			}
			n := rv.FieldByIndex(a.field).Len()
			if n <= limit {
				continue
			}
			if before != nil && n <= reflect.ValueOf(before).Elem().FieldByIndex(a.field).Len() {
				continue
			}
			return tooManyValues(a, n, limit)
		}
	}
	return nil
}

// checkUserSize enforces MaxUserBytes on a user about to be written, as
// rendered with every attribute: the bound that keeps a page of users
// within MaxListBytes. A user that was already larger (the limit was
// lowered since) may be written as long as it does not grow. The encoding
// it measures stays in req.sized, for respondUser to answer with.
func (req *request) checkUserSize(before, u *User) error {
	req.sized.encode(req.model, u)
	return userSizeError(req.model, before, u, len(req.sized.body), req.h.maxUserBytes())
}

// userSizeError is checkUserSize's verdict on u, size bytes as JSON.
func userSizeError(m *Model, before, u *User, size, limit int) error {
	if size <= limit {
		return nil
	}
	if before != nil && size <= len(m.EncodeUser(nil, before, nil)) {
		return nil
	}
	largest, largestSize := m.enc.largest(u)
	custom := 0
	for k, v := range u.Custom {
		custom += len(k) + len(v) + 6
	}
	if custom > largestSize {
		largest, largestSize = m.peakon.ID, custom
	}
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "the user would be %d bytes as JSON; at most %d are accepted (its largest attribute, %s, takes %d)", size, limit, largest, largestSize)
}

// appendMeta appends u's meta member as [Model.EncodeUser] renders it
// (without a projection).
func appendMeta(m *Model, dst []byte, u *User) []byte {
	if m.enc.meta == nil {
		return dst
	}
	return m.enc.meta.encode(dst, unsafe.Pointer(u), nil)
}

// sizedUser is the encoding of the user a write checked the size of: the
// same bytes as its response but for meta, which the write stamps after
// the check, and meta.location, which only responses carry. respondUser
// answers with it, meta replaced, rather than encode the user again.
type sizedUser struct {
	u    *User
	id   string  // u.ID when encoded: create sets it after the check
	buf  *[]byte // from bodyBuffers
	body []byte  // EncodeUser(u, nil) at the check
	meta int     // the length of body's meta member, before its final '}'
}

// encode sets s to the encoding of u, in s's buffer if it has one.
func (s *sizedUser) encode(m *Model, u *User) {
	if s.buf == nil {
		s.buf = getBuffer()
	}
	enc := m.EncodeUser((*s.buf)[:0], u, nil)
	// The meta member is encoded last, before the closing brace: measure
	// it by encoding it again after the user (after a '}', as after the
	// member before it, it starts with the same comma).
	withMeta := appendMeta(m, enc, u)
	*s = sizedUser{u: u, id: u.ID, buf: s.buf, body: withMeta[:len(enc)], meta: len(withMeta) - len(enc)}
}

// withMeta returns the encoding of v, a user that differs from the one
// encoded in nothing but its meta, made from s's encoding: s's buffer,
// which s no longer holds (release the result).
func (s *sizedUser) withMeta(m *Model, v *User) []byte {
	body := s.body[:len(s.body)-s.meta-1] // without meta and '}'
	body = appendMeta(m, body, v)
	return append(body, '}')
}

// release returns s's buffer to bodyBuffers, holding used.
func (s *sizedUser) release(used []byte) {
	if s.buf != nil {
		putBuffer(s.buf, used)
	}
	*s = sizedUser{}
}

func (h *Handler) maxPatchOperations() int {
	if h.MaxPatchOperations > 0 {
		return h.MaxPatchOperations
	}
	return DefaultMaxPatchOperations
}

// parsePatch parses a PATCH body and enforces MaxPatchOperations. RFC 7644
// §3.12 reserves tooMany for filters that match too much, so a request
// with too many operations is invalidValue.
func (req *request) parsePatch(body []byte) (*PatchRequest, error) {
	p, err := ParsePatch(body)
	if err != nil {
		return nil, err
	}
	if n, limit := len(p.Operations), req.h.maxPatchOperations(); n > limit {
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "the PATCH request has %d operations; at most %d are accepted: split it into several requests", n, limit)
	}
	return p, nil
}

func (h *Handler) maxStreams() int64 {
	if h.MaxStreams > 0 {
		return int64(h.MaxStreams)
	}
	return DefaultMaxStreams
}

func (h *Handler) streamWriteTimeout() time.Duration {
	if h.StreamWriteTimeout > 0 {
		return h.StreamWriteTimeout
	}
	return DefaultStreamWriteTimeout
}

// startStream takes one of MaxStreams, or answers why not.
func (h *Handler) startStream() error {
	if h.streams.Add(1) > h.maxStreams() {
		h.streams.Add(-1)
		return &Error{Status: http.StatusServiceUnavailable, Detail: "too many large responses are being sent; retry later", RetryAfter: streamRetryAfter}
	}
	return nil
}

// requestContext is the context a request runs in: what
// context.WithDeadline(parent, deadline) returns, made only when something
// waits on Done. Most requests never do (the memory store reads Err), and
// the timer, cancel function and registration with the parent that
// WithDeadline makes up front, and the cancel undoes, are a noticeable
// share of a fast request's CPU.
type requestContext struct {
	parent   context.Context
	deadline time.Time

	mu       sync.Mutex
	made     context.Context // the WithDeadline, once Done asked for it
	cancel   context.CancelFunc
	finished bool // the request is over: canceled, as by WithDeadline's cancel
}

// newRequestContext is context.WithDeadline(parent, now+timeout), without
// its cancel function: call finish.
func newRequestContext(parent context.Context, timeout time.Duration) *requestContext {
	d := time.Now().Add(timeout)
	if pd, ok := parent.Deadline(); ok && pd.Before(d) {
		d = pd
	}
	return &requestContext{parent: parent, deadline: d}
}

// withDeadline returns the context.WithDeadline c stands for, made once.
func (c *requestContext) withDeadline() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.made == nil {
		c.made, c.cancel = context.WithDeadline(c.parent, c.deadline)
		if c.finished {
			c.cancel()
		}
	}
	return c.made
}

// finish cancels c, as the cancel function of context.WithDeadline does.
func (c *requestContext) finish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.finished = true
	if c.cancel != nil {
		c.cancel()
	}
}

func (c *requestContext) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *requestContext) Done() <-chan struct{} { return c.withDeadline().Done() }

func (c *requestContext) Err() error {
	c.mu.Lock()
	made, finished := c.made, c.finished
	c.mu.Unlock()
	switch {
	case made != nil:
		return made.Err()
	case finished:
		return context.Canceled
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

func (c *requestContext) Value(key any) any {
	// The standard library finds a context's cancellation (context.Cause,
	// a child context's link to its parent) through the value of its key
	// &cancelCtxKey, an *int: only the made context has the right one.
	if _, ok := key.(*int); ok {
		return c.withDeadline().Value(key)
	}
	return c.parent.Value(key)
}

func (c *requestContext) String() string { return "scim.requestContext" }
