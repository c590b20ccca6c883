package scimtest_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/doctest"
	"github.com/scimkit/scim/scimclient"
	"github.com/scimkit/scim/scimtest"
)

// The README's scimtest example, verbatim (TestREADMEExample checks that it
// is), run against the library's own client: Sync patches through /Bulk.

// syncEmployees is the code under test: it pushes the HR system's
// employees to Peakon with the library's client.
func syncEmployees(baseURL, token string, employees []*scim.User) error {
	c := scimclient.New(baseURL, token)
	_, err := scimclient.Sync(context.Background(), c, employees, scimclient.SyncOptions{})
	return err
}

func TestSyncBacksOff(t *testing.T) {
	ada := &scim.User{UserName: "ada@example.com", Active: true, Title: "Engineer"}
	fake := scimtest.NewServer(t, scimtest.WithUsers(ada))
	fake.FailNext(1, scimtest.RateLimited(time.Second)) // the first request gets 429

	promoted := &scim.User{UserName: "ada@example.com", Active: true, Title: "CTO"}
	if err := syncEmployees(fake.URL(), fake.Token(), []*scim.User{promoted}); err != nil {
		t.Fatal(err) // it waited out the 429 and went on
	}
	fake.AssertWrote(t, "PATCH", "/Users/{id}") // sent alone or in a /Bulk request
	if u := fake.UserByUserName("ada@example.com"); u.Title != "CTO" {
		t.Errorf("title %q, want CTO", u.Title)
	}
}

// TestREADMEExample: the README's example under "Testing code that talks to
// Peakon" is this file's code, character for character, so it runs as
// written and cannot drift.
func TestREADMEExample(t *testing.T) {
	section := doctest.Section(t, "../README.md", "## Testing code that talks to Peakon")
	_, block, ok := strings.Cut(section, "```go\n")
	block, _, closed := strings.Cut(block, "```")
	if !ok || !closed {
		t.Fatal("the section has no Go code block")
	}
	self, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(self), block) {
		t.Errorf("README's example is not readme_test.go's code; make them equal. README:\n%s", block)
	}
}
