package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/examples/server/internal/webui"
	"github.com/scimkit/scim/internal/demo"
)

// logSize is how many requests the provisioning log keeps per company.
const logSize = 300

// maxHeaderBytes bounds a request's header, its request line included.
const maxHeaderBytes = 64 << 10

// siteOptions are the command line's settings of the web page.
type siteOptions struct {
	// TrustedProxies are the addresses of the reverse proxies in front of
	// the server (-trusted-proxy): their X-Forwarded-Proto is believed, so
	// that the session cookie is Secure behind a proxy that terminates TLS.
	TrustedProxies []netip.Prefix
}

// prefixFlag is the flag.Func that appends the prefixes of each use of a
// flag to dst.
func prefixFlag(dst *[]netip.Prefix) func(string) error {
	return func(s string) error {
		p, err := parsePrefixes(s)
		*dst = append(*dst, p...)
		return err
	}
}

// parsePrefixes reads a comma-separated list of addresses and CIDR
// prefixes ("10.0.0.0/8,192.0.2.1").
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Attributes of log records longer than these are cut: "path" (an
// unrouted path is logged, at Warn, for any client, before
// authentication) and "detail" (which may repeat it).
const (
	maxLoggedPath   = 256
	maxLoggedDetail = 512
)

// clippedLog is a slog.Handler that cuts the path and detail of records
// to maxLoggedPath and maxLoggedDetail bytes, so that a client cannot
// write a megabyte to the server's log with each request.
type clippedLog struct{ slog.Handler }

func (h clippedLog) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(clipAttr(a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h clippedLog) WithAttrs(as []slog.Attr) slog.Handler {
	for i := range as {
		as[i] = clipAttr(as[i])
	}
	return clippedLog{h.Handler.WithAttrs(as)}
}

func (h clippedLog) WithGroup(name string) slog.Handler {
	return clippedLog{h.Handler.WithGroup(name)}
}

func clipAttr(a slog.Attr) slog.Attr {
	limit := 0
	switch a.Key {
	case "path":
		limit = maxLoggedPath
	case "detail":
		limit = maxLoggedDetail
	default:
		return a
	}
	if a.Value.Kind() != slog.KindString || len(a.Value.String()) <= limit {
		return a
	}
	v := a.Value.String()
	cut := limit
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return slog.String(a.Key, fmt.Sprintf("%s… (%d bytes)", v[:cut], len(v)))
}

// site assembles what the demo serves: the SCIM endpoint under
// demo.Prefixes, the web page at /, and Prometheus metrics at /metrics.
// The provisioning log and the metrics are fed by the SCIM handler's
// OnChange and OnRequest hooks; the page's event streams end with ctx.
func site(ctx context.Context, d *demo.Demo, logger *slog.Logger, opts siteOptions) (http.Handler, error) {
	plog := webui.NewLog(logSize)
	m := newMetrics()
	d.SCIM.OnChange = plog.OnChange
	d.SCIM.OnRequest = func(ctx context.Context, info scim.RequestInfo) {
		m.observe(ctx, info)
		plog.OnRequest(ctx, info)
	}
	ui, err := webui.New(ctx, webui.Config{
		Companies: d.Companies,
		SignIn:    d.SCIM.SignIn,
		Store:     d.Store,
		SCIM:      d.SCIM,
		Log:       plog,
		SCIMPath:  demo.Prefixes[0],
		Logger:    logger,

		TrustedProxies: opts.TrustedProxies,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	// The SCIM handler itself under each prefix: the mux demo.NewHandler
	// returns would route each request a second time.
	scimLogged := plog.Wrap(d.SCIM)
	for _, p := range demo.Prefixes {
		mux.Handle(p+"/", scimLogged)
	}
	// Not "GET /metrics": a pattern with a method makes the mux match
	// every request's path twice, with the method and without, which cost
	// the SCIM requests two allocations each.
	mux.Handle("/metrics", readOnly(m.handler()))
	mux.Handle("/", ui)
	return mux, nil
}

// readOnly serves GET and HEAD with h and answers other methods 405, as
// a "GET" pattern of the mux would.
func readOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}
