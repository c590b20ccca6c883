package scimclient_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimclient"
	"github.com/scimkit/scim/scimtest"
)

// newClient returns a client of s that backs off for milliseconds, not
// seconds.
func newClient(s *scimtest.Server, opts ...scimclient.Option) *scimclient.Client {
	opts = append([]scimclient.Option{scimclient.WithHTTPClient(s.Client()), scimclient.WithBackoff(time.Millisecond, 5*time.Millisecond)}, opts...)
	return scimclient.New(s.URL(), s.Token(), opts...)
}

// serve starts a scimtest server with opts and returns it with a client
// of it.
func serve(t *testing.T, opts ...scimtest.Option) (*scimtest.Server, *scimclient.Client) {
	s := scimtest.NewServer(t, opts...)
	return s, newClient(s)
}

// create creates u through c and returns what the endpoint answered,
// failing the test on an error.
func create(t *testing.T, c *scimclient.Client, u *scim.User) *scim.User {
	t.Helper()
	got, err := c.Create(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// employee returns employee i: for 1, userName and work email
// e001@example.com and externalId x001.
func employee(i int, active bool) *scim.User {
	email := fmt.Sprintf("e%03d@example.com", i)
	return &scim.User{UserName: email, ExternalID: fmt.Sprintf("x%03d", i), Active: active,
		Name:   scim.Name{GivenName: fmt.Sprintf("Given%d", i), FamilyName: "Family"},
		Emails: []scim.MultiValue{{Value: email, Type: "work", Primary: true}}}
}

// employees returns employees 0 to n-1, all active.
func employees(n int) []*scim.User {
	out := make([]*scim.User, n)
	for i := range out {
		out[i] = employee(i, true)
	}
	return out
}

// writes returns the recorded requests that are not reads.
func writes(s *scimtest.Server) []string {
	var out []string
	for _, r := range s.Requests() {
		if r.Method != "GET" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// stepsString lists rep's steps, one a line, for a failure message.
func stepsString(rep *scimclient.Report) string {
	var b strings.Builder
	for _, st := range rep.Steps {
		fmt.Fprintf(&b, "\n  %s %s %s: %v %v", st.Action, st.UserName, st.Status, st.Err, st.Warnings)
	}
	return b.String()
}
