package scim

import (
	"context"
	"crypto/subtle"
	"errors"
)

// Authenticator resolves a bearer token to the tenant (company) it belongs
// to. It returns ErrUnauthorized, or any error, for a token it does not
// know; the handler answers 401 either way.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (tenant string, err error)
}

// ErrUnauthorized is returned by Authenticators for unknown tokens.
var ErrUnauthorized = errors.New("scim: invalid bearer token")

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(ctx context.Context, token string) (string, error)

// Authenticate implements Authenticator.
func (f AuthenticatorFunc) Authenticate(ctx context.Context, token string) (string, error) {
	return f(ctx, token)
}

// StaticTokens maps bearer tokens to tenants, for demos and tests. Tokens
// are compared in constant time, against every entry, so neither the
// comparison nor the map lookup reveals how much of a token was right.
type StaticTokens map[string]string

// Authenticate implements Authenticator.
func (s StaticTokens) Authenticate(_ context.Context, token string) (string, error) {
	tenant, found := "", 0
	for t, ten := range s {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			tenant, found = ten, 1
		}
	}
	if found == 0 || token == "" {
		return "", ErrUnauthorized
	}
	return tenant, nil
}
