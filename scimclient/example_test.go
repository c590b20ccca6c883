package scimclient_test

import (
	"context"
	"fmt"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimclient"
	"github.com/scimkit/scim/scimtest"
)

func Example() {
	fake, _ := scimtest.Start() // stands in for https://api.peakon.com/scim/v2
	defer fake.Close()
	ctx := context.Background()

	c := scimclient.New(fake.URL(), fake.Token())
	u, err := c.Create(ctx, &scim.User{UserName: "ada@example.com", Active: true, Name: scim.Name{GivenName: "Ada"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	u, _ = c.Patch(ctx, u.ID, scimclient.NewPatch().Replace("title", "Analyst").IfMatch(u.Meta.Version))
	u, _ = c.Deactivate(ctx, u)
	for u, err := range c.List(ctx, scimclient.ListOptions{Filter: `userName sw "ada"`}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(u.UserName, u.Title, u.Active)
	}
	// Output: ada@example.com Analyst false
}

func ExampleSync() {
	fake, _ := scimtest.Start(scimtest.WithAttributeSpec("Department:option"))
	defer fake.Close()
	fake.AddUser(&scim.User{UserName: "leaver@example.com", Active: true})
	c := scimclient.New(fake.URL(), fake.Token())

	desired := []*scim.User{
		{UserName: "ada@example.com", Active: true, Custom: map[string]string{"Department": "IT"}},
		{UserName: "grace@example.com", Active: true},
	}
	rep, err := scimclient.Sync(context.Background(), c, desired, scimclient.SyncOptions{Force: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ch := range rep.Steps {
		fmt.Println(ch.Action, ch.UserName, ch.Err)
	}
	// Output:
	// create ada@example.com <nil>
	// create grace@example.com <nil>
	// deactivate leaver@example.com <nil>
}
