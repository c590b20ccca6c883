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
	// Auth resolves bearer tokens to tenants. Required: every endpoint,
	// discovery included, needs a token, because schemas are per company.
	Auth Authenticator
	// Models returns a tenant's attribute model (its Peakon custom
	// attributes). Nil gives every tenant the core and Enterprise schemas
	// and no custom attributes.
	Models ModelSource

	// MaxBodyBytes limits request bodies; larger ones get 413. Default 1 MiB.
	MaxBodyBytes int64
	// DefaultPageSize is the page size when a list request names no count
	// (default 100); MaxPageSize caps count (default 1000).
	DefaultPageSize int
	MaxPageSize     int
	// BaseURL, when set, is the absolute URL the endpoint is served at
	// (e.g. "https://api.example.com/scim/v2"), used in meta.location.
	// When empty it is derived from each request.
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
	// the answer is 429 with Retry-After. Nil applies Peakon's limit,
	// DefaultRateLimit operations per hour per company, counted by this
	// handler; NewWindowLimiter(0, 0) turns limiting off.
	RateLimit RateLimiter

	// OnChange, when set, is called after every committed change of a
	// user, in the request's goroutine, in commit order for each user.
	OnChange func(ctx context.Context, e Event)
	// Logger receives errors and recovered panics. Nil logs nothing.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now. Tests set a clock.
	Now func() time.Time
	// NewID returns a new user id; nil means a random UUID.
	NewID func() string

	once     sync.Once
	validate *validator.Validate
	log      *slog.Logger

	defaultLimiter *WindowLimiter // used when RateLimit is nil
}

// ModelSource returns the attribute model of a tenant.
type ModelSource interface {
	Model(ctx context.Context, tenant string) (*Model, error)
}

func (h *Handler) init() {
	h.once.Do(func() {
		h.validate = newValidator()
		if h.RateLimit == nil {
			h.defaultLimiter = NewWindowLimiter(DefaultRateLimit, time.Hour)
		}
		h.log = h.Logger
		if h.log == nil {
			h.log = slog.New(slog.DiscardHandler)
		}
	})
}

func (h *Handler) maxBody() int64 {
	if h.MaxBodyBytes > 0 {
		return h.MaxBodyBytes
	}
	return 1 << 20
}

func (h *Handler) pageSizes() (def, maxSize int) {
	def, maxSize = h.DefaultPageSize, h.MaxPageSize
	if maxSize <= 0 {
		maxSize = 1000
	}
	if def <= 0 {
		def = 100
	}
	return min(def, maxSize), maxSize
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
	store  Store  // h.Store, or the batch a bulk request runs in
	base   string // absolute base URL of the endpoint, no trailing slash

	deferEvents bool    // inside a bulk batch: hold events until commit
	pending     []Event // the events held
}

// endpoints are the resource paths this handler serves; the mount prefix is
// whatever precedes the first of them.
var endpoints = [...]string{"Users", "Groups", "Schemas", "ResourceTypes", "ServiceProviderConfig", "Bulk", "Me"}

// route splits a URL path into the mount prefix, the endpoint and the rest.
func route(path string) (prefix, endpoint, rest string, ok bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		for _, e := range endpoints {
			if strings.EqualFold(s, e) {
				return "/" + strings.Join(segs[:i], "/"), e, strings.Join(segs[i+1:], "/"), true
			}
		}
	}
	return "", "", "", false
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.init()
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.ErrorContext(r.Context(), "scim: panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			writeError(w, &Error{Status: http.StatusInternalServerError, Detail: "internal server error"})
		}
	}()
	_, endpoint, rest, ok := route(r.URL.Path)
	if !ok {
		writeError(w, Errorf(http.StatusNotFound, "", "no SCIM endpoint at %s; Peakon serves /Users, /Schemas, /ResourceTypes and /ServiceProviderConfig", r.URL.Path))
		return
	}
	tenant, err := h.authenticate(r)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
		writeError(w, err)
		return
	}
	req := &request{h: h, w: w, r: r, ctx: r.Context(), tenant: tenant, store: h.Store, base: h.baseURL(r)}
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
	if h.Auth == nil {
		return "", Errorf(http.StatusUnauthorized, "", "this endpoint has no authenticator configured")
	}
	tenant, err := h.Auth.Authenticate(r.Context(), strings.TrimSpace(token))
	if err != nil || tenant == "" {
		return "", Errorf(http.StatusUnauthorized, "", "the bearer token is not valid; generate a new one in Peakon (Administration > Integrations > Employee provisioning)")
	}
	return tenant, nil
}

// baseURL returns the absolute URL the endpoint is mounted at. The prefix is
// found in the original request URI, so it is right under http.StripPrefix.
func (h *Handler) baseURL(r *http.Request) string {
	if h.BaseURL != "" {
		return strings.TrimSuffix(h.BaseURL, "/")
	}
	path := r.URL.Path
	if r.RequestURI != "" {
		if p, _, _ := strings.Cut(r.RequestURI, "?"); strings.HasPrefix(p, "/") {
			path = p
		}
	}
	prefix, _, _, _ := route(path)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	} else if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host + strings.TrimSuffix(prefix, "/")
}

func (req *request) loadModel() error {
	if req.h.Models == nil {
		req.model = defaultModel
		return nil
	}
	m, err := req.h.Models.Model(req.ctx, req.tenant)
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
	writeError(req.w, e)
}

func writeError(w http.ResponseWriter, err error) {
	e := asError(err)
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
		return nil, Errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "reading the request body: %v", err)
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
	s := req.r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s must be an integer, not %q", name, s)
	}
	return n, nil
}

func (req *request) location(id string) string { return req.base + "/Users/" + id }
