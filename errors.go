package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// scimType values of RFC 7644 §3.12, Table 9.
const (
	SCIMTypeInvalidFilter = "invalidFilter"
	SCIMTypeTooMany       = "tooMany"
	SCIMTypeUniqueness    = "uniqueness"
	SCIMTypeMutability    = "mutability"
	SCIMTypeInvalidSyntax = "invalidSyntax"
	SCIMTypeInvalidPath   = "invalidPath"
	SCIMTypeNoTarget      = "noTarget"
	SCIMTypeInvalidValue  = "invalidValue"
	SCIMTypeInvalidVers   = "invalidVers"
	SCIMTypeSensitive     = "sensitive"
)

// Error is a SCIM protocol error. It renders as the JSON body of
// RFC 7644 §3.12, with status as a string, as clients expect.
type Error struct {
	Status   int    // HTTP status code
	SCIMType string // one of the SCIMType* constants, or empty
	Detail   string // a human-readable explanation a person can act on

	// RetryAfter, when positive, is sent as the Retry-After header (429, 503).
	RetryAfter time.Duration
}

// Errorf returns an *Error with the given status, scimType and formatted detail.
func Errorf(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, SCIMType: scimType, Detail: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	if e.SCIMType != "" {
		return fmt.Sprintf("scim: %d %s: %s", e.Status, e.SCIMType, e.Detail)
	}
	return fmt.Sprintf("scim: %d: %s", e.Status, e.Detail)
}

// MarshalJSON renders the RFC 7644 §3.12 error body.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Schemas  []string `json:"schemas"`
		Status   string   `json:"status"`
		SCIMType string   `json:"scimType,omitempty"`
		Detail   string   `json:"detail,omitempty"`
	}{[]string{MessageError}, strconv.Itoa(e.Status), e.SCIMType, e.Detail})
}

// UnmarshalJSON reads an RFC 7644 §3.12 error body; status may be a string or a number.
func (e *Error) UnmarshalJSON(b []byte) error {
	var raw struct {
		Status   json.RawMessage `json:"status"`
		SCIMType string          `json:"scimType"`
		Detail   string          `json:"detail"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var s string
	if err := json.Unmarshal(raw.Status, &s); err != nil {
		s = string(raw.Status)
	}
	status, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("scim: error status %q is not a number", s)
	}
	*e = Error{Status: status, SCIMType: raw.SCIMType, Detail: raw.Detail}
	return nil
}

// Store errors. Stores return these (possibly wrapped); test with errors.Is.
var (
	// ErrNotFound: no resource with that id in the tenant.
	ErrNotFound = errors.New("scim: resource not found")
	// ErrConflict: a unique attribute (userName) is taken in the tenant.
	ErrConflict = errors.New("scim: uniqueness conflict")
	// ErrVersionMismatch: the stored version is not the one the writer read.
	ErrVersionMismatch = errors.New("scim: version mismatch")
	// ErrTooMany: the store refuses to materialise the result set of a query.
	ErrTooMany = errors.New("scim: too many results")
	// ErrErased: the tenant is a company that [CompanyStore.DeleteCompany]
	// erased; its writes are refused until the id is created again. The
	// handler answers 401, as for a token whose company is gone.
	ErrErased = errors.New("scim: the company was erased")
	// ErrUnavailable: the store cannot serve the request now, for a
	// reason that passes (its database is down, restarting, refusing
	// connections, out of them, or busy past its lock or statement
	// timeout), and a write that failed with it did not commit. The
	// handler answers 503 with Retry-After, which identity providers
	// retry as an outage, not a bug.
	ErrUnavailable = errors.New("scim: the store is unavailable")
	// ErrStorageFull: the store's disk is full; a write that failed with
	// it did not commit. Stores wrap it together with ErrUnavailable; the
	// handler answers 503 "the server's storage is full".
	ErrStorageFull = errors.New("scim: the store's storage is full")
)

// unavailableRetryAfter is the Retry-After of a 503 for a store that is
// unavailable, or a request past its deadline.
const unavailableRetryAfter = 30 * time.Second

// asError maps any error to the *Error a client should see. [Store] sentinels
// map to their HTTP meaning; anything unknown is a 500 whose detail does not
// leak internals.
func asError(err error) *Error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, ErrNotFound):
		return &Error{Status: http.StatusNotFound, Detail: "resource not found"}
	case errors.Is(err, ErrConflict):
		return &Error{Status: http.StatusConflict, SCIMType: SCIMTypeUniqueness, Detail: sentinelDetail(err, ErrConflict, "a user with the same userName already exists")}
	case errors.Is(err, ErrNoMember):
		return &Error{Status: http.StatusBadRequest, SCIMType: SCIMTypeInvalidValue, Detail: sentinelDetail(err, ErrNoMember, "a member is not a user or group of this company")}
	case errors.Is(err, ErrVersionMismatch):
		return &Error{Status: http.StatusPreconditionFailed, Detail: "the resource was modified: its version does not match If-Match"}
	case errors.Is(err, ErrStorageFull):
		return &Error{Status: http.StatusServiceUnavailable, Detail: "the server's storage is full; nothing was changed, try again later", RetryAfter: unavailableRetryAfter}
	case errors.Is(err, ErrUnavailable):
		return &Error{Status: http.StatusServiceUnavailable, Detail: "the server's storage is unavailable right now; try again later", RetryAfter: unavailableRetryAfter}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusServiceUnavailable, Detail: "the request did not finish in the time the server allows; try again later", RetryAfter: unavailableRetryAfter}
	case errors.Is(err, ErrErased):
		return &Error{Status: http.StatusUnauthorized, Detail: "the company of this token no longer exists"}
	case errors.Is(err, ErrTooMany):
		return &Error{Status: http.StatusBadRequest, SCIMType: SCIMTypeTooMany, Detail: "the query matches more resources than the server will return; narrow the filter"}
	}
	return &Error{Status: http.StatusInternalServerError, Detail: "internal server error"}
}

// sentinelDetail is the detail a client sees for err, which wraps sentinel:
// what err says after the sentinel's text, as [ConflictError] and
// [MemberError] word it (`userName "a@b.c" is already taken`), or fallback
// when it says nothing more. Neither the sentinel's Go prefix ("scim:
// uniqueness conflict") nor what a store wrapped around it ("sqlstore:
// insert user: ...") reaches the client: Okta and Entra show the detail to
// administrators as it is.
func sentinelDetail(err, sentinel error, fallback string) string {
	msg, s := err.Error(), sentinel.Error()+": "
	i := strings.LastIndex(msg, s)
	if i < 0 || len(msg) == i+len(s) {
		return fallback
	}
	return msg[i+len(s):]
}

// ConflictError wraps [ErrConflict] naming the attribute that collided, so the
// client's detail says which one.
func ConflictError(attribute, value string) error {
	return fmt.Errorf("%w: %s %q is already taken", ErrConflict, attribute, value)
}

// ErrUnauthorized is returned by Authenticators for unknown tokens.
var ErrUnauthorized = errors.New("scim: invalid bearer token")

// ErrNoMember is the store error for a member value that names no user or
// group of the tenant.
var ErrNoMember = errors.New("scim: no such user or group")

// MemberError wraps ErrNoMember naming the value, so that the client's
// detail says which member it is.
func MemberError(value string) error {
	return fmt.Errorf("%w: member %q is not a user or group of this company", ErrNoMember, value)
}

func invalidSyntax(err error) *Error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "the request body is not valid JSON: %v (at byte %d)", err, se.Offset)
	}
	if errors.Is(err, io.EOF) {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "the request body is empty; a JSON object was expected")
	}
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "the request body is not valid JSON: %v", err)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 64 {
			x = x[:64] + "…"
		}
		return fmt.Sprintf("%q", x)
	case json.Number:
		return x.String()
	case bool:
		return fmt.Sprint(x)
	}
	return jsonKind(v)
}

func invalidFilter(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "filter: "+format, args...)
}

func badPath(path, format string, args ...any) *Error {
	e := Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, format, args...)
	e.Detail = "path " + quote(path) + ": " + e.Detail
	return e
}

func quote(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// notFound words [ErrNotFound] for a user id; other errors pass through.
func notFound(err error, id string) error {
	if errors.Is(err, ErrNotFound) {
		return Errorf(http.StatusNotFound, "", "user %s not found", id)
	}
	return err
}
