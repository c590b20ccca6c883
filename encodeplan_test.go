package scim

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
