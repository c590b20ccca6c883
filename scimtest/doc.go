// Package scimtest runs a fake Peakon employee-provisioning endpoint inside
// your tests, for software that talks to Peakon over SCIM 2.0: HR system
// connectors, identity bridges, sync jobs. No network, no Peakon account:
// the fake is an httptest server running the very scim.Handler and
// in-memory store of the library's demo server, so it answers exactly as
// that server does — status codes, error bodies, filters, paging, PATCH,
// ETags, custom attributes. How closely that matches Peakon itself is
// under "Fidelity" below.
//
// # A first test
//
// Point the code under test at Server.URL, authenticate it with
// Server.Token (or just use Server.Client, which sends the token), run it,
// and check what it did:
//
//	func TestSyncProvisionsNewHires(t *testing.T) {
//		s := scimtest.NewServer(t) // closed when the test ends
//
//		sync := hrsync.New(s.URL(), s.Token()) // your code
//		if err := sync.Run(ctx, []hrsync.Employee{{Email: "ada@example.com", Name: "Ada"}}); err != nil {
//			t.Fatal(err)
//		}
//
//		// What Peakon now holds, read directly (no HTTP, not recorded).
//		u := s.UserByUserName("ada@example.com")
//		if u == nil || !u.Active || u.Name.GivenName != "Ada" {
//			t.Errorf("provisioned %+v", u)
//		}
//		// What the code sent, directly or in bulk requests.
//		s.AssertWrote(t, "POST", "/Users")
//		s.AssertWroteCount(t, "DELETE", "/Users/{id}", 0)
//	}
//
// The URL is the base URL, as for Peakon (https://api.peakon.com/scim/v2):
// the code appends /Users, /Users/{id}, /Schemas and so on. The same
// endpoint answers under /api/scim/v2 too (Server.APIURL), the prefix of
// Peakon's OpenAPI reference.
//
// Every server is independent, so tests using it can run with t.Parallel.
//
// # Checking the state
//
// Server.Users returns every employee in creation order, Server.User one by
// id and Server.UserByUserName one by userName, as typed scim.User values:
// u.Active, u.Emails, u.Enterprise.Manager.Value, and the Peakon custom
// attributes in u.Custom, keyed by display name, in canonical form (dates
// as 2019-04-01).
//
// # Checking the requests
//
// The server records every request it answers — method, path, query,
// headers, body, and the status it answered — before the client receives
// the answer. Server.Requests returns them in arrival order;
// Server.RequestsMatching those with a method and a path pattern:
//
//	patches := s.RequestsMatching("PATCH", "/Users/{id}")
//
// Patterns are relative to the base URL; "{id}" (any name in braces)
// matches one path segment, a final "*" the rest, and names are compared
// ignoring case. Request.JSON decodes a recorded body:
//
//	var op struct{ Operations []struct{ Op string; Value map[string]any } }
//	if err := patches[0].JSON(&op); err != nil { ... }
//
// The assertions — Server.AssertRequested, AssertNotRequested,
// AssertRequestCount, and AssertWrote and AssertWroteCount, which also
// count the operations of bulk requests — report a failure with what was
// expected and the list of requests received, bodies included:
//
//	scimtest: no PATCH /Users/{id} request was received
//	received 2 request(s):
//	  #1 GET /scim/v2/Users?filter=userName+eq+%22ada%40example.com%22 → 200
//	  #2 PUT /scim/v2/Users/2819c223-7f76-453a-919d-413861904646 → 200
//	      {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@example.com",…
//
// A bulk request (POST /Bulk) is recorded as one request whose Operations
// hold each of its operations with the status the BulkResponse gave it;
// Server.BulkOperationsMatching finds them as RequestsMatching finds
// requests:
//
//	creates := s.BulkOperationsMatching("POST", "/Users")
//
// A client may send a write either way — scimclient.Sync sends its
// creates and PATCHes through /Bulk — so to check that a write happened,
// whatever the transport, use AssertWrote (or AssertWroteCount), which
// counts requests and bulk operations alike:
//
//	s.AssertWrote(t, "PATCH", "/Users/{id}")
//	s.AssertWroteCount(t, "DELETE", "/Users/{id}", 0)
//
// Bodies are recorded up to 1 MiB each (WithRecordLimit); the code under
// test always sends and receives them whole.
//
// # Setting the scene
//
// Options to NewServer configure the fake company:
//
//   - WithAttributes defines its Peakon custom attributes (Option, Date,
//     Number, Employee; aliases such as Employed_Since for clients that
//     cannot send spaces); WithAttributeSpec takes them as the demo server's -attrs
//     flag does, "Department:option,Employed Since:date:Employed_Since".
//     Without them, Peakon — and the fake — reject any custom attribute
//     with 400. Server.SetAttributes changes them during a test.
//   - WithUsers provisions employees before the test starts, as if created
//     in Peakon; Server.AddUser does so during a test.
//   - WithToken fixes the bearer token, which is otherwise random.
//   - WithRateLimit enforces Peakon's rate limit (25,000 operations an hour
//     in production, a bulk request costing one per operation; pick a small
//     number), answering 429 with Retry-After. It is off by default.
//   - WithTLS serves HTTPS; Server.Client trusts the certificate.
//   - WithLogger receives the handler's server-side errors.
//
// For golden tests, WithFixedTime stops the clock and WithSequentialIDs
// numbers new employees 00000000-0000-4000-8000-000000000001, ...0002, so
// whole responses can be compared byte for byte (WithClock and WithIDs take
// any clock and generator).
//
// # Faults
//
// To test retries and back-off, make requests fail:
//
//	// The next two requests, whatever they are, get 503.
//	s.FailNext(2, scimtest.Status(503))
//	// The next PATCH of a user gets 429 with Retry-After: 30.
//	s.FailMatching("PATCH", "/Users/{id}", 1, scimtest.RateLimited(30*time.Second))
//	// The next POST /Users has its connection closed, without an answer.
//	s.FailMatching("POST", "/Users", 1, scimtest.Drop())
//	// Every list request is held a minute, until ClearFaults.
//	s.FailMatching("GET", "/Users", scimtest.Always, scimtest.Delay(time.Minute))
//	// The next POST /Users creates the user, but its answer is lost.
//	s.FailMatching("POST", "/Users", 1, scimtest.LoseAnswer())
//
// A faulted request never reaches the endpoint (except after a Delay, which
// then serves it, and with LoseAnswer, which serves it and then drops the
// connection, recording the status the endpoint answered) and is recorded
// with the status the fault answered, 0 for none, and Request.Fault
// describing the fault. Fault values combine: a
// scimtest.Fault{Delay: time.Second, Status: 503} is a slow 503.
//
// A Delay lasts until it ends, the client gives up or the server closes, so
// a test of a client's timeout needs no long sleep: give the client a short
// timeout, Delay the request by an hour, and check that the client returned
// an error. The server notices the client left a moment later; call
// Server.Wait before checking the record or the state.
//
// # Fidelity: what a green test means
//
// Peakon publishes what its endpoint supports (its Okta provisioning
// guide and developer reference), not its code. Where that publication
// speaks, the fake behaves as it says:
//
//   - Users are created, updated (PUT, PATCH) and deactivated or
//     reactivated through active; a deactivated employee stays, DELETE
//     (204) removes one for good. Under /scim/v2 and /api/scim/v2.
//   - One bearer token per company; a missing or wrong one is 401.
//   - Email, first and last name, employee number (Enterprise extension),
//     locale and time zone are stored; department and manager too.
//   - Custom attributes live in the Peakon extension
//     (urn:ietf:params:scim:schemas:extension:peakon:2.0:User), keyed by
//     display name, spaces included, or by an alias (Employed_Since); a
//     name the company has not defined is refused with 400; /Schemas lists
//     them.
//   - Groups are not supported: /Groups answers 501 (WithGroups turns
//     them on for products that have them).
//   - With WithRateLimit, a company's operations are limited per hour, a
//     bulk request costing one per operation, and over the limit the
//     answer is 429 with Retry-After (Peakon: 25,000 an hour; off by
//     default here).
//
// Where Peakon publishes nothing, the fake follows RFC 7643 and RFC 7644
// and the library's deliberate choices (README, "Deliberate choices"), so
// a test may pass here and fail there, or the reverse:
//
//   - Error details are the library's wording; Peakon's are not published.
//     Assert on status and scimType, not on detail text.
//   - Validation may be stricter than Peakon's: every emails value must be
//     an email address, timezone an IANA time zone name, locale a language
//     tag (en_US accepted), dates ISO 8601, and users, values and bodies
//     have limits (1 MiB a body; bulk requests of 1,000 operations or
//     4 MiB; 100 values an attribute; 1,000 users a page).
//   - Queries may be looser: the fake evaluates the whole RFC 7644 filter
//     grammar, sortBy, attributes and excludedAttributes, where Peakon
//     documents filters on userName, emails, externalId and id. Code that
//     relies on more should check it against Peakon.
//   - Behaviours the RFCs leave open are the library's: PATCH answers 200
//     with the user; ETags and If-Match (412 on a stale version); an
//     Enterprise manager naming an employee who does not exist yet is kept
//     and resolved later; an Employee custom attribute is written as the
//     employee's email or id and read as the email.
//   - Nothing outside SCIM is modelled: surveys, segments, the
//     administration pages, Peakon's availability and latency (inject
//     those with faults).
//
// So a green test means the code speaks SCIM as Peakon documents it and as
// this library serves it; it does not replace one run against a Peakon test
// company.
//
// # Outside a test
//
// Start and Close run the fake where there is no *testing.T: in TestMain, an
// example, a benchmark. The examples of this package do so.
package scimtest
