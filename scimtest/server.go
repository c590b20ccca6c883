package scimtest

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/demo"
)

// Server is a fake Peakon SCIM endpoint running in the test process. It
// serves the library's real scim.Handler over an in-memory store, exactly as
// the demo server does, and records every request it answers. Create one
// with NewServer; all its methods are safe for concurrent use.
type Server struct {
	srv     *httptest.Server
	demo    *demo.Demo
	company string
	token   string
	recCap  int
	closing chan struct{}
	once    sync.Once

	mu       sync.Mutex
	idle     sync.Cond // signalled when inflight drops to 0
	inflight int
	seq      int
	requests []Request
	faults   []*faultRule
}

// NewServer starts a fake Peakon endpoint for the test and stops it when
// the test ends (through t.Cleanup). It fails the test if an option is
// invalid or a seeded user is rejected.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a fake Peakon endpoint outside a test: in TestMain, in an
// example or a benchmark. The caller must Close it. Tests should prefer
// NewServer, which closes it for them.
func Start(opts ...Option) (*Server, error) {
	cfg := config{recordLimit: DefaultRecordLimit}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	s := &Server{recCap: cfg.recordLimit, closing: make(chan struct{})}
	s.idle.L = &s.mu
	var tokens []string
	if cfg.token != "" {
		tokens = []string{cfg.token}
	}
	h, d, err := demo.NewHandler(context.Background(), demo.Config{
		Tokens:     tokens, // none: a random one
		Attributes: cfg.attrs,
		RateLimit:  cfg.rateLimit,
		Store:      scim.NewMemoryStore(),
		Logger:     cfg.logger,
		Now:        cfg.now,
		NewID:      cfg.newID,
		Groups:     cfg.groups,
	})
	if err != nil {
		return nil, fmt.Errorf("scimtest: %w", err)
	}
	s.demo, s.company, s.token = d, d.Tenants[0].ID, d.Tenants[0].Token
	handler := http.Handler(&recorder{s: s, next: h})
	s.srv = httptest.NewUnstartedServer(handler)
	// The http.Server's own complaints (TLS handshakes with clients that do
	// not trust the certificate) go to the logger, if any.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if cfg.logger != nil {
		s.srv.Config.ErrorLog = slog.NewLogLogger(cfg.logger.Handler(), slog.LevelError)
	}
	if cfg.tls {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	// Seed once the server has its address, for the references (the
	// manager's $ref) the handler builds from it.
	for _, u := range cfg.users {
		if _, err := s.AddUser(u); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close stops the server, ending delayed requests early. It is called
// automatically for servers made by NewServer.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.srv.Close()
	})
}

// Wait blocks until every request the server has begun to handle has
// been answered and recorded. After a client gives up on a request (a
// timeout during a Delay fault, say), Wait lets the test check the record
// and the state without racing the server.
func (s *Server) Wait() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.inflight > 0 {
		s.idle.Wait()
	}
}

// URL returns the base URL of the SCIM endpoint, like Peakon's
// https://api.peakon.com/scim/v2: the URL a client is configured with.
// The same endpoint is also served under /api/scim/v2 (see APIURL).
func (s *Server) URL() string { return s.srv.URL + demo.Prefixes[0] }

// APIURL returns the endpoint's other base URL, under /api/scim/v2, the
// prefix of Peakon's OpenAPI reference.
func (s *Server) APIURL() string { return s.srv.URL + demo.Prefixes[1] }

// Token returns the company's bearer token.
func (s *Server) Token() string { return s.token }

// Client returns a new *http.Client that sends the bearer token with every
// request (unless the request already carries an Authorization header)
// and, with WithTLS, trusts the server's certificate.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: &authTransport{token: s.token, base: s.srv.Client().Transport}}
}

// Certificate returns the server's TLS certificate with WithTLS, else nil.
func (s *Server) Certificate() *x509.Certificate {
	if s.srv.TLS == nil {
		return nil
	}
	return s.srv.Certificate()
}

// Company returns the tenant the token belongs to.
func (s *Server) Company() string { return s.company }

// Model returns the company's attribute model: core and Enterprise schemas
// and the Peakon custom attributes (WithAttributes, SetAttributes).
func (s *Server) Model() *scim.Model {
	m, err := s.demo.Companies.Model(context.Background(), s.company)
	if err != nil {
		panic(fmt.Sprintf("scimtest: the company's model: %v", err))
	}
	return m
}

// SetAttributes replaces the company's custom attribute definitions, as a
// Peakon administrator may while a client is running. Stored values are
// kept under the display name they were written with.
func (s *Server) SetAttributes(attrs ...scim.CustomAttribute) error {
	if err := s.demo.Companies.SetAttributes(context.Background(), s.company, attrs); err != nil {
		return fmt.Errorf("scimtest: %w", err)
	}
	return nil
}

// authTransport adds the bearer token to requests that have none.
type authTransport struct {
	token string
	base  http.RoundTripper
}

func (t *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+t.token)
	}
	return t.base.RoundTrip(r)
}

// Users returns the company's employees as stored, in creation order,
// without going through HTTP (and without being recorded or faulted).
func (s *Server) Users() []*scim.User {
	q, err := s.Model().NewQuery("", "", "", 1, math.MaxInt32)
	if err != nil {
		panic(err)
	}
	page, err := s.demo.Store.ListUsers(context.Background(), s.company, q)
	if err != nil {
		panic(fmt.Sprintf("scimtest: listing users: %v", err))
	}
	for _, u := range page.Users {
		s.locate(u)
	}
	return page.Users
}

// User returns the employee with the id as stored, or nil if there is none.
func (s *Server) User(id string) *scim.User {
	u, err := s.demo.Store.GetUser(context.Background(), s.company, id)
	if err != nil {
		return nil
	}
	return s.locate(u)
}

// UserByUserName returns the employee with the userName (compared
// case-insensitively, as Peakon does), or nil if there is none.
func (s *Server) UserByUserName(userName string) *scim.User {
	q, err := s.Model().NewFilterQuery(&scim.AttrExpr{Path: scim.AttrPath{Name: "userName"}, Op: scim.OpEqual, Value: userName}, 1, 1)
	if err != nil {
		panic(err)
	}
	page, err := s.demo.Store.ListUsers(context.Background(), s.company, q)
	if err != nil || len(page.Users) == 0 {
		return nil
	}
	return s.locate(page.Users[0])
}

func (s *Server) locate(u *scim.User) *scim.User {
	u.Meta.Location = s.URL() + "/Users/" + u.ID
	return u
}

// AddUser provisions an employee directly, as if someone had created them
// in Peakon: the user goes through the same validation as a POST /Users
// (custom attribute values are canonicalised, the manager resolved) but is
// neither recorded nor faulted nor rate limited. A non-empty u.ID is kept;
// otherwise the id comes from the server's id generator. Set u.Active for
// an active employee: the zero value is inactive. It returns the stored
// user.
func (s *Server) AddUser(u *scim.User) (*scim.User, error) {
	model := s.Model()
	for name := range u.Custom {
		if model.CustomAttribute(name) == nil {
			return nil, fmt.Errorf("scimtest: user %q has custom attribute %q, which the company does not define (see WithAttributes)", u.UserName, name)
		}
	}
	main := s.demo.SCIM
	newID := main.NewID
	if u.ID != "" {
		id := u.ID
		newID = func() string { return id }
	}
	// The endpoint's handler but for the id and the rate limit.
	h := &scim.Handler{Store: main.Store, Auth: main.Auth, Models: main.Models, Logger: main.Logger, Now: main.Now, NewID: newID,
		RateLimit: scim.NewWindowLimiter(0, 0)}
	req := httptest.NewRequest(http.MethodPost, s.URL()+"/Users", bytes.NewReader(model.EncodeUser(nil, u, nil)))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		return nil, fmt.Errorf("scimtest: adding user %q: %d %s", u.UserName, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	var created struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
		return nil, fmt.Errorf("scimtest: adding user %q: %w", u.UserName, err)
	}
	return s.User(created.ID), nil
}
