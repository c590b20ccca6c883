package scim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
)

// Handler serves the SCIM 2.0 protocol for Users, as Peakon does, over any
// Store. Mount it under any prefix, with or without http.StripPrefix:
//
//	mux.Handle("/scim/v2/", &scim.Handler{Store: store, Auth: auth})
//
// Configure it through its fields before the first request; a Handler is
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
	// nested group is a member, not expanded.
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
	// attributes). When nil, Auth serves if it is also a ModelSource (as
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
	// DefaultMaxValues. The read-only groups are the server's and are not
	// counted; nor would a group's members be, were groups served.
	MaxValues int
	// MaxUserBytes limits a stored user's size as rendered JSON: a write
	// that leaves it larger is 400 invalidValue. Default
	// DefaultMaxUserBytes.
	MaxUserBytes int
	// MaxListBytes bounds a list response: a list request's count, and the
	// default page size, are lowered to the number of users of at most
	// MaxUserBytes that fit in it, and itemsPerPage says so. Pages are
	// never cut short otherwise. Default DefaultMaxListBytes.
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

	// MaxBulkOperations and MaxBulkPayloadBytes limit bulk requests
	// (defaults DefaultMaxBulkOperations and DefaultMaxBulkPayload).
	MaxBulkOperations   int
	MaxBulkPayloadBytes int64

	// RateLimit limits each company's operations: every authenticated
	// request counts one, a bulk request one per operation. Over the limit
	// the answer is 429 with Retry-After. Nil means no limit. Peakon allows
	// DefaultRateLimit operations per hour per company:
	// NewWindowLimiter(DefaultRateLimit, time.Hour) behaves so.
	RateLimit RateLimiter

	// DocumentationURI is published as /ServiceProviderConfig's
	// documentationUri; empty leaves it out.
	DocumentationURI string
	// AuthScheme describes the bearer-token scheme in
	// /ServiceProviderConfig. Empty fields get a neutral description of an
	// OAuth bearer token.
	AuthScheme AuthScheme

	// OnChange, when set, is called after every committed change of a
	// user, in the request's goroutine, in commit order for each user.
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
	// Now returns the current time; nil means time.Now. Tests set a clock.
	Now func() time.Time
	// NewID returns a new user id; nil means a random UUID.
	NewID func() string

	once     sync.Once
	validate *validator.Validate
	log      *slog.Logger

	authFailures *AuthLimiter // AuthFailures, or a default
	models       ModelSource  // Models, Auth if it is one, or nil
}

// ModelSource returns the attribute model of a tenant.
type ModelSource interface {
	Model(ctx context.Context, tenant string) (*Model, error)
}

// ModelSourceFunc adapts a function to [ModelSource].
type ModelSourceFunc func(ctx context.Context, tenant string) (*Model, error)

// Model implements ModelSource.
func (f ModelSourceFunc) Model(ctx context.Context, tenant string) (*Model, error) {
	return f(ctx, tenant)
}

// AuthScheme describes how clients authenticate, as
// /ServiceProviderConfig publishes it (RFC 7643 §5).
type AuthScheme struct {
	Name             string // default "OAuth Bearer Token"
	Description      string // e.g. where an administrator generates the token
	SpecURI          string
	DocumentationURI string
}

func (h *Handler) init() {
	h.once.Do(func() {
		h.validate = newValidator()
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

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// request is one authenticated request being served.
type request struct {
	h      *Handler
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context
	tenant string
	model  *Model
	store  Store      // h.Store, or the batch a bulk request runs in
	base   string     // absolute base URL of the endpoint, no trailing slash
	query  url.Values // the query parameters, see parseQuery

	deferEvents bool    // inside a bulk batch: hold events until commit
	pending     []Event // the events held
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.init()
	mount, endpoint, rest, ok := h.route(r)
	w, done := h.observe(w, r, endpoint, rest, ok)
	defer done()
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.ErrorContext(r.Context(), "scim: panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			writeError(w, &Error{Status: http.StatusInternalServerError, Detail: "internal server error"})
		}
	}()
	if !ok {
		writeError(w, Errorf(http.StatusNotFound, "", "no SCIM endpoint at %s; Peakon serves /Users, /Schemas, /ResourceTypes and /ServiceProviderConfig", r.URL.Path))
		return
	}
	tenant, err := h.authenticate(r)
	if err != nil {
		if asError(err).Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
		}
		writeError(w, err)
		return
	}
	observedCompany(w, tenant)
	query, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, err)
		return
	}
	req := &request{h: h, w: w, r: r, ctx: r.Context(), tenant: tenant, store: h.Store, base: h.baseURL(r, mount), query: query}
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
		req.serveUsers(rest)
	case "Groups":
		if h.Groups != nil {
			req.serveGroups(rest)
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

func (h *Handler) authenticate(r *http.Request) (string, error) {
	authz := r.Header.Get("Authorization")
	scheme, token, found := strings.Cut(authz, " ")
	if authz == "" {
		return "", Errorf(http.StatusUnauthorized, "", "authorization required: send the company's token as \"Authorization: Bearer <token>\"")
	}
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", Errorf(http.StatusUnauthorized, "", "the Authorization header must be \"Bearer <token>\"")
	}
	return h.SignIn(r, strings.TrimSpace(token))
}

// SignIn resolves a bearer token to its tenant through Auth, counting a
// failure against the request's key in AuthFailures, as every SCIM request
// does. A sign-in form outside SCIM (a web page taking a company's token)
// calls it so that guessing there is limited alike. The error is an
// [*Error]: 401 for an unknown token, 429 with RetryAfter while the key is
// blocked, 503 with RetryAfter when Auth fails otherwise (logged).
func (h *Handler) SignIn(r *http.Request, token string) (string, error) {
	h.init()
	now := h.now()
	if wait := h.authFailures.Blocked(r, now); wait > 0 {
		h.log.WarnContext(r.Context(), "scim: authentication refused: too many failed attempts", "remote", r.RemoteAddr, "retry_after", wait)
		e := Errorf(http.StatusTooManyRequests, "", "too many failed authentication attempts; try again in %d seconds", int((wait+time.Second-1)/time.Second))
		e.RetryAfter = wait
		return "", e
	}
	if h.Auth == nil {
		return "", Errorf(http.StatusUnauthorized, "", "this endpoint has no authenticator configured")
	}
	tenant, err := h.Auth.Authenticate(r.Context(), token)
	switch {
	case err == nil && tenant != "":
		return tenant, nil
	case err == nil || errors.Is(err, ErrUnauthorized):
		h.authFailures.Fail(r, now)
		h.log.WarnContext(r.Context(), "scim: authentication failed: unknown bearer token", "remote", r.RemoteAddr, "path", r.URL.Path)
		return "", Errorf(http.StatusUnauthorized, "", "the bearer token is not valid; ask the administrator for a new one")
	default:
		h.log.ErrorContext(r.Context(), "scim: authentication unavailable", "remote", r.RemoteAddr, "path", r.URL.Path, "error", err)
		e := Errorf(http.StatusServiceUnavailable, "", "the bearer token cannot be checked right now; try again later")
		e.RetryAfter = authRetryAfter
		return "", e
	}
}

// authRetryAfter is the Retry-After of a 503 for an authenticator outage.
const authRetryAfter = 30 * time.Second

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
	return scheme + "://" + r.Host + mount
}

func (req *request) loadModel() error {
	if req.h.models == nil {
		req.model = defaultModel
		return nil
	}
	m, err := req.h.models.Model(req.ctx, req.tenant)
	if err != nil {
		return err
	}
	req.model = m
	return nil
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
	hdr := w.Header()
	hdr["Content-Type"] = []string{MediaType}
	hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
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
	if ct := req.r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" && mt != "application/scim+json" {
			return nil, Errorf(http.StatusUnsupportedMediaType, "", "Content-Type %q is not supported; send application/scim+json or application/json", ct)
		}
	}
	limit := req.h.maxBody()
	body, err := io.ReadAll(http.MaxBytesReader(req.w, req.r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, Errorf(http.StatusRequestEntityTooLarge, "", "the request body is larger than %d bytes", limit)
		}
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "reading the request body: %v", err)
	}
	return body, nil
}

func (req *request) writeJSON(status int, body []byte) {
	writeBody(req.w, status, body)
}

// nextVersion returns the weak ETag following v: W/"1", W/"2", ...
func nextVersion(v string) string {
	n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(v, `W/"`), `"`), 10, 64)
	return `W/"` + strconv.FormatUint(n+1, 10) + `"`
}

// etagMatches reports whether an If-Match / If-None-Match header value
// matches version, comparing weakly (RFC 7232 §2.3.2) and honouring "*".
func etagMatches(header, version string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == strings.TrimPrefix(version, "W/") {
			return true
		}
	}
	return false
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
