package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimtest"
)

const employeesCSV = `external id,EMAIL,First name,Last name,Active,Department
x1,ada@example.com,Ada,Lovelace,,IT
x2,grace@example.com,Grace,Hopper,true,Navy
x3,not-an-email,Bad,Row,true,
x4,alan@example.com,Alan,Turing,maybe,IT
x5,kurt@example.com,Kurt,Gödel,false,
`

func TestCommand(t *testing.T) {
	s := scimtest.NewServer(t, scimtest.WithAttributeSpec("Department:option"))
	if _, err := s.AddUser(&scim.User{UserName: "old@example.com", ExternalID: "x9", Active: true}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "employees.csv")
	if err := os.WriteFile(file, []byte(employeesCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-url", s.URL(), "-token", s.Token(), "-csv", file}
	var out, errOut bytes.Buffer
	// The plan: bad rows named by line, nothing written; the one active
	// employee, absent, may be deactivated (a company of one is under the
	// guard's floor).
	if code := run(context.Background(), args, &out, &errOut); code != 1 {
		t.Fatalf("plan: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{":4: the Email column \"not-an-email\"", ":5: the Active column is \"maybe\""} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), append(args, "-force"), &out, &errOut); code != 1 {
		t.Fatalf("plan: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if len(s.Users()) != 1 || !strings.Contains(out.String(), "planned: 3 to create") {
		t.Fatalf("plan wrote or miscounted:\n%s", out.String())
	}
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), append(args, "-force", "-apply"), &out, &errOut); code != 1 {
		t.Fatalf("apply: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	ada := s.UserByUserName("ada@example.com")
	if ada == nil || !ada.Active || ada.Name.GivenName != "Ada" || ada.Custom["Department"] != "IT" || ada.ExternalID != "x1" {
		t.Errorf("ada: %+v", ada)
	}
	if kurt := s.UserByUserName("kurt@example.com"); kurt == nil || kurt.Active {
		t.Errorf("kurt: %+v", kurt)
	}
	if old := s.UserByUserName("old@example.com"); old.Active {
		t.Error("the employee absent from the file is still active")
	}
	// Usage errors.
	if code := run(context.Background(), []string{"-url", s.URL()}, &out, &errOut); code != 2 {
		t.Errorf("missing flags: exit %d", code)
	}
	// A clean file applies with exit 0, and again with no write.
	clean := filepath.Join(t.TempDir(), "clean.csv")
	os.WriteFile(clean, []byte("Email,External ID\nada@example.com,x1\ngrace@example.com,x2\nkurt@example.com,x5\n"), 0o600)
	args = []string{"-url", s.URL(), "-token", s.Token(), "-csv", clean, "-apply", "-force"}
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("clean apply: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	s.ResetRequests()
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("clean re-apply: exit %d", code)
	}
	s.AssertNotRequested(t, "POST", "*")
	s.AssertNotRequested(t, "PATCH", "*")
}
