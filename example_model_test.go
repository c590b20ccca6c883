package scim_test

import (
	"fmt"

	"github.com/scimkit/scim"
)

// ApplyPatch applies a PATCH request as clients send it to a copy of the
// user; the original is left alone, and a request that fails changes
// nothing.
func ExampleModel_ApplyPatch() {
	m := scim.NewModel(nil)
	u := &scim.User{UserName: "jane@example.com", Active: true}
	req, err := scim.ParsePatch([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"active","value":"False"},
		{"op":"replace","path":"emails[type eq \"work\"].value","value":"jane@example.com"}]}`))
	if err != nil {
		panic(err)
	}
	after, err := m.ApplyPatch(u, req, scim.DecodeOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(u.Active, after.Active, after.Emails[0].Type, after.Emails[0].Value)
	// Output: true false work jane@example.com
}

// CompileFilter resolves a parsed filter against a model (a company's
// custom attributes included) into a matcher that allocates nothing.
func ExampleModel_CompileFilter() {
	m := scim.NewModel([]scim.CustomAttribute{{Name: "Department", Type: scim.CustomOption}})
	f, err := scim.ParseFilter(`urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Department eq "sales" and active eq true`)
	if err != nil {
		panic(err)
	}
	match, err := m.CompileFilter(f)
	if err != nil {
		panic(err)
	}
	u := &scim.User{UserName: "ann@acme.test", Active: true, Custom: map[string]string{"Department": "Sales"}}
	fmt.Println(match(u))
	// Output: true
}

// Validate completes the pipeline of a program that decodes (or patches)
// users itself: the field rules it enforces are the model's, as /Schemas
// states them.
func ExampleModel_Validate() {
	m := scim.NewModel(nil)
	u, err := m.DecodeUser([]byte(`{"userName":"jane@example.com","emails":[{"value":"Jane Doe"}]}`), scim.DecodeOptions{})
	if err != nil {
		panic(err)
	}
	err = m.Validate(nil, u) // nil: a new user
	fmt.Println(err.(*scim.Error).SCIMType)
	fmt.Println(m.Core().Attribute("emails").Sub("value").Format)
	// Output:
	// invalidValue
	// email
}

// ParseFilter returns a tree a store can walk; String prints it back.
func ExampleParseFilter() {
	f, err := scim.ParseFilter(`emails[type eq "work"].value eq "jane@example.com" and active eq "True"`)
	if err != nil {
		panic(err)
	}
	fmt.Println(f)
	// Output: emails[type eq "work" and value eq "jane@example.com"] and active eq "True"
}

// A Model decodes what clients send, leniently, and encodes canonically.
func ExampleModel_DecodeUser() {
	m := scim.NewModel([]scim.CustomAttribute{{Name: "Employed Since", Type: scim.CustomDate, Aliases: []string{"Employed_Since"}}})
	u, err := m.DecodeUser([]byte(`{"UserName":"bob@example.com","Active":"False",
		"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"employed_since":"2019-04-01T00:00:00Z"}}`), scim.DecodeOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(u.UserName, u.Active, u.Custom["Employed Since"])
	fmt.Println(string(m.EncodeUser(nil, u, nil)))
	// Output:
	// bob@example.com false 2019-04-01
	// {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:peakon:2.0:User"],"userName":"bob@example.com","active":false,"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Employed Since":"2019-04-01"}}
}
