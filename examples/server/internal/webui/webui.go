// Package webui is the demo server's web page: a company's employees, one
// employee's activation history and SCIM JSON, survey eligibility, and the
// live provisioning log, behind a sign-in with the company's bearer token.
//
// It is for the demo only (examples/server), so that the library's packages
// build none of it.
package webui

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim"
)

//go:embed templates/*.html static/*
var files embed.FS

// Config describes a UI.
type Config struct {
	// Companies signs companies in by their bearer token and gives their
	// names and attribute models.
	Companies *scim.Companies
	// SignIn checks a token typed into the sign-in form through the SCIM
	// handler's authentication, so that failed attempts are limited and
	// logged as for SCIM requests (scim.Handler.SignIn). Required.
	SignIn func(r *http.Request, token string) (company string, err error)
	// Store keeps the users.
	Store scim.Store
	// SCIM is the handler serving the SCIM endpoint: an employee's page
	// shows their JSON as its GET /Users/{id} answers, rendered by a
	// handler configured as this one (see newViewer). Required.
	SCIM *scim.Handler
	// Log is the provisioning log the page shows, live.
	Log *Log
	// SCIMPath is the path the SCIM endpoint is served at, for the links
	// of the JSON shown (e.g. "/scim/v2").
	SCIMPath string
	// Heartbeat is how often an idle event stream sends a comment, which
	// keeps proxies from closing it; default 15s.
	Heartbeat time.Duration
	// Logger receives the page's own errors (store failures); nil means
	// slog.Default().
	Logger *slog.Logger
	// TrustedProxies are the addresses of the reverse proxies in front of
	// the server. A request from one of them that says, in
	// X-Forwarded-Proto, that the browser used https gets a Secure session
	// cookie, as a request over TLS does; from anyone else the header is
	// ignored.
	TrustedProxies []netip.Prefix

	// MaxSessions bounds the sessions kept, all companies together, and
	// MaxCompanySessions each company's: a sign-in past a limit ends the
	// oldest session of the company, or of all. Defaults
	// DefaultMaxSessions and DefaultMaxCompanySessions.
	MaxSessions, MaxCompanySessions int
	// MaxStreams, MaxCompanyStreams and MaxSessionStreams bound the open
	// event streams of the live log, in all, per company and per session:
	// past them /events answers 429. Defaults DefaultMaxStreams,
	// DefaultMaxCompanyStreams and DefaultMaxSessionStreams.
	MaxStreams, MaxCompanyStreams, MaxSessionStreams int
}

// UI serves the page. Create it with New.
type UI struct {
	cfg      Config
	done     <-chan struct{}
	pages    map[string]*template.Template
	sessions *sessions
	log      *slog.Logger
	handler  http.Handler
	viewer   *scim.Handler // see newViewer
	// skew moves the clock of sessions, for tests.
	skew atomic.Int64
}

// now is the clock of sessions.
func (ui *UI) now() time.Time {
	return time.Now().Add(time.Duration(ui.skew.Load()))
}

// New returns the UI. Its event streams end when ctx is done, so that a
// server shutting down need not wait for them.
func New(ctx context.Context, cfg Config) (*UI, error) {
	if cfg.Companies == nil || cfg.SignIn == nil || cfg.Store == nil || cfg.Log == nil || cfg.SCIM == nil {
		return nil, errors.New("webui: Companies, SignIn, Store, SCIM and Log are required")
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	ui := &UI{cfg: cfg, done: ctx.Done(), pages: make(map[string]*template.Template), log: cfg.Logger}
	if ui.log == nil {
		ui.log = slog.Default()
	}
	ui.sessions = newSessions(&ui.cfg)
	ui.viewer = newViewer(cfg.SCIM, cfg.SCIMPath, &ui.cfg)
	base, err := template.New("").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"signin", "dashboard", "employee", "eligibility", "notfound"} {
		t, err := template.Must(base.Clone()).ParseFS(files, "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		ui.pages[name] = t
	}
	static, _ := fs.Sub(files, "static")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", ui.home)
	mux.HandleFunc("POST /login", ui.login)
	mux.HandleFunc("POST /logout", ui.logout)
	mux.HandleFunc("GET /employees", ui.signedIn(ui.employeesFragment))
	mux.HandleFunc("GET /employees/{id}", ui.signedIn(ui.employee))
	mux.HandleFunc("GET /eligibility", ui.signedIn(ui.eligibility))
	mux.HandleFunc("GET /events", ui.signedIn(ui.events))
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		ui.render(w, http.StatusNotFound, "notfound", &page{Title: "Not found"})
	})
	// Refuse cross-site POSTs (Sec-Fetch-Site and Origin): with the
	// SameSite cookie, no other site can sign a browser in or out.
	ui.handler = http.NewCrossOriginProtection().Handler(mux)
	return ui, nil
}

// ServeHTTP implements http.Handler.
func (ui *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	ui.handler.ServeHTTP(w, r)
}

// page is what every template gets.
type page struct {
	Title   string
	Company *scim.Company
	// Live loads the script that follows the provisioning log.
	Live bool
	// LastSeq is the newest log entry rendered; the stream resumes after it.
	LastSeq     uint64
	Error       string
	Employees   *employeesView
	Log         []logRow
	Employee    *employeeView
	Eligibility *eligibilityView
}

func (ui *UI) render(w http.ResponseWriter, status int, name string, p *page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := ui.pages[name].ExecuteTemplate(w, "layout", p); err != nil {
		ui.log.Error("webui: rendering a page", "page", name, "error", err)
	}
}

// fail renders a failure of the store or the company's model: logged,
// and told the reader in general terms (a store's error may name tables,
// hosts or queries).
func (ui *UI) fail(w http.ResponseWriter, r *http.Request, co *scim.Company, err error) {
	ui.log.ErrorContext(r.Context(), "webui: serving a page", "path", clip(r.URL.Path, maxPathBytes), "error", err)
	ui.render(w, http.StatusInternalServerError, "notfound", &page{Title: "Error", Company: co, Error: failMessage})
}

// failMessage is what a page says when the store failed.
const failMessage = "The page could not be read from the store. Try again in a moment; the server's log has the details."

// home is the sign-in form, or once signed in, the company's employees
// and provisioning log.
func (ui *UI) home(w http.ResponseWriter, r *http.Request) {
	_, co, err := ui.session(r)
	if err != nil {
		ui.fail(w, r, nil, err)
		return
	}
	if co == nil {
		ui.render(w, http.StatusOK, "signin", &page{Title: "Sign in"})
		return
	}
	ev, err := ui.employees(r, co)
	if err != nil {
		ui.fail(w, r, co, err)
		return
	}
	p := &page{Title: "Employees", Company: co, Live: true, Employees: ev}
	for _, e := range ui.cfg.Log.Entries(co.ID) {
		p.Log = append(p.Log, newLogRow(e))
		p.LastSeq = max(p.LastSeq, e.Seq)
	}
	ui.render(w, http.StatusOK, "dashboard", p)
}

// employeesFragment is the employees section alone, which the page's
// script fetches when the log shows a change.
func (ui *UI) employeesFragment(w http.ResponseWriter, r *http.Request, co *scim.Company, _ *session) {
	ev, err := ui.employees(r, co)
	if err != nil {
		ui.fail(w, r, co, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := ui.pages["dashboard"].ExecuteTemplate(w, "employees", ev); err != nil {
		ui.log.Error("webui: rendering employees", "error", err)
	}
}

// login signs a company in by its bearer token.
func (ui *UI) login(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSpace(r.PostFormValue("token"))
	if token == "" {
		ui.render(w, http.StatusUnauthorized, "signin", &page{Title: "Sign in", Error: "Paste your company's bearer token."})
		return
	}
	id, err := ui.cfg.SignIn(r, token)
	if err != nil || id == "" {
		var e *scim.Error
		if errors.As(err, &e) && e.Status != http.StatusUnauthorized {
			if e.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
			}
			ui.render(w, e.Status, "signin", &page{Title: "Sign in", Error: e.Detail})
			return
		}
		ui.render(w, http.StatusUnauthorized, "signin", &page{Title: "Sign in", Error: "That token was refused: it is no company's bearer token."})
		return
	}
	ok, err := ui.startSession(w, r, id, token)
	if err != nil {
		ui.fail(w, r, nil, err)
		return
	}
	if !ok { // revoked or expired since it was checked
		ui.render(w, http.StatusUnauthorized, "signin", &page{Title: "Sign in", Error: "That token was refused: it is no company's bearer token."})
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (ui *UI) logout(w http.ResponseWriter, r *http.Request) {
	ui.endSession(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// signedIn serves h to a signed-in company and the sign-in form to anyone
// else (a session that has ended, with its token or otherwise, included).
func (ui *UI) signedIn(h func(http.ResponseWriter, *http.Request, *scim.Company, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		se, co, err := ui.session(r)
		if err != nil {
			ui.fail(w, r, nil, err)
			return
		}
		if co == nil {
			ui.render(w, http.StatusUnauthorized, "signin", &page{Title: "Sign in", Error: "Sign in with your company's bearer token first."})
			return
		}
		h(w, r, co, se)
	}
}

// secure reports whether the browser's connection is over TLS, so that
// the session cookie is Secure: the request came over TLS, or from a
// trusted proxy that says the browser used https (the first value of
// X-Forwarded-Proto, which the proxy nearest the browser set).
func (ui *UI) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if len(ui.cfg.TrustedProxies) == 0 || !ui.fromTrustedProxy(r) {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// fromTrustedProxy reports whether the request's peer is a trusted proxy.
func (ui *UI) fromTrustedProxy(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap()
	for _, p := range ui.cfg.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

var funcs = template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
}
