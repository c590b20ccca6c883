package scim

import (
	"net/http"
	"reflect"
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
	for _, s := range [...]*Schema{m.core, m.enterprise} {
		for _, a := range s.Attributes {
			if !a.MultiValued || a.Mutability == ReadOnly || a.field == nil {
				continue
			}
			n := a.valueCount(u)
			if n <= limit {
				continue
			}
			if before != nil && n <= a.valueCount(before) {
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

// pageCount returns the page size a list asks for: the default without
// count, else count within [0, maxPageSize] (RFC 7644 §3.4.2.4). By cursor
// (RFC 9865 §2.1) a count past maxPageSize is 400 invalidCount rather
// than lowered, and startIndex cannot be given.
func (req *request) pageCount(p listParams) (int, error) {
	def, maxSize := req.h.pageSizes(req.base)
	switch {
	case p.cursorGiven && p.startIndexGiven:
		return 0, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "startIndex and cursor cannot both be given: page by index or by cursor")
	case p.cursorGiven && p.countGiven && p.count > maxSize:
		return 0, Errorf(http.StatusBadRequest, SCIMTypeInvalidCount, "count must be between 0 and %d", maxSize)
	case p.countGiven:
		return min(max(p.count, 0), maxSize), nil
	}
	return def, nil
}

// valueCount returns how many values u holds of a, a multi-valued
// attribute with a field: read from the slice's header where the field is
// located (locateUserFields), as every write counts them all.
func (a *Attribute) valueCount(u *User) int {
	if a.typ != nil && a.parent == nil && a.typ.Kind() == reflect.Slice {
		return len(*(*[]byte)(unsafe.Add(unsafe.Pointer(u), a.at))) // the header's length, whatever the element
	}
	return reflect.ValueOf(u).Elem().FieldByIndex(a.field).Len()
}
