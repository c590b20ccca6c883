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
package scim
