package scim

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
)

// Authenticator resolves a bearer token to the tenant (company) it belongs
// to. For a token it does not know it must return [ErrUnauthorized], or an
// error wrapping it: the handler answers 401. Any other error means the
// token could not be checked (the database is down, say): the handler
// answers 503 with Retry-After and logs it, because identity providers
// disable provisioning after repeated 401s, which an outage must not cause.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (tenant string, err error)
}

// ErrUnauthorized is returned by Authenticators for unknown tokens.
var ErrUnauthorized = errors.New("scim: invalid bearer token")

// AuthenticatorFunc adapts a function to [Authenticator].
type AuthenticatorFunc func(ctx context.Context, token string) (string, error)

// Authenticate implements [Authenticator].
func (f AuthenticatorFunc) Authenticate(ctx context.Context, token string) (string, error) {
	return f(ctx, token)
}

// StaticTokens maps bearer tokens to tenants, for demos and tests. Tokens
// are compared as SHA-256 digests, in constant time, against every entry:
// neither the comparison, the map lookup nor the tokens' lengths reveal how
// much of a token was right.
type StaticTokens map[string]string

// Authenticate implements [Authenticator].
func (s StaticTokens) Authenticate(_ context.Context, token string) (string, error) {
	presented := sha256.Sum256([]byte(token))
	tenant, found := "", 0
	for t, ten := range s {
		known := sha256.Sum256([]byte(t))
		if subtle.ConstantTimeCompare(known[:], presented[:]) == 1 {
			tenant, found = ten, 1
		}
	}
	if found == 0 || token == "" {
		return "", ErrUnauthorized
	}
	return tenant, nil
}
