// Package demo builds the Peakon-like SCIM endpoint that the demo server
// (examples/server) runs and that package scimtest serves to test suites.
// Both call NewHandler, so the fake used in tests cannot drift from the
// endpoint people try by hand.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/scimkit/scim"
)

// Prefixes are the paths the endpoint is mounted at: the one Peakon's
// guides and client code use, and the one of its OpenAPI reference.
var Prefixes = []string{"/scim/v2", "/api/scim/v2"}

// Backend is what a store must be for the demo: users and companies.
type Backend interface {
	scim.Store
	scim.CompanyStore
}

// Config describes a demo endpoint.
type Config struct {
	// Tokens creates one company per token ("Company 1", "Company 2", ...)
	// with that bearer token. With none, one company gets a random token.
	Tokens []string
	// Attributes are every company's Peakon custom attributes.
	Attributes []scim.CustomAttribute
	// RateLimit is the number of operations each company may make per
	// hour (Peakon allows scim.DefaultRateLimit); over it, requests get 429
	// with Retry-After. Zero means no limit.
	RateLimit int
	// Limiter, when set, counts RateLimit instead of a per-process
	// scim.WindowLimiter: on PostgreSQL, a sqlstore.RateLimiter shared by
	// every instance.
	Limiter scim.RateLimiter
	// Store keeps users and companies; nil means a new scim.MemoryStore.
	Store Backend
	// Logger receives the handler's errors and its access log; nil sends
	// the errors to slog.Default() and logs no requests.
	Logger *slog.Logger
	// Groups serves /Groups, when Store is also a scim.GroupStore (as the
	// memory and SQL stores are).
	Groups bool
	// Now and NewID override the clock (of the handler, the rate limit and
	// the companies) and the user id generator.
	Now   func() time.Time
	NewID func() string
}

// tokenCompany returns the company of the token tok, with attrs: the one
// a persistent store already holds from an earlier run, or a new one named
// name. Instances started together on one database race to create it; the
// token's hash is unique, so a loser's AddToken fails with ErrConflict,
// and it erases the company it made and takes the winner's.
func tokenCompany(ctx context.Context, companies *scim.Companies, tok, name string, attrs []scim.CustomAttribute) (*scim.Company, error) {
	var authErr error
	for range 2 {
		var id string
		if id, authErr = companies.Authenticate(ctx, tok); authErr == nil {
			if err := companies.SetAttributes(ctx, id, attrs); err != nil {
				return nil, err
			}
			return companies.Company(ctx, id)
		}
		co, err := companies.Create(ctx, name, attrs)
		if err != nil {
			return nil, err
		}
		_, err = companies.AddToken(ctx, co.ID, "-token flag", tok)
		if err == nil {
			return co, nil
		}
		if derr := companies.Delete(ctx, co.ID); derr != nil || !errors.Is(err, scim.ErrConflict) {
			return nil, errors.Join(err, derr)
		}
	}
	return nil, fmt.Errorf("the token is stored but does not open a company (expired?): %w", authErr)
}

// Company is a company the demo created, with its token's secret.
type Company struct {
	*scim.Company
	Token string
}

// Demo is what NewHandler built, for callers that need more than the
// http.Handler.
type Demo struct {
	// SCIM is the handler mounted under every one of Prefixes.
	SCIM      *scim.Handler
	Store     Backend
	Companies *scim.Companies
	// Tenants are the companies created, in the order of Config.Tokens.
	Tenants []Company
}

// NewHandler creates the companies and returns an http.Handler serving the
// endpoint under every one of Prefixes, and the parts it is made of.
func NewHandler(ctx context.Context, cfg Config) (http.Handler, *Demo, error) {
	if cfg.RateLimit < 0 {
		return nil, nil, errors.New("demo: the rate limit must be 0 (no limit) or more")
	}
	store := cfg.Store
	if store == nil {
		store = scim.NewMemoryStore()
	}
	companies := scim.NewCompanies(store)
	companies.Now = cfg.Now
	d := &Demo{Store: store, Companies: companies}
	for i, tok := range cfg.Tokens {
		co, err := tokenCompany(ctx, companies, tok, fmt.Sprintf("Company %d", i+1), cfg.Attributes)
		if err != nil {
			return nil, nil, fmt.Errorf("-token %d: %w", i+1, err)
		}
		d.Tenants = append(d.Tenants, Company{co, tok})
	}
	if len(d.Tenants) == 0 {
		co, err := companies.Create(ctx, "Company 1", cfg.Attributes)
		if err != nil {
			return nil, nil, err
		}
		secret, _, err := companies.IssueToken(ctx, co.ID, "demo")
		if err != nil {
			return nil, nil, err
		}
		d.Tenants = append(d.Tenants, Company{co, secret})
	}
	var limiter scim.RateLimiter = scim.NewWindowLimiter(cfg.RateLimit, time.Hour)
	if cfg.Limiter != nil {
		limiter = cfg.Limiter
	}
	d.SCIM = &scim.Handler{
		Store:     store,
		Auth:      companies,
		Models:    companies,
		RateLimit: limiter,
		// Peakon's own wording.
		DocumentationURI: "https://pkg.go.dev/github.com/scimkit/scim",
		AuthScheme: scim.AuthScheme{
			Name:        "OAuth Bearer Token",
			Description: "The company's provisioning token, generated in Peakon under Administration > Integrations > Employee provisioning (Connect).",
		},
		Logger: cfg.Logger,
		Now:    cfg.Now,
		// Well inside the demo server's 60 s WriteTimeout: a request
		// stuck on the store answers 503 with nothing committed before
		// its connection would be cut.
		RequestTimeout: scim.DefaultRequestTimeout,
		NewID:          cfg.NewID,
	}
	if gs, ok := store.(scim.GroupStore); ok && cfg.Groups {
		d.SCIM.Groups = gs
	}
	mux := http.NewServeMux()
	for _, p := range Prefixes {
		mux.Handle(p+"/", d.SCIM)
	}
	return mux, d, nil
}
