// Command server runs a Peakon-like SCIM 2.0 endpoint for demos and manual
// testing with Okta, Entra ID or curl:
//
//	go run ./examples/server -token tok-a-123456 -token tok-b-123456 \
//		-attrs "Department:option,Business Unit:option,Employed Since:date:Employed_Since,Manager:employee,Salary:number"
//
// Each -token creates a company with that bearer token (with none, one
// company gets a random token, or $SCIM_TOKEN); every company gets the
// custom attributes of -attrs. It serves both /scim/v2 and /api/scim/v2 and
// prints the base URL and the tokens to use.
//
// Instances on one database sign their cursors (RFC 9865 paging) with a
// key the database keeps, so a cursor walk may reach any of them, and
// outlives a restart; $SCIM_CURSOR_KEY (32 characters or more, the same in
// every instance: openssl rand -base64 32) sets one instead. The web page's
// sign-ins, provisioning log and metrics are each instance's own: route a
// browser to one instance (sticky sessions) and scrape every instance.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/examples/internal/httpserver"
	"github.com/scimkit/scim/internal/attrspec"
	"github.com/scimkit/scim/internal/demo"
	"github.com/scimkit/scim/sqlstore"
	"github.com/scimkit/scim/sqlstore/postgres"
	"github.com/scimkit/scim/sqlstore/sqlite"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// backend is what a store must be for the demo: users and companies.
type backend interface {
	scim.Store
	scim.CompanyStore
}

// config is the parsed command line.
type config struct {
	addr, storeKind, dsn string
	tokens               []string
	attrs                []scim.CustomAttribute
	rateLimit            int
	verbose              bool
	groups               bool
	trustedProxies       []netip.Prefix
	cursorKey            []byte // $SCIM_CURSOR_KEY; nil: the store's
}

// minCursorKey is the least length of $SCIM_CURSOR_KEY: 32 bytes of key,
// as the handler's own random one has.
const minCursorKey = 32

func parseFlags(args []string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.Func("token", "bearer token of a company; repeat for more companies (default $SCIM_TOKEN, else a random one)", func(s string) error {
		c.tokens = append(c.tokens, s)
		return nil
	})
	attrs := fs.String("attrs", "", `custom attributes of every company, as comma-separated name:type[:alias...], e.g. "Department:option,Employed Since:date:Employed_Since"; types: option, date, number, employee`)
	fs.IntVar(&c.rateLimit, "rate-limit", scim.DefaultRateLimit, "operations per hour per company (0: no limit)")
	fs.StringVar(&c.storeKind, "store", "sqlite", "store: sqlite (a file), postgres, or memory")
	fs.StringVar(&c.dsn, "dsn", "", `data source: the SQLite file (default "scimkit.db"), or a PostgreSQL URL such as postgres://user:pass@localhost/db`)
	fs.BoolVar(&c.verbose, "v", false, "log requests and errors")
	fs.BoolVar(&c.groups, "groups", false, "serve /Groups (Peakon has none: off by default)")
	fs.Func("trusted-proxy", "address or CIDR prefix of a reverse proxy in front of the server; comma-separated or repeated. Its X-Forwarded-For names the client (failed authentications count per client) and its X-Forwarded-Proto says whether the client used TLS (the session cookie is then Secure)", prefixFlag(&c.trustedProxies))
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.rateLimit < 0 {
		return nil, errors.New("-rate-limit must be 0 (no limit) or more")
	}
	var err error
	if c.attrs, err = attrspec.Parse(*attrs); err != nil {
		return nil, fmt.Errorf("-attrs: %w", err)
	}
	if len(c.tokens) == 0 {
		if t := os.Getenv("SCIM_TOKEN"); t != "" {
			c.tokens = []string{t}
		}
	}
	if k := os.Getenv("SCIM_CURSOR_KEY"); k != "" {
		if len(k) < minCursorKey {
			return nil, fmt.Errorf("$SCIM_CURSOR_KEY has %d characters: it needs %d or more, the same in every instance (openssl rand -base64 32 makes one)", len(k), minCursorKey)
		}
		c.cursorKey = []byte(k)
	}
	return c, nil
}

// company is a company the demo created, with its token's secret.
type company struct {
	*scim.Company
	token string
}

// setup creates the store, the companies and their tokens, and the handler.
// The returned close function releases the store (the SQLite file).
func setup(ctx context.Context, c *config, logger *slog.Logger) (http.Handler, []company, func() error, error) {
	logger = slog.New(clippedLog{logger.Handler()}) // no megabyte paths in the log
	var store backend
	var limiter scim.RateLimiter // nil: the demo's per-process limiter
	closeStore := func() error { return nil }
	switch c.storeKind {
	case "memory":
		store = scim.NewMemoryStore()
	case "sqlite", "postgres":
		dsn := c.dsn
		if dsn == "" && c.storeKind == "sqlite" {
			dsn = "scimkit.db"
		}
		if dsn == "" {
			return nil, nil, nil, errors.New("-store postgres needs -dsn postgres://user:pass@host/db")
		}
		open := sqlite.Open
		if c.storeKind == "postgres" {
			open = postgres.Open
		}
		st, err := open(ctx, dsn)
		if err != nil {
			return nil, nil, nil, err
		}
		// Statistics for the query planner of what the database holds.
		if err := st.Analyze(ctx); err != nil {
			st.Close()
			return nil, nil, nil, err
		}
		store, closeStore = st, st.Close
		if c.storeKind == "postgres" && c.rateLimit > 0 {
			// Instances on one database share each company's limit.
			if limiter, err = sqlstore.NewRateLimiter(st, c.rateLimit, time.Hour); err != nil {
				st.Close()
				return nil, nil, nil, err
			}
		}
	default:
		return nil, nil, nil, fmt.Errorf("unknown -store %q (sqlite, postgres, memory)", c.storeKind)
	}
	_, d, err := demo.NewHandler(ctx, demo.Config{Tokens: c.tokens, Attributes: c.attrs, RateLimit: c.rateLimit, Limiter: limiter, Store: store, Logger: logger, Groups: c.groups})
	if err != nil {
		closeStore()
		return nil, nil, nil, err
	}
	// Nil: the key the store keeps for every instance on it.
	d.SCIM.CursorKey = c.cursorKey
	if len(c.trustedProxies) > 0 {
		// Behind the proxies, count failed authentications per client.
		d.SCIM.AuthFailures = &scim.AuthLimiter{Key: scim.ForwardedForKey(c.trustedProxies...)}
	}
	mux, err := site(ctx, d, logger, siteOptions{TrustedProxies: c.trustedProxies})
	if err != nil {
		closeStore()
		return nil, nil, nil, err
	}
	var made []company
	for _, co := range d.Tenants {
		made = append(made, company{co.Company, co.Token})
	}
	return mux, made, closeStore, nil
}

func run(args []string, stdout io.Writer) error {
	c, err := parseFlags(args)
	if err != nil {
		return err
	}
	// Without -v, server errors only; with it, every request.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	if c.verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	mux, companies, closeStore, err := setup(ctx, c, logger)
	if err != nil {
		return err
	}
	defer closeStore()
	srv := newServer(c.addr, mux)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	printBanner(stdout, c, companies)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shut)
	}
}

// newServer returns the HTTP server for the handler: the examples' server,
// with every timeout set (httpserver.New). The write timeout only fails the
// response's write: the handler's own deadline (scim.DefaultRequestTimeout,
// 25 s) ends a request's work before it, with a 503 and nothing committed.
// Headers (the request line included) are bounded well below net/http's
// default megabyte: no SCIM client needs more, and a path is kept, cut, in
// logs.
func newServer(addr string, h http.Handler) *http.Server {
	srv := httpserver.New(addr, h)
	srv.MaxHeaderBytes = maxHeaderBytes
	return srv
}

func printBanner(w io.Writer, c *config, companies []company) {
	limit := "none"
	if c.rateLimit > 0 {
		limit = fmt.Sprintf("%d operations per hour per company", c.rateLimit)
	}
	fmt.Fprintf(w, "Peakon-like SCIM endpoint (store: %s, rate limit: %s)\n", c.storeKind, limit)
	fmt.Fprintf(w, "  base URL: http://%s/scim/v2  (also /api/scim/v2)\n", c.addr)
	fmt.Fprintf(w, "  web page: http://%s/  (sign in with a token below; metrics at /metrics)\n", c.addr)
	if len(c.attrs) > 0 {
		var names []string
		for _, a := range c.attrs {
			s := a.Name + " (" + a.Type
			if len(a.Aliases) > 0 {
				s += ", alias " + strings.Join(a.Aliases, ", ")
			}
			names = append(names, s+")")
		}
		fmt.Fprintf(w, "  custom attributes: %s\n", strings.Join(names, "; "))
	}
	for _, co := range companies {
		fmt.Fprintf(w, "  %s (id %s): token %s\n", co.Name, co.ID, co.token)
	}
}
