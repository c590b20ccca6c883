// Package scim lets a Go program speak SCIM 2.0 (RFC 7643, RFC 7644) the
// way Peakon's employee-provisioning endpoint does, so that Okta and
// Microsoft Entra ID can create, update, deactivate and reactivate
// employees in it.
//
// The pieces:
//
//   - [User] is a typed SCIM user with the Enterprise extension and Peakon's
//     per-company custom attributes ([User.Custom]).
//   - [Model] is the attribute model of one company: the schemas its users
//     are described by. Decoding, encoding, filters, sorting, PATCH paths,
//     projection, validation and /Schemas all read it.
//   - [Store] is the small interface a product implements to keep users;
//     [MemoryStore] is one, package sqlstore has SQLite and PostgreSQL ones.
//   - [Handler] is an [net/http.Handler] serving /Users, /Schemas,
//     /ResourceTypes, /ServiceProviderConfig and /Bulk under any prefix,
//     over any Store.
//   - [Authenticator] resolves bearer tokens to companies (tenants);
//     [Companies] keeps companies, their custom attributes and their tokens
//     in a store, and is the Handler's [ModelSource] too.
//   - [Group] and [GroupStore] serve /Groups when [Handler].Groups is set;
//     by default, as at Peakon, there are none.
//
// Everything hangs off values the caller constructs; there is no global
// state. Errors a client sees are [*Error] values rendered as RFC 7644
// §3.12 bodies; stores report [ErrNotFound], [ErrConflict] and
// [ErrVersionMismatch].
//
// Serving the protocol takes a store, an authenticator and a mux:
//
//	companies := scim.NewCompanies(store)
//	acme, _ := companies.Ensure(ctx, "acme", "Acme", nil) // restart-safe
//	token, _, _ := companies.IssueToken(ctx, acme.ID, "Okta")
//	h := &scim.Handler{Store: store, Auth: companies}
//	http.Handle("/scim/v2/", h)
//
// The Handler's other fields are limits, a rate limiter ([Handler.RateLimit],
// none by default), what /ServiceProviderConfig publishes, and hooks
// ([Handler.OnChange], [Handler.OnRequest], [Handler.Logger]).
//
// A program may also use the pieces without a Handler: [Model.DecodeUser]
// or [Model.ApplyPatch], then [Model.Validate], then the Store; and
// [ParseFilter] with [Model.CompileFilter] to select users.
//
// Clients send what they send: attribute names in any case, booleans as
// "True", explicit nulls, the Peakon extension without its URN in schemas,
// unquoted filter values. The Handler accepts all of it, answers in
// canonical form, and rejects what is wrong with a SCIM error whose detail
// says what to fix.
//
// # Where things are
//
// The root package, one concept per file:
//
//   - doc.go: this overview and map.
//   - scim.go: schema and message URNs, the media type, Meta, ListResponse.
//   - errors.go: [Error], the SCIMType values, the store sentinels and the
//     helpers that word every error detail.
//   - user.go: [User] and its parts (Name, MultiValue, Address, the
//     Enterprise extension, GroupRef) and the employee-reference rule.
//   - extension.go: Peakon's custom attributes ([CustomAttribute]).
//   - schema.go: the attribute [Model] every feature reads, [Attribute],
//     [Schema], [ModelSource].
//   - decode.go: JSON to [User] through the model, as lenient as clients
//     need; encode.go, encodeplan.go: [User] to JSON, projection, and the
//     compiled encoder.
//   - validate.go: the model's field rules ([Model.Validate]).
//   - multivalue.go: identity of multi-valued elements: keys, dedupe,
//     append, prune.
//   - filter.go: the filter grammar and AST ([ParseFilter]); match.go: name
//     resolution and the compiled [Matcher]; sort.go: sortBy orderings.
//   - query.go: [Query], [Page] and the [Pager] that stores page with;
//     cursor.go: cursor paging (RFC 9865): the handler's signed cursors,
//     the Pager's positions and [GroupQuery.CursorPage]'s.
//   - patch.go: PATCH requests ([ParsePatch]); patchpath.go: PATCH paths;
//     patchapply.go: applying operations ([Model.ApplyPatch]);
//     patchremove.go: the remove operation.
//   - store.go: [Store] and the optional interfaces ([HistoryStore],
//     [Batcher], [ChangeFeed], [GroupStore], [UserViewer], [ResultLimiter]).
//   - memstore.go: [MemoryStore]; memfeed.go: its change feed;
//     memprefix.go: its index for "sw" filters; memgroups.go: its groups;
//     memcompany.go: its companies and tokens.
//   - handler.go: [Handler] and its options, one request's state (its
//     deadline, the encoding it answers with), body reading and error
//     writing, routing, the query string and the list parameters /Users
//     and /Groups share, and the compare-and-swap retry of writes;
//     limits.go: the handler's size limits and page sizes.
//   - handler_users.go: the /Users endpoint; rendercache.go: the users it
//     rendered whole, kept while the store lends the same user; bulk.go:
//     /Bulk; discovery.go: /Schemas, /ResourceTypes,
//     /ServiceProviderConfig.
//   - reference.go: employee references (the Enterprise manager, custom
//     employee attributes) and the lookups of direct reports.
//   - group.go: [Group] and its decoding; grouppatch.go: group PATCH;
//     groupquery.go: group queries; handler_groups.go: the /Groups endpoint.
//   - auth.go: [Authenticator], [AuthScheme], [StaticTokens], the
//     failed-authentication limiter and sign-in; company.go: [Companies], tokens and the model
//     cache.
//   - ratelimit.go: Peakon's rate limit ([RateLimiter]); observe.go:
//     [RequestInfo] and the access log; event.go: change events.
//   - eligibility.go: survey eligibility from the activation history.
//   - etag.go: versions and ETags; uuid.go: resource ids.
//
// Beside it:
//
//   - sqlstore: the SQL [Store] (users, groups, companies, history, rate
//     limit) for SQLite (sqlstore/sqlite) and PostgreSQL (sqlstore/postgres).
//   - storetest: the conformance suite every Store runs.
//   - scimclient: a client for a Peakon-like endpoint, with Sync.
//   - scimtest: an in-process fake Peakon that records requests and
//     injects faults.
//   - internal: machinery (JSON reading and writing, case folding, literals,
//     custom-attribute specs, the demo's wiring; for tests, a clock they
//     move, dependency checks and the documents they hold to the code).
//   - bench/loadcompare: the benchmark of the request path against bare
//     net/http, each server in a process of its own.
//   - api: the exported API as golden files.
//   - examples (a module of its own): the demo server, the CSV sync
//     command, and minimal memory and SQL wirings.
package scim
