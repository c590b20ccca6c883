package scim

import (
	"encoding/json"
	"errors"
	"fmt"

	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

var testCustom = []CustomAttribute{
	{Name: "Department", Type: CustomOption},
	{Name: "Employed Since", Type: CustomDate, Aliases: []string{"Employed_Since"}},
	{Name: "Salary", Type: CustomNumber},
	{Name: "Manager", Type: CustomEmployee},
}

func TestDecodeUser(t *testing.T) {
	m := NewModel(testCustom)
	cases := []struct {
		name string
		in   string
		opts DecodeOptions
		want *User
		err  string // scimType
	}{
		{name: "minimal", in: `{"userName":"a@b.c"}`, want: &User{UserName: "a@b.c", Active: true}},
		{name: "keys in any case", in: `{"USERNAME":"a","Name":{"GIVENNAME":"G","familyname":"F"},"Emails":[{"VALUE":"a@b.c","Primary":true}]}`,
			want: &User{UserName: "a", Active: true, Name: Name{GivenName: "G", FamilyName: "F"}, Emails: []MultiValue{{Value: "a@b.c", Primary: true}}}},
		{name: "string booleans", in: `{"userName":"a","active":"FALSE","emails":[{"value":"a@b.c","primary":"True"}]}`,
			want: &User{UserName: "a", Emails: []MultiValue{{Value: "a@b.c", Primary: true}}}},
		{name: "nulls are absent", in: `{"userName":"a","displayName":null,"name":null,"emails":null,"active":null,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":null}`,
			want: &User{UserName: "a", Active: true}},
		{name: "read-only ignored", in: `{"id":"x","userName":"a","meta":{"version":"W/\"9\""},"groups":[{"value":"g"}]}`,
			want: &User{UserName: "a", Active: true}},
		{name: "unknown core ignored", in: `{"userName":"a","shoeSize":44,"password":"secret"}`, want: &User{UserName: "a", Active: true}},
		{name: "garbage locale kept", in: `{"userName":"a","locale":"RJWNTUNNOHNZ","timezone":"Mars/Olympus"}`,
			want: &User{UserName: "a", Active: true, Locale: "RJWNTUNNOHNZ", Timezone: "Mars/Olympus"}},
		{name: "one primary", in: `{"userName":"a","emails":[{"value":"a@b.c","primary":true},{"value":"d@e.f","primary":true},null]}`,
			want: &User{UserName: "a", Active: true, Emails: []MultiValue{{Value: "a@b.c"}, {Value: "d@e.f", Primary: true}}}},
		{name: "enterprise without schemas", in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"EmployeeNumber":"7","manager":{"value":"m1"}}}`,
			want: &User{UserName: "a", Active: true, Enterprise: EnterpriseUser{EmployeeNumber: "7", Manager: Manager{Value: "m1"}}}},
		{name: "manager as raw string", in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m1"}}`,
			want: &User{UserName: "a", Active: true, Enterprise: EnterpriseUser{Manager: Manager{Value: "m1"}}}},
		{name: "custom by alias and case", in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"employed_since":"2019-04-01T10:00:00+02:00","DEPARTMENT":"IT","Salary":"42"}}`,
			want: &User{UserName: "a", Active: true, Custom: map[string]string{"Employed Since": "2019-04-01", "Department": "IT", "Salary": "42"}}},
		{name: "custom number", in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Salary":42}}`,
			want: &User{UserName: "a", Active: true, Custom: map[string]string{"Salary": "42"}}},
		{name: "custom bad date", in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Employed Since":"yesterday"}}`, err: SCIMTypeInvalidValue},
		{name: "custom bad number", in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Salary":"4.5"}}`, err: SCIMTypeInvalidValue},
		{name: "custom unknown", in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Shoe":"44"}}`, err: SCIMTypeInvalidValue},
		{name: "custom unknown lenient", in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Shoe":"44"}}`,
			opts: DecodeOptions{IgnoreUnknownAttributes: true}, want: &User{UserName: "a", Active: true}},
		{name: "custom too long", in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Department":"` + string(make([]byte, 0)) + longString(257) + `"}}`, err: SCIMTypeInvalidValue},
		{name: "bad boolean", in: `{"userName":"a","active":"yes"}`, err: SCIMTypeInvalidValue},
		{name: "number for string", in: `{"userName":12}`, want: &User{UserName: "12", Active: true}},
		{name: "object for string", in: `{"userName":{"a":1}}`, err: SCIMTypeInvalidValue},
		{name: "array for complex", in: `{"userName":"a","name":[1]}`, err: SCIMTypeInvalidValue},
		{name: "single object for multi", in: `{"userName":"a","emails":{"value":"a@b.c"}}`, want: &User{UserName: "a", Active: true, Emails: []MultiValue{{Value: "a@b.c"}}}},
		// RFC 7643 §2.4: the same (type, value) once; the first stays, primary if a repeat was.
		{name: "same type and value once", in: `{"userName":"a","emails":[{"value":"a@b.c","type":"work"},{"value":"d@e.f","type":"home"},{"value":"A@B.C","type":"Work","display":"x","primary":"True"}]}`,
			want: &User{UserName: "a", Active: true, Emails: []MultiValue{{Value: "a@b.c", Type: "work", Primary: true}, {Value: "d@e.f", Type: "home"}}}},
		{name: "same value other type kept", in: `{"userName":"a","emails":[{"value":"a@b.c","type":"work"},{"value":"a@b.c","type":"home"}]}`,
			want: &User{UserName: "a", Active: true, Emails: []MultiValue{{Value: "a@b.c", Type: "work"}, {Value: "a@b.c", Type: "home"}}}},
		{name: "repeat of the primary stays primary", in: `{"userName":"a","phoneNumbers":[{"value":"1","type":"work","primary":true},{"value":"2","type":"mobile"},{"value":"1","type":"work"}]}`,
			want: &User{UserName: "a", Active: true, PhoneNumbers: []MultiValue{{Value: "1", Type: "work", Primary: true}, {Value: "2", Type: "mobile"}}}},
		{name: "caseExact values differ by case", in: `{"userName":"a","x509Certificates":[{"value":"MIIC"},{"value":"miic"},{"value":"MIIC"}]}`,
			want: &User{UserName: "a", Active: true, X509Certificates: []MultiValue{{Value: "MIIC"}, {Value: "miic"}}}},
		{name: "identical addresses", in: `{"userName":"a","addresses":[{"type":"work","locality":"Oslo"},{"type":"work","locality":"OSLO","primary":true}]}`,
			want: &User{UserName: "a", Active: true, Addresses: []Address{{Type: "work", Locality: "Oslo", Primary: true}}}},
		{name: "many repeats", in: `{"userName":"a","phoneNumbers":[` + repeatedPhones(40) + `]}`,
			want: &User{UserName: "a", Active: true, PhoneNumbers: distinctPhones(20)}},

		{name: "manager as array of one", in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":[{"value":"m1"}]}}`,
			want: &User{UserName: "a", Active: true, Enterprise: EnterpriseUser{Manager: Manager{Value: "m1"}}}},
		{name: "manager as empty array", in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D","manager":[]}}`,
			want: &User{UserName: "a", Active: true, Enterprise: EnterpriseUser{Department: "D"}}},
		{name: "manager as array of two", in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":[{"value":"m1"},{"value":"m2"}]}}`, err: SCIMTypeInvalidValue},
		{name: "empty array for complex", in: `{"userName":"a","name":[]}`, err: SCIMTypeInvalidValue},
		{name: "empty array for string", in: `{"userName":"a","displayName":[]}`, err: SCIMTypeInvalidValue},
		{name: "empty array for boolean", in: `{"userName":"a","active":[]}`, err: SCIMTypeInvalidValue},
		{name: "empty array for custom", in: `{"userName":"a","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Department":[]}}`, err: SCIMTypeInvalidValue},
		{name: "empty array for multi-valued", in: `{"userName":"a","emails":[]}`, want: &User{UserName: "a", Active: true}},
		{name: "not json", in: `{`, err: SCIMTypeInvalidSyntax},
		{name: "array body", in: `[]`, err: SCIMTypeInvalidSyntax},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := m.DecodeUser([]byte(c.in), c.opts)
			if c.err != "" {
				var e *Error
				if !errors.As(err, &e) || e.SCIMType != c.err || e.Status != 400 || e.Detail == "" {
					t.Fatalf("err = %v, want 400 %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// repeatedPhones returns n phone elements naming n/2 numbers twice each,
// in another case of their type the second time: past dedupeLinear.
func repeatedPhones(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		typ := "work"
		if i >= n/2 {
			typ = "WORK"
		}
		fmt.Fprintf(&b, `{"value":"555-%03d","type":%q}`, i%(n/2), typ)
	}
	return b.String()
}

func distinctPhones(n int) []MultiValue {
	out := make([]MultiValue, n)
	for i := range out {
		out[i] = MultiValue{Value: fmt.Sprintf("555-%03d", i), Type: "work"}
	}
	return out
}

// TestDecodeUTF8: RFC 8259 requires UTF-8. A body with bytes that are
// not, or with an escaped half of a surrogate pair ("\ud800"), is 400
// invalidSyntax naming where they are, never decoded with U+FFFD in their
// place.
func TestDecodeUTF8(t *testing.T) {
	m := NewModel(testCustom)
	cases := []struct {
		name   string
		in     string
		detail string // where, as the detail names it; "" for a valid body
	}{
		{name: "displayName", in: "{\"userName\":\"a\",\"displayName\":\"bad \xff\xfe\xc3\x28 bytes\"}", detail: `the value of "displayName"`},
		{name: "sub-attribute", in: "{\"userName\":\"a\",\"name\":{\"familyName\":\"F\",\"givenName\":\"\xc3\"}}", detail: `the value of "name.givenName"`},
		{name: "element", in: "{\"userName\":\"a\",\"emails\":[{\"value\":\"a@b.c\"},{\"type\":\"work\",\"value\":\"\xe2\x82\"}]}", detail: `the value of "emails[1].value"`},
		{name: "extension", in: "{\"userName\":\"a\",\"urn:ietf:params:scim:schemas:extension:peakon:2.0:User\":{\"Department\":\"I\xf0T\"}}", detail: `the value of "urn:ietf:params:scim:schemas:extension:peakon:2.0:User.Department"`},
		{name: "array of strings", in: "{\"userName\":\"a\",\"schemas\":[\"x\",\"\x80\"]}", detail: `the value of "schemas[1]"`},
		{name: "member name", in: "{\"userName\":\"a\",\"nick\xffName\":\"n\"}", detail: "the member name \"nick\ufffdName\""},
		{name: "after nested values", in: "{\"name\":{\"a\":[1,{\"b\":null}],\"c\":true},\"userName\":\"\xed\xa0\x80\"}", detail: `the value of "userName"`},
		{name: "surrogate bytes", in: "{\"userName\":\"\xed\xa0\x80\"}", detail: `the value of "userName"`},
		{name: "overlong encoding", in: "{\"userName\":\"\xc0\xaf\"}", detail: `the value of "userName"`},
		{name: "outside strings", in: "{\"userName\":\"a\"\xff}", detail: "not valid JSON"},
		{name: "lone high surrogate", in: `{"userName":"a\ud800b"}`, detail: `the value of "userName" escapes half of a UTF-16 surrogate pair`},
		{name: "lone low surrogate", in: `{"userName":"a","displayName":"x\uDC00"}`, detail: `the value of "displayName" escapes half`},
		{name: "high surrogate then another escape", in: `{"userName":"a","title":"\ud83d\u0041"}`, detail: `the value of "title" escapes half`},
		{name: "high surrogate at the end", in: `{"userName":"a","title":"\udbff"}`, detail: `the value of "title" escapes half`},
		{name: "two high surrogates", in: `{"userName":"a","title":"\ud83d\ud83d"}`, detail: `the value of "title" escapes half`},
		{name: "surrogate in a member name", in: `{"userName":"a","nick\ud800Name":"n"}`, detail: "the member name \"nick\ufffdName\" escapes half"},
		{name: "surrogate in an element", in: `{"userName":"a","emails":[{"value":"a@b.c"},{"value":"\ude00@b.c"}]}`, detail: `the value of "emails[1].value" escapes half`},
		{name: "surrogate pair is fine", in: `{"userName":"a","displayName":"\ud83d\ude42 \uD83D\uDE42"}`},
		{name: "escaped backslash before u is fine", in: `{"userName":"a","displayName":"\\ud800"}`},
		{name: "escaped replacement character is fine", in: `{"userName":"a","displayName":"\ufffd"}`},
		{name: "multi-byte text is fine", in: `{"userName":"a","displayName":"Zoë Ñúñez 山田 🙂"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, err := m.DecodeUser([]byte(c.in), DecodeOptions{})
			if c.detail == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 || e.SCIMType != SCIMTypeInvalidSyntax {
				t.Fatalf("DecodeUser = %+v, %v; want 400 invalidSyntax", u, err)
			}
			if !strings.Contains(e.Detail, c.detail) {
				t.Errorf("detail %q does not name %s", e.Detail, c.detail)
			}
			if !utf8.ValidString(e.Detail) {
				t.Errorf("detail %q is not UTF-8 itself", e.Detail)
			}
		})
	}
}

func longString(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}

// TestUserJSONRoundTrip checks json.Marshal and json.Unmarshal of a User
// keep every field, meta and custom values included.
func TestUserJSONRoundTrip(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.UTC)
	u := &User{
		ID: "1", ExternalID: "e", UserName: "u", Name: Name{Formatted: "F", FamilyName: "Fa", GivenName: "G", MiddleName: "M", HonorificPrefix: "Dr", HonorificSuffix: "III"},
		DisplayName: "D", NickName: "N", ProfileURL: "https://p", Title: "T", UserType: "Employee", PreferredLanguage: "en", Locale: "en-US", Timezone: "Europe/Oslo", Active: true,
		Emails:       []MultiValue{{Value: "a@b.c", Type: "work", Primary: true}, {Value: "d@e.f", Display: "home", Type: "home"}},
		PhoneNumbers: []MultiValue{{Value: "+1", Type: "mobile"}}, IMs: []MultiValue{{Value: "im"}}, Photos: []MultiValue{{Value: "https://x"}},
		Addresses: []Address{{Formatted: "f", StreetAddress: "s", Locality: "l", Region: "r", PostalCode: "p", Country: "NO", Type: "work", Primary: true}},
		Groups:    []GroupRef{{Value: "g", Ref: "https://g", Display: "G", Type: "direct"}}, Entitlements: []MultiValue{{Value: "e"}}, Roles: []MultiValue{{Value: "r"}}, X509Certificates: []MultiValue{{Value: "MIIC"}},
		Enterprise: EnterpriseUser{EmployeeNumber: "7", CostCenter: "c", Organization: "o", Division: "d", Department: "dep", Manager: Manager{Value: "m", Ref: "https://m", DisplayName: "Boss"}},
		Custom:     map[string]string{"Department": "IT", "Employed Since": "2019-04-01"},
		Meta:       Meta{ResourceType: "User", Created: at, LastModified: at.Add(time.Hour), Location: "https://x/Users/1", Version: `W/"3"`},
	}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var got User
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, &got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s\n%s", diff, b)
	}
}

func FuzzDecodeUser(f *testing.F) {
	f.Add([]byte(oktaUser(1)))
	f.Add([]byte(`{"UserName":"x","Active":"True","Emails":[{"Primary":"True","Value":"a@b.c"}],"roles":[],"Locale":"RJWNTUNNOHNZ","name":null}`))
	f.Add([]byte(`{"userName":"a","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"employed_since":"2019-04-01","Salary":"1e3","Manager":"b@c.d"}}`))
	f.Add([]byte(`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":["x"]},"emails":{"value":1}}`))
	m := NewModel(testCustom)
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := m.DecodeUser(data, DecodeOptions{})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("error is not a 400 *Error: %v", err)
			}
			return
		}
		if !utf8.Valid(data) {
			t.Fatalf("decoded a body that is not UTF-8: %q", data)
		}
		if bad, _ := badText(data); bad >= 0 {
			t.Fatalf("decoded a body with a lone surrogate escape at byte %d: %q", bad, data)
		}
		// Whatever decodes must encode to valid JSON that decodes again.
		out := m.EncodeUser(nil, u, nil)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON out: %s", out)
		}
		if _, err := m.DecodeUser(out, DecodeOptions{}); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
	})
}
