package scim

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Company is a tenant: a Peakon customer that owns its employees, its custom
// attribute definitions and its bearer tokens.
type Company struct {
	ID         string
	Name       string
	Attributes []CustomAttribute
	Created    time.Time
}

// Token is a company's bearer token as stored: only a SHA-256 hash of the
// secret is kept; the secret itself is shown once, when it is issued.
type Token struct {
	ID      string
	Company string
	Hash    [32]byte
	Label   string
	Created time.Time
	// LastUsed is when the token last authenticated a request, to within
	// [TokenUseResolution]; zero if never.
	LastUsed time.Time
	// Expires, when not zero, is when the token stops working.
	Expires time.Time
}

// TokenUseResolution is how precisely Token.LastUsed is kept: a token's use
// is written to the store at most once per resolution, so that
// authentication does not turn every request into a write. [Companies]
// writes it in the background: a request never waits for it.
const TokenUseResolution = time.Minute

// CompanyStore persists companies and their tokens. [MemoryStore] implements
// it, and so does sqlstore.Store.
type CompanyStore interface {
	// CreateCompany stores a new company; an existing id is [ErrConflict].
	// The id of an erased company (DeleteCompany) starts empty: whatever
	// of the old company is left (a token or usage recorded after the
	// erasure) goes first.
	CreateCompany(ctx context.Context, c *Company) error
	// GetCompany returns the company or [ErrNotFound].
	GetCompany(ctx context.Context, id string) (*Company, error)
	// UpdateCompany replaces a company's name and attribute definitions, or
	// returns [ErrNotFound].
	UpdateCompany(ctx context.Context, c *Company) error
	// CreateToken stores a token; an existing id or hash is [ErrConflict].
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns the token with the hash, or [ErrNotFound].
	TokenByHash(ctx context.Context, hash [32]byte) (*Token, error)
	// ListTokens returns the company's tokens, oldest first.
	ListTokens(ctx context.Context, company string) ([]*Token, error)
	// DeleteToken revokes a token of the company, or returns [ErrNotFound].
	DeleteToken(ctx context.Context, company, id string) error
	// TouchToken sets the token's LastUsed, or returns [ErrNotFound].
	TouchToken(ctx context.Context, id string, at time.Time) error
	// ListCompanies returns every company, ordered by id.
	ListCompanies(ctx context.Context) ([]*Company, error)
	// DeleteCompany erases the company and everything it owns, at once:
	// its users, their activation history and its tokens (and whatever
	// else the store keeps per company). An unknown id is [ErrNotFound].
	// Erasure wins over writes in flight: once it returns, no write of
	// the company's users or groups commits; they fail with [ErrErased]
	// until CreateCompany creates the id again, from nothing.
	DeleteCompany(ctx context.Context, id string) error
}

// CompanyChangeStore is a [CompanyStore] that numbers its changes of
// companies and tokens, so that a [Companies] keeps what it caches until
// it changes: once per TTL, for the whole process, it asks the store which
// companies changed and drops what it holds of those, instead of reading
// each cached token and each company's definitions again once their own
// TTL has passed. With ten thousand companies, each visited less often
// than the TTL, that is one read per TTL instead of two per request.
// [MemoryStore] and sqlstore.Store implement it; over a CompanyStore that
// does not, each entry is read again after its TTL.
//
// CreateCompany, UpdateCompany, CreateToken, DeleteToken and
// DeleteCompany each number the change with a generation of the store
// greater than any before, in the same transaction as the change, and
// generations become visible in order: a reader that sees generation g
// sees every change numbered g or less. TouchToken is not numbered:
// LastUsed is not what a cache keeps a token for.
type CompanyChangeStore interface {
	CompanyStore
	// CompanyChanges returns the store's current generation, the
	// greatest numbered so far (0 or more: a store may start above 0),
	// and the companies changed after generation since, each once, in any
	// order. After 0 the store may list nothing: a caller that knows
	// generation 0 drops everything it holds.
	CompanyChanges(ctx context.Context, since int64) (current int64, changed []string, err error)
}

// Companies is the rich, user-side API over a [CompanyStore], as database/sql
// is over a driver: it creates companies, validates their custom attribute
// definitions, and issues and revokes their bearer tokens (Peakon's
// "Connect" button). It is also the [Handler]'s [Authenticator], resolving a
// token to its company by hash, and its [ModelSource], building each
// company's attribute model from its definitions:
//
//	companies := scim.NewCompanies(store)
//	h := &scim.Handler{Store: store, Auth: companies, Models: companies}
//
// Models are cached and rebuilt after SetAttributes. The cache belongs to
// this value: when several processes share a store, a definition changed
// through another process is seen here within ModelCacheTTL (or at once
// after a call to forget). Over a [CompanyChangeStore], cached tokens and
// models are kept until their company changes, which is checked with one
// read of the store per TTL for the whole value; over another store, each
// is read again once its TTL has passed. Either way the caches are
// bounded: at most 10,000 tokens and 16,384 models (a model holds its
// company's custom attributes only, about 1 KB), about 20 MB whatever the
// number of companies; past that, arbitrary entries go.
//
// A [Companies] is safe for concurrent use.
type Companies struct {
	store CompanyStore

	// Now returns the current time for Created stamps; nil means time.Now.
	Now func() time.Time
	// TokenLifetime, when positive, makes tokens issued from now on expire
	// that long after they are issued. Zero: tokens do not expire.
	TokenLifetime time.Duration
	// TokenCacheTTL is how long a token found in the store is trusted
	// without reading it again (default [DefaultTokenCacheTTL]; negative:
	// never cached); over a [CompanyChangeStore], how long without
	// checking whether its company changed. It bounds how long a token
	// revoked through another instance keeps working here. A company
	// erased through another instance is refused sooner: its writes fail
	// in the store at once.
	TokenCacheTTL time.Duration
	// ModelCacheTTL is how long a company's model, built from the
	// definitions read from the store, is used without reading them again
	// (default DefaultModelCacheTTL; negative: read for every request);
	// over a [CompanyChangeStore], how long without checking whether the
	// company changed. It bounds how long a change of custom attributes
	// made through another instance goes unseen here; a change made
	// through this value is seen at once.
	ModelCacheTTL time.Duration

	mu     sync.Mutex
	models map[string]cachedModel        // company id → model
	gen    uint64                        // incremented by forget
	tokens map[[32]byte]cachedTokenEntry // token hash → token, see Authenticate
	// tokGen is incremented by forgetTokens: a token read before a
	// revocation is not cached after it (see cacheToken).
	tokGen uint64
	// synced is when the last check of the store's changes began
	// (CompanyChangeStore; zero: none yet), and since the generation it
	// found: what is cached was current then. failed is when the last
	// check failed: the next is a TTL later. syncing holds a token while
	// a check runs, so that one runs at a time.
	synced  time.Time
	since   int64
	failed  time.Time
	syncing chan struct{}

	// touches are the token uses waiting to be written (token id →
	// LastUsed), by one goroutine at a time (touchLoop), so that no
	// request waits for the store's writer to record its token's use.
	// touchDone is closed when the running goroutine ends.
	touchMu   sync.Mutex
	touches   map[string]time.Time
	touchDone chan struct{}
}

// NewCompanies returns a [Companies] over store.
func NewCompanies(store CompanyStore) *Companies {
	return &Companies{store: store}
}

var (
	_ Authenticator = (*Companies)(nil)
	_ ModelSource   = (*Companies)(nil)
)

func (cs *Companies) now() time.Time {
	if cs.Now != nil {
		return cs.Now().UTC()
	}
	return time.Now().UTC()
}

// Create creates a company with the given display name and custom
// attribute definitions (see [ValidateCustomAttributes]) and returns it with
// its new id.
func (cs *Companies) Create(ctx context.Context, name string, attrs []CustomAttribute) (*Company, error) {
	name, defs, err := companyFields(name, attrs)
	if err != nil {
		return nil, err
	}
	c := &Company{ID: newUUID(), Name: name, Attributes: defs, Created: cs.now()}
	if err := cs.store.CreateCompany(ctx, c); err != nil {
		return nil, err
	}
	return cloneCompany(c), nil
}

// companyFields checks what Create and Ensure are given: a name (trimmed)
// and custom attribute definitions (see [ValidateCustomAttributes]).
func companyFields(name string, attrs []CustomAttribute) (string, []CustomAttribute, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, errors.New("scim: a company needs a name")
	}
	defs, err := ValidateCustomAttributes(attrs)
	return name, defs, err
}

// Ensure makes the company with the chosen id exist with the given name and
// custom attributes: it creates it, or updates the one a previous run
// created. A product that restarts calls it with its own tenant ids instead
// of Create, which picks a new id each time.
func (cs *Companies) Ensure(ctx context.Context, id, name string, attrs []CustomAttribute) (*Company, error) {
	if id == "" || strings.TrimSpace(id) != id {
		return nil, errors.New("scim: a company id must be non-empty, without surrounding white space")
	}
	name, defs, err := companyFields(name, attrs)
	if err != nil {
		return nil, err
	}
	c, err := cs.store.GetCompany(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		c = &Company{ID: id, Name: name, Attributes: defs, Created: cs.now()}
		if err := cs.store.CreateCompany(ctx, c); err != nil {
			return nil, err
		}
		return cloneCompany(c), nil
	case err != nil:
		return nil, err
	}
	c.Name, c.Attributes = name, defs
	if err := cs.store.UpdateCompany(ctx, c); err != nil {
		return nil, err
	}
	cs.forget(id)
	return c, nil
}

// List returns every company, ordered by id.
func (cs *Companies) List(ctx context.Context) ([]*Company, error) {
	return cs.store.ListCompanies(ctx)
}

// Delete erases the company and everything it owns: its employees, their
// activation history, its groups and its tokens, for offboarding a
// customer or an erasure request. Requests bearing its tokens are refused
// from then on, here at once and through other instances within
// TokenCacheTTL; and erasure wins over them: once Delete returns, no write
// of the company commits, whichever instance or request attempts it (the
// store refuses it with [ErrErased], answered 401). Ensure or Create with
// the same id starts from nothing.
func (cs *Companies) Delete(ctx context.Context, id string) error {
	err := cs.store.DeleteCompany(ctx, id)
	cs.forgetTokens(id, "")
	cs.forget(id)
	return err
}

// Company returns the company with the id, or an error wrapping
// [ErrNotFound].
func (cs *Companies) Company(ctx context.Context, id string) (*Company, error) {
	return cs.store.GetCompany(ctx, id)
}

// SetAttributes replaces the company's custom attribute definitions.
// Stored values are kept under the display name they were written with, so
// values of a renamed attribute are no longer shown (renaming back shows
// them again); an alias is the way to accept a new name for an attribute.
func (cs *Companies) SetAttributes(ctx context.Context, companyID string, attrs []CustomAttribute) error {
	defs, err := ValidateCustomAttributes(attrs)
	if err != nil {
		return err
	}
	c, err := cs.store.GetCompany(ctx, companyID)
	if err != nil {
		return err
	}
	c.Attributes = defs
	if err := cs.store.UpdateCompany(ctx, c); err != nil {
		return err
	}
	cs.forget(companyID)
	return nil
}

// forget drops the company's cached model, so the next request rebuilds it
// from the store.
func (cs *Companies) forget(companyID string) {
	cs.mu.Lock()
	delete(cs.models, companyID)
	// A model being built from a read that may predate this call must not
	// be cached: [Companies.Model] checks the generation before storing.
	cs.gen++
	cs.mu.Unlock()
}

// IssueToken creates a bearer token for the company and returns its
// secret, which is not stored and cannot be recovered: show it to the
// administrator once. The secret is rand.Text: 26 base32 characters, 130 bits from crypto/rand; only its
// SHA-256 hash is kept.
func (cs *Companies) IssueToken(ctx context.Context, companyID, label string) (secret string, t *Token, err error) {
	secret = rand.Text()
	t, err = cs.AddToken(ctx, companyID, label, secret)
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// AddToken stores a token whose secret the caller chose, for importing
// tokens from another system or configuring a fixed token in a demo. Prefer
// IssueToken: a chosen secret is only as strong as the choice. An empty
// secret, or one holding white space, is rejected.
func (cs *Companies) AddToken(ctx context.Context, companyID, label, secret string) (*Token, error) {
	if secret == "" {
		return nil, errors.New("scim: a token secret must not be empty")
	}
	if strings.ContainsAny(secret, " \t\r\n") {
		return nil, errors.New("scim: a token secret cannot contain white space: clients send it in an Authorization header")
	}
	if _, err := cs.store.GetCompany(ctx, companyID); err != nil {
		return nil, err
	}
	t := &Token{ID: newUUID(), Company: companyID, Hash: sha256.Sum256([]byte(secret)), Label: label, Created: cs.now()}
	if cs.TokenLifetime > 0 {
		t.Expires = t.Created.Add(cs.TokenLifetime)
	}
	if err := cs.store.CreateToken(ctx, t); err != nil {
		return nil, err
	}
	c := *t
	return &c, nil
}

// Tokens lists the company's tokens, oldest first. Their secrets are not
// known; a token is identified to the administrator by its label, id,
// creation time, last use and expiry.
func (cs *Companies) Tokens(ctx context.Context, companyID string) ([]*Token, error) {
	if _, err := cs.store.GetCompany(ctx, companyID); err != nil {
		return nil, err
	}
	// Uses recorded through this value are written in the background:
	// the administrator sees them.
	if err := cs.waitTouches(ctx); err != nil {
		return nil, err
	}
	return cs.store.ListTokens(ctx, companyID)
}

// RevokeToken deletes a token of the company; requests bearing it are
// refused from then on. A token of another company is [ErrNotFound].
func (cs *Companies) RevokeToken(ctx context.Context, companyID, tokenID string) error {
	err := cs.store.DeleteToken(ctx, companyID, tokenID)
	cs.forgetTokens(companyID, tokenID)
	return err
}

// Authenticate implements Authenticator: the presented token is hashed and
// looked up by hash, so the secret is never compared, and the store's
// lookup time depends on the hash, not on how much of the secret was right.
// The stored hash is compared once more in constant time, in case a store
// matches hashes loosely.
//
// A token found is remembered (for TokenCacheTTL, or until its company
// changes over a [CompanyChangeStore]), so that authentication does not
// cost a query per request. Revoking a token or deleting a company through
// this [Companies] takes effect at once; through another instance, within
// TokenCacheTTL.
func (cs *Companies) Authenticate(ctx context.Context, token string) (string, error) {
	if token == "" {
		return "", ErrUnauthorized
	}
	hash := sha256.Sum256([]byte(token))
	now := cs.now()
	t, cached, gen := cs.cachedToken(ctx, hash, now)
	if !cached {
		stored, err := cs.store.TokenByHash(ctx, hash)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return "", ErrUnauthorized
			}
			return "", err
		}
		if subtle.ConstantTimeCompare(stored.Hash[:], hash[:]) != 1 || stored.Company == "" {
			return "", ErrUnauthorized
		}
		t = *stored
	}
	if !t.Expires.IsZero() && !now.Before(t.Expires) {
		return "", fmt.Errorf("%w: the token expired at %s", ErrUnauthorized, t.Expires.Format(time.RFC3339))
	}
	if now.Sub(t.LastUsed) >= TokenUseResolution {
		// Recorded in the background (touch): the request never waits
		// for the store's writer, which on SQLite a long write holds.
		// Best effort: a use that cannot be written is not retried, the
		// next one after TokenUseResolution is.
		cs.touch(t.ID, now)
		t.LastUsed = now
	}
	if !cached || t.LastUsed.Equal(now) {
		cs.cacheToken(&t, now, !cached, gen)
	}
	return t.Company, nil
}

// touchTimeout bounds one write of a token's use.
const touchTimeout = 30 * time.Second

// touch queues the token's use for the background writer, starting it if
// it is not running. Uses of one token coalesce: only the latest is
// written.
func (cs *Companies) touch(id string, at time.Time) {
	cs.touchMu.Lock()
	defer cs.touchMu.Unlock()
	if cs.touches == nil {
		cs.touches = make(map[string]time.Time)
	}
	if _, ok := cs.touches[id]; !ok && len(cs.touches) >= maxCachedTokens {
		return // the writer is far behind: drop this use, a later one is written
	}
	cs.touches[id] = at
	if cs.touchDone == nil {
		cs.touchDone = make(chan struct{})
		go cs.touchLoop(cs.touchDone)
	}
}

// touchLoop writes queued token uses until none is left, then ends.
func (cs *Companies) touchLoop(done chan struct{}) {
	for {
		cs.touchMu.Lock()
		pending := cs.touches
		cs.touches = nil
		if len(pending) == 0 {
			cs.touchDone = nil
			cs.touchMu.Unlock()
			close(done)
			return
		}
		cs.touchMu.Unlock()
		for id, at := range pending {
			ctx, cancel := context.WithTimeout(context.Background(), touchTimeout)
			_ = cs.store.TouchToken(ctx, id, at) // a revoked token is ErrNotFound: nothing to record
			cancel()
		}
	}
}

// waitTouches waits until the token uses queued so far are written, or
// ctx ends.
func (cs *Companies) waitTouches(ctx context.Context) error {
	cs.touchMu.Lock()
	done := cs.touchDone
	cs.touchMu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DefaultTokenCacheTTL is how long [Companies] trusts a token it has found,
// unless TokenCacheTTL says otherwise.
const DefaultTokenCacheTTL = 5 * time.Second

// maxCachedTokens bounds the token cache; beyond it, arbitrary entries go.
const maxCachedTokens = 10000

// maxCachedModels bounds the model cache. A company's model holds its
// custom attributes only (the core and Enterprise schemas are shared by
// every model), about 1 KB, so a process keeps at most some tens of MB of
// them; beyond, arbitrary entries go, and a request of a company no longer
// cached reads its definitions and builds its model again: the same work
// whatever the number of companies.
const maxCachedModels = 16384

// cachedTokenEntry is a token found by hash, and when it was read.
type cachedTokenEntry struct {
	token Token
	read  time.Time
}

func (cs *Companies) tokenTTL() time.Duration {
	return cacheTTL(cs.TokenCacheTTL, DefaultTokenCacheTTL)
}

// cacheTTL reads a cache's TTL setting: zero is the default, negative is
// no caching.
func cacheTTL(set, def time.Duration) time.Duration {
	switch {
	case set < 0:
		return 0
	case set == 0:
		return def
	}
	return set
}

// cachedToken returns a copy of the token remembered for hash, if it is
// known current (see syncChanges) or was read less than the TTL ago, and
// the token generation to hand to cacheToken. The token is a value, so
// that a request's authentication allocates nothing.
func (cs *Companies) cachedToken(ctx context.Context, hash [32]byte, now time.Time) (Token, bool, uint64) {
	ttl := cs.tokenTTL()
	current := ttl > 0 && cs.syncChanges(ctx, now, ttl)
	cs.mu.Lock()
	e, ok := cs.tokens[hash]
	gen := cs.tokGen
	cs.mu.Unlock()
	if ttl == 0 || !ok || !current && (now.Sub(e.read) >= ttl || now.Before(e.read)) {
		return Token{}, false, gen
	}
	return e.token, true, gen
}

// syncChanges keeps the caches current over a [CompanyChangeStore]: if
// the store's changes were last checked ttl or more before now, it asks
// for those since, and drops what is cached of the companies changed. It
// reports whether everything cached is current as of less than ttl ago;
// false (another store, or the check failed less than ttl ago) leaves
// each entry to its own TTL.
//
// One check at a time, for the whole value: the other requests that find
// the check stale wait for it (or for their context) rather than read
// the store themselves.
func (cs *Companies) syncChanges(ctx context.Context, now time.Time, ttl time.Duration) bool {
	src, ok := cs.store.(CompanyChangeStore)
	if !ok {
		return false
	}
	cs.mu.Lock()
	current, failed := within(cs.synced, now, ttl), within(cs.failed, now, ttl)
	if cs.syncing == nil {
		cs.syncing = make(chan struct{}, 1)
	}
	syncing := cs.syncing
	cs.mu.Unlock()
	if current || failed {
		return current
	}
	select {
	case syncing <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	defer func() { <-syncing }()
	cs.mu.Lock()
	current, failed = within(cs.synced, now, ttl), within(cs.failed, now, ttl)
	first, since := cs.synced.IsZero(), cs.since
	cs.mu.Unlock()
	if current || failed {
		return current // checked while this request waited
	}
	if first {
		since = 0
	}
	gen, changed, err := src.CompanyChanges(ctx, since)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil { // not this request's end: the store's failure
			cs.failed = now
		}
		return false
	}
	switch {
	case since == 0 || gen < since:
		// Nothing known yet: the first check (entries cached before it
		// may predate changes the answer does not list), or a store that
		// had numbered nothing at the last (it lists nothing after 0);
		// or a store that went back (a restored backup). Whatever is
		// cached may be stale.
		clear(cs.models)
		clear(cs.tokens)
		cs.gen++
		cs.tokGen++
	case len(changed) > 0:
		set := make(map[string]bool, len(changed))
		for _, id := range changed {
			set[id] = true
			delete(cs.models, id)
		}
		for h, e := range cs.tokens {
			if set[e.token.Company] {
				delete(cs.tokens, h)
			}
		}
		// A model or token read before the change must not be cached
		// after this check (see Model and cacheToken).
		cs.gen++
		cs.tokGen++
	}
	// now, not the time of the answer: a change committed while the
	// check ran may be missing from it.
	cs.synced, cs.since = now, gen
	return true
}

// within reports whether t, when something was last done, is less than
// ttl before now. A clock set back by ttl or more makes it stale.
func within(t, now time.Time, ttl time.Duration) bool {
	return !t.IsZero() && now.Sub(t) < ttl && t.Sub(now) < ttl
}

// cacheToken records t; fresh says it was just read from the store, else
// only its LastUsed changed, which does not make the entry fresher. gen is
// the token generation cachedToken returned before t was read: if tokens
// were forgotten since (a revocation, a company's erasure), t may be one
// of them and is not cached, so that revoking takes effect at once here
// even against an authentication that read the token just before.
func (cs *Companies) cacheToken(t *Token, now time.Time, fresh bool, gen uint64) {
	if cs.tokenTTL() == 0 {
		return
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.tokGen != gen {
		return
	}
	if cs.tokens == nil {
		cs.tokens = make(map[[32]byte]cachedTokenEntry)
	}
	if _, ok := cs.tokens[t.Hash]; !ok && len(cs.tokens) >= maxCachedTokens {
		for h := range cs.tokens {
			delete(cs.tokens, h)
			break
		}
	}
	read := now
	if e, ok := cs.tokens[t.Hash]; ok && !fresh {
		read = e.read
	}
	cs.tokens[t.Hash] = cachedTokenEntry{token: *t, read: read}
}

// forgetTokens drops cached tokens matching company and, if not empty, id.
func (cs *Companies) forgetTokens(company, id string) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.tokGen++
	for h, e := range cs.tokens {
		if e.token.Company == company && (id == "" || e.token.ID == id) {
			delete(cs.tokens, h)
		}
	}
}

// Model implements ModelSource: the company's core, Enterprise and Peakon
// schemas, with its custom attributes.
func (cs *Companies) Model(ctx context.Context, companyID string) (*Model, error) {
	now := cs.now()
	ttl := cs.modelTTL()
	current := ttl > 0 && cs.syncChanges(ctx, now, ttl)
	cs.mu.Lock()
	e, gen := cs.models[companyID], cs.gen
	cs.mu.Unlock()
	if e.model != nil && current || e.fresh(now, ttl) {
		return e.model, nil
	}
	c, err := cs.store.GetCompany(ctx, companyID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			// The token outlived its company: treat it as unknown.
			return nil, Errorf(http.StatusUnauthorized, "", "the company of this token no longer exists")
		}
		return nil, err
	}
	m := NewModel(c.Attributes)
	cs.mu.Lock()
	if cs.gen == gen {
		if cs.models == nil {
			cs.models = make(map[string]cachedModel)
		}
		if _, ok := cs.models[companyID]; !ok && len(cs.models) >= maxCachedModels {
			for old := range cs.models { // one at random
				delete(cs.models, old)
				break
			}
		}
		cs.models[companyID] = cachedModel{m, now}
	}
	cs.mu.Unlock()
	return m, nil
}

// cloneCompany returns a deep copy of c.
func cloneCompany(c *Company) *Company {
	out := *c
	out.Attributes = cloneCustomAttributes(c.Attributes)
	return &out
}

func cloneCustomAttributes(attrs []CustomAttribute) []CustomAttribute {
	if attrs == nil {
		return nil
	}
	out := make([]CustomAttribute, len(attrs))
	for i, a := range attrs {
		out[i] = a
		out[i].Aliases = slices.Clone(a.Aliases)
	}
	return out
}

// DefaultModelCacheTTL is how long Companies uses a company's model before
// reading its definitions again, unless ModelCacheTTL says otherwise: the
// longest a change of custom attributes through another instance goes
// unseen, as DefaultTokenCacheTTL is for a revoked token.
const DefaultModelCacheTTL = 5 * time.Second

// cachedModel is a company's model and when its definitions were read.
type cachedModel struct {
	model *Model
	read  time.Time
}

// fresh reports whether the model was read less than ttl before now.
func (e cachedModel) fresh(now time.Time, ttl time.Duration) bool {
	return e.model != nil && ttl > 0 && now.Sub(e.read) < ttl && !now.Before(e.read)
}

func (cs *Companies) modelTTL() time.Duration {
	return cacheTTL(cs.ModelCacheTTL, DefaultModelCacheTTL)
}
