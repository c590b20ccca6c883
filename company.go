package scim

import (
	"context"
	"time"
)

// Company is a tenant: a Peakon customer that owns its employees, its custom
// attribute definitions and its bearer tokens.
type Company struct {
	ID         string
	Name       string
	Attributes []CustomAttribute
	Created    time.Time
}

// Token is a company's bearer token as stored: only a SHA-256 hash of the
// secret is kept; the secret itself is shown once, when it is issued.
type Token struct {
	ID      string
	Company string
	Hash    [32]byte
	Label   string
	Created time.Time
}

// CompanyStore persists companies and their tokens. MemoryStore implements
// it, and so does sqlstore.Store.
type CompanyStore interface {
	// CreateCompany stores a new company; an existing id is ErrConflict.
	CreateCompany(ctx context.Context, c *Company) error
	// GetCompany returns the company or ErrNotFound.
	GetCompany(ctx context.Context, id string) (*Company, error)
	// UpdateCompany replaces a company's name and attribute definitions, or
	// returns ErrNotFound.
	UpdateCompany(ctx context.Context, c *Company) error
	// CreateToken stores a token; an existing id or hash is ErrConflict.
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns the token with the hash, or ErrNotFound.
	TokenByHash(ctx context.Context, hash [32]byte) (*Token, error)
	// ListTokens returns the company's tokens, oldest first.
	ListTokens(ctx context.Context, company string) ([]*Token, error)
	// DeleteToken revokes a token of the company, or returns ErrNotFound.
	DeleteToken(ctx context.Context, company, id string) error
}
