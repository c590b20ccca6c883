package scimclient_test

import (
	"context"
	"errors"
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
		{UserName: "grace@example.com", Active: true,
			Enterprise: scim.EnterpriseUser{Manager: scim.Manager{Value: "nobody@example.com"}}},
		{UserName: "jo@example.com", Active: true, Emails: []scim.MultiValue{{Value: "jo@", Primary: true}}},
	}
	rep, err := scimclient.Sync(context.Background(), c, desired, scimclient.SyncOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range rep.Steps {
		fmt.Printf("%s %s: %s\n", st.Action, st.UserName, st.Status)
		for _, w := range st.Warnings {
			fmt.Println("  warning:", w)
		}
		if st.Err != nil {
			fmt.Println("  error:", st.Err)
		}
	}
	fmt.Printf("created %d, deactivated %d, failed %d\n", rep.Count(scimclient.ActionCreate, scimclient.StatusApplied),
		rep.Count(scimclient.ActionDeactivate, scimclient.StatusApplied), rep.Count("", scimclient.StatusFailed))
	// Output:
	// create ada@example.com: applied
	// create grace@example.com: applied
	//   warning: the manager refers to "nobody@example.com", who is neither an employee nor a valid desired user; provisioned without it
	// deactivate leaver@example.com: applied
	// skip jo@example.com: failed
	//   error: emails[0].value "jo@" is not an email address: Peakon identifies employees by email, so every emails value must be an address such as jane@example.com
	// created 2, deactivated 1, failed 1
}

// The deactivation guard refuses a plan that would deactivate every
// active employee (or more than 10 %, at least 3): nothing is written,
// and every step says so.
func ExampleSync_refused() {
	fake, _ := scimtest.Start()
	defer fake.Close()
	for _, name := range []string{"ada", "grace", "alan", "kurt"} {
		fake.AddUser(&scim.User{UserName: name + "@example.com", Active: true})
	}
	c := scimclient.New(fake.URL(), fake.Token())

	truncated := []*scim.User{{UserName: "new@example.com", Active: true}}
	rep, err := scimclient.Sync(context.Background(), c, truncated, scimclient.SyncOptions{})
	fmt.Println(errors.Is(err, scimclient.ErrTooManyDeactivations))
	fmt.Println(err)
	fmt.Printf("applied %d, not attempted %d\n", rep.Count("", scimclient.StatusApplied), rep.Count("", scimclient.StatusNotAttempted))
	// Output:
	// true
	// scimclient: refusing to deactivate so many active employees: every one of the 4 active employees would be deactivated; check the input, then force it (SyncOptions.Force; the CSV command's -force)
	// applied 0, not attempted 5
}
