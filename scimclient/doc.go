// Package scimclient is the other side of package scim: a client for a SCIM
// 2.0 endpoint such as Peakon's employee provisioning, and Sync, which
// makes the endpoint's employees equal to an HR system's.
//
// The client speaks in *scim.User: Get, Create, Replace, Patch (with the
// Patch builder, Deactivate and Reactivate), Delete, List (an iterator
// over every page) and Bulk (split to the endpoint's advertised limits).
// A Limiter keeps the client inside Peakon's hourly rate limit.
//
// # Retries
//
// Requests are retried only when that is safe: 429 after its
// Retry-After; 5xx and network failures with exponential back-off for
// GET, DELETE and conditional PUT and PATCH; a create whose answer was
// lost looks the userName up before it is sent again. A Retry-After
// longer than WithMaxRetryAfter allows (an hour by default, Peakon's
// window), or one that would end after the context's deadline, is not
// waited for: the 429 comes back at once, and the caller decides.
//
// # Errors
//
// Every failed request is a *RequestError naming its method and path
// ("scimclient: PATCH /Users/2819c223: 412 ...") and the attempts made.
// When the server answered, it holds the server's *scim.Error: read
// Status, SCIMType, Detail and RetryAfter with errors.As. An answer that
// is not SCIM (an HTML page, a proxy's error) is said to be one, with a
// hint to check the base URL, rather than quoted. When the context ends
// while the client retries, the error holds both the context's error and
// the last failure (errors.Is finds each).
//
// # Listing
//
// List, and Sync's reading of the endpoint, page by cursor (RFC 9865)
// when the endpoint's /ServiceProviderConfig advertises it, as scimkit's
// Handler does: a user present for the whole reading then comes exactly
// once, whoever else provisions meanwhile. An endpoint that pages only by
// startIndex is read by index, where concurrent writes shift the pages;
// Sync then checks its reading (a user twice, a key on two users, more
// users than announced) and reads again rather than plan absences from it.
// A cursor the endpoint refuses after the first page (invalidCursor or
// expiredCursor: it restarted with a new key, or its instances do not share
// one) ends List with that error; Sync starts its reading again.
//
// # Redirects
//
// SCIM endpoints do not redirect, and net/http would forward the bearer
// token and the body of a PUT or POST to the same host name on any scheme
// or port. So the client does not follow redirects: a 3xx is an error
// naming the Location. WithRedirects allows a few within the endpoint's
// scheme, host and port, never elsewhere, also when the http.Client
// passed with WithHTTPClient would (the client uses a copy of it).
//
// # Sync's report
//
// Sync returns a Report of Steps, one per employee it acts on. Each says
// whether it was applied (StatusApplied), failed (StatusFailed, with Err)
// or not attempted (StatusNotAttempted: a dry run, a refusal by the
// deactivation guard, a cancellation, a listing that could not be relied
// on; Err says which). Report.Count counts them, so a program can print
// "created 270, failed 2" without guessing:
//
//	rep, err := scimclient.Sync(ctx, c, employees, scimclient.SyncOptions{})
//	fmt.Printf("created %d, deactivated %d, failed %d\n",
//		rep.Count(scimclient.ActionCreate, scimclient.StatusApplied),
//		rep.Count(scimclient.ActionDeactivate, scimclient.StatusApplied),
//		rep.Count("", scimclient.StatusFailed))
//
// # Employee references
//
// A Peakon custom attribute of type Employee (such as "Manager" or
// "Buddy") names another employee of the company. It has one meaning in
// three forms:
//
//   - On the wire the endpoint answers the referenced employee's email
//     (their primary email, else their userName), and accepts their id,
//     userName, email or externalId.
//   - In a stored scim.User (a scim.Store, scim.Handler's hooks,
//     scimtest.Server's Users) it is the referenced employee's id.
//   - A scim.User the client returns (Get, List, Create, Patch) holds what
//     the wire carried: the email. Use FindByUserName, or List with a
//     filter on emails, for the employee behind it.
//
// In Sync's input, name the employee by email (as the wire does), or by
// id, userName or externalId: Sync resolves each against the endpoint's
// employees and the desired set, and compares in the wire's form, so a
// second run writes nothing whichever form the input uses. The Enterprise
// manager (scim.User's Enterprise.Manager.Value) follows the same rules on
// input; the endpoint answers it as the manager's id. A reference that
// names nobody is left out of the step with a warning (Step.Warnings), or
// skips the employee with SyncOptions.StrictReferences.
package scimclient
