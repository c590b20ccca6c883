package scim

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/internal/jsonw"
)

// randomUser fills a random subset of every kind of attribute, including
// the values whose rendering is subtle: empty but non-nil lists, false
// booleans, zero and non-UTC times, strings needing escapes, a manager
// with only a display name.
func randomUser(r *rand.Rand) *User {
	str := func() string {
		switch r.IntN(6) {
		case 0:
			return ""
		case 1:
			return "é\"\\\n<tag>&\u2028" + fmt.Sprint(r.IntN(100))
		default:
			return fmt.Sprintf("v%d", r.IntN(1000))
		}
	}
	mvs := func() []MultiValue {
		switch r.IntN(4) {
		case 0:
			return nil
		case 1:
			return []MultiValue{}
		}
		out := make([]MultiValue, 1+r.IntN(3))
		for i := range out {
			out[i] = MultiValue{Value: str(), Display: str(), Type: str(), Primary: r.IntN(2) == 0}
		}
		return out
	}
	tm := func() time.Time {
		switch r.IntN(4) {
		case 0:
			return time.Time{}
		case 1:
			return time.Date(2024, 2, 29, 13, 4, 5, r.IntN(1e9), time.FixedZone("X", 3600))
		}
		return time.Unix(r.Int64N(2e9), r.Int64N(1e9)).UTC()
	}
	u := &User{
		ID: str(), ExternalID: str(), UserName: str(),
		Name:        Name{Formatted: str(), FamilyName: str(), GivenName: str(), MiddleName: str(), HonorificPrefix: str(), HonorificSuffix: str()},
		DisplayName: str(), NickName: str(), ProfileURL: str(), Title: str(), UserType: str(),
		PreferredLanguage: str(), Locale: str(), Timezone: str(), Active: r.IntN(2) == 0,
		Emails: mvs(), PhoneNumbers: mvs(), IMs: mvs(), Photos: mvs(), Entitlements: mvs(), Roles: mvs(), X509Certificates: mvs(),
		Meta: Meta{ResourceType: str(), Created: tm(), LastModified: tm(), Location: str(), Version: str()},
	}
	if r.IntN(2) == 0 {
		u.Addresses = []Address{{Formatted: str(), StreetAddress: str(), Locality: str(), Region: str(), PostalCode: str(), Country: str(), Type: str(), Primary: r.IntN(2) == 0}}
	}
	if r.IntN(3) == 0 {
		u.Groups = []GroupRef{{Value: str(), Ref: str(), Display: str(), Type: str()}}
	}
	switch r.IntN(3) {
	case 0:
		u.Enterprise = EnterpriseUser{EmployeeNumber: str(), CostCenter: str(), Organization: str(), Division: str(), Department: str(),
			Manager: Manager{Value: str(), Ref: str(), DisplayName: str()}}
	case 1:
		u.Enterprise.Manager.DisplayName = str()
	}
	if r.IntN(2) == 0 {
		u.Custom = map[string]string{"Department": str(), "Level": fmt.Sprint(r.IntN(10)), "Unknown": "x"}
	}
	return u
}

// TestCompiledEncoder renders many random users, under many projections,
// with the compiled plan and by reflection: the bytes must be the same.
func TestCompiledEncoder(t *testing.T) {
	m := NewModel([]CustomAttribute{{Name: "Department", Type: CustomOption}, {Name: "Level", Type: CustomNumber}})
	if m.enc == nil {
		t.Fatal("NewModel did not compile the encoder")
	}
	projections := []struct{ attributes, excluded string }{
		{"", ""},
		{"userName", ""},
		{"emails.value,name.familyName,meta.version", ""},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", ""},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName,Department", ""},
		{"", "emails,meta"},
		{"", "name.givenName,addresses.primary,emails.primary,Level"},
		{"", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"},
		{"groups,active,meta.created", ""},
	}
	r := rand.New(rand.NewPCG(15, 3))
	for i := range 3000 {
		u := randomUser(r)
		pr := projections[i%len(projections)]
		p, err := m.ParseProjection(pr.attributes, pr.excluded)
		if err != nil {
			t.Fatal(err)
		}
		want := string(m.encodeUserReflect([]byte("["), u, p))
		got := string(m.EncodeUser([]byte("["), u, p))
		if got != want {
			t.Fatalf("user %d, projection %+v: compiled encoder differs (-reflect +compiled):\n%s", i, pr, cmp.Diff(want, got))
		}
	}
}

// FuzzCompiledEncoder decodes a user from the input and checks that the
// compiled plan renders it as the reflective encoder does.
func FuzzCompiledEncoder(f *testing.F) {
	f.Add([]byte(`{"userName":"a","name":{"familyName":"B"},"emails":[{"value":"a@x","primary":true},{"value":"b@x"}],"active":false}`), "")
	f.Add([]byte(`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m"}},"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Level":"3"}}`), "emails.value")
	m := NewModel([]CustomAttribute{{Name: "Department", Type: CustomOption}, {Name: "Level", Type: CustomNumber}})
	f.Fuzz(func(t *testing.T, body []byte, attributes string) {
		u, err := m.DecodeUser(body, DecodeOptions{IgnoreUnknownAttributes: true})
		if err != nil {
			return
		}
		p, err := m.ParseProjection(attributes, "")
		if err != nil {
			return
		}
		want := m.encodeUserReflect(nil, u, p)
		if got := m.EncodeUser(nil, u, p); string(got) != string(want) {
			t.Fatalf("compiled encoder differs (-reflect +compiled):\n%s", cmp.Diff(string(want), string(got)))
		}
	})
}

// encodeUserReflect is EncodeUser by reflection over the attributes: the
// definition the compiled plan (userEncoder) is tested against.
func (m *Model) encodeUserReflect(dst []byte, u *User, p *Projection) []byte {
	rv := reflect.ValueOf(u).Elem()
	dst = append(dst, '{')
	dst = jsonw.Key(dst, "schemas")
	dst = append(dst, '[')
	dst = append(dst, `"`+SchemaUser+`"`...) // URNs need no escaping
	hasEnt := !rv.FieldByIndex(m.enterprise.Attributes[0].field[:1]).IsZero()
	hasPeakon := len(u.Custom) > 0
	if hasEnt {
		dst = append(dst, ',')
		dst = append(dst, `"`+SchemaEnterpriseUser+`"`...)
	}
	if hasPeakon {
		dst = append(dst, ',')
		dst = append(dst, `"`+SchemaPeakonUser+`"`...)
	}
	dst = append(dst, ']')
	var meta *Attribute
	for _, a := range m.core.Attributes {
		if a.Name == "meta" {
			meta = a
			continue
		}
		dst = encodeAttr(dst, rv, a, p)
	}
	if hasEnt {
		mark := len(dst)
		dst = jsonw.Key(dst, SchemaEnterpriseUser)
		dst = append(dst, '{')
		inner := len(dst)
		for _, a := range m.enterprise.Attributes {
			dst = encodeAttr(dst, rv, a, p)
		}
		dst = closeObject(dst, mark, inner)
	}
	if hasPeakon {
		dst = m.encodeCustom(dst, u, p)
	}
	if meta != nil {
		dst = encodeAttr(dst, rv, meta, p)
	}
	return append(dst, '}')
}

func encodeAttr(dst []byte, rv reflect.Value, a *Attribute, p *Projection) []byte {
	if a.field == nil {
		return dst
	}
	yes, partial := p.returns(a)
	if !yes {
		return dst
	}
	f := rv.FieldByIndex(a.field)
	if f.IsZero() && a.Type != TypeBoolean {
		return dst
	}
	mark := len(dst)
	dst = a.jsonKey(dst)
	switch {
	case a.MultiValued:
		dst = append(dst, '[')
		for i := 0; i < f.Len(); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = encodeComplex(dst, f.Index(i), a, p, partial)
		}
		dst = append(dst, ']')
	case a.Type == TypeComplex:
		before := len(dst)
		dst = encodeComplex(dst, f, a, p, partial)
		if len(dst)-before == 2 { // {} after projection: omit the attribute
			return dst[:mark]
		}
	default:
		dst = encodeScalar(dst, f, a)
	}
	return dst
}

func encodeComplex(dst []byte, f reflect.Value, a *Attribute, p *Projection, partial bool) []byte {
	dst = append(dst, '{')
	for _, sub := range a.SubAttributes {
		if partial && !p.returnsSub(sub) {
			continue
		}
		sf := f.FieldByIndex(sub.field)
		if sub.Type == TypeBoolean {
			if !sf.Bool() { // primary=false is noise; absent means false
				continue
			}
		} else if sf.IsZero() {
			continue
		}
		dst = sub.jsonKey(dst)
		dst = encodeScalar(dst, sf, sub)
	}
	return append(dst, '}')
}

func encodeScalar(dst []byte, f reflect.Value, a *Attribute) []byte {
	switch a.Type {
	case TypeBoolean:
		return jsonw.Bool(dst, f.Bool())
	case TypeDateTime:
		return jsonw.Time(dst, *f.Addr().Interface().(*time.Time))
	case TypeInteger:
		if f.Kind() == reflect.Int || f.Kind() == reflect.Int64 {
			return strconv.AppendInt(dst, f.Int(), 10)
		}
	}
	return jsonw.String(dst, f.String())
}
