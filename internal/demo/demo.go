// Package demo builds the Peakon-like SCIM endpoint that the demo server
// (examples/server) runs and that package scimtest serves to test suites.
// Both call NewHandler, so the fake used in tests cannot drift from the
// endpoint people try by hand.
package demo

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/scimkit/scim"
)

// Prefixes are the paths the endpoint is mounted at: the one Peakon's
// guides and client code use, and the one of its OpenAPI reference.
var Prefixes = []string{"/scim/v2", "/api/scim/v2"}

// Config describes a demo endpoint: one company, its tokens and its custom
// attributes.
type Config struct {
	// Tokens are the company's bearer tokens; at least one is required.
	Tokens []string
	// Company is the tenant the tokens belong to; "demo" when empty.
	Company string
	// Attributes are the company's Peakon custom attributes.
	Attributes []scim.CustomAttribute
	// RateLimit is the number of operations the company may make per hour
	// (Peakon allows 25,000); over it, requests get 429 with Retry-After.
	// Zero means no limit.
	RateLimit int
	// Store keeps the users; nil means a new scim.MemoryStore.
	Store scim.Store
	// Logger receives the handler's errors; nil logs nothing.
	Logger *slog.Logger
	// Now and NewID override the handler's clock and id generator.
	Now   func() time.Time
	NewID func() string
	// OnChange is passed to the handler.
	OnChange func(ctx context.Context, e scim.Event)
}

// Demo is what NewHandler built, for callers that need more than the
// http.Handler: the SCIM handler itself, its store and the tenant.
type Demo struct {
	SCIM    *scim.Handler
	Store   scim.Store
	Company string
}

// NewHandler returns an http.Handler serving the endpoint under every one
// of Prefixes, and the parts it is made of.
func NewHandler(cfg Config) (http.Handler, *Demo, error) {
	if len(cfg.Tokens) == 0 {
		return nil, nil, errors.New("demo: at least one bearer token is required")
	}
	for _, tok := range cfg.Tokens {
		if tok == "" {
			return nil, nil, errors.New("demo: empty bearer token")
		}
	}
	if cfg.RateLimit < 0 {
		return nil, nil, errors.New("demo: negative rate limit")
	}
	company := cfg.Company
	if company == "" {
		company = "demo"
	}
	store := cfg.Store
	if store == nil {
		store = scim.NewMemoryStore()
	}
	tokens := scim.StaticTokens{}
	for _, tok := range cfg.Tokens {
		tokens[tok] = company
	}
	h := &scim.Handler{
		Store:    store,
		Auth:     tokens,
		Models:   staticModel{company: company, model: scim.NewModel(cfg.Attributes)},
		Logger:   cfg.Logger,
		Now:      cfg.Now,
		NewID:    cfg.NewID,
		OnChange: cfg.OnChange,
	}
	var next http.Handler = h
	if cfg.RateLimit > 0 {
		next = newRateLimiter(next, cfg.RateLimit, time.Hour, cfg.Now)
	}
	mux := http.NewServeMux()
	for _, p := range Prefixes {
		mux.Handle(p+"/", next)
	}
	return mux, &Demo{SCIM: h, Store: store, Company: company}, nil
}

// staticModel gives the company its custom attributes.
type staticModel struct {
	company string
	model   *scim.Model
}

func (m staticModel) Model(_ context.Context, tenant string) (*scim.Model, error) {
	if tenant != m.company {
		return nil, scim.ErrNotFound
	}
	return m.model, nil
}
