package scim

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// ErrInvalidPosition: a store cannot read a [Query.After] or
// [GroupQuery.After] position. The handler answers 400 invalidCursor.
var ErrInvalidPosition = errors.New("scim: invalid list position")

// cursorPager is [Query.Pager] for a cursor query.
func (q *Query) cursorPager(ordered bool) Pager {
	count := max(q.Count, 0)
	p := Pager{q: q, ordered: ordered, cursor: true, count: count}
	if count > 0 && count < math.MaxInt {
		p.limit = count + 1 // one more than the page: is there a next?
	}
	if q.After != "" {
		g, err := q.positionUser(q.After)
		if err != nil {
			p.err, p.limit = err, 0
		}
		p.after = g
	}
	return p
}

// offerAfter is Offer for a cursor query, once u is counted.
func (p *Pager) offerAfter(u *User) {
	switch {
	case p.limit == 0:
	case p.after != nil && p.q.Compare(u, p.after) <= 0:
	case p.ordered:
		if len(p.page.Users) < p.count {
			p.keep(u)
		} else {
			p.more = true
		}
	case len(p.heap) < p.limit:
		p.heap.push(u, p.q)
	case p.q.Compare(u, p.heap[0]) < 0:
		p.heap.replaceTop(u, p.q)
	}
}

// cursorPage is Page for a cursor query.
func (p *Pager) cursorPage() *Page {
	page := p.page
	if p.err != nil {
		return &Page{Users: []*User{}}
	}
	if !p.ordered && len(p.heap) > 0 {
		sorted := slices.Clone(p.heap)
		slices.SortFunc(sorted, p.q.Compare)
		if len(sorted) > p.count {
			sorted, p.more = sorted[:p.count], true
		}
		page.Users = sorted
	}
	if page.Users == nil {
		page.Users = []*User{}
	}
	if n := len(page.Users); p.more && n > 0 {
		page.Next = p.q.position(page.Users[n-1])
	}
	return &page
}

// Err reports a cursor query's After that the Pager could not read
// ([ErrInvalidPosition]); the page is then empty.
func (p *Pager) Err() error { return p.err }

// goPosition is a [Pager] position: a user's id and sort key.
type goPosition struct {
	ID string `json:"i"`
	// Kind of the sort key: "" without sortBy, "-" absent, "s" string,
	// "b" boolean, "t" date-time (RFC 3339).
	Kind  string `json:"k,omitempty"`
	Value string `json:"v,omitempty"`
}

// position returns u's place in q's order as a [Pager] reads it back from
// [Query.After]: u's id and, with SortBy, its sort key, as JSON. Stores
// that keep their own order (SQL, the memory store's creation order) use
// positions of their own.
func (q *Query) position(u *User) string {
	pos := goPosition{ID: u.ID}
	if q.SortBy != nil {
		pos.Kind, pos.Value = sortKeyOf(q.SortBy, u)
	}
	b, _ := json.Marshal(pos) // strings only: cannot fail
	return string(b)
}

// sortLeaf returns the attribute and sub-attribute that sortBy p reads, as
// compileSort does.
func sortLeaf(p *AttrPath) (a, sub *Attribute) {
	a, sub = p.Attr, p.SubAttr
	if a.Type == TypeComplex {
		sub = a.Leaf(sub)
	}
	return a, sub
}

func sortKeyOf(p *AttrPath, u *User) (kind, value string) {
	a, sub := sortLeaf(p)
	if a.Custom {
		if v := u.Custom[a.Name]; v != "" {
			return "s", v
		}
		return "-", ""
	}
	return sortKey(sortValue(a, sub)(reflect.ValueOf(u).Elem()))
}

// sortKey is a position's kind and value of a sort key read by sortValue.
func sortKey(v reflect.Value, ok bool) (kind, value string) {
	switch {
	case !ok:
		return "-", ""
	case v.Kind() == reflect.Bool:
		return "b", strconv.FormatBool(v.Bool())
	case v.Type() == timeType:
		t, _ := reflect.TypeAssert[time.Time](v)
		return "t", t.Format(time.RFC3339Nano)
	case v.Kind() == reflect.String:
		return "s", v.String()
	}
	return "-", ""
}

// positionUser reads a position back as a user holding only the id and the
// sort key, which [Query.Compare] orders against the users offered.
func (q *Query) positionUser(s string) (*User, error) {
	var pos goPosition
	if err := json.Unmarshal([]byte(s), &pos); err != nil || pos.ID == "" {
		return nil, ErrInvalidPosition
	}
	u := &User{ID: pos.ID}
	if q.SortBy == nil {
		if pos.Kind != "" {
			return nil, ErrInvalidPosition
		}
		return u, nil
	}
	a, sub := sortLeaf(q.SortBy)
	if pos.Kind == "-" {
		return u, nil
	}
	if a.Custom {
		if pos.Kind != "s" || pos.Value == "" {
			return nil, ErrInvalidPosition
		}
		u.Custom = map[string]string{a.Name: pos.Value}
		return u, nil
	}
	dst := reflect.ValueOf(u).Elem().FieldByIndex(a.field)
	if a.MultiValued {
		if sub == nil {
			return nil, ErrInvalidPosition
		}
		s := reflect.MakeSlice(dst.Type(), 1, 1)
		dst.Set(s)
		dst = s.Index(0)
	}
	if sub != nil {
		dst = dst.FieldByIndex(sub.field)
	}
	if err := setSortKey(dst, pos); err != nil {
		return nil, err
	}
	return u, nil
}

// setSortKey sets the field dst holding a sort key to a position's key, or
// answers ErrInvalidPosition when the key is not of the field's type.
func setSortKey(dst reflect.Value, pos goPosition) error {
	switch {
	case pos.Kind == "s" && dst.Kind() == reflect.String:
		dst.SetString(pos.Value)
	case pos.Kind == "b" && dst.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(pos.Value)
		if err != nil {
			return ErrInvalidPosition
		}
		dst.SetBool(b)
	case pos.Kind == "t" && dst.Type() == timeType:
		t, err := time.Parse(time.RFC3339Nano, pos.Value)
		if err != nil {
			return ErrInvalidPosition
		}
		dst.Set(reflect.ValueOf(t))
	default:
		return ErrInvalidPosition
	}
	return nil
}

// groupSortLeaf resolves a [GroupQuery]'s SortBy to the attribute and
// sub-attribute holding its key: ok false without a key but the id
// ("" or "id", which Compare orders by alone).
func groupSortLeaf(sortBy string) (a, sub *Attribute, ok bool) {
	if sortBy == "" || sortBy == "id" {
		return nil, nil, false
	}
	p, ok := splitPath(sortBy)
	if !ok {
		return nil, nil, false
	}
	return groupLeaf(p)
}

// position returns g's place in q's order, as CursorPage reads it back:
// its id and, with a SortBy other than id, its sort key, as JSON (the
// form users' positions take).
func (q *GroupQuery) position(g *Group) string {
	pos := goPosition{ID: g.ID}
	if a, sub, ok := groupSortLeaf(q.SortBy); ok {
		pos.Kind, pos.Value = sortKey(sortValue(a, sub)(reflect.ValueOf(g).Elem()))
	}
	b, _ := json.Marshal(pos) // strings only: cannot fail
	return string(b)
}

// positionGroup reads a position back as a group holding only the id and
// the sort key, which [GroupQuery.Compare] orders against the groups.
func (q *GroupQuery) positionGroup(s string) (*Group, error) {
	var pos goPosition
	if err := json.Unmarshal([]byte(s), &pos); err != nil || pos.ID == "" {
		return nil, ErrInvalidPosition
	}
	g := &Group{ID: pos.ID}
	a, sub, ok := groupSortLeaf(q.SortBy)
	switch {
	case !ok:
		if pos.Kind != "" {
			return nil, ErrInvalidPosition
		}
		return g, nil
	case pos.Kind == "-":
		return g, nil
	}
	dst := reflect.ValueOf(g).Elem().FieldByIndex(a.field)
	if sub != nil {
		dst = dst.FieldByIndex(sub.field)
	}
	if err := setSortKey(dst, pos); err != nil {
		return nil, err
	}
	return g, nil
}

// CursorPage answers a [GroupQuery.Cursor] query for a store that
// evaluates it in Go: matched are every group matching the filter, in any
// order. The page is the first Count of them after q.After in
// [GroupQuery.Compare]'s order, Total counts them all, and Next is set
// when more follow. Only the groups after the position are sorted, so a
// page costs at most what the first does, at any depth. The page holds
// matched's own groups (a store copies them if it must). An After that is
// not a position CursorPage made for the query is [ErrInvalidPosition].
func (q *GroupQuery) CursorPage(matched []*Group) (*GroupPage, error) {
	page := &GroupPage{Groups: []*Group{}, Total: len(matched)}
	var after *Group
	if q.After != "" {
		var err error
		if after, err = q.positionGroup(q.After); err != nil {
			return nil, err
		}
	}
	count := max(q.Count, 0)
	if count == 0 {
		return page, nil // the total only: nothing to page
	}
	rest := matched
	if after != nil {
		rest = make([]*Group, 0, len(matched))
		for _, g := range matched {
			if q.Compare(g, after) > 0 {
				rest = append(rest, g)
			}
		}
	} else {
		rest = slices.Clone(matched) // sorted below: not the caller's slice
	}
	slices.SortFunc(rest, q.Compare)
	if len(rest) > count {
		rest = rest[:count]
		page.Next = q.position(rest[count-1])
	}
	page.Groups = append(page.Groups, rest...)
	return page, nil
}

// scimType values of RFC 9865 §2.1 (cursor paging errors, all 400).
const (
	SCIMTypeInvalidCursor = "invalidCursor"
	SCIMTypeExpiredCursor = "expiredCursor"
	SCIMTypeInvalidCount  = "invalidCount"
)

// DefaultCursorTimeout is how long a cursor stays valid when
// [Handler.CursorTimeout] is not set: advertised as cursorTimeout, the
// least time a client may take between two pages of a walk.
const DefaultCursorTimeout = time.Hour

// maxCursorLen bounds a cursor a client sends; the handler's own are far
// shorter unless a sort key is very long.
const maxCursorLen = 8192

const cursorVersion = 1

// cursorScope is what a cursor is bound to: its company, its endpoint and
// the query parameters a page must repeat (RFC 9865 §2); key is the key
// that signs it (Handler.cursorSecret).
type cursorScope struct {
	tenant, endpoint               string
	filter, sortBy, sortOrder      string
	attributes, excludedAttributes string
	key                            []byte
}

// KeyStore is a [Store] that keeps keys shared by every process using it.
// A [Handler] without a CursorKey signs its cursors with its store's key
// named "cursor" when the store is a KeyStore (sqlstore's are), so that
// the instances of a service on one database accept each other's cursors,
// and a restarted instance those it gave before, with nothing to
// configure. Whoever reads the store can read the key, and so forge a
// cursor: a position in a listing it could read anyway.
type KeyStore interface {
	// SharedKey returns the key named name: 32 random bytes made by the
	// first caller, in any process, and the same for every caller after.
	SharedKey(ctx context.Context, name string) ([]byte, error)
}

// cursorKeyName is the name of the cursor key in a KeyStore.
const cursorKeyName = "cursor"

// cursorSecret returns the key cursors are signed with: CursorKey, or the
// Handler's own random key (init chose), else the store's shared key, read
// on the first cursor and kept.
func (h *Handler) cursorSecret(ctx context.Context) ([]byte, error) {
	if len(h.cursorKey) > 0 {
		return h.cursorKey, nil
	}
	if k := h.sharedKey.Load(); k != nil {
		return *k, nil
	}
	k, err := h.Store.(KeyStore).SharedKey(ctx, cursorKeyName)
	if err != nil {
		return nil, fmt.Errorf("reading the store's cursor key: %w", err)
	}
	if len(k) == 0 {
		return nil, errors.New("the store's cursor key is empty")
	}
	h.sharedKey.Store(&k)
	return k, nil
}

func (h *Handler) cursorTimeout() time.Duration {
	if h.CursorTimeout > 0 {
		return h.CursorTimeout
	}
	return DefaultCursorTimeout
}

func (h *Handler) cursorMAC(sc *cursorScope, payload []byte) []byte {
	m := hmac.New(sha256.New, sc.key)
	var n [binary.MaxVarintLen64]byte
	for _, s := range [...]string{"scimkit cursor", sc.tenant, sc.endpoint, sc.filter, sc.sortBy, sc.sortOrder, sc.attributes, sc.excludedAttributes} {
		m.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		m.Write([]byte(s))
	}
	m.Write(payload)
	return m.Sum(nil)[:cursorMACLen]
}

const cursorMACLen = 16

// encodeCursor signs a store position into the cursor a client sends back:
// base64url (RFC 4648 §5, unpadded: only RFC 3986 unreserved characters)
// of version, issue time, count and position, then an HMAC-SHA256 (cut to
// 128 bits) over those and the scope.
func (h *Handler) encodeCursor(sc *cursorScope, count int, position string, now time.Time) string {
	b := make([]byte, 0, 1+2*binary.MaxVarintLen64+len(position)+cursorMACLen)
	b = append(b, cursorVersion)
	b = binary.AppendVarint(b, now.Unix())
	b = binary.AppendUvarint(b, uint64(count))
	b = append(b, position...)
	b = append(b, h.cursorMAC(sc, b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor checks a cursor against the scope and returns the store
// position it carries: 400 invalidCursor when it is not one this handler
// (or one sharing its key) issued for this company and query,
// expiredCursor when older than the timeout, invalidCount when the page
// asks for another count than the walk began with.
func (h *Handler) decodeCursor(sc *cursorScope, cursor string, count int, now time.Time) (string, error) {
	invalid := Errorf(http.StatusBadRequest, SCIMTypeInvalidCursor, "the cursor is not valid for this query: send an empty cursor for the first page, then each page's nextCursor with the same query parameters")
	if len(cursor) > maxCursorLen {
		return "", invalid
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) < 1+cursorMACLen || b[0] != cursorVersion {
		return "", invalid
	}
	payload, mac := b[:len(b)-cursorMACLen], b[len(b)-cursorMACLen:]
	if !hmac.Equal(mac, h.cursorMAC(sc, payload)) {
		return "", invalid
	}
	rest := payload[1:]
	issued, n := binary.Varint(rest)
	if n <= 0 {
		return "", invalid
	}
	rest = rest[n:]
	c, n := binary.Uvarint(rest)
	if n <= 0 {
		return "", invalid
	}
	position := string(rest[n:])
	if age := now.Sub(time.Unix(issued, 0)); age > h.cursorTimeout() {
		return "", Errorf(http.StatusBadRequest, SCIMTypeExpiredCursor, "the cursor has expired: cursors are valid for %d seconds between pages; start again with an empty cursor", int64(h.cursorTimeout()/time.Second))
	}
	if c != uint64(count) {
		return "", Errorf(http.StatusBadRequest, SCIMTypeInvalidCount, "count must be the walk's first count, %d, on every page", c)
	}
	return position, nil
}

// newCursorKey returns a random key for a Handler without CursorKey whose
// store keeps none.
func newCursorKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read never fails (Go 1.24+)
	return k
}
