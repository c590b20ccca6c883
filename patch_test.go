package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

const (
	entURN    = SchemaEnterpriseUser
	peakonURN = SchemaPeakonUser
	userID    = "2819c223-7f76-453a-919d-413861904646"
	managerID = "26118915-6090-4610-87e4-49d8ca9f808d"
)

var patchModel = NewModel([]CustomAttribute{
	{Name: "Department", Type: CustomOption},
	{Name: "Employed Since", Type: CustomDate, Aliases: []string{"Employed_Since"}},
	{Name: "Level", Type: CustomNumber},
	{Name: "Mentor", Type: CustomEmployee},
})

// patchBase is the stored user most tests start from.
func patchBase() *User {
	return &User{
		ID:          userID,
		ExternalID:  "00u1abcd",
		UserName:    "bjensen@example.com",
		Name:        Name{Formatted: "Ms. Barbara J Jensen III", FamilyName: "Jensen", GivenName: "Barbara"},
		DisplayName: "Babs Jensen",
		Title:       "Tour Guide",
		Locale:      "en-US",
		Active:      true,
		Emails: []MultiValue{
			{Value: "bjensen@example.com", Type: "work", Primary: true},
			{Value: "babs@jensen.org", Type: "home"},
		},
		PhoneNumbers: []MultiValue{{Value: "555-555-5555", Type: "work"}},
		Addresses: []Address{{
			Type: "work", StreetAddress: "100 Universal City Plaza", Locality: "Hollywood",
			Region: "CA", PostalCode: "91608", Country: "USA", Primary: true,
		}},
		Enterprise: EnterpriseUser{
			EmployeeNumber: "701984",
			Department:     "Tour Operations",
			Manager:        Manager{Value: managerID, Ref: "../Users/" + managerID, DisplayName: "John Smith"},
		},
		Custom: map[string]string{"Department": "IT", "Employed Since": "2019-04-01"},
		Meta: Meta{
			ResourceType: "User",
			Created:      time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
			LastModified: time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC),
			Version:      `W/"3"`,
		},
	}
}

// patchMinimal is a user as Entra creates it before its first PATCH.
func patchMinimal() *User {
	return &User{
		ID:       userID,
		UserName: "ryan.leenay@contoso.com",
		Active:   true,
		Meta:     Meta{ResourceType: "User", Version: `W/"1"`},
	}
}

func ops(o ...string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Join(o, ",") + `]}`
}

type patchCase struct {
	name   string
	before func() *User            // nil: patchBase
	body   string                  // the whole PatchOp body
	opts   DecodeOptions           // for ApplyPatch
	want   func(u *User)           // edits patchBase (or before) into the expected result
	err    *Error                  // expected failure: Status and SCIMType compared
	detail []string                // substrings of the failure's detail
	model  *Model                  // nil: patchModel
	check  func(*testing.T, *User) // extra assertions
}

func runPatchCases(t *testing.T, cases []patchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.model
			if m == nil {
				m = patchModel
			}
			mk := tc.before
			if mk == nil {
				mk = patchBase
			}
			before := mk()
			pristine := mk()
			encBefore := m.EncodeUser(nil, before, nil)
			req, err := ParsePatch([]byte(tc.body))
			if err == nil {
				var got *User
				got, err = m.ApplyPatch(before, req, tc.opts)
				if err == nil {
					if tc.err != nil {
						t.Fatalf("ApplyPatch succeeded; want %d %s", tc.err.Status, tc.err.SCIMType)
					}
					want := mk()
					if tc.want != nil {
						tc.want(want)
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("result (-want +got):\n%s", diff)
					}
					if tc.check != nil {
						tc.check(t, got)
					}
				}
			}
			if diff := cmp.Diff(pristine, before); diff != "" {
				t.Errorf("ApplyPatch modified its input (-before +after):\n%s", diff)
			}
			if enc := m.EncodeUser(nil, before, nil); !bytes.Equal(enc, encBefore) {
				t.Errorf("input encodes differently after ApplyPatch:\n%s\n%s", encBefore, enc)
			}
			if err == nil {
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *scim.Error", err, err)
			}
			if tc.err == nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if e.Status != tc.err.Status || e.SCIMType != tc.err.SCIMType {
				t.Errorf("error %d %s (%s); want %d %s", e.Status, e.SCIMType, e.Detail, tc.err.Status, tc.err.SCIMType)
			}
			for _, d := range tc.detail {
				if !strings.Contains(e.Detail, d) {
					t.Errorf("detail %q lacks %q", e.Detail, d)
				}
			}
		})
	}
}

var (
	errSyntax     = &Error{Status: 400, SCIMType: SCIMTypeInvalidSyntax}
	errValue      = &Error{Status: 400, SCIMType: SCIMTypeInvalidValue}
	errPath       = &Error{Status: 400, SCIMType: SCIMTypeInvalidPath}
	errNoTarget   = &Error{Status: 400, SCIMType: SCIMTypeNoTarget}
	errMutability = &Error{Status: 400, SCIMType: SCIMTypeMutability}
)

func TestPatchRequestForms(t *testing.T) {
	runPatchCases(t, []patchCase{
		{name: "op lower", body: ops(`{"op":"replace","path":"title","value":"CEO"}`),
			want: func(u *User) { u.Title = "CEO" }},
		{name: "op capitalised", body: ops(`{"op":"Replace","path":"title","value":"CEO"}`),
			want: func(u *User) { u.Title = "CEO" }},
		{name: "op upper ADD", body: ops(`{"op":"ADD","path":"nickName","value":"Babs"}`),
			want: func(u *User) { u.NickName = "Babs" }},
		{name: "op Remove", body: ops(`{"op":"Remove","path":"title"}`),
			want: func(u *User) { u.Title = "" }},
		{name: "member names in any case", body: `{"SCHEMAS":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[{"OP":"replace","Path":"title","VALUE":"CEO"}]}`,
			want: func(u *User) { u.Title = "CEO" }},
		{name: "schemas absent", body: `{"Operations":[{"op":"replace","path":"title","value":"CEO"}]}`,
			want: func(u *User) { u.Title = "CEO" }},
		{name: "path null is no path", body: ops(`{"op":"replace","path":null,"value":{"title":"CEO"}}`),
			want: func(u *User) { u.Title = "CEO" }},
		{name: "operations applied in order", body: ops(
			`{"op":"replace","path":"title","value":"A"}`,
			`{"op":"replace","path":"title","value":"B"}`,
			`{"op":"remove","path":"nickName"}`,
			`{"op":"add","path":"nickName","value":"C"}`),
			want: func(u *User) { u.Title, u.NickName = "B", "C" }},

		{name: "not JSON", body: `{"Operations":[`, err: errSyntax, detail: []string{"not valid JSON"}},
		{name: "not an object", body: `[]`, err: errSyntax, detail: []string{"JSON object"}},
		{name: "no Operations", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, err: errValue, detail: []string{"Operations"}},
		{name: "Operations not array", body: `{"Operations":{"op":"add"}}`, err: errSyntax, detail: []string{"must be an array"}},
		{name: "Operations empty", body: `{"Operations":[]}`, err: errValue, detail: []string{"empty"}},
		{name: "operation not object", body: ops(`"add"`), err: errSyntax, detail: []string{"Operations[0]"}},
		{name: "op missing", body: ops(`{"path":"title","value":"x"}`), err: errValue, detail: []string{`no "op"`}},
		{name: "op unknown", body: ops(`{"op":"replace","path":"title","value":"x"}`, `{"op":"move","path":"title"}`),
			err: errValue, detail: []string{"Operations[1]", `"move"`}},
		{name: "op not string", body: ops(`{"op":1,"path":"title"}`), err: errSyntax},
		{name: "path not string", body: ops(`{"op":"remove","path":["title"]}`), err: errSyntax, detail: []string{"path must be a string"}},
		{name: "add without value", body: ops(`{"op":"add","path":"title"}`), err: errValue, detail: []string{"Operations[0]", `"title"`, "no \"value\""}},
		{name: "wrong schemas", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"remove","path":"title"}]}`,
			err: errSyntax, detail: []string{"PatchOp"}},
		{name: "malformed path", body: ops(`{"op":"remove","path":"emails[type eq \"work\""}`), err: errPath, detail: []string{"Operations[0]", `expected "]"`}},
		{name: "trailing data", body: ops(`{"op":"remove","path":"title"}`) + `{}`, err: errSyntax},
	})
}

func TestPatchPaths(t *testing.T) {
	runPatchCases(t, []patchCase{
		{name: "attribute names case-insensitive", body: ops(`{"op":"replace","path":"USERNAME","value":"b@example.com"}`),
			want: func(u *User) { u.UserName = "b@example.com" }},
		{name: "sub-attribute", body: ops(`{"op":"replace","path":"name.givenName","value":"Babs"}`),
			want: func(u *User) { u.Name.GivenName = "Babs" }},
		{name: "sub-attribute any case", body: ops(`{"op":"replace","path":"Name.GIVENNAME","value":"Babs"}`),
			want: func(u *User) { u.Name.GivenName = "Babs" }},
		{name: "core URN qualified", body: ops(`{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:displayName","value":"B"}`),
			want: func(u *User) { u.DisplayName = "B" }},
		{name: "core URN qualified sub", body: ops(`{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName","value":"J"}`),
			want: func(u *User) { u.Name.FamilyName = "J" }},
		{name: "enterprise employeeNumber", body: ops(`{"op":"replace","path":"` + entURN + `:employeeNumber","value":"42"}`),
			want: func(u *User) { u.Enterprise.EmployeeNumber = "42" }},
		{name: "enterprise employeeNumber as number", body: ops(`{"op":"replace","path":"` + entURN + `:employeeNumber","value":42}`),
			want: func(u *User) { u.Enterprise.EmployeeNumber = "42" }},
		{name: "enterprise URN any case", body: ops(`{"op":"replace","path":"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT","value":"R&D"}`),
			want: func(u *User) { u.Enterprise.Department = "R&D" }},
		{name: "enterprise manager.value", body: ops(`{"op":"replace","path":"` + entURN + `:manager.value","value":"m2"}`),
			want: func(u *User) { u.Enterprise.Manager = Manager{Value: "m2"} }},
		{name: "enterprise manager.$ref keeps value", body: ops(`{"op":"replace","path":"` + entURN + `:manager.$ref","value":"https://x/Users/m"}`),
			want: func(u *User) { u.Enterprise.Manager.Ref = "https://x/Users/m" }},
		{name: "whole enterprise extension", body: ops(`{"op":"replace","path":"` + entURN + `","value":{"employeeNumber":"9","costCenter":"CC1"}}`),
			want: func(u *User) { u.Enterprise.EmployeeNumber, u.Enterprise.CostCenter = "9", "CC1" }},
		{name: "whole enterprise extension null", body: ops(`{"op":"replace","path":"` + entURN + `","value":null}`),
			want: func(u *User) { u.Enterprise = EnterpriseUser{} }},
		{name: "peakon by display name", body: ops(`{"op":"replace","path":"` + peakonURN + `:Department","value":"Sales"}`),
			want: func(u *User) { u.Custom["Department"] = "Sales" }},
		{name: "peakon name case-insensitive", body: ops(`{"op":"replace","path":"` + peakonURN + `:department","value":"Sales"}`),
			want: func(u *User) { u.Custom["Department"] = "Sales" }},
		{name: "peakon name with space", body: ops(`{"op":"replace","path":"` + peakonURN + `:Employed Since","value":"2020-05-06T10:00:00Z"}`),
			want: func(u *User) { u.Custom["Employed Since"] = "2020-05-06" }},
		{name: "peakon alias", body: ops(`{"op":"add","path":"` + peakonURN + `:employed_since","value":"2021-01-31"}`),
			want: func(u *User) { u.Custom["Employed Since"] = "2021-01-31" }},
		{name: "peakon number", body: ops(`{"op":"add","path":"` + peakonURN + `:Level","value":3}`),
			want: func(u *User) { u.Custom["Level"] = "3" }},
		{name: "peakon number as string", body: ops(`{"op":"add","path":"` + peakonURN + `:Level","value":"4"}`),
			want: func(u *User) { u.Custom["Level"] = "4" }},
		{name: "whole peakon extension merges", body: ops(`{"op":"add","path":"` + peakonURN + `","value":{"Level":3,"Employed_Since":"2018-02-03"}}`),
			want: func(u *User) { u.Custom["Level"], u.Custom["Employed Since"] = "3", "2018-02-03" }},
		{name: "value path element", body: ops(`{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"b@home.org","type":"home"}}`),
			want: func(u *User) { u.Emails[1].Value = "b@home.org" }},
		{name: "value path sub-attribute", body: ops(`{"op":"replace","path":"emails[type eq \"work\"].value","value":"barbara@example.com"}`),
			want: func(u *User) { u.Emails[0].Value = "barbara@example.com" }},
		{name: "value path case-insensitive names and values", body: ops(`{"op":"replace","path":"EMAILS[TYPE EQ \"WORK\"].VALUE","value":"barbara@example.com"}`),
			want: func(u *User) { u.Emails[0].Value = "barbara@example.com" }},
		{name: "value path with and", body: ops(`{"op":"replace","path":"emails[type eq \"work\" and value ew \"example.com\"].display","value":"Work"}`),
			want: func(u *User) { u.Emails[0].Display = "Work" }},
		{name: "addresses value path", body: ops(`{"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"1 Main St"}`),
			want: func(u *User) { u.Addresses[0].StreetAddress = "1 Main St" }},
		{name: "core URN value path", body: ops(`{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"].value","value":"w@example.com"}`),
			want: func(u *User) { u.Emails[0].Value = "w@example.com" }},
		{name: "sub-attribute of every element", body: ops(`{"op":"replace","path":"emails.display","value":"Babs"}`),
			want: func(u *User) { u.Emails[0].Display, u.Emails[1].Display = "Babs", "Babs" }},
		{name: "enterprise attribute without URN", body: ops(`{"op":"replace","path":"employeeNumber","value":"77"}`),
			want: func(u *User) { u.Enterprise.EmployeeNumber = "77" }},
		{name: "password accepted and dropped", body: ops(`{"op":"replace","path":"password","value":"t1meMa$heen"}`)},

		{name: "unknown attribute", body: ops(`{"op":"replace","path":"title","value":"x"}`, `{"op":"replace","path":"shoeSize","value":"9"}`),
			err: errPath, detail: []string{"Operations[1]", `"shoeSize"`}},
		{name: "unknown sub-attribute", body: ops(`{"op":"replace","path":"name.nick","value":"9"}`), err: errPath, detail: []string{"name", `"nick"`}},
		{name: "sub-attribute of a simple attribute", body: ops(`{"op":"replace","path":"title.x","value":"9"}`), err: errPath},
		{name: "unknown schema", body: ops(`{"op":"replace","path":"urn:example:foo:2.0:User:x","value":"9"}`), err: errPath, detail: []string{"unknown schema"}},
		{name: "filter on singular", body: ops(`{"op":"replace","path":"userName[value eq \"x\"]","value":"9"}`), err: errPath, detail: []string{"not multi-valued"}},
		{name: "filter on unknown sub-attribute", body: ops(`{"op":"replace","path":"emails[kind eq \"work\"].value","value":"9"}`), err: errPath, detail: []string{`"kind"`}},
		{name: "unknown sub-attribute after filter", body: ops(`{"op":"replace","path":"emails[type eq \"work\"].kind","value":"9"}`), err: errPath, detail: []string{`"kind"`}},
		{name: "unknown custom attribute", body: ops(`{"op":"replace","path":"` + peakonURN + `:Shoe Size","value":"9"}`),
			err: errValue, detail: []string{"Shoe Size", "not a custom attribute", `"Department"`}},
		{name: "unknown custom attribute ignored", body: ops(`{"op":"replace","path":"` + peakonURN + `:Shoe Size","value":"9"}`),
			opts: DecodeOptions{IgnoreUnknownAttributes: true}},
		{name: "unknown custom in extension object", body: ops(`{"op":"add","path":"` + peakonURN + `","value":{"Shoe Size":"9"}}`),
			err: errValue, detail: []string{"Shoe Size"}},
		{name: "bad custom value", body: ops(`{"op":"add","path":"` + peakonURN + `:Level","value":"high"}`),
			err: errValue, detail: []string{"Level", "integer"}},
	})
}

func TestPatchAdd(t *testing.T) {
	runPatchCases(t, []patchCase{
		{name: "singular sets", body: ops(`{"op":"add","path":"title","value":"CEO"}`),
			want: func(u *User) { u.Title = "CEO" }},
		{name: "multi-valued appends", body: ops(`{"op":"add","path":"emails","value":[{"value":"b@other.org","type":"other"}]}`),
			want: func(u *User) { u.Emails = append(u.Emails, MultiValue{Value: "b@other.org", Type: "other"}) }},
		{name: "multi-valued single object appends", body: ops(`{"op":"add","path":"phoneNumbers","value":{"value":"555-1","type":"mobile"}}`),
			want: func(u *User) { u.PhoneNumbers = append(u.PhoneNumbers, MultiValue{Value: "555-1", Type: "mobile"}) }},
		{name: "identical element skipped", body: ops(`{"op":"add","path":"emails","value":[{"value":"BABS@jensen.org","type":"home"}]}`)},
		{name: "identical element sent as primary becomes primary", body: ops(`{"op":"add","path":"emails","value":[{"value":"babs@jensen.org","type":"home","primary":true}]}`),
			want: func(u *User) { u.Emails[0].Primary, u.Emails[1].Primary = false, true }},
		{name: "new primary clears the others", body: ops(`{"op":"add","path":"emails","value":[{"value":"new@example.com","type":"work","primary":"True"}]}`),
			want: func(u *User) {
				u.Emails[0].Primary = false
				u.Emails = append(u.Emails, MultiValue{Value: "new@example.com", Type: "work", Primary: true})
			}},
		{name: "complex merges", body: ops(`{"op":"add","path":"name","value":{"middleName":"Jane","givenName":"Babs"}}`),
			want: func(u *User) { u.Name.MiddleName, u.Name.GivenName = "Jane", "Babs" }},
		{name: "sub-attribute of complex", body: ops(`{"op":"add","path":"name.honorificSuffix","value":"III"}`),
			want: func(u *User) { u.Name.HonorificSuffix = "III" }},
		{name: "no path: each key an operation", body: ops(`{"op":"add","value":{"nickName":"Babs","emails":[{"value":"b@other.org","type":"other"}],"name":{"middleName":"J"}}}`),
			want: func(u *User) {
				u.NickName, u.Name.MiddleName = "Babs", "J"
				u.Emails = append(u.Emails, MultiValue{Value: "b@other.org", Type: "other"})
			}},
		{name: "no path: keys are paths", body: ops(`{"op":"add","value":{"name.givenName":"A","` + entURN + `:employeeNumber":"7","emails[type eq \"work\"].display":"Office"}}`),
			want: func(u *User) {
				u.Name.GivenName, u.Enterprise.EmployeeNumber, u.Emails[0].Display = "A", "7", "Office"
			}},
		{name: "no path: whole extension objects", body: ops(`{"op":"add","value":{"` + entURN + `":{"division":"West","manager":{"value":"m9"}},"` + peakonURN + `":{"Department":"Ops","Employed_Since":"2017-07-07"}}}`),
			want: func(u *User) {
				u.Enterprise.Division = "West"
				u.Enterprise.Manager = Manager{Value: "m9"}
				u.Custom["Department"], u.Custom["Employed Since"] = "Ops", "2017-07-07"
			}},
		{name: "no path: parent before its sub-path", body: ops(`{"op":"add","value":{"name.givenName":"Second","name":{"givenName":"First","familyName":"F"}}}`),
			want: func(u *User) { u.Name.GivenName, u.Name.FamilyName = "Second", "F" }},
		{name: "no path: unknown keys ignored", body: ops(`{"op":"add","value":{"nickName":"Babs","favouriteColour":"blue","urn:example:other:1.0:User":{"x":1}}}`),
			want: func(u *User) { u.NickName = "Babs" }},
		{name: "no path: value not an object", body: ops(`{"op":"add","value":"x"}`), err: errValue, detail: []string{"object of attributes"}},
		{name: "add null clears", body: ops(`{"op":"add","path":"title","value":null}`),
			want: func(u *User) { u.Title = "" }},
		{name: "add to empty list", before: patchMinimal, body: ops(`{"op":"add","path":"emails","value":[{"value":"r@contoso.com","type":"work","primary":true}]}`),
			want: func(u *User) { u.Emails = []MultiValue{{Value: "r@contoso.com", Type: "work", Primary: true}} }},
		{name: "add merges into matching element", body: ops(`{"op":"add","path":"emails[type eq \"home\"]","value":{"display":"Home"}}`),
			want: func(u *User) { u.Emails[1].Display = "Home" }},
	})
}

func TestPatchReplace(t *testing.T) {
	runPatchCases(t, []patchCase{
		{name: "singular sets", body: ops(`{"op":"replace","path":"displayName","value":"Barbara"}`),
			want: func(u *User) { u.DisplayName = "Barbara" }},
		{name: "multi-valued replaces the list", body: ops(`{"op":"replace","path":"emails","value":[{"value":"only@example.com","type":"work","primary":true}]}`),
			want: func(u *User) { u.Emails = []MultiValue{{Value: "only@example.com", Type: "work", Primary: true}} }},
		{name: "multi-valued replaced by empty", body: ops(`{"op":"replace","path":"phoneNumbers","value":[]}`),
			want: func(u *User) { u.PhoneNumbers = nil }},
		{name: "filter replaces the matching elements", body: ops(`{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"new@home.org","type":"home","display":"H"}}`),
			want: func(u *User) { u.Emails[1] = MultiValue{Value: "new@home.org", Type: "home", Display: "H"} }},
		{name: "filter sub-attribute", body: ops(`{"op":"replace","path":"phoneNumbers[type eq \"work\"].value","value":"555-0000"}`),
			want: func(u *User) { u.PhoneNumbers[0].Value = "555-0000" }},
		{name: "complex merges (RFC 7644 3.5.2.3)", body: ops(`{"op":"replace","path":"name","value":{"givenName":"Barb"}}`),
			want: func(u *User) { u.Name.GivenName = "Barb" }},
		{name: "no path replaces lists", body: ops(`{"op":"replace","value":{"emails":[{"value":"x@example.com","type":"work"}],"title":"Boss"}}`),
			want: func(u *User) { u.Emails, u.Title = []MultiValue{{Value: "x@example.com", Type: "work"}}, "Boss" }},
		{name: "okta deactivate", body: ops(`{"op":"replace","value":{"active":false}}`),
			want: func(u *User) { u.Active = false }},
		{name: "okta reactivate", before: func() *User { u := patchBase(); u.Active = false; return u }, body: ops(`{"op":"replace","value":{"active":true}}`),
			want: func(u *User) { u.Active = true }},
		{name: "okta same id echoed", body: ops(`{"op":"replace","value":{"id":"` + userID + `","title":"X"}}`),
			want: func(u *User) { u.Title = "X" }},
		{name: "id path same value", body: ops(`{"op":"replace","path":"id","value":"` + userID + `"}`)},
		{name: "other id", body: ops(`{"op":"replace","value":{"id":"someone-else","title":"X"}}`),
			err: errMutability, detail: []string{`member "id"`, "read-only"}},
		{name: "null clears", body: ops(`{"op":"replace","path":"nickName","value":null}`, `{"op":"replace","path":"title","value":null}`),
			want: func(u *User) { u.Title = "" }},
		{name: "null element by filter", body: ops(`{"op":"replace","path":"emails[type eq \"home\"]","value":null}`),
			want: func(u *User) { u.Emails = u.Emails[:1] }},
		{name: "empty sub-attribute drops the element", body: ops(`{"op":"replace","path":"emails[type eq \"home\"].value","value":""}`),
			want: func(u *User) { u.Emails = u.Emails[:1] }},
		{name: "custom attribute cleared by empty string", body: ops(`{"op":"replace","path":"` + peakonURN + `:Department","value":""}`),
			want: func(u *User) { delete(u.Custom, "Department") }},
	})
}

func TestPatchFilterCreates(t *testing.T) {
	runPatchCases(t, []patchCase{
		{name: "entra first work email", before: patchMinimal, body: ops(`{"op":"Add","path":"emails[type eq \"work\"].value","value":"ryan@contoso.com"}`),
			want: func(u *User) { u.Emails = []MultiValue{{Type: "work", Value: "ryan@contoso.com"}} }},
		{name: "replace creates too", before: patchMinimal, body: ops(`{"op":"Replace","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0100"}`),
			want: func(u *User) { u.PhoneNumbers = []MultiValue{{Type: "mobile", Value: "+1 555 0100"}} }},
		{name: "appends beside other types", body: ops(`{"op":"replace","path":"phoneNumbers[type eq \"mobile\"].value","value":"555-2"}`),
			want: func(u *User) { u.PhoneNumbers = append(u.PhoneNumbers, MultiValue{Type: "mobile", Value: "555-2"}) }},
		{name: "address sub-attributes build one element", before: patchMinimal, body: ops(
			`{"op":"add","path":"addresses[type eq \"work\"].streetAddress","value":"1 Microsoft Way"}`,
			`{"op":"add","path":"addresses[type eq \"work\"].locality","value":"Redmond"}`),
			want: func(u *User) {
				u.Addresses = []Address{{Type: "work", StreetAddress: "1 Microsoft Way", Locality: "Redmond"}}
			}},
		{name: "whole element created with the filter's attribute", before: patchMinimal, body: ops(`{"op":"add","path":"emails[type eq \"work\"]","value":{"value":"r@c.com","primary":true}}`),
			want: func(u *User) { u.Emails = []MultiValue{{Type: "work", Value: "r@c.com", Primary: true}} }},
		{name: "created primary clears others", body: ops(`{"op":"add","path":"emails[type eq \"other\"]","value":{"value":"o@x.org","primary":"true"}}`),
			want: func(u *User) {
				u.Emails[0].Primary = false
				u.Emails = append(u.Emails, MultiValue{Type: "other", Value: "o@x.org", Primary: true})
			}},
		{name: "null creates nothing", before: patchMinimal, body: ops(`{"op":"replace","path":"emails[type eq \"work\"].value","value":null}`)},
		{name: "and filter matching nothing", body: ops(`{"op":"replace","path":"emails[type eq \"other\" and primary eq true].value","value":"x"}`),
			err: errNoTarget, detail: []string{"emails", "matches"}},
		{name: "co filter matching nothing", body: ops(`{"op":"add","path":"emails[value co \"nowhere\"].display","value":"x"}`),
			err: errNoTarget},
		{name: "ne filter matching nothing", before: patchMinimal, body: ops(`{"op":"add","path":"emails[type ne \"work\"].value","value":"x"}`),
			err: errNoTarget},

		// Only type eq a canonical value of the attribute's type creates
		// (RFC 7643 §8.7.1 values; RFC 7644 §3.5.2.3 noTarget otherwise).
		{name: "non-canonical type is noTarget", before: patchMinimal, body: ops(`{"op":"replace","path":"emails[type eq \"nonexistent\"].value","value":"x@example.com"}`),
			err: errNoTarget, detail: []string{"emails", `type eq one of "work", "home", "other"`}},
		{name: "value eq filter matching nothing is noTarget", before: patchMinimal, body: ops(`{"op":"add","path":"emails[value eq \"r@contoso.com\"].type","value":"other"}`),
			err: errNoTarget},
		{name: "display eq filter matching nothing is noTarget", body: ops(`{"op":"replace","path":"phoneNumbers[display eq \"Desk\"].value","value":"555-9"}`),
			err: errNoTarget},
		{name: "type without canonical values is noTarget", before: patchMinimal, body: ops(`{"op":"add","path":"roles[type eq \"admin\"].value","value":"Owner"}`),
			err: errNoTarget},
		{name: "canonical value of another attribute is noTarget", before: patchMinimal, body: ops(`{"op":"add","path":"emails[type eq \"mobile\"].value","value":"m@example.com"}`),
			err: errNoTarget, detail: []string{`"work", "home", "other"`}},
		{name: "null with non-canonical type is noTarget", before: patchMinimal, body: ops(`{"op":"replace","path":"emails[type eq \"nonexistent\"].value","value":null}`),
			err: errNoTarget},
		{name: "canonical type in any case, stored as canonical", before: patchMinimal, body: ops(`{"op":"replace","path":"emails[type eq \"WORK\"].value","value":"r@contoso.com"}`),
			want: func(u *User) { u.Emails = []MultiValue{{Type: "work", Value: "r@contoso.com"}} }},
		{name: "unquoted canonical type", before: patchMinimal, body: ops(`{"op":"replace","path":"emails[type eq home].value","value":"r@home.org"}`),
			want: func(u *User) { u.Emails = []MultiValue{{Type: "home", Value: "r@home.org"}} }},
		{name: "phone pager", before: patchMinimal, body: ops(`{"op":"replace","path":"phoneNumbers[type eq \"pager\"].value","value":"555-7"}`),
			want: func(u *User) { u.PhoneNumbers = []MultiValue{{Type: "pager", Value: "555-7"}} }},
		{name: "ims skype", before: patchMinimal, body: ops(`{"op":"add","path":"ims[type eq \"skype\"].value","value":"ryan.l"}`),
			want: func(u *User) { u.IMs = []MultiValue{{Type: "skype", Value: "ryan.l"}} }},
		{name: "photos thumbnail", before: patchMinimal, body: ops(`{"op":"replace","path":"photos[type eq \"thumbnail\"].value","value":"https://photos.example.com/r.jpg"}`),
			want: func(u *User) { u.Photos = []MultiValue{{Type: "thumbnail", Value: "https://photos.example.com/r.jpg"}} }},
		{name: "addresses home", body: ops(`{"op":"replace","path":"addresses[type eq \"home\"].locality","value":"Burbank"}`),
			want: func(u *User) { u.Addresses = append(u.Addresses, Address{Type: "home", Locality: "Burbank"}) }},
	})
}

// TestPatchDuplicates: no write leaves two elements with the same type and
// value (RFC 7643 §2.4); the first stays, primary if any repeat was.
func TestPatchDuplicates(t *testing.T) {
	twoWorkPhones := func() *User {
		u := patchBase()
		u.PhoneNumbers = []MultiValue{{Value: "555-1", Type: "work"}, {Value: "555-2", Type: "work", Primary: true}}
		return u
	}
	runPatchCases(t, []patchCase{
		{name: "add with another display is the same element", body: ops(`{"op":"add","path":"emails","value":[{"value":"BABS@jensen.org","type":"HOME","display":"Babs"}]}`)},
		{name: "add repeating itself keeps one", before: patchMinimal, body: ops(`{"op":"add","path":"emails","value":[{"value":"r@c.com","type":"work"},{"value":"R@C.COM","type":"work","primary":true}]}`),
			want: func(u *User) { u.Emails = []MultiValue{{Value: "r@c.com", Type: "work", Primary: true}} }},
		{name: "same value with another type is another element", body: ops(`{"op":"add","path":"emails","value":[{"value":"babs@jensen.org","type":"other"}]}`),
			want: func(u *User) { u.Emails = append(u.Emails, MultiValue{Value: "babs@jensen.org", Type: "other"}) }},
		{name: "replace list with a repeat", body: ops(`{"op":"replace","path":"emails","value":[{"value":"a@x.org","type":"work"},{"value":"b@x.org","type":"home"},{"value":"A@x.org","type":"work","primary":true}]}`),
			want: func(u *User) {
				u.Emails = []MultiValue{{Value: "a@x.org", Type: "work", Primary: true}, {Value: "b@x.org", Type: "home"}}
			}},
		{name: "filtered replace making two equal", body: ops(`{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"BJENSEN@example.com","type":"work"}}`),
			want: func(u *User) { u.Emails = u.Emails[:1] }},
		{name: "filtered replace making two equal ORs primary", before: func() *User { u := patchBase(); u.Emails[0].Primary = false; return u },
			body: ops(`{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"bjensen@example.com","type":"work","primary":true}}`),
			want: func(u *User) { u.Emails = []MultiValue{{Value: "bjensen@example.com", Type: "work", Primary: true}} }},
		{name: "filtered sub-attribute making two equal", body: ops(`{"op":"replace","path":"emails[type eq \"home\"].type","value":"work"}`, `{"op":"replace","path":"emails[value eq \"babs@jensen.org\"].value","value":"bjensen@example.com"}`),
			want: func(u *User) { u.Emails = u.Emails[:1] }},
		{name: "every element's value", before: twoWorkPhones, body: ops(`{"op":"replace","path":"phoneNumbers.value","value":"555-3"}`),
			want: func(u *User) { u.PhoneNumbers = []MultiValue{{Value: "555-3", Type: "work", Primary: true}} }},
		{name: "removed type making two equal", before: func() *User {
			u := patchBase()
			u.Emails = []MultiValue{{Value: "a@x.org"}, {Value: "a@x.org", Type: "work", Primary: true}}
			return u
		}, body: ops(`{"op":"remove","path":"emails[type eq \"work\"].type"}`),
			want: func(u *User) { u.Emails = []MultiValue{{Value: "a@x.org", Primary: true}} }},
		{name: "identical addresses", body: ops(`{"op":"add","path":"addresses","value":[{"type":"home","locality":"Burbank"},{"type":"HOME","locality":"burbank"}]}`),
			want: func(u *User) { u.Addresses = append(u.Addresses, Address{Type: "home", Locality: "Burbank"}) }},
		{name: "caseExact value compared exactly", body: ops(`{"op":"add","path":"photos","value":[{"value":"https://x.org/A.jpg","type":"photo"},{"value":"https://x.org/a.jpg","type":"photo"},{"value":"https://x.org/A.jpg","type":"photo"}]}`),
			want: func(u *User) {
				u.Photos = []MultiValue{{Value: "https://x.org/A.jpg", Type: "photo"}, {Value: "https://x.org/a.jpg", Type: "photo"}}
			}},
	})
}

// TestPatchUnqualifiedExtension: an attribute name without a URN that no
// core attribute has names the extension attribute (Entra's bare
// "manager"); the enterprise extension wins over a custom attribute of the
// same name, and a core attribute over both.
func TestPatchUnqualifiedExtension(t *testing.T) {
	titled := NewModel([]CustomAttribute{{Name: "Title"}, {Name: "Manager", Type: CustomEmployee}, {Name: "Cost Centre", Aliases: []string{"costCentre"}}})
	runPatchCases(t, []patchCase{
		{name: "entra manager", body: ops(`{"op":"Add","path":"manager","value":[{"$ref":"https://graph.microsoft.com/v1.0/users/m2","value":"m2"}]}`),
			want: func(u *User) {
				u.Enterprise.Manager = Manager{Value: "m2", Ref: "https://graph.microsoft.com/v1.0/users/m2"}
			}},
		{name: "manager.value", body: ops(`{"op":"Replace","path":"manager.value","value":"m3"}`),
			want: func(u *User) { u.Enterprise.Manager = Manager{Value: "m3"} }},
		{name: "remove manager", body: ops(`{"op":"Remove","path":"Manager"}`),
			want: func(u *User) { u.Enterprise.Manager = Manager{} }},
		{name: "employeeNumber", body: ops(`{"op":"Replace","path":"EMPLOYEENUMBER","value":"8"}`),
			want: func(u *User) { u.Enterprise.EmployeeNumber = "8" }},
		{name: "enterprise wins over a custom attribute", body: ops(`{"op":"replace","path":"department","value":"Sales"}`),
			want: func(u *User) { u.Enterprise.Department = "Sales" }},
		{name: "custom attribute by alias", body: ops(`{"op":"replace","path":"employed_since","value":"2020-01-01"}`),
			want: func(u *User) { u.Custom["Employed Since"] = "2020-01-01" }},
		{name: "custom attribute by name", body: ops(`{"op":"add","path":"Level","value":3}`),
			want: func(u *User) { u.Custom["Level"] = "3" }},
		{name: "path-less members", body: ops(`{"op":"replace","value":{"manager":"m4","costCenter":"CC-9","Mentor":"b@x.org"}}`),
			want: func(u *User) {
				u.Enterprise.Manager = Manager{Value: "m4"}
				u.Enterprise.CostCenter = "CC-9"
				u.Custom["Mentor"] = "b@x.org"
			}},
		{name: "core wins over a custom attribute", model: titled, body: ops(`{"op":"replace","path":"title","value":"CTO"}`),
			want: func(u *User) { u.Title = "CTO" }},
		{name: "enterprise wins over a custom employee", model: titled, body: ops(`{"op":"replace","path":"manager","value":"m5"}`),
			want: func(u *User) { u.Enterprise.Manager = Manager{Value: "m5"} }},
		{name: "custom of another model", model: titled, body: ops(`{"op":"replace","path":"costCentre","value":"North"}`),
			want: func(u *User) { u.Custom["Cost Centre"] = "North" }},
		{name: "unknown name is still invalidPath", body: ops(`{"op":"replace","path":"shoeSize","value":"9"}`),
			err: errPath, detail: []string{`"shoeSize"`}},
		{name: "custom attribute has no sub-attributes", body: ops(`{"op":"replace","path":"Level.value","value":"9"}`),
			err: errPath},
	})
}

func TestPatchRemove(t *testing.T) {
	runPatchCases(t, []patchCase{
		{name: "no path", body: ops(`{"op":"remove"}`), err: errNoTarget, detail: []string{"Operations[0]", "needs a path"}},
		{name: "singular", body: ops(`{"op":"remove","path":"title"}`),
			want: func(u *User) { u.Title = "" }},
		{name: "absent singular is fine", body: ops(`{"op":"remove","path":"nickName"}`)},
		{name: "complex", body: ops(`{"op":"remove","path":"name"}`),
			want: func(u *User) { u.Name = Name{} }},
		{name: "sub-attribute", body: ops(`{"op":"remove","path":"name.formatted"}`),
			want: func(u *User) { u.Name.Formatted = "" }},
		{name: "whole multi-valued", body: ops(`{"op":"remove","path":"emails"}`),
			want: func(u *User) { u.Emails = nil }},
		{name: "matching elements", body: ops(`{"op":"remove","path":"emails[type eq \"home\"]"}`),
			want: func(u *User) { u.Emails = u.Emails[:1] }},
		{name: "last element leaves nil", body: ops(`{"op":"remove","path":"phoneNumbers[type eq \"work\"]"}`),
			want: func(u *User) { u.PhoneNumbers = nil }},
		{name: "value of matching elements drops them", body: ops(`{"op":"remove","path":"emails[type eq \"work\"].value"}`),
			want: func(u *User) { u.Emails = []MultiValue{{Value: "babs@jensen.org", Type: "home"}} }},
		{name: "sub-attribute of matching elements", body: ops(`{"op":"remove","path":"addresses[type eq \"work\"].streetAddress"}`),
			want: func(u *User) { u.Addresses[0].StreetAddress = "" }},
		{name: "filter matching nothing", body: ops(`{"op":"remove","path":"emails[type eq \"other\"]"}`),
			err: errNoTarget, detail: []string{"emails"}},
		{name: "entra values", body: ops(`{"op":"Remove","path":"emails","value":[{"value":"BABS@jensen.org"}]}`),
			want: func(u *User) { u.Emails = u.Emails[:1] }},
		{name: "entra values matching nothing", body: ops(`{"op":"Remove","path":"emails","value":[{"value":"nobody@x.org"}]}`)},
		{name: "value as bare string", body: ops(`{"op":"remove","path":"emails","value":"bjensen@example.com"}`),
			want: func(u *User) { u.Emails = []MultiValue{{Value: "babs@jensen.org", Type: "home"}} }},
		{name: "userName is required", body: ops(`{"op":"remove","path":"userName"}`), err: errMutability, detail: []string{"userName", "required"}},
		{name: "userName emptied", body: ops(`{"op":"replace","path":"userName","value":""}`), err: errValue, detail: []string{"userName", "required"}},
		{name: "userName null", body: ops(`{"op":"replace","value":{"userName":null}}`), err: errValue, detail: []string{"userName"}},
		{name: "active removed is false", body: ops(`{"op":"remove","path":"active"}`),
			want: func(u *User) { u.Active = false }},
		{name: "active null is false", body: ops(`{"op":"replace","path":"active","value":null}`),
			want: func(u *User) { u.Active = false }},
		{name: "manager", body: ops(`{"op":"Remove","path":"` + entURN + `:manager"}`),
			want: func(u *User) { u.Enterprise.Manager = Manager{} }},
		{name: "manager.value removes the manager", body: ops(`{"op":"remove","path":"` + entURN + `:manager.value"}`),
			want: func(u *User) { u.Enterprise.Manager = Manager{} }},
		{name: "custom attribute", body: ops(`{"op":"remove","path":"` + peakonURN + `:Employed_Since"}`),
			want: func(u *User) { delete(u.Custom, "Employed Since") }},
		{name: "last custom attribute leaves nil", body: ops(`{"op":"remove","path":"`+peakonURN+`:Employed_Since"}`, `{"op":"remove","path":"`+peakonURN+`:department"}`),
			want: func(u *User) { u.Custom = nil }},
		{name: "whole extension", body: ops(`{"op":"remove","path":"` + entURN + `"}`),
			want: func(u *User) { u.Enterprise = EnterpriseUser{} }},
		{name: "whole peakon extension", body: ops(`{"op":"remove","path":"` + peakonURN + `"}`),
			want: func(u *User) { u.Custom = nil }},
		{name: "every element's sub-attribute", body: ops(`{"op":"remove","path":"addresses.locality"}`),
			want: func(u *User) { u.Addresses[0].Locality = "" }},
	})
}

func TestPatchValues(t *testing.T) {
	mgr := func(id string) func(u *User) { return func(u *User) { u.Enterprise.Manager = Manager{Value: id} } }
	runPatchCases(t, []patchCase{
		{name: "boolean string False", body: ops(`{"op":"Replace","path":"active","value":"False"}`), want: func(u *User) { u.Active = false }},
		{name: "boolean string true any case", before: func() *User { u := patchBase(); u.Active = false; return u },
			body: ops(`{"op":"Replace","path":"active","value":"tRuE"}`), want: func(u *User) { u.Active = true }},
		{name: "boolean one-element array", body: ops(`{"op":"Replace","path":"active","value":[false]}`), want: func(u *User) { u.Active = false }},
		{name: "manager object", body: ops(`{"op":"replace","path":"` + entURN + `:manager","value":{"value":"m2"}}`), want: mgr("m2")},
		{name: "manager raw string", body: ops(`{"op":"replace","path":"` + entURN + `:manager","value":"m2"}`), want: mgr("m2")},
		{name: "manager array of one", body: ops(`{"op":"Add","path":"` + entURN + `:manager","value":[{"$ref":"https://graph/Users/m2","value":"m2"}]}`),
			want: func(u *User) { u.Enterprise.Manager = Manager{Value: "m2", Ref: "https://graph/Users/m2"} }},
		{name: "manager array with null ref", body: ops(`{"op":"Add","path":"` + entURN + `:manager","value":[{"$ref":null,"value":"m2"}]}`), want: mgr("m2")},
		{name: "manager same value keeps the rest", body: ops(`{"op":"replace","path":"` + entURN + `:manager","value":{"value":"` + managerID + `"}}`)},
		{name: "manager removed by empty string", body: ops(`{"op":"Replace","path":"` + entURN + `:manager","value":""}`), want: mgr("")},
		{name: "manager removed by empty value", body: ops(`{"op":"Replace","path":"` + entURN + `:manager","value":{"value":""}}`), want: mgr("")},
		{name: "manager removed by empty array", body: ops(`{"op":"Replace","path":"` + entURN + `:manager","value":[]}`), want: mgr("")},
		{name: "primary replace clears the others", body: ops(`{"op":"replace","path":"emails[type eq \"home\"].primary","value":"True"}`),
			want: func(u *User) { u.Emails[0].Primary, u.Emails[1].Primary = false, true }},
		{name: "primary in replaced list keeps the last", body: ops(`{"op":"replace","path":"emails","value":[{"value":"a@x","primary":true},{"value":"b@x","primary":true}]}`),
			want: func(u *User) { u.Emails = []MultiValue{{Value: "a@x"}, {Value: "b@x", Primary: true}} }},
		{name: "primary false leaves none", body: ops(`{"op":"replace","path":"emails[type eq \"work\"].primary","value":false}`),
			want: func(u *User) { u.Emails[0].Primary = false }},

		{name: "boolean garbage", body: ops(`{"op":"replace","path":"active","value":"maybe"}`), err: errValue, detail: []string{"active", "boolean", `"maybe"`}},
		{name: "string as object", body: ops(`{"op":"replace","path":"title","value":{"x":1}}`), err: errValue, detail: []string{"title", "string"}},
		{name: "complex as string", body: ops(`{"op":"replace","path":"name","value":"Barbara"}`), err: errValue, detail: []string{"name", "object"}},
		{name: "multi-valued as string", body: ops(`{"op":"replace","path":"emails","value":"a@x"}`), err: errValue, detail: []string{"emails", "array"}},
		{name: "sub-attribute as object", body: ops(`{"op":"replace","path":"emails[type eq \"work\"].value","value":{"v":1}}`), err: errValue, detail: []string{"emails.value"}},
		{name: "primary garbage", body: ops(`{"op":"replace","path":"emails[type eq \"work\"].primary","value":"yes"}`), err: errValue, detail: []string{"primary"}},
		{name: "extension not object", body: ops(`{"op":"replace","path":"` + entURN + `","value":"x"}`), err: errValue, detail: []string{entURN}},
	})
}

func TestPatchMutability(t *testing.T) {
	runPatchCases(t, []patchCase{
		{name: "id", body: ops(`{"op":"replace","path":"id","value":"other"}`), err: errMutability, detail: []string{"id", "read-only"}},
		{name: "id removed", body: ops(`{"op":"remove","path":"id"}`), err: errMutability},
		{name: "meta", body: ops(`{"op":"replace","path":"meta","value":{"version":"W/\"9\""}}`), err: errMutability, detail: []string{"meta"}},
		{name: "meta sub-attribute", body: ops(`{"op":"replace","path":"meta.lastModified","value":"2030-01-01T00:00:00Z"}`), err: errMutability, detail: []string{"meta"}},
		{name: "meta echoed without path is ignored", body: ops(`{"op":"replace","value":{"meta":{"resourceType":"User","version":"W/\"1\""},"title":"T"}}`),
			want: func(u *User) { u.Title = "T" }},
		{name: "groups", body: ops(`{"op":"add","path":"groups","value":[{"value":"g1"}]}`), err: errMutability, detail: []string{"groups"}},
		{name: "groups empty echo without path", body: ops(`{"op":"replace","value":{"groups":[],"title":"T"}}`),
			want: func(u *User) { u.Title = "T" }},
		{name: "groups without path", body: ops(`{"op":"replace","value":{"groups":[{"value":"g1"}]}}`), err: errMutability, detail: []string{"groups"}},
		{name: "manager.displayName", body: ops(`{"op":"replace","path":"` + entURN + `:manager.displayName","value":"X"}`), err: errMutability, detail: []string{"displayName"}},
		{name: "remove core schema", body: ops(`{"op":"remove","path":"urn:ietf:params:scim:schemas:core:2.0:User"}`), err: errMutability},
	})
}

// TestPatchAtomic: a request whose last operation fails changes nothing.
func TestPatchAtomic(t *testing.T) {
	body := ops(
		`{"op":"replace","path":"title","value":"Changed"}`,
		`{"op":"add","path":"emails","value":[{"value":"new@example.com","primary":true}]}`,
		`{"op":"remove","path":"emails[type eq \"home\"]"}`,
		`{"op":"replace","path":"name.givenName","value":"Changed"}`,
		`{"op":"replace","path":"`+peakonURN+`:Department","value":"Changed"}`,
		`{"op":"remove","path":"`+entURN+`:manager"}`,
		`{"op":"replace","path":"active","value":false}`,
		`{"op":"replace","path":"id","value":"not-the-id"}`,
	)
	u := patchBase()
	before := patchBase()
	enc := patchModel.EncodeUser(nil, u, nil)
	req, err := ParsePatch([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	got, err := patchModel.ApplyPatch(u, req, DecodeOptions{})
	if got != nil {
		t.Errorf("ApplyPatch returned a user with its error")
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != 400 || e.SCIMType != SCIMTypeMutability || !strings.Contains(e.Detail, "Operations[7]") || !strings.Contains(e.Detail, `"id"`) {
		t.Fatalf("err = %v; want 400 mutability naming Operations[7] and id", err)
	}
	if diff := cmp.Diff(before, u); diff != "" {
		t.Errorf("user changed (-before +after):\n%s", diff)
	}
	if after := patchModel.EncodeUser(nil, u, nil); !bytes.Equal(enc, after) {
		t.Errorf("encoding changed:\n%s\n%s", enc, after)
	}
	// The same request minus its last operation succeeds, and still leaves u alone.
	req.Operations = req.Operations[:7]
	got, err = patchModel.ApplyPatch(u, req, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Changed" || got.Active || len(got.Emails) != 2 || !got.Emails[1].Primary || got.Emails[0].Primary {
		t.Errorf("unexpected result %+v", got)
	}
	if diff := cmp.Diff(before, u); diff != "" {
		t.Errorf("user changed by a successful patch (-before +after):\n%s", diff)
	}
}

// TestPatchRequestReuse: one parsed request applies to many users, also
// concurrently, and a changed Path is re-parsed.
func TestPatchRequestReuse(t *testing.T) {
	req, err := ParsePatch([]byte(ops(`{"op":"replace","path":"emails[type eq \"work\"].value","value":"w@x.org"}`)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *User, 8)
	for range 8 {
		go func() {
			u, err := patchModel.ApplyPatch(patchBase(), req, DecodeOptions{})
			if err != nil {
				t.Error(err)
			}
			done <- u
		}()
	}
	for range 8 {
		if u := <-done; u == nil || u.Emails[0].Value != "w@x.org" {
			t.Errorf("got %+v", u)
		}
	}
	// Applying resolves the value filter on a copy: the parsed one is as
	// ParsePatch left it.
	if e := req.paths[0].Filter.(*AttrExpr); e.Path.Attr != nil || e.Path.SubAttr != nil {
		t.Errorf("ApplyPatch resolved the request's parsed filter in place: %+v", e.Path)
	}
	req.Operations[0].Path = "title"
	req.Operations[0].Value = "T"
	u, err := patchModel.ApplyPatch(patchBase(), req, DecodeOptions{})
	if err != nil || u.Title != "T" || u.Emails[0].Value != "bjensen@example.com" {
		t.Fatalf("after changing Path: %v %+v", err, u)
	}
	// A hand-built request with op in any case.
	u, err = patchModel.ApplyPatch(patchBase(), &PatchRequest{Operations: []PatchOperation{{Op: "Replace", Path: "nickName", Value: "N"}}}, DecodeOptions{})
	if err != nil || u.NickName != "N" {
		t.Fatalf("hand-built request: %v %+v", err, u)
	}
}

func TestParsePath(t *testing.T) {
	good := map[string]string{
		"userName":                        "userName",
		" name.givenName ":                "name.givenName",
		`emails[type eq "work"]`:          `emails[type eq "work"]`,
		`emails[ type  EQ "work" ].value`: `emails[type eq "work"].value`,
		entURN:                            entURN,
		entURN + ":manager.value":         entURN + ":manager.value",
		peakonURN + ":Employed Since":     peakonURN + ":Employed Since",
		peakonURN:                         peakonURN,
		`addresses[type eq "work" and not (primary eq false)].streetAddress`: `addresses[type eq "work" and not (primary eq false)].streetAddress`,
	}
	for in, want := range good {
		p, err := ParsePatchPath(in)
		if err != nil {
			t.Errorf("ParsePatchPath(%q): %v", in, err)
			continue
		}
		if p.String() != want {
			t.Errorf("ParsePatchPath(%q).String() = %q; want %q", in, p.String(), want)
		}
	}
	for _, in := range []string{"", "  ", "name..givenName", "name.given.name", `emails[type eq "work"`, `emails[type eq "work"]]`,
		`emails[type eq "work"].`, `emails[type eq "work"] .value`, `name.givenName[type eq "x"]`, `emails[]`, "a b", `"userName"`,
		strings.Repeat("a", MaxFilterLength+1)} {
		if _, err := ParsePatchPath(in); err == nil {
			t.Errorf("ParsePatchPath(%q) succeeded", in)
		} else if e := err.(*Error); e.Status != 400 || e.SCIMType != SCIMTypeInvalidPath {
			t.Errorf("ParsePatchPath(%q): %v; want 400 invalidPath", in, err)
		}
	}
}

// entraVerbosePatch is Entra's verbose update request (see TestPatchEntraVerbose).
var entraVerbosePatch = `{
  "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  "Operations": [
    {"op": "Replace", "path": "userName", "value": "ryan.leenay@contoso.com"},
    {"op": "Replace", "path": "active", "value": "True"},
    {"op": "Replace", "path": "displayName", "value": "Ryan Leenay"},
    {"op": "Replace", "path": "title", "value": "Senior Engineer"},
    {"op": "Replace", "path": "preferredLanguage", "value": "en-GB"},
    {"op": "Replace", "path": "locale", "value": "en-GB"},
    {"op": "Replace", "path": "timezone", "value": "Europe/London"},
    {"op": "Replace", "path": "nickName", "value": "Ry"},
    {"op": "Replace", "path": "userType", "value": "Member"},
    {"op": "Replace", "path": "externalId", "value": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"},
    {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "Ryan.Leenay@contoso.com"},
    {"op": "Replace", "path": "emails[type eq \"work\"].primary", "value": "True"},
    {"op": "Add", "path": "emails[type eq \"other\"].value", "value": "ryan@leenay.example"},
    {"op": "Replace", "path": "name.givenName", "value": "Ryan"},
    {"op": "Replace", "path": "name.familyName", "value": "Leenay"},
    {"op": "Replace", "path": "name.formatted", "value": "Ryan Leenay"},
    {"op": "Replace", "path": "name.middleName", "value": "J"},
    {"op": "Replace", "path": "name.honorificPrefix", "value": "Mr."},
    {"op": "Replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+44 20 7946 0000"},
    {"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+44 7700 900000"},
    {"op": "Replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": "+44 20 7946 0001"},
    {"op": "Replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "2 Kingdom Street"},
    {"op": "Replace", "path": "addresses[type eq \"work\"].locality", "value": "London"},
    {"op": "Replace", "path": "addresses[type eq \"work\"].region", "value": "Greater London"},
    {"op": "Replace", "path": "addresses[type eq \"work\"].postalCode", "value": "W2 6BD"},
    {"op": "Replace", "path": "addresses[type eq \"work\"].country", "value": "GB"},
    {"op": "Replace", "path": "addresses[type eq \"work\"].formatted", "value": "2 Kingdom Street\nLondon W2 6BD"},
    {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "701985"},
    {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Engineering"},
    {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter", "value": "CC-42"},
    {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization", "value": "Contoso"},
    {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division", "value": "Cloud"},
    {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "` + managerID + `"},
    {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Employed_Since", "value": "2021-06-01T00:00:00Z"},
    {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Department", "value": "Platform"}
  ]
}`

// TestPatchEntraVerbose is the request Entra sends to update a user it
// created with userName and a work email: one operation per mapped
// attribute, value filters on emails, phones and addresses, then the
// enterprise extension and the manager.
func TestPatchEntraVerbose(t *testing.T) {
	body := entraVerbosePatch
	before := func() *User {
		u := patchMinimal()
		u.Emails = []MultiValue{{Value: "ryan.leenay@contoso.com", Type: "work"}}
		return u
	}
	runPatchCases(t, []patchCase{{name: "entra verbose", before: before, body: body, want: func(u *User) {
		*u = User{
			ID:                userID,
			ExternalID:        "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
			UserName:          "ryan.leenay@contoso.com",
			Name:              Name{Formatted: "Ryan Leenay", FamilyName: "Leenay", GivenName: "Ryan", MiddleName: "J", HonorificPrefix: "Mr."},
			DisplayName:       "Ryan Leenay",
			NickName:          "Ry",
			Title:             "Senior Engineer",
			UserType:          "Member",
			PreferredLanguage: "en-GB",
			Locale:            "en-GB",
			Timezone:          "Europe/London",
			Active:            true,
			Emails: []MultiValue{
				{Value: "Ryan.Leenay@contoso.com", Type: "work", Primary: true},
				{Value: "ryan@leenay.example", Type: "other"},
			},
			PhoneNumbers: []MultiValue{
				{Value: "+44 20 7946 0000", Type: "work"},
				{Value: "+44 7700 900000", Type: "mobile"},
				{Value: "+44 20 7946 0001", Type: "fax"},
			},
			Addresses: []Address{{
				Formatted: "2 Kingdom Street\nLondon W2 6BD", StreetAddress: "2 Kingdom Street", Locality: "London",
				Region: "Greater London", PostalCode: "W2 6BD", Country: "GB", Type: "work",
			}},
			Enterprise: EnterpriseUser{
				EmployeeNumber: "701985", CostCenter: "CC-42", Organization: "Contoso", Division: "Cloud",
				Department: "Engineering", Manager: Manager{Value: managerID},
			},
			Custom: map[string]string{"Employed Since": "2021-06-01", "Department": "Platform"},
			Meta:   Meta{ResourceType: "User", Version: `W/"1"`},
		}
	}}})
	req, err := ParsePatch([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Operations) < 30 {
		t.Fatalf("%d operations; the test wants about 30", len(req.Operations))
	}
}

// TestPatchEntraForms covers Entra's two PATCH dialects: the legacy one
// (capitalised ops, "True"/"False" strings, removal of multi-valued
// attributes by value arrays) and the aadOptscim062020 one (proper booleans,
// path-less replace with member names that are paths).
func TestPatchEntraForms(t *testing.T) {
	runPatchCases(t, []patchCase{
		{name: "legacy disable", body: ops(`{"op":"Replace","path":"active","value":"False"}`),
			want: func(u *User) { u.Active = false }},
		{name: "legacy update", body: ops(
			`{"op":"Add","path":"emails[type eq \"work\"].value","value":"barbara.jensen@example.com"}`,
			`{"op":"Replace","path":"emails[type eq \"work\"].primary","value":"True"}`,
			`{"op":"Remove","path":"emails","value":[{"value":"babs@jensen.org","type":"home"}]}`,
			`{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"555-0101"}`,
			`{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":[{"$ref":null,"value":"m2"}]}`,
			`{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"701985"}`,
			`{"op":"Replace","path":"name.givenName","value":"Barb"}`),
			want: func(u *User) {
				u.Emails = []MultiValue{{Value: "barbara.jensen@example.com", Type: "work", Primary: true}}
				u.PhoneNumbers = append(u.PhoneNumbers, MultiValue{Value: "555-0101", Type: "mobile"})
				u.Enterprise.Manager = Manager{Value: "m2"}
				u.Enterprise.EmployeeNumber = "701985"
				u.Name.GivenName = "Barb"
			}},
		{name: "legacy manager removal", body: ops(`{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":[{"value":"` + managerID + `"}]}`),
			want: func(u *User) { u.Enterprise.Manager = Manager{} }},
		{name: "aadOptscim062020 disable", body: ops(`{"op":"replace","path":"active","value":false}`),
			want: func(u *User) { u.Active = false }},
		{name: "aadOptscim062020 path-less replace", body: ops(`{"op":"replace","value":{
				"active": false,
				"displayName": "Barbara Jensen",
				"name.givenName": "Barbara",
				"name.familyName": "Jensen-Smith",
				"title": "Head Guide",
				"emails[type eq \"work\"].value": "barbara@example.com",
				"phoneNumbers[type eq \"mobile\"].value": "555-0102",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "701986",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": {"value": "m3"},
				"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Department": "Guides"
			}}`),
			want: func(u *User) {
				u.Active = false
				u.DisplayName, u.Name.FamilyName, u.Title = "Barbara Jensen", "Jensen-Smith", "Head Guide"
				u.Emails[0].Value = "barbara@example.com"
				u.PhoneNumbers = append(u.PhoneNumbers, MultiValue{Value: "555-0102", Type: "mobile"})
				u.Enterprise.EmployeeNumber = "701986"
				u.Enterprise.Manager = Manager{Value: "m3"}
				u.Custom["Department"] = "Guides"
			}},
		{name: "aadOptscim062020 manager removal", body: ops(`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":""}}`),
			want: func(u *User) { u.Enterprise.Manager = Manager{} }},
	})
}

// TestPatchOkta covers Okta's lifecycle bodies.
func TestPatchOkta(t *testing.T) {
	runPatchCases(t, []patchCase{
		{name: "deactivate", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`,
			want: func(u *User) { u.Active = false }},
		{name: "reactivate", before: func() *User { u := patchBase(); u.Active = false; return u },
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}`,
			want: func(u *User) { u.Active = true }},
		{name: "profile push", body: ops(`{"op":"replace","value":{
				"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:peakon:2.0:User"],
				"id": "` + userID + `",
				"userName": "barbara.jensen@example.com",
				"name": {"givenName": "Barbara", "familyName": "Jensen-Smith"},
				"emails": [{"primary": true, "value": "barbara.jensen@example.com", "type": "work"}],
				"displayName": "Barbara Jensen-Smith",
				"locale": "en-GB",
				"externalId": "00u1abcd",
				"groups": [],
				"password": "t1meMa$heen",
				"active": true,
				"meta": {"resourceType": "User"},
				"urn:ietf:params:scim:schemas:extension:peakon:2.0:User": {"Department": "Tours", "Employed_Since": "2019-05-01"}
			}}`),
			want: func(u *User) {
				u.UserName = "barbara.jensen@example.com"
				u.Name.FamilyName = "Jensen-Smith"
				u.Emails = []MultiValue{{Value: "barbara.jensen@example.com", Type: "work", Primary: true}}
				u.DisplayName, u.Locale = "Barbara Jensen-Smith", "en-GB"
				u.Custom = map[string]string{"Department": "Tours", "Employed Since": "2019-05-01"}
			}},
		{name: "custom attribute by path with alias", body: ops(`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Employed_Since","value":"2020-01-01"}`),
			want: func(u *User) { u.Custom["Employed Since"] = "2020-01-01" }},
		{name: "unknown custom attribute ignored by option", opts: DecodeOptions{IgnoreUnknownAttributes: true},
			body: ops(`{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Shoe_Size":"9","Department":"Ops"}}}`),
			want: func(u *User) { u.Custom["Department"] = "Ops" }},
		{name: "unknown custom attribute rejected", body: ops(`{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Shoe_Size":"9"}}}`),
			err: errValue, detail: []string{"Shoe_Size", "Operations[0]"}},
		{name: "unknown custom URN-qualified member rejected", body: ops(`{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Shoe_Size":"9"}}`),
			err: errValue, detail: []string{"Shoe_Size"}},
	})
}

var patchPathSeeds = []string{
	"userName",
	"name.givenName",
	"Name.GIVENNAME",
	`emails[type eq "work"]`,
	`emails[type eq "work"].value`,
	`EMAILS[TYPE EQ "WORK"].VALUE`,
	`addresses[type eq "work" and primary eq true].streetAddress`,
	`emails[not (type eq "work") or value co "@x"].display`,
	`phoneNumbers[type eq mobile].value`,
	`x509Certificates[value pr]`,
	entURN,
	entURN + ":employeeNumber",
	entURN + ":manager",
	entURN + ":manager.value",
	peakonURN,
	peakonURN + ":Employed Since",
	peakonURN + ":Employed_Since",
	"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
	`urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value`,
	`emails[type eq "work"`,
	`emails[type eq "work"]]`,
	`emails[type eq "work"].`,
	"name..givenName",
	`members[value eq "\u00e9\"x"]`,
	`emails[type[value eq 1]]`,
	"",
}

func FuzzPatchPath(f *testing.F) {
	for _, s := range patchPathSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePatchPath(s)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Status != 400 || e.SCIMType != SCIMTypeInvalidPath {
				t.Fatalf("ParsePatchPath(%q): %v; want a 400 invalidPath *Error", s, err)
			}
			return
		}
		// String is canonical: it parses, and after one round trip (which
		// may normalise string literals, e.g. invalid UTF-8 to U+FFFD) it
		// is a fixed point.
		text := p.String()
		q, err := ParsePatchPath(text)
		if err != nil {
			t.Fatalf("ParsePatchPath(%q).String() = %q does not parse: %v", s, text, err)
		}
		text = q.String()
		r, err := ParsePatchPath(text)
		if err != nil {
			t.Fatalf("ParsePatchPath(%q) does not parse: %v", text, err)
		}
		if r.String() != text {
			t.Fatalf("ParsePatchPath(%q): String %q parses back to %q", s, text, r.String())
		}
		// Resolving and applying it must not panic either.
		req := &PatchRequest{Operations: []PatchOperation{{Op: "replace", Path: s, Value: "x"}, {Op: "remove", Path: s}}}
		u := patchBase()
		if _, err := patchModel.ApplyPatch(u, req, DecodeOptions{}); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("ApplyPatch: %v is not a *Error", err)
			}
		}
	})
}

var applyPatchSeeds = []string{
	ops(`{"op":"replace","value":{"active":false}}`),
	ops(`{"op":"Replace","path":"active","value":"False"}`),
	ops(`{"op":"add","path":"emails[type eq \"work\"].value","value":"a@x"}`),
	ops(`{"op":"add","path":"emails","value":[{"value":"a@x","primary":true},{"value":"b@x","primary":"True"}]}`),
	ops(`{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}`),
	ops(`{"op":"Remove","path":"emails","value":[{"value":"babs@jensen.org"}]}`),
	ops(`{"op":"remove","path":"addresses[type eq \"work\"].streetAddress"}`),
	ops(`{"op":"replace","path":"` + entURN + `:manager","value":[{"$ref":null,"value":"m"}]}`),
	ops(`{"op":"replace","path":"` + entURN + `:manager","value":{"value":""}}`),
	ops(`{"op":"replace","value":{"name.givenName":"A","` + entURN + `:employeeNumber":"7","` + peakonURN + `":{"Level":3}}}`),
	ops(`{"op":"add","path":"` + peakonURN + `:Employed Since","value":"2020-01-01T00:00:00Z"}`),
	ops(`{"op":"replace","value":{"id":"` + userID + `","groups":[],"meta":{"resourceType":"User"}}}`),
	ops(`{"op":"replace","path":"title","value":"x"}`, `{"op":"replace","path":"id","value":"y"}`),
	ops(`{"op":"remove","path":"userName"}`),
	ops(`{"op":"remove"}`),
	`{"operations":[{"OP":"ADD","PATH":"nickName","VALUE":"n"}]}`,
	`{"Operations":[]}`,
	`[]`,
}

func FuzzApplyPatch(f *testing.F) {
	for _, s := range applyPatchSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := ParsePatch(data)
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Status != 400 {
				t.Fatalf("ParsePatch: %v; want a 400 *Error", err)
			}
			return
		}
		if !utf8.Valid(data) {
			t.Fatalf("parsed a body that is not UTF-8: %q", data)
		}
		for _, opts := range []DecodeOptions{{}, {IgnoreUnknownAttributes: true}, {MaxValues: 2}} {
			u := patchBase()
			enc := patchModel.EncodeUser(nil, u, nil)
			got, err := patchModel.ApplyPatch(u, req, opts)
			if after := patchModel.EncodeUser(nil, u, nil); !bytes.Equal(enc, after) {
				t.Fatalf("ApplyPatch modified its input:\n%s\n%s", enc, after)
			}
			if err != nil {
				if e, ok := err.(*Error); !ok || e.Status != 400 || got != nil {
					t.Fatalf("ApplyPatch: %v (user %v); want a 400 *Error and no user", err, got)
				}
				continue
			}
			if got.UserName == "" {
				t.Fatalf("userName emptied")
			}
			if opts.MaxValues > 0 {
				if n := len(got.Emails); n > opts.MaxValues && n > len(u.Emails) {
					t.Fatalf("%d emails with MaxValues %d", n, opts.MaxValues)
				}
			}
			for _, list := range [][]MultiValue{got.Emails, got.PhoneNumbers, got.IMs, got.Photos, got.Entitlements, got.Roles, got.X509Certificates} {
				n := 0
				for _, e := range list {
					if e.Primary {
						n++
					}
				}
				if n > 1 {
					t.Fatalf("%d primary elements in %+v", n, list)
				}
			}
			if out := patchModel.EncodeUser(nil, got, nil); !json.Valid(out) {
				t.Fatalf("result encodes to invalid JSON: %s", out)
			}
		}
	})
}

var updateFuzzCorpus = flag.Bool("update-fuzz-corpus", false, "rewrite the PATCH fuzz seeds under testdata/fuzz from patchPathSeeds and applyPatchSeeds")

// TestPatchFuzzCorpus checks that the committed seed corpus under
// testdata/fuzz holds every seed of patchPathSeeds and applyPatchSeeds;
// go test -run TestPatchFuzzCorpus -update-fuzz-corpus rewrites it.
func TestPatchFuzzCorpus(t *testing.T) {
	check := func(dir string, i int, line string) {
		name := filepath.Join("testdata", "fuzz", dir, fmt.Sprintf("seed%02d", i))
		want := "go test fuzz v1\n" + line + "\n"
		if *updateFuzzCorpus {
			writeTestdata(t, name, want)
			return
		}
		got, err := os.ReadFile(name)
		if err != nil || string(got) != want {
			t.Errorf("%s is not the seed %q (run with -update-fuzz-corpus): %v", name, line, err)
		}
	}
	for i, s := range patchPathSeeds {
		check("FuzzPatchPath", i, "string("+strconv.Quote(s)+")")
	}
	for i, s := range applyPatchSeeds {
		check("FuzzApplyPatch", i, "[]byte("+strconv.Quote(s)+")")
	}
}
