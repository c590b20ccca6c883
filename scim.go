package scim

import (
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

// ListResponse is the RFC 7644 §3.4.2 list envelope, for clients that
// read list answers (json.Unmarshal into it; users decode leniently).
type ListResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []*User  `json:"Resources"`
	// NextCursor is the cursor of the next page when the list is paged by
	// cursor (RFC 9865); empty on the last page and in index paging.
	NextCursor string `json:"nextCursor,omitempty"`
}
