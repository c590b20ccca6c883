package scim

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

func (h *Handler) authenticate(r *http.Request) (string, error) {
	authz := r.Header.Get("Authorization")
	scheme, token, found := strings.Cut(authz, " ")
	if authz == "" {
		return "", Errorf(http.StatusUnauthorized, "", "authorization required: send the company's token as \"Authorization: Bearer <token>\"")
	}
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", Errorf(http.StatusUnauthorized, "", "the Authorization header must be \"Bearer <token>\"")
	}
	return h.SignIn(r, strings.TrimSpace(token))
}

// SignIn resolves a bearer token to its tenant through Auth, counting a
// failure against the request's key in AuthFailures, as every SCIM request
// does. A sign-in form outside SCIM (a web page taking a company's token)
// calls it so that guessing there is limited alike. The error is an
// [*Error]: 401 for an unknown token, 429 with RetryAfter while the key is
// blocked, 503 with RetryAfter when Auth fails otherwise (logged).
func (h *Handler) SignIn(r *http.Request, token string) (string, error) {
	h.init()
	now := h.now()
	if wait := h.authFailures.Blocked(r, now); wait > 0 {
		h.log.WarnContext(r.Context(), "scim: authentication refused: too many failed attempts", "remote", r.RemoteAddr, "retry_after", wait)
		e := Errorf(http.StatusTooManyRequests, "", "too many failed authentication attempts; try again in %d seconds", int((wait+time.Second-1)/time.Second))
		e.RetryAfter = wait
		return "", e
	}
	if h.Auth == nil {
		return "", Errorf(http.StatusUnauthorized, "", "this endpoint has no authenticator configured")
	}
	tenant, err := h.Auth.Authenticate(r.Context(), token)
	switch {
	case err == nil && tenant != "":
		return tenant, nil
	case err == nil || errors.Is(err, ErrUnauthorized):
		h.authFailures.Fail(r, now)
		h.log.WarnContext(r.Context(), "scim: authentication failed: unknown bearer token", "remote", r.RemoteAddr, "path", r.URL.Path)
		return "", Errorf(http.StatusUnauthorized, "", "the bearer token is not valid; ask the administrator for a new one")
	default:
		h.log.ErrorContext(r.Context(), "scim: authentication unavailable", "remote", r.RemoteAddr, "path", r.URL.Path, "error", err)
		e := Errorf(http.StatusServiceUnavailable, "", "the bearer token cannot be checked right now; try again later")
		e.RetryAfter = authRetryAfter
		return "", e
	}
}

// authRetryAfter is the Retry-After of a 503 for an authenticator outage.
const authRetryAfter = 30 * time.Second
