package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Schema and message URNs (RFC 7643 §8.7, RFC 7644 §3.1) and Peakon's extension.
const (
	SchemaUser                  = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup                 = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaEnterpriseUser        = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaPeakonUser            = "urn:ietf:params:scim:schemas:extension:peakon:2.0:User"
	SchemaServiceProviderConfig = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	SchemaResourceType          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema                = "urn:ietf:params:scim:schemas:core:2.0:Schema"

	MessageListResponse  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	MessageSearchRequest = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	MessagePatchOp       = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	MessageBulkRequest   = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	MessageBulkResponse  = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
	MessageError         = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// MediaType is the content type of every SCIM response: RFC 7644 §8.1
// registers application/scim+json without parameters (its encoding is
// UTF-8 by definition), and compliance suites compare the header exactly.
// Requests may still carry a charset, or be application/json.
const MediaType = "application/scim+json"

// Meta is the read-only resource metadata of RFC 7643 §3.1.
type Meta struct {
	ResourceType string
	Created      time.Time
	LastModified time.Time
	// Location is the resource's URI. Stores need not keep it: the handler
	// fills it in from the request's base URL when it renders a resource.
	Location string
	// Version is a weak entity tag, W/"n", changed by every write. Stores
	// compare it to implement compare-and-swap.
	Version string
}

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
	SCIMType string // one of the Err* scimType constants, or empty
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
)

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
		return &Error{Status: http.StatusConflict, SCIMType: SCIMTypeUniqueness, Detail: conflictDetail(err)}
	case errors.Is(err, ErrVersionMismatch):
		return &Error{Status: http.StatusPreconditionFailed, Detail: "the resource was modified: its version does not match If-Match"}
	case errors.Is(err, ErrTooMany):
		return &Error{Status: http.StatusBadRequest, SCIMType: SCIMTypeTooMany, Detail: "the query matches more resources than the server will return; narrow the filter"}
	}
	return &Error{Status: http.StatusInternalServerError, Detail: "internal server error"}
}

func conflictDetail(err error) string {
	if err.Error() != ErrConflict.Error() {
		return err.Error()
	}
	return "a user with the same userName already exists"
}

// ConflictError wraps [ErrConflict] naming the attribute that collided, so the
// client's detail says which one.
func ConflictError(attribute, value string) error {
	return fmt.Errorf("%w: %s %q is already taken", ErrConflict, attribute, value)
}

// ListResponse is the RFC 7644 §3.4.2 list envelope, for clients that
// read list answers (json.Unmarshal into it; users decode leniently).
type ListResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []*User  `json:"Resources"`
}
