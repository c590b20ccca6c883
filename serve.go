package scim

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

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

	memberFilters int // group PATCH removes by a member filter, all operations of a bulk together
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
