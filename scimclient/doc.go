// Package scimclient is the other side of package scim: a client for a SCIM
// 2.0 endpoint such as Peakon's employee provisioning, and Sync, which
// makes the endpoint's employees equal to an HR system's.
//
// The client speaks in *scim.User: Get, Create, Replace, Patch (with the
// Patch builder, Deactivate and Reactivate), Delete, List (an iterator
// over every page) and Bulk (split to the endpoint's advertised limits).
// A server's error comes back as a *scim.Error. Requests are retried only
// when that is safe: 429 after its Retry-After; 5xx and network failures
// with exponential back-off for GET, DELETE and conditional PUT and PATCH;
// a create whose answer was lost looks the userName up before it is sent
// again. A Limiter keeps the client inside Peakon's hourly rate limit.
package scimclient
