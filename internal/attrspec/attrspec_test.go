package attrspec

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
)

func TestParse(t *testing.T) {
	got, err := Parse(" Department:option, Business Unit:Option ,Employed Since:date:Employed_Since:employed since,Manager:employee,Salary:NUMBER,Notes:text,Team,")
	if err != nil {
		t.Fatal(err)
	}
	want := []scim.CustomAttribute{
		{Name: "Department", Type: scim.CustomOption},
		{Name: "Business Unit", Type: scim.CustomOption},
		{Name: "Employed Since", Type: scim.CustomDate, Aliases: []string{"Employed_Since"}}, // the second alias repeats the name
		{Name: "Manager", Type: scim.CustomEmployee},
		{Name: "Salary", Type: scim.CustomNumber},
		{Name: "Notes", Type: scim.CustomOption},
		{Name: "Team", Type: scim.CustomOption},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got, err := Parse(""); err != nil || len(got) != 0 {
		t.Errorf("empty: %v, %v", got, err)
	}
}
