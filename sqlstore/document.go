package sqlstore

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/jsonr"
	"github.com/scimkit/scim/internal/jsonw"
)

// The stored document is the store's own encoding of a user, independent
// of the SCIM wire format, of the tenant's model and of Go field names:
// short keys, empty values left out (smaller rows, faster decoding of
// pages). TestDocRoundTrip fills every field of scim.User by reflection,
// so a field added to User without a key here fails the build's tests
// instead of being dropped silently. encodeDoc writes what json.Marshal
// writes for these types; decodeDoc reads the same keys by hand.
type doc struct {
	ID                string            `json:"id"`
	ExternalID        string            `json:"ext,omitempty"`
	UserName          string            `json:"un"`
	Name              *docName          `json:"n,omitempty"`
	DisplayName       string            `json:"dn,omitempty"`
	NickName          string            `json:"nn,omitempty"`
	ProfileURL        string            `json:"pu,omitempty"`
	Title             string            `json:"ti,omitempty"`
	UserType          string            `json:"ut,omitempty"`
	PreferredLanguage string            `json:"pl,omitempty"`
	Locale            string            `json:"lo,omitempty"`
	Timezone          string            `json:"tz,omitempty"`
	Active            bool              `json:"a,omitempty"`
	Emails            []docMulti        `json:"em,omitempty"`
	PhoneNumbers      []docMulti        `json:"ph,omitempty"`
	IMs               []docMulti        `json:"im,omitempty"`
	Photos            []docMulti        `json:"pt,omitempty"`
	Addresses         []docAddress      `json:"ad,omitempty"`
	Groups            []docGroup        `json:"gr,omitempty"`
	Entitlements      []docMulti        `json:"en,omitempty"`
	Roles             []docMulti        `json:"ro,omitempty"`
	X509Certificates  []docMulti        `json:"x5,omitempty"`
	Enterprise        *docEnterprise    `json:"e,omitempty"`
	Custom            map[string]string `json:"c,omitempty"`
	Meta              docMeta           `json:"m"`
}

type docName struct {
	Formatted       string `json:"f,omitempty"`
	FamilyName      string `json:"fa,omitempty"`
	GivenName       string `json:"g,omitempty"`
	MiddleName      string `json:"mi,omitempty"`
	HonorificPrefix string `json:"hp,omitempty"`
	HonorificSuffix string `json:"hs,omitempty"`
}

type docMulti struct {
	Value   string `json:"v,omitempty"`
	Display string `json:"d,omitempty"`
	Type    string `json:"t,omitempty"`
	Primary bool   `json:"p,omitempty"`
}

type docAddress struct {
	Formatted     string `json:"f,omitempty"`
	StreetAddress string `json:"s,omitempty"`
	Locality      string `json:"l,omitempty"`
	Region        string `json:"r,omitempty"`
	PostalCode    string `json:"pc,omitempty"`
	Country       string `json:"c,omitempty"`
	Type          string `json:"t,omitempty"`
	Primary       bool   `json:"p,omitempty"`
}

type docGroup struct {
	Value   string `json:"v,omitempty"`
	Ref     string `json:"r,omitempty"`
	Display string `json:"d,omitempty"`
	Type    string `json:"t,omitempty"`
}

type docEnterprise struct {
	EmployeeNumber string `json:"no,omitempty"`
	CostCenter     string `json:"cc,omitempty"`
	Organization   string `json:"o,omitempty"`
	Division       string `json:"dv,omitempty"`
	Department     string `json:"dp,omitempty"`
	ManagerValue   string `json:"mv,omitempty"`
	ManagerRef     string `json:"mr,omitempty"`
	ManagerName    string `json:"md,omitempty"`
}

type docMeta struct {
	ResourceType string    `json:"rt,omitempty"`
	Created      time.Time `json:"c"`
	LastModified time.Time `json:"lm"`
	Location     string    `json:"l,omitempty"`
	Version      string    `json:"v,omitempty"`
}

func multiToDoc(in []scim.MultiValue) []docMulti {
	if in == nil {
		return nil
	}
	out := make([]docMulti, len(in))
	for i, m := range in {
		out[i] = docMulti(m)
	}
	return out
}

// encodeDoc writes u's stored document: exactly what json.Marshal writes
// for docOf(u) (FuzzEncodeDoc checks), written by hand, as every write
// encodes one and encoding/json's reflection cost a PATCH on SQLite 3 % of
// its CPU. A time that json.Marshal refuses, or writes otherwise than
// RFC 3339 with nanoseconds, goes to json.Marshal itself.
func encodeDoc(u *scim.User) ([]byte, error) {
	if !rfc3339Time(u.Meta.Created) || !rfc3339Time(u.Meta.LastModified) {
		return json.Marshal(docOf(u))
	}
	b := make([]byte, 0, 1024)
	b = append(b, `{"id":`...)
	b = jsonw.String(b, u.ID)
	b = docString(b, "ext", u.ExternalID)
	b = append(b, `,"un":`...)
	b = jsonw.String(b, u.UserName)
	if n := u.Name; n != (scim.Name{}) {
		b = append(b, `,"n":{`...)
		b = docStrings(b, "f", n.Formatted, "fa", n.FamilyName, "g", n.GivenName,
			"mi", n.MiddleName, "hp", n.HonorificPrefix, "hs", n.HonorificSuffix)
		b = append(b, '}')
	}
	b = docStrings(b, "dn", u.DisplayName, "nn", u.NickName, "pu", u.ProfileURL, "ti", u.Title,
		"ut", u.UserType, "pl", u.PreferredLanguage, "lo", u.Locale, "tz", u.Timezone)
	if u.Active {
		b = append(b, `,"a":true`...)
	}
	b = docMultis(b, "em", u.Emails)
	b = docMultis(b, "ph", u.PhoneNumbers)
	b = docMultis(b, "im", u.IMs)
	b = docMultis(b, "pt", u.Photos)
	b = docArray(b, "ad", len(u.Addresses), func(b []byte, i int) []byte {
		a := &u.Addresses[i]
		b = docStrings(b, "f", a.Formatted, "s", a.StreetAddress, "l", a.Locality, "r", a.Region,
			"pc", a.PostalCode, "c", a.Country, "t", a.Type)
		return docBool(b, "p", a.Primary)
	})
	b = docArray(b, "gr", len(u.Groups), func(b []byte, i int) []byte {
		g := &u.Groups[i]
		return docStrings(b, "v", g.Value, "r", g.Ref, "d", g.Display, "t", g.Type)
	})
	b = docMultis(b, "en", u.Entitlements)
	b = docMultis(b, "ro", u.Roles)
	b = docMultis(b, "x5", u.X509Certificates)
	if e := u.Enterprise; e != (scim.EnterpriseUser{}) {
		b = append(b, `,"e":{`...)
		b = docStrings(b, "no", e.EmployeeNumber, "cc", e.CostCenter, "o", e.Organization, "dv", e.Division,
			"dp", e.Department, "mv", e.Manager.Value, "mr", e.Manager.Ref, "md", e.Manager.DisplayName)
		b = append(b, '}')
	}
	if len(u.Custom) > 0 {
		b = append(b, `,"c":{`...)
		for i, k := range slices.Sorted(maps.Keys(u.Custom)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonw.String(b, k)
			b = append(b, ':')
			b = jsonw.String(b, u.Custom[k])
		}
		b = append(b, '}')
	}
	m := u.Meta
	b = append(b, `,"m":{`...)
	b = docString(b, "rt", m.ResourceType)
	b = append(jsonw.Key(b, "c"), '"')
	b = m.Created.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","lm":"`...)
	b = m.LastModified.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = docString(b, "l", m.Location)
	b = docString(b, "v", m.Version)
	return append(b, '}', '}'), nil
}

// rfc3339Time reports whether json.Marshal writes t as time.RFC3339Nano
// formats it: a four-digit year and an offset of whole minutes under 24
// hours.
func rfc3339Time(t time.Time) bool {
	_, off := t.Zone()
	return t.Year() >= 0 && t.Year() <= 9999 && off%60 == 0 && off > -24*3600 && off < 24*3600
}

// docString appends the member "key":s unless s is empty (omitempty),
// after a comma unless it is the object's first.
func docString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return jsonw.String(jsonw.Key(b, key), s)
}

// docStrings is docString for each pair of key and value in kv, in order.
func docStrings(b []byte, kv ...string) []byte {
	for i := 0; i+1 < len(kv); i += 2 {
		b = docString(b, kv[i], kv[i+1])
	}
	return b
}

// docBool is docString for a bool: true or nothing.
func docBool(b []byte, key string, v bool) []byte {
	if !v {
		return b
	}
	return append(jsonw.Key(b, key), "true"...)
}

// docMultis appends the member "key":[...] of a multi-valued attribute
// unless it has no values.
func docMultis(b []byte, key string, ms []scim.MultiValue) []byte {
	return docArray(b, key, len(ms), func(b []byte, i int) []byte {
		m := &ms[i]
		b = docStrings(b, "v", m.Value, "d", m.Display, "t", m.Type)
		return docBool(b, "p", m.Primary)
	})
}

// docArray appends the member "key":[...] of n objects, whose members
// member(b, i) appends, unless n is 0 (omitempty).
func docArray(b []byte, key string, n int, member func(b []byte, i int) []byte) []byte {
	if n == 0 {
		return b
	}
	b = append(jsonw.Key(b, key), '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = member(b, i)
		b = append(b, '}')
	}
	return append(b, ']')
}

// docOf is the doc of u, which json.Marshal encodes as encodeDoc does.
func docOf(u *scim.User) *doc {
	d := doc{
		ID: u.ID, ExternalID: u.ExternalID, UserName: u.UserName,
		DisplayName: u.DisplayName, NickName: u.NickName, ProfileURL: u.ProfileURL, Title: u.Title,
		UserType: u.UserType, PreferredLanguage: u.PreferredLanguage, Locale: u.Locale, Timezone: u.Timezone,
		Active: u.Active,
		Emails: multiToDoc(u.Emails), PhoneNumbers: multiToDoc(u.PhoneNumbers), IMs: multiToDoc(u.IMs),
		Photos: multiToDoc(u.Photos), Entitlements: multiToDoc(u.Entitlements), Roles: multiToDoc(u.Roles),
		X509Certificates: multiToDoc(u.X509Certificates),
		Custom:           u.Custom,
		Meta:             docMeta(u.Meta),
	}
	if u.Name != (scim.Name{}) {
		n := docName(u.Name)
		d.Name = &n
	}
	if u.Addresses != nil {
		d.Addresses = make([]docAddress, len(u.Addresses))
		for i, a := range u.Addresses {
			d.Addresses[i] = docAddress(a)
		}
	}
	if u.Groups != nil {
		d.Groups = make([]docGroup, len(u.Groups))
		for i, g := range u.Groups {
			d.Groups[i] = docGroup(g)
		}
	}
	if e := u.Enterprise; e != (scim.EnterpriseUser{}) {
		d.Enterprise = &docEnterprise{e.EmployeeNumber, e.CostCenter, e.Organization, e.Division, e.Department,
			e.Manager.Value, e.Manager.Ref, e.Manager.DisplayName}
	}
	return &d
}

// decodeDoc decodes a document encodeDoc wrote. It reads the JSON by hand,
// straight into a User: every string of the user is a substring of doc
// (escaped ones excepted; the store scans doc as a string, so the driver's
// copy is the only one), which makes
// it several times faster than encoding/json into doc. The result is what
// encoding/json gave, which FuzzDecodeDoc checks, with one deliberate
// difference: keys match exactly, where encoding/json falls back to
// ignoring case, as the documents are our own. So: keys come in any order
// (PostgreSQL reorders them) and unknown ones are skipped; null leaves a
// field as it was, except that it sets a slice or map to nil and clears n
// and e (pointers in doc); [] and {} give empty non-nil slices and maps; a
// repeated key decodes over the earlier value.
func decodeDoc(doc string) (*scim.User, error) {
	r := jsonr.NewReader(doc)
	// Decoded on the stack and copied to the heap once: the stores of the
	// strings into it need no write barriers while the GC runs.
	var u scim.User
	if !r.Null() {
		if err := r.Object(func(key string) error { return userKey(r, &u, key) }); err != nil {
			return nil, fmt.Errorf("sqlstore: decoding user document: %w", err)
		}
	}
	if err := r.End(); err != nil {
		return nil, fmt.Errorf("sqlstore: decoding user document: %w", err)
	}
	p := new(scim.User)
	*p = u
	return p, nil
}

// userKey decodes the value of the doc key into u.
func userKey(r *jsonr.Reader, u *scim.User, key string) error {
	switch key {
	case "id":
		return str(r, &u.ID)
	case "ext":
		return str(r, &u.ExternalID)
	case "un":
		return str(r, &u.UserName)
	case "n":
		if r.Null() {
			u.Name = scim.Name{} // a pointer in doc: null clears it
			return nil
		}
		return r.Object(func(k string) error { return nameKey(r, &u.Name, k) })
	case "dn":
		return str(r, &u.DisplayName)
	case "nn":
		return str(r, &u.NickName)
	case "pu":
		return str(r, &u.ProfileURL)
	case "ti":
		return str(r, &u.Title)
	case "ut":
		return str(r, &u.UserType)
	case "pl":
		return str(r, &u.PreferredLanguage)
	case "lo":
		return str(r, &u.Locale)
	case "tz":
		return str(r, &u.Timezone)
	case "a":
		return boolean(r, &u.Active)
	case "em":
		return multis(r, &u.Emails)
	case "ph":
		return multis(r, &u.PhoneNumbers)
	case "im":
		return multis(r, &u.IMs)
	case "pt":
		return multis(r, &u.Photos)
	case "ad":
		return array(r, &u.Addresses, func(a *scim.Address, k string) error { return addressKey(r, a, k) })
	case "gr":
		return array(r, &u.Groups, func(g *scim.GroupRef, k string) error { return groupKey(r, g, k) })
	case "en":
		return multis(r, &u.Entitlements)
	case "ro":
		return multis(r, &u.Roles)
	case "x5":
		return multis(r, &u.X509Certificates)
	case "e":
		if r.Null() {
			u.Enterprise = scim.EnterpriseUser{} // a pointer in doc: null clears it
			return nil
		}
		return r.Object(func(k string) error { return enterpriseKey(r, &u.Enterprise, k) })
	case "c":
		return custom(r, &u.Custom)
	case "m":
		if r.Null() {
			return nil
		}
		return r.Object(func(k string) error { return metaKey(r, &u.Meta, k) })
	}
	return r.Skip()
}

// nameKey decodes the value of a docName key into n; multiKey, addressKey,
// groupKey, enterpriseKey and metaKey do the same for their doc types.
func nameKey(r *jsonr.Reader, n *scim.Name, key string) error {
	switch key {
	case "f":
		return str(r, &n.Formatted)
	case "fa":
		return str(r, &n.FamilyName)
	case "g":
		return str(r, &n.GivenName)
	case "mi":
		return str(r, &n.MiddleName)
	case "hp":
		return str(r, &n.HonorificPrefix)
	case "hs":
		return str(r, &n.HonorificSuffix)
	}
	return r.Skip()
}

func multiKey(r *jsonr.Reader, m *scim.MultiValue, key string) error {
	switch key {
	case "v":
		return str(r, &m.Value)
	case "d":
		return str(r, &m.Display)
	case "t":
		return str(r, &m.Type)
	case "p":
		return boolean(r, &m.Primary)
	}
	return r.Skip()
}

func addressKey(r *jsonr.Reader, a *scim.Address, key string) error {
	switch key {
	case "f":
		return str(r, &a.Formatted)
	case "s":
		return str(r, &a.StreetAddress)
	case "l":
		return str(r, &a.Locality)
	case "r":
		return str(r, &a.Region)
	case "pc":
		return str(r, &a.PostalCode)
	case "c":
		return str(r, &a.Country)
	case "t":
		return str(r, &a.Type)
	case "p":
		return boolean(r, &a.Primary)
	}
	return r.Skip()
}

func groupKey(r *jsonr.Reader, g *scim.GroupRef, key string) error {
	switch key {
	case "v":
		return str(r, &g.Value)
	case "r":
		return str(r, &g.Ref)
	case "d":
		return str(r, &g.Display)
	case "t":
		return str(r, &g.Type)
	}
	return r.Skip()
}

func enterpriseKey(r *jsonr.Reader, e *scim.EnterpriseUser, key string) error {
	switch key {
	case "no":
		return str(r, &e.EmployeeNumber)
	case "cc":
		return str(r, &e.CostCenter)
	case "o":
		return str(r, &e.Organization)
	case "dv":
		return str(r, &e.Division)
	case "dp":
		return str(r, &e.Department)
	case "mv":
		return str(r, &e.Manager.Value)
	case "mr":
		return str(r, &e.Manager.Ref)
	case "md":
		return str(r, &e.Manager.DisplayName)
	}
	return r.Skip()
}

func metaKey(r *jsonr.Reader, m *scim.Meta, key string) error {
	switch key {
	case "rt":
		return str(r, &m.ResourceType)
	case "c":
		return docTime(r, &m.Created)
	case "lm":
		return docTime(r, &m.LastModified)
	case "l":
		return str(r, &m.Location)
	case "v":
		return str(r, &m.Version)
	}
	return r.Skip()
}

// str decodes a string; null leaves *p as it is.
func str(r *jsonr.Reader, p *string) error {
	if r.Null() {
		return nil
	}
	s, err := r.String()
	*p = s
	return err
}

// boolean decodes true or false; null leaves *p as it is.
func boolean(r *jsonr.Reader, p *bool) error {
	if r.Null() {
		return nil
	}
	b, err := r.Bool()
	*p = b
	return err
}

// multis decodes an array of docMulti.
func multis(r *jsonr.Reader, p *[]scim.MultiValue) error {
	return array(r, p, func(m *scim.MultiValue, k string) error { return multiKey(r, m, k) })
}

// array decodes an array of objects into *p, calling key for each member
// of an element, as encoding/json decodes into a slice: null sets nil, a
// null element is left as it is, elements decode over the ones already
// there, and the slice is resliced within its capacity (showing what a
// repeated key left there) before it grows. key takes no Reader so that
// the Reader, captured by the caller's closure instead, stays on the stack.
func array[T any](r *jsonr.Reader, p *[]T, key func(elem *T, k string) error) error {
	if r.Null() {
		*p = nil
		return nil
	}
	s := *p
	n := 0
	err := r.Array(func() error {
		if n < cap(s) {
			s = s[:max(n+1, len(s))]
		} else {
			s = append(s, *new(T))
		}
		e := &s[n]
		n++
		if r.Null() {
			return nil
		}
		return r.Object(func(k string) error { return key(e, k) })
	})
	if err != nil {
		return err
	}
	if n == 0 {
		s = []T{}
	}
	*p = s[:n]
	return nil
}

// custom decodes the c object into *p, making the map if it is nil; null
// sets it to nil, and a null value to "".
func custom(r *jsonr.Reader, p *map[string]string) error {
	if r.Null() {
		*p = nil
		return nil
	}
	if *p == nil {
		*p = map[string]string{}
	}
	m := *p
	return r.Object(func(k string) error {
		var v string
		err := str(r, &v)
		m[k] = v
		return err
	})
}

// docTime decodes a time as time.Time.UnmarshalJSON does, which
// encoding/json called on the value's JSON text whatever its type (null
// leaves *p as it is). The layout the encoder writes for UTC times is
// parsed here directly, as it would be parsed there, without a copy.
func docTime(r *jsonr.Reader, p *time.Time) error {
	raw, err := r.Raw()
	if err != nil {
		return err
	}
	if t, ok := utcTime(raw); ok {
		*p = t
		return nil
	}
	return p.UnmarshalJSON([]byte(raw))
}

// utcTime parses q if it is "2006-01-02T15:04:05.999999999Z" in quotes
// and valid by the checks of time's RFC 3339 parser, giving what that
// parser gives; ok is false for anything else.
func utcTime(q string) (t time.Time, ok bool) {
	const layout = `"0000-00-00T00:00:00` // 0 stands for a digit
	if len(q) < len(layout)+len(`Z"`) || q[len(q)-2:] != `Z"` {
		return t, false
	}
	for i := range len(layout) {
		if c := q[i]; layout[i] == '0' && (c < '0' || c > '9') || layout[i] != '0' && c != layout[i] {
			return t, false
		}
	}
	num := func(s string) (n int) {
		for _, c := range []byte(s) {
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(q[1:5]), time.Month(num(q[6:8])), num(q[9:11])
	hour, minute, sec := num(q[12:14]), num(q[15:17]), num(q[18:20])
	nsec := 0
	if frac := q[len(layout) : len(q)-2]; frac != "" {
		// A period and 1 to 9 digits; time truncates more, an unusual
		// case left to it.
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 || strings.Trim(frac[1:], "0123456789") != "" {
			return t, false
		}
		nsec = num(frac[1:])
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	days := 31
	switch month {
	case time.February:
		days = 28
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			days = 29
		}
	case time.April, time.June, time.September, time.November:
		days = 30
	}
	if month < time.January || month > time.December || day < 1 || day > days || hour > 23 || minute > 59 || sec > 59 {
		return t, false
	}
	return time.Date(year, month, day, hour, minute, sec, nsec, time.UTC), true
}
