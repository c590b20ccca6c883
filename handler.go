package scim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/scimkit/scim/internal/jsonw"
)

// Handler serves the SCIM 2.0 protocol for Users (and Groups, when
// Groups is set), as Peakon does, over any
// [Store]. Mount it under any prefix, with or without http.StripPrefix:
//
//	mux.Handle("/scim/v2/", &scim.Handler{Store: store, Auth: auth})
//
// Configure it through its fields before the first request; a [Handler] is
// safe for concurrent use and must not be copied after first use.
type Handler struct {
	// Store keeps the users. Required.
	Store Store
	// Groups, when set, turns on /Groups (RFC 7643 §4.2) and users'
	// read-only groups attribute; nil answers /Groups with 501 and leaves
	// groups out of discovery and Bulk, as Peakon does. It must keep the
	// same users as Store (a [MemoryStore] or the SQL store serves as
	// both), since a member must be a user of the company and deleting a
	// user removes it from its groups. A group PATCH answers 204 unless
	// the request names attributes; a PUT without members keeps them; a
	// nested group is a member, not expanded. A user's groups attribute
	// lists its groups in id order as far as they render in 16 KiB (about
	// a hundred), which list pages count beside MaxUserBytes; GET
	// /Groups?filter=members eq "<id>" lists them all.
	Groups GroupStore
	// Auth resolves bearer tokens to tenants. Required: every endpoint,
	// discovery included, needs a token, because schemas are per company.
	// A token it does not know must come back as [ErrUnauthorized] (401);
	// any other error is taken for an outage and answered 503.
	Auth Authenticator
	// AuthFailures limits failed authentications per client address (or
	// the key it is given). Nil applies an [AuthLimiter] with its defaults,
	// kept by this handler.
	AuthFailures *AuthLimiter
	// Models returns a tenant's attribute model (its Peakon custom
	// attributes). When nil, Auth serves if it is also a [ModelSource] (as
	// [Companies] is); otherwise every tenant has the core and Enterprise
	// schemas and no custom attributes.
	Models ModelSource

	// MaxBodyBytes limits request bodies; larger ones get 413. Default 1 MiB.
	MaxBodyBytes int64
	// DefaultPageSize is the page size when a list request names no count
	// (default 100); MaxPageSize caps count (default 1000). Both are lowered
	// when a page of that many users could exceed MaxListBytes.
	DefaultPageSize int
	MaxPageSize     int
	// Prefix is the path the handler is mounted at (e.g. "/scim/v2") when
	// it is not mounted through a ServeMux pattern. Under a ServeMux the
	// mount point is learned from the matched pattern, and under
	// http.StripPrefix from what was stripped, so Prefix is rarely needed.
	// Without any of these the handler takes the first path segment that
	// names an endpoint, which a prefix holding such a name defeats.
	Prefix string

	// MaxValues limits the values of each multi-valued attribute of a user
	// (emails, phoneNumbers, addresses, ...): a POST, PUT, PATCH or bulk
	// operation that leaves more is 400 invalidValue. Default
	// [DefaultMaxValues]. The read-only groups are the server's and are not
	// counted, nor are a group's members.
	MaxValues int
	// MaxUserBytes limits a stored user's size as rendered JSON: a write
	// that leaves it larger is 400 invalidValue. Default
	// [DefaultMaxUserBytes].
	MaxUserBytes int
	// MaxListBytes bounds a list response: a list request's count, and the
	// default page size, are lowered to the number of users of at most
	// MaxUserBytes that fit in it (with groups on, each counted with 16
	// KiB more for its groups attribute), and itemsPerPage says so. Pages
	// are never cut short otherwise. Default [DefaultMaxListBytes].
	MaxListBytes int64
	// BaseURL, when set, is the absolute URL the endpoint is served at
	// (e.g. "https://api.example.com/scim/v2"), used in meta.location, the
	// Location header and the manager's $ref. When empty it is derived
	// from each request's Host and X-Forwarded-Proto headers, which the
	// client chooses: set it behind a proxy, and wherever clients could
	// reach the server under names it does not own. Either way these URLs
	// are built for each response, never stored.
	BaseURL string
	// IgnoreUnknownAttributes accepts Peakon extension attributes the
	// company has not defined, dropping them, instead of answering 400.
	// Lenient mocks want this; Peakon does not.
	IgnoreUnknownAttributes bool
	// StrictManager rejects an enterprise manager that is not an employee
	// of the company. By default such a reference is kept as sent and
	// resolved once that employee exists, because identity providers
	// provision in their own order.
	StrictManager bool

	// MaxPatchOperations limits the operations of one PATCH request, of a
	// user or a group, alone or inside a bulk operation: more is 400
	// invalidValue, before anything is read or written. Default
	// [DefaultMaxPatchOperations].
	MaxPatchOperations int

	// MaxStreams limits the responses the handler streams at once: a
	// group whose members render past one 32 KiB chunk is sent chunk by
	// chunk, each write with a deadline of its own (StreamWriteTimeout), so
	// that a client that stops reading holds a stream, never a database
	// connection. A stream past the limit is answered 503 with
	// Retry-After, before anything is sent. Default [DefaultMaxStreams].
	MaxStreams int
	// StreamWriteTimeout bounds each write of a streamed response; a
	// client that takes longer to accept a chunk has its response
	// aborted. It replaces the server's WriteTimeout for those writes, so
	// that a large group can take longer as a whole. Default
	// [DefaultStreamWriteTimeout].
	StreamWriteTimeout time.Duration

	// MaxBulkOperations and MaxBulkPayloadBytes limit bulk requests
	// (defaults [DefaultMaxBulkOperations] and [DefaultMaxBulkPayload]).
	MaxBulkOperations   int
	MaxBulkPayloadBytes int64

	// RateLimit limits each company's operations: every authenticated
	// request counts one, a bulk request one per operation. Over the limit
	// the answer is 429 with Retry-After. Nil means no limit. Peakon allows
	// [DefaultRateLimit] operations per hour per company:
	// NewWindowLimiter(DefaultRateLimit, time.Hour) behaves so.
	RateLimit RateLimiter

	// RequestTimeout bounds each request's work (default
	// [DefaultRequestTimeout]; negative: no bound): the request's context
	// ends then, so a store waiting on its database gives up, and the
	// answer is 503 with Retry-After, with nothing committed. Keep it
	// below the server's WriteTimeout, which only fails the response's
	// write: a request still working then would commit and answer nothing.
	// It bounds streamed responses too.
	RequestTimeout time.Duration

	// DocumentationURI is published as /ServiceProviderConfig's
	// documentationUri; empty leaves it out.
	DocumentationURI string
	// AuthScheme describes the bearer-token scheme in
	// /ServiceProviderConfig. Empty fields get a neutral description of an
	// OAuth bearer token.
	AuthScheme AuthScheme

	// OnChange, when set, is called after every committed change of a
	// user, in the request's goroutine, in commit order for each user. It
	// runs in the instance that committed, and only there; a store that is
	// a ChangeFeed records the same changes durably for every instance.
	OnChange func(ctx context.Context, e Event)
	// OnRequest, when set, is called once per request after its response
	// is written, with what an access log or metrics want to know.
	OnRequest func(ctx context.Context, info RequestInfo)
	// Logger receives server errors, recovered panics and one access log
	// record per request ("scim request": method, route, status, duration,
	// company, bulkOperations, scimType and detail of an error) at a level
	// by outcome: server errors at Error, rejected requests (invalid
	// input, a refused token, the rate limit) at Warn, successful writes at
	// Info, reads at Debug. Nil sends the server errors and panics to
	// slog.Default() and writes no access log.
	Logger *slog.Logger
	// CursorKey signs the cursors of cursor paging (RFC 9865), which are
	// opaque and tamper-evident: a cursor is accepted only by a handler
	// holding the key that signed it, for the same company and query.
	// Empty means the store's shared key when the store is a [KeyStore]
	// (sqlstore's are: every instance on the database, and every restart,
	// gets the same), else a random key per Handler, which suits one
	// instance: several instances behind one load balancer must then share
	// a key (32 random bytes, kept like any secret), or a walk breaks with
	// 400 invalidCursor whenever its pages reach different instances.
	// Changing the key ends the walks under way the same way.
	CursorKey []byte
	// CursorTimeout is how long a cursor stays valid, i.e. the longest a
	// client may take between two pages of a walk; published as
	// /ServiceProviderConfig's pagination.cursorTimeout. Default
	// [DefaultCursorTimeout]. An older cursor gets 400 expiredCursor.
	CursorTimeout time.Duration

	// Now returns the current time; nil means time.Now. Tests set a clock.
	Now func() time.Time
	// NewID returns a new user id; nil means a version 7 UUID (RFC 9562:
	// the time, then random bits), which keeps stores' id indexes growing at
	// one end.
	NewID func() string

	once sync.Once
	log  *slog.Logger

	authFailures *AuthLimiter // AuthFailures, or a default
	models       ModelSource  // Models, Auth if it is one, or nil
	reports      reportLookups
	streams      atomic.Int64           // responses streaming now (MaxStreams)
	cursorKey    []byte                 // CursorKey, a random key, or empty for the store's (init)
	sharedKey    atomic.Pointer[[]byte] // the store's cursor key, once read (cursorSecret)
	rendered     renderCache            // users rendered whole, see rendercache.go
	lastBase     atomic.Pointer[baseURL]
}

func (h *Handler) init() {
	h.once.Do(func() {
		h.models = h.Models
		if ms, ok := h.Auth.(ModelSource); ok && h.models == nil {
			h.models = ms
		}
		h.authFailures = h.AuthFailures
		if h.authFailures == nil {
			h.authFailures = &AuthLimiter{}
		}
		h.log = h.Logger
		if h.log == nil {
			h.log = slog.Default()
		}
		// Empty when the store keeps the key (cursorSecret reads it).
		h.cursorKey = h.CursorKey
		if _, shared := h.Store.(KeyStore); len(h.cursorKey) == 0 && !shared {
			h.cursorKey = newCursorKey()
		}
	})
}

func (h *Handler) maxBody() int64 {
	if h.MaxBodyBytes > 0 {
		return h.MaxBodyBytes
	}
	return 1 << 20
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) newID() string {
	if h.NewID != nil {
		return h.NewID()
	}
	return newUUID()
}

// DefaultRequestTimeout is a [Handler]'s RequestTimeout unless set: below
// the 30 s or more servers usually give a response (WriteTimeout), and
// above the 5 to 20 s identity providers usually wait.
const DefaultRequestTimeout = 25 * time.Second

func (h *Handler) requestTimeout() time.Duration {
	return cacheTTL(h.RequestTimeout, DefaultRequestTimeout)
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.init()
	// The request's context, with its deadline: everything below takes
	// ctx rather than r.Context(), so that r is not copied to carry it.
	ctx := r.Context()
	if d := h.requestTimeout(); d > 0 {
		rc := newRequestContext(ctx, d) // context.WithTimeout, made lazily
		defer rc.finish()
		ctx = rc
	}
	mount, endpoint, rest, ok := h.route(r)
	if o := h.observe(w, r, endpoint, rest, ok); o != nil {
		w = o
		defer h.finish(ctx, o)
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.ErrorContext(ctx, "scim: panic serving request", "method", r.Method, "path", shortPath(r.URL.Path), "panic", v, "stack", string(debug.Stack()))
			writeError(w, &Error{Status: http.StatusInternalServerError, Detail: "internal server error"})
		}
	}()
	if !ok {
		writeError(w, Errorf(http.StatusNotFound, "", "no SCIM endpoint at %s; Peakon serves /Users, /Schemas, /ResourceTypes and /ServiceProviderConfig", shortPath(r.URL.Path)))
		return
	}
	tenant, err := h.authenticate(ctx, r)
	if err != nil {
		if asError(err).Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
		}
		writeError(w, err)
		return
	}
	observedCompany(w, tenant)
	req := &request{h: h, w: w, r: r, ctx: ctx, tenant: tenant, store: h.Store, base: h.baseURL(r, mount)}
	if r.URL.RawQuery != "" {
		if req.query, err = parseQuery(req.params[:0], r.URL.RawQuery); err != nil {
			writeError(w, err)
			return
		}
	}
	if err := req.spend(1); err != nil {
		req.fail(err)
		return
	}
	if err := req.loadModel(); err != nil {
		req.fail(err)
		return
	}
	switch endpoint {
	case "Users":
		req.serveResource(&userRoutes, rest)
	case "Groups":
		if h.Groups != nil {
			req.serveResource(&groupRoutes, rest)
			return
		}
		req.fail(Errorf(http.StatusNotImplemented, "", "groups are not supported: Peakon provisions users only"))
	case "Schemas":
		req.serveSchemas(rest)
	case "ResourceTypes":
		req.serveResourceTypes(rest)
	case "ServiceProviderConfig":
		req.serveServiceProviderConfig(rest)
	case "Bulk":
		req.serveBulk(rest)
	default:
		req.fail(Errorf(http.StatusNotImplemented, "", "%s is not supported by this endpoint", endpoint))
	}
}

// request is one authenticated request being served.
type request struct {
	h      *Handler
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context
	tenant string
	model  *Model
	store  Store       // h.Store, or the batch a bulk request runs in
	base   string      // absolute base URL of the endpoint, no trailing slash
	query  queryParams // the query parameters, see parseQuery
	params [4]queryParam

	deferEvents bool    // inside a bulk batch: hold events until commit
	pending     []Event // the events held
	// afterAnswer: a single write, whose events are delivered after its
	// answer is written (answered holds them until then).
	afterAnswer bool
	answered    []Event

	memberFilters int // group PATCH removes by a member filter, all operations of a bulk together

	sized sizedUser // the user a write checked the size of, encoded

	detached detached // the context OnChange gets (deliver)
}

// resourceRoutes are the request handlers of a resource endpoint, /Users
// or /Groups: list answers a list (GET) or search (POST .search), create a
// POST, and the others a request of the resource with the id they get.
type resourceRoutes struct {
	list                        func(*request, listParams)
	create                      func(*request)
	get, replace, patch, remove func(*request, string)
}

// serveResource routes a request of a resource endpoint; rest is the path
// after it.
func (req *request) serveResource(routes *resourceRoutes, rest string) {
	r := req.r
	if r.Method != http.MethodGet {
		req.afterAnswer = true
		defer req.deliverAnswered()
	}
	switch {
	case rest == "":
		switch r.Method {
		case http.MethodGet:
			req.serveList(false, routes.list)
		case http.MethodPost:
			routes.create(req)
		default:
			req.methodNotAllowed("GET, POST")
		}
	case rest == ".search":
		if r.Method != http.MethodPost {
			req.methodNotAllowed("POST")
			return
		}
		req.serveList(true, routes.list)
	case strings.Contains(rest, "/"):
		req.fail(Errorf(http.StatusNotFound, "", "no resource at %s", r.URL.Path))
	default:
		switch r.Method {
		case http.MethodGet:
			routes.get(req, rest)
		case http.MethodPut:
			routes.replace(req, rest)
		case http.MethodPatch:
			routes.patch(req, rest)
		case http.MethodDelete:
			routes.remove(req, rest)
		default:
			req.methodNotAllowed("GET, PUT, PATCH, DELETE")
		}
	}
}

// withBody reads the request body, runs write on it (a create, replace
// or patch) and answers with respond(status, the resource written), or
// with the error.
func withBody[T any](req *request, status int, write func(body []byte) (T, error), respond func(status int, res T)) {
	body, err := req.readBody()
	var res T
	if err == nil {
		res, err = write(body)
	}
	if err != nil {
		req.fail(err)
		return
	}
	respond(status, res)
}

// ifMatch is the request's If-Match header: the version a write requires.
func (req *request) ifMatch() string { return req.r.Header.Get("If-Match") }

// notModified answers a GET whose If-None-Match names version with 304 and
// the ETag, and reports whether it did.
func (req *request) notModified(version string) bool {
	inm := req.r.Header.Get("If-None-Match")
	if inm == "" || !etagMatches(inm, version) {
		return false
	}
	req.w.Header().Set("ETag", version)
	req.w.WriteHeader(http.StatusNotModified)
	return true
}

// fail writes err as a SCIM error, logging server-side failures.
func (req *request) fail(err error) {
	e := asError(err)
	if e.Status >= 500 && e.Status != http.StatusNotImplemented {
		req.h.log.ErrorContext(req.ctx, "scim: request failed", "method", req.r.Method, "path", req.r.URL.Path, "tenant", req.tenant, "error", err)
	}
	writeError(req.w, err)
}

func writeError(w http.ResponseWriter, err error) {
	e := asError(err)
	observedError(w, err)
	body, _ := e.MarshalJSON()
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	writeBody(w, e.Status, body)
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	writeBodyTagged(w, status, body, "")
}

// writeBodyTagged is writeBody with an ETag when etag is not "". The
// header values share one allocation (each is a slice of its own length
// and capacity, so that appending to one cannot overwrite another).
func writeBodyTagged(w http.ResponseWriter, status int, body []byte, etag string) {
	hdr := w.Header()
	v := make([]string, 3)
	v[0], v[1], v[2] = MediaType, strconv.Itoa(len(body)), etag
	hdr["Content-Type"] = v[0:1:1]
	hdr["Content-Length"] = v[1:2:2]
	if etag != "" {
		hdr["Etag"] = v[2:3:3]
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// bodyBuffers hold the buffers single resources are encoded into: a
// response writer does not keep what it is given to write (io.Writer),
// so the buffer serves the next request.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// maxPooledBuffer bounds the buffers kept in bodyBuffers: a rare large
// user should not pin its buffer for every later request.
const maxPooledBuffer = 64 << 10

// getBuffer returns an empty buffer from bodyBuffers.
func getBuffer() *[]byte {
	b := bodyBuffers.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

// putBuffer returns b to bodyBuffers, holding used, what was appended to
// it; the caller holds neither afterwards.
func putBuffer(b *[]byte, used []byte) {
	if cap(used) > maxPooledBuffer {
		return
	}
	*b = used[:0]
	bodyBuffers.Put(b)
}

// single checks a request to an endpoint that is one resource (no
// sub-paths) with one method, answering 404 or 405 when it is not.
func (req *request) single(rest, method string) bool {
	switch {
	case rest != "":
		req.fail(Errorf(http.StatusNotFound, "", "no resource at %s", req.r.URL.Path))
	case req.r.Method != method:
		req.methodNotAllowed(method)
	default:
		return true
	}
	return false
}

func (req *request) methodNotAllowed(allowed string) {
	req.w.Header().Set("Allow", allowed)
	req.fail(Errorf(http.StatusMethodNotAllowed, "", "%s is not allowed here; allowed: %s", req.r.Method, allowed))
}

// readBody reads the request body within the size limit and checks its
// media type: application/json, application/scim+json, or none.
func (req *request) readBody() ([]byte, error) {
	if ct := req.r.Header.Get("Content-Type"); ct != "" && ct != MediaType && ct != "application/json" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" && mt != MediaType {
			return nil, Errorf(http.StatusUnsupportedMediaType, "", "Content-Type %q is not supported; send application/scim+json or application/json", ct)
		}
	}
	limit := req.h.maxBody()
	var body []byte
	var err error
	if n := req.r.ContentLength; n >= 0 && n <= limit {
		body, err = readSized(req.r.Body, n, limit)
	} else {
		// Unknown or too long: MaxBytesReader also tells the server to
		// close the connection rather than read the rest.
		body, err = io.ReadAll(http.MaxBytesReader(req.w, req.r.Body, limit))
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, Errorf(http.StatusRequestEntityTooLarge, "", "the request body is larger than %d bytes", limit)
		}
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "reading the request body: %v", err)
	}
	return body, nil
}

// readSized reads r to its end into one buffer of the n bytes the request
// declared (io.ReadAll would grow one from 512 bytes), up to
// maxPreallocated: a larger body's buffer grows as its bytes arrive, so
// that a client declaring a megabyte and sending nothing does not make the
// handler hold one. A body longer than declared (a handler in front may
// have replaced it) still reads whole, up to limit.
func readSized(r io.Reader, n, limit int64) ([]byte, error) {
	b := make([]byte, 0, min(n, maxPreallocated)+1) // +1: the read that finds the end needs room
	for {
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if int64(len(b)) > limit {
			return nil, &http.MaxBytesError{Limit: limit}
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// maxPreallocated bounds the buffer readSized allocates before the body
// arrives.
const maxPreallocated = 64 << 10

func (req *request) writeJSON(status int, body []byte) {
	writeBody(req.w, status, body)
}

func (req *request) queryInt(name string, def int) (int, error) {
	s := req.query.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if errors.Is(err, strconv.ErrRange) {
		// An integer past the int range is clamped to it (Atoi's n) like
		// any other out-of-range startIndex or count: a startIndex past
		// the end is an empty page.
		return n, nil
	}
	if err != nil {
		return 0, Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "%s must be an integer, not %q", name, s)
	}
	return n, nil
}

func (req *request) location(id string) string { return req.base + "/Users/" + id }

// endpoints are the resource paths this handler serves, below its mount
// point.
var endpoints = [...]string{"Users", "Groups", "Schemas", "ResourceTypes", "ServiceProviderConfig", "Bulk", "Me"}

// route finds the endpoint a request addresses, below the handler's mount
// point, and the mount point as it appears in the request URI (for URLs the
// handler writes, e.g. "/scim/v2"; "" at the root).
//
// The mount point comes, in order, from http.StripPrefix (the request's URL
// path is then already relative: the original RequestURI is longer), from
// Prefix, or from the ServeMux pattern that matched (r.Pattern, whose
// segments, wildcards included, are the mount point's). Only without any
// of them does route look for the first segment naming an endpoint.
func (h *Handler) route(r *http.Request) (mount, endpoint, rest string, ok bool) {
	path := r.URL.Path
	full := requestPath(r)
	var rel string
	switch esc := r.URL.EscapedPath(); {
	case full != esc && strings.HasSuffix(full, esc):
		rel = path // stripped by http.StripPrefix
	case h.Prefix != "":
		p := strings.TrimSuffix(h.Prefix, "/")
		if path != p && !strings.HasPrefix(path, p+"/") {
			return "", "", "", false
		}
		rel = path[len(p):]
	case r.Pattern != "":
		var found bool
		if rel, found = afterSegments(path, patternSegments(r.Pattern)); !found {
			return "", "", "", false
		}
	default:
		return searchRoute(path, full)
	}
	endpoint, rest, ok = splitEndpoint(rel)
	if !ok {
		return "", "", "", false
	}
	mount = strings.TrimSuffix(full, "/")
	if escRel := escapedSuffix(r, rel); strings.HasSuffix(full, escRel) {
		mount = strings.TrimSuffix(full[:len(full)-len(escRel)], "/")
	}
	return mount, endpoint, rest, true
}

// requestPath is the path of the request as the client sent it (escaped),
// which http.StripPrefix leaves alone.
func requestPath(r *http.Request) string {
	if r.RequestURI != "" {
		if p, _, _ := strings.Cut(r.RequestURI, "?"); strings.HasPrefix(p, "/") {
			return p
		}
	}
	return r.URL.EscapedPath()
}

// escapedSuffix returns rel, a suffix of r.URL.Path, as it is escaped in the
// request.
func escapedSuffix(r *http.Request, rel string) string {
	esc := r.URL.EscapedPath()
	n := strings.Count(rel, "/")
	// rel holds the last n segments; take as many from the escaped path.
	i := len(esc)
	for ; i > 0 && n > 0; i-- {
		if esc[i-1] == '/' {
			n--
			if n == 0 {
				return esc[i-1:]
			}
		}
	}
	return esc
}

// patternSegments returns how many path segments a ServeMux pattern's mount
// point has: "/scim/v2/" and "/scim/v2/{rest...}" have two,
// "GET example.com/tenants/{tenant}/scim/v2/" four.
func patternSegments(pattern string) int {
	if _, after, found := strings.Cut(pattern, " "); found {
		pattern = strings.TrimLeft(after, " ")
	}
	if i := strings.IndexByte(pattern, '/'); i >= 0 {
		pattern = pattern[i:]
	}
	n := 0
	for seg := range strings.SplitSeq(strings.Trim(pattern, "/"), "/") {
		if seg == "" || strings.HasSuffix(seg, "...}") || seg == "{$}" {
			break
		}
		n++
	}
	return n
}

// afterSegments returns what follows the first n segments of path, from
// the "/" before it: "/a/b/Users/1" after 2 is "/Users/1". found is false
// when path has no more than n segments.
func afterSegments(path string, n int) (rest string, found bool) {
	p := strings.TrimPrefix(path, "/")
	if n == 0 {
		return "/" + p, true
	}
	i := 0 // where the next segment starts in p
	for range n {
		j := strings.IndexByte(p[i:], '/')
		if j < 0 {
			return "", false
		}
		i += j + 1
	}
	return p[i-1:], true
}

// splitEndpoint splits a path below the mount point into the endpoint its
// first segment names (ignoring case) and the rest.
func splitEndpoint(rel string) (endpoint, rest string, ok bool) {
	first, rest, _ := strings.Cut(strings.TrimPrefix(rel, "/"), "/")
	for _, e := range endpoints {
		if strings.EqualFold(first, e) {
			return e, strings.TrimSuffix(rest, "/"), true
		}
	}
	return "", "", false
}

// maxSearchSegments bounds how deep searchRoute looks for an endpoint's
// name: a handler mounted deeper than that without a ServeMux pattern,
// http.StripPrefix or Prefix answers 404.
const maxSearchSegments = 16

// searchRoute serves a handler whose mount point is unknown: the first
// segment naming an endpoint, among the first [maxSearchSegments], is taken
// for it. It runs before authentication, on a path of up to a megabyte
// (net/http's header limit), so it is linear in the path and looks at a
// bounded number of segments: it slices the path instead of splitting and
// joining it.
func searchRoute(path, full string) (mount, endpoint, rest string, ok bool) {
	p := strings.Trim(path, "/")
	off := 0 // where segment i starts in p
	for i := 0; i < maxSearchSegments; i++ {
		seg, after, more := strings.Cut(p[off:], "/")
		name, rest := seg, after
		if seg == "" {
			// An empty segment before a name ("/a//Users"): the name counts
			// from here, as it did when the search trimmed one "/" off the
			// rest of the path.
			name, rest, _ = strings.Cut(after, "/")
		}
		if endpoint, ok = endpointNamed(name); ok {
			mount = strings.TrimSuffix(p[:off], "/") // segments 0 to i-1
			// The mount point as the client wrote it, when the escaped path
			// has as many segments (an escaped "/" adds one to path).
			if f := strings.Trim(full, "/"); strings.Count(f, "/") >= strings.Count(p, "/") {
				mount = segmentsPrefix(f, i)
			}
			// "/" and the mount, sliced from full when it holds them.
			if len(full) > len(mount) && full[0] == '/' && full[1:1+len(mount)] == mount {
				mount = full[:1+len(mount)]
			} else {
				mount = "/" + mount
			}
			return strings.TrimSuffix(mount, "/"), endpoint, rest, true
		}
		if !more {
			break
		}
		off += len(seg) + 1
	}
	return "", "", "", false
}

// endpointNamed returns the endpoint a path segment names, ignoring case.
func endpointNamed(seg string) (string, bool) {
	for _, e := range endpoints {
		if len(seg) == len(e) && strings.EqualFold(seg, e) {
			return e, true
		}
	}
	return "", false
}

// segmentsPrefix returns the first n segments of s, joined by "/".
func segmentsPrefix(s string, n int) string {
	off := 0
	for range n {
		i := strings.IndexByte(s[off:], '/')
		if i < 0 {
			return s
		}
		off += i + 1
	}
	return strings.TrimSuffix(s[:off], "/")
}

// maxShownPath is how much of an unrouted path an error detail repeats.
const maxShownPath = 256

// shortPath shortens a path for an error detail: an unrouted path comes
// before authentication and may be a megabyte long, which the answer need
// not echo.
func shortPath(p string) string {
	if len(p) <= maxShownPath {
		return p
	}
	cut := maxShownPath
	for cut > 0 && !utf8.RuneStart(p[cut]) {
		cut--
	}
	return p[:cut] + "…"
}

// baseURL returns the absolute URL the endpoint is mounted at, given the
// mount path found by route.
func (h *Handler) baseURL(r *http.Request, mount string) string {
	if h.BaseURL != "" {
		return strings.TrimSuffix(h.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	} else if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	// An endpoint is mostly reached by one name: the last base URL is
	// kept rather than concatenated for every request.
	if b := h.lastBase.Load(); b != nil && b.scheme == scheme && b.host == r.Host && b.mount == mount {
		return b.url
	}
	b := &baseURL{scheme: scheme, host: r.Host, mount: mount, url: scheme + "://" + r.Host + mount}
	h.lastBase.Store(b)
	return b.url
}

// baseURL is a base URL of the endpoint and what it was made of.
type baseURL struct{ scheme, host, mount, url string }

// parseQuery parses a request's query string into its parameters.
//
// url.ParseQuery cannot serve: it drops every pair holding a raw ";" (legal
// data per RFC 3986 §3.4), so `filter=userName eq "a;b"` would lose its
// filter and list every user of the company. Here only "&" separates pairs,
// a ";" is data, and a malformed escape is an error naming the parameter
// instead of a parameter silently ignored.
//
// The parameters are appended to dst, in the order sent: a request has a
// few, which a slice (held by the request) finds faster than a map is
// built.
func parseQuery(dst queryParams, raw string) (queryParams, error) {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(key)
		if err != nil {
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "the query parameter %q is not correctly percent-encoded", key)
		}
		val, err := url.QueryUnescape(value)
		if err != nil {
			return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "the value of the query parameter %q is not correctly percent-encoded: %q", k, value)
		}
		dst = append(dst, queryParam{k, val})
	}
	return dst, nil
}

// queryParams are a request's query parameters, in the order sent.
type queryParams []queryParam

type queryParam struct{ name, value string }

// Get returns the first value of the parameter name, or "".
func (q queryParams) Get(name string) string {
	v, _ := q.lookup(name)
	return v
}

// Has reports whether the parameter name was sent.
func (q queryParams) Has(name string) bool {
	_, ok := q.lookup(name)
	return ok
}

// lookup returns the first value of the parameter name, and whether it
// was sent.
func (q queryParams) lookup(name string) (string, bool) {
	for _, p := range q {
		if p.name == name {
			return p.value, true
		}
	}
	return "", false
}

// maxUpdateAttempts bounds the compare-and-swap retries of one write. Each
// lost round means another writer succeeded, so under contention every
// writer gets through well within it.
const maxUpdateAttempts = 1000

// casRetry answers a compare-and-swap write of the kind ("user", "group")
// named id that failed with err: nil, after backing off, when another
// writer got in between and the write may be tried again; otherwise the
// error to answer. With If-Match, a version mismatch is 412 rather than a
// retry (the client asked to change exactly the version it saw); any other
// error is as errorOf maps it.
func casRetry(err error, kind, id, ifMatch string, attempt int, errorOf func(err error, id string) error) error {
	if !errors.Is(err, ErrVersionMismatch) {
		return errorOf(err, id)
	}
	if ifMatch != "" {
		return Errorf(http.StatusPreconditionFailed, "", "%s %s was modified concurrently; read it again and retry", kind, id)
	}
	backoff(attempt)
	return nil
}

// tooManyWriters is the answer to a compare-and-swap write of the kind
// named id that other writers beat maxUpdateAttempts times.
func tooManyWriters(kind, id string) *Error {
	return Errorf(http.StatusConflict, "", "%s %s is being modified by too many concurrent requests; retry later", kind, id)
}

// backoff sleeps a short, growing, jittered time between CAS attempts.
func backoff(attempt int) {
	if attempt < 2 {
		return
	}
	d := time.Duration(min(attempt, 50)) * 20 * time.Microsecond
	time.Sleep(d/2 + rand.N(d))
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

// listParams are the query parameters of a list or search request.
type listParams struct {
	filter, sortBy, sortOrder string
	attributes, excluded      string
	startIndex, count         int
	countGiven                bool
	// cursor paging (RFC 9865): cursorGiven when the request names a
	// cursor, even empty (the first page).
	cursor                       string
	cursorGiven, startIndexGiven bool
}

// serveList answers a list of users or groups with list: a GET with the
// parameters in the query string or, with search, a POST to .search with
// them in a SearchRequest body.
func (req *request) serveList(search bool, list func(*request, listParams)) {
	var p listParams
	var err error
	if search {
		p, err = req.searchListParams()
	} else {
		p, err = req.queryListParams()
	}
	if err != nil {
		req.fail(err)
		return
	}
	list(req, p)
}

// listCursor returns, for a list by cursor, the scope its cursors are
// signed for (the company, the endpoint and the query) and the store
// position the request's cursor carries ("" for the first page); scope is
// nil for a list by index.
func (req *request) listCursor(endpoint string, p listParams, count int) (scope *cursorScope, after string, err error) {
	if !p.cursorGiven {
		return nil, "", nil
	}
	scope = &cursorScope{tenant: req.tenant, endpoint: endpoint, filter: p.filter, sortBy: p.sortBy, sortOrder: p.sortOrder,
		attributes: p.attributes, excludedAttributes: p.excluded}
	if scope.key, err = req.h.cursorSecret(req.ctx); err != nil {
		return nil, "", err
	}
	if p.cursor != "" {
		if after, err = req.h.decodeCursor(scope, p.cursor, count, req.h.now()); err != nil {
			return nil, "", err
		}
	}
	return scope, after, nil
}

// listError is the error of a store's list: its ErrInvalidPosition, a
// position from a cursor the store cannot read, is 400 invalidCursor.
func listError(err error) error {
	if errors.Is(err, ErrInvalidPosition) {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidCursor, "the cursor is not valid for this query")
	}
	return err
}

// queryListParams reads the list parameters of a GET of /Users or /Groups
// from the query string.
func (req *request) queryListParams() (listParams, error) {
	q := req.query
	p := listParams{
		filter: q.Get("filter"), sortBy: q.Get("sortBy"), sortOrder: q.Get("sortOrder"),
		attributes: q.Get("attributes"), excluded: q.Get("excludedAttributes"),
	}
	p.cursor, p.cursorGiven = q.Get("cursor"), q.Has("cursor")
	p.startIndexGiven = q.Has("startIndex")
	var err error
	if p.startIndex, err = req.queryInt("startIndex", 1); err != nil {
		return p, err
	}
	p.countGiven = q.Has("count")
	if p.count, err = req.queryInt("count", 0); err != nil {
		return p, err
	}
	return p, nil
}

// searchListParams reads the list parameters of a POST to /Users/.search
// or /Groups/.search from its SearchRequest body.
func (req *request) searchListParams() (listParams, error) {
	body, err := req.readBody()
	if err != nil {
		return listParams{}, err
	}
	var sr searchRequest
	if err := checkUTF8(body); err != nil {
		return listParams{}, err
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &sr); err != nil {
			return listParams{}, searchRequestError(err)
		}
	}
	p := listParams{
		filter: sr.Filter, sortBy: sr.SortBy, sortOrder: sr.SortOrder,
		attributes: string(sr.Attributes), excluded: string(sr.ExcludedAttributes), startIndex: 1,
	}
	if sr.StartIndex != nil {
		p.startIndex, p.startIndexGiven = *sr.StartIndex, true
	}
	if sr.Cursor != nil {
		p.cursor, p.cursorGiven = *sr.Cursor, true
	}
	if sr.Count != nil {
		p.count, p.countGiven = *sr.Count, true
	}
	return p, nil
}

// appendListHead appends a list response up to its Resources: the total,
// the items on the page and the paging member, startIndex by index or
// nextCursor by cursor when a page follows (none on the last).
func (req *request) appendListHead(buf []byte, total, items int, scope *cursorScope, startIndex, count int, next string) []byte {
	buf = append(buf, `{"schemas":["`+MessageListResponse+`"],"totalResults":`...)
	buf = jsonw.Int(buf, int64(total))
	buf = append(buf, `,"itemsPerPage":`...)
	buf = jsonw.Int(buf, int64(items))
	switch {
	case scope == nil:
		buf = append(buf, `,"startIndex":`...)
		buf = jsonw.Int(buf, int64(startIndex))
	case next != "":
		buf = append(buf, `,"nextCursor":"`...)
		buf = append(buf, req.h.encodeCursor(scope, count, next, req.h.now())...) // base64url: nothing to escape
		buf = append(buf, '"')
	}
	return append(buf, `,"Resources":[`...)
}

// searchRequestError words why a SearchRequest body did not decode,
// without encoding/json's Go wording ("json: cannot unmarshal number into
// Go struct field searchRequest.filter of type string").
func searchRequestError(err error) *Error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "the SearchRequest member %s has the wrong type: a JSON %s", quote(te.Field), te.Value)
	case errors.As(err, &se):
		return invalidSyntax(err)
	}
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "the SearchRequest body is not valid: %v", err) // stringList's own wording
}

// searchRequest is the body of POST /Users/.search and /Groups/.search
// (RFC 7644 §3.4.3).
type searchRequest struct {
	Attributes         stringList `json:"attributes"`
	ExcludedAttributes stringList `json:"excludedAttributes"`
	Filter             string     `json:"filter"`
	SortBy             string     `json:"sortBy"`
	SortOrder          string     `json:"sortOrder"`
	StartIndex         *int       `json:"startIndex"`
	Count              *int       `json:"count"`
	Cursor             *string    `json:"cursor"`
}
