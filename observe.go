package scim

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// RequestInfo describes one request the [Handler] served, for access logs
// and metrics: it is what Handler.OnRequest receives and what the access
// log records.
//
// Method, Route and Status take a few fixed values whatever a client
// sends, so they may serve as metric labels. Path, Error.Detail (which may
// quote the client's input) and Company (before authentication it is
// empty; after, it is a tenant of the server, as many as there are
// companies) are not fit for labels: Path in particular is chosen by any
// client, up to the server's header limit (1 MiB by default), before
// authentication.
type RequestInfo struct {
	// Method is the request's method if it is one of GET, HEAD, POST, PUT,
	// PATCH, DELETE and OPTIONS, else [MethodOther]: net/http accepts any
	// token as a method, so the raw one is the client's choice. It is
	// always one of net/http's constants or MethodOther, never a slice of
	// the request: a hook may keep it without keeping the request.
	Method string
	// Route is the endpoint's pattern, such as "/Users/{id}", not the raw
	// path: one of "/{endpoint}", "/{endpoint}/{id}", "/Users/.search" and
	// "/Groups/.search" for the endpoints the handler serves; "" for a path
	// that is no SCIM endpoint.
	Route string
	// Path is the request's URL path as received: client-controlled.
	Path     string
	Status   int
	Duration time.Duration
	// Company is the tenant the bearer token belongs to; "" when the
	// request was not authenticated.
	Company string
	// BulkOperations is the number of operations of a bulk request.
	BulkOperations int
	// Error is the SCIM error the request was answered with, nil on
	// success. Failures of single bulk operations are in the bulk response
	// only.
	Error *Error
	// Cause, for a server-side failure (a 500), is the error behind it:
	// the store's or the model source's.
	Cause error
}

// MethodOther is [RequestInfo].Method for a request whose method is none
// of GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS.
const MethodOther = "OTHER"

// knownMethod maps a request's method to the fixed set of
// [RequestInfo].Method. Methods are case-sensitive (RFC 9110 §9.1): "get"
// is another method.
func knownMethod(m string) string {
	for _, k := range [...]string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		if m == k {
			return k // the constant, not m: see RequestInfo.Method
		}
	}
	return MethodOther
}

// IsWrite reports whether the request is one that may change data (POST,
// PUT, PATCH, DELETE, bulk), as opposed to a read (GET, and the searches,
// POST /Users/.search and /Groups/.search).
func (ri *RequestInfo) IsWrite() bool {
	switch ri.Method {
	case http.MethodGet, http.MethodHead:
		return false
	case http.MethodPost:
		return ri.Route != "/Users/.search" && ri.Route != "/Groups/.search"
	}
	return true
}

// observed is the http.ResponseWriter of a request while it is observed:
// it records the status and what the handler learns on the way (company,
// error, bulk operations) for [RequestInfo].
type observed struct {
	http.ResponseWriter
	info     RequestInfo
	start    time.Time
	wrote    bool
	detached detached // the context OnRequest gets
}

func (o *observed) WriteHeader(status int) {
	if !o.wrote {
		o.info.Status, o.wrote = status, true
	}
	o.ResponseWriter.WriteHeader(status)
}

func (o *observed) Write(b []byte) (int, error) {
	if !o.wrote {
		o.info.Status, o.wrote = http.StatusOK, true
	}
	return o.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (o *observed) Unwrap() http.ResponseWriter { return o.ResponseWriter }

// observe starts observing a request when an access log or OnRequest is
// configured, or returns nil; finish reports it once the response is
// written.
func (h *Handler) observe(w http.ResponseWriter, r *http.Request, endpoint, rest string, routed bool) *observed {
	if h.Logger == nil && h.OnRequest == nil {
		return nil
	}
	o := &observed{ResponseWriter: w, start: h.now()}
	o.info.Method, o.info.Path = knownMethod(r.Method), r.URL.Path
	if routed {
		o.info.Route = routePattern(endpoint, rest)
	}
	return o
}

// finish reports an observed request once its response is written: the
// access log record and OnRequest.
func (h *Handler) finish(ctx context.Context, o *observed) {
	o.info.Duration = h.now().Sub(o.start)
	if !o.wrote {
		o.info.Status = http.StatusOK
	}
	h.report(ctx, o)
}

// routePattern names an endpoint's route for logs and metrics, from a
// table made once, so that no request concatenates it.
func routePattern(endpoint, rest string) string {
	n := routePatterns[endpoint]
	switch {
	case rest == "":
		return n.list
	case rest == ".search" && n.search != "":
		return n.search
	}
	return n.item
}

// routeNames are an endpoint's route patterns; search only for the
// endpoints with a .search.
type routeNames struct{ list, search, item string }

var routePatterns = func() map[string]routeNames {
	m := make(map[string]routeNames, len(endpoints))
	for _, e := range endpoints {
		n := routeNames{list: "/" + e, item: "/" + e + "/{id}"}
		if e == "Users" || e == "Groups" {
			n.search = "/" + e + "/.search"
		}
		m[e] = n
	}
	return m
}()

// observedCompany records the authenticated company of an observed request.
func observedCompany(w http.ResponseWriter, company string) {
	if o, ok := w.(*observed); ok {
		o.info.Company = company
	}
}

// observedBulk records the number of operations of an observed bulk request.
func observedBulk(w http.ResponseWriter, n int) {
	if o, ok := w.(*observed); ok {
		o.info.BulkOperations = n
	}
}

// observedError records the error an observed request is answered with.
func observedError(w http.ResponseWriter, err error) {
	o, ok := w.(*observed)
	if !ok {
		return
	}
	o.info.Error = asError(err)
	var e *Error
	if o.info.Error.Status == http.StatusInternalServerError && !errors.As(err, &e) {
		o.info.Cause = err
	}
}

// report writes the access log record of an observed request and calls
// OnRequest with o's detached context, which context.WithoutCancel would
// have allocated.
func (h *Handler) report(ctx context.Context, o *observed) {
	if h.Logger != nil {
		h.accessLog(ctx, &o.info)
	}
	if h.OnRequest != nil {
		o.detached = detached{ctx}
		h.OnRequest(&o.detached, o.info)
	}
}

// accessLog writes one record for a request: server errors at Error,
// rejected requests (bad input, a refused token, the rate limit) at Warn,
// writes at Info and reads at Debug, so that a production service logging
// at Info sees every change and every problem but not the reads.
func (h *Handler) accessLog(ctx context.Context, info *RequestInfo) {
	level := slog.LevelDebug
	switch {
	case info.Status >= 500:
		level = slog.LevelError
	case info.Status >= 400:
		level = slog.LevelWarn
	case info.IsWrite():
		level = slog.LevelInfo
	}
	if !h.Logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs,
		slog.String("method", info.Method),
		slog.String("route", info.Route),
		slog.Int("status", info.Status),
		slog.Duration("duration", info.Duration),
	)
	if info.Company != "" {
		attrs = append(attrs, slog.String("company", info.Company))
	}
	if info.BulkOperations > 0 {
		attrs = append(attrs, slog.Int("bulkOperations", info.BulkOperations))
	}
	if info.Error != nil {
		if info.Error.SCIMType != "" {
			attrs = append(attrs, slog.String("scimType", info.Error.SCIMType))
		}
		attrs = append(attrs, slog.String("detail", info.Error.Detail))
	}
	if info.Route == "" {
		// An unrouted path is the client's, before authentication, and
		// may be a megabyte long: the log keeps its start.
		attrs = append(attrs, slog.String("path", shortPath(info.Path)))
	}
	h.Logger.LogAttrs(ctx, level, "scim request", attrs...)
}
