package scim

import "testing"

// TestAttributeLeaf pins the one rule filters, sorting and the SQL store
// share: a complex attribute stands for its value sub-attribute.
func TestAttributeLeaf(t *testing.T) {
	m := NewModel([]CustomAttribute{{Name: "Department", Type: CustomOption}})
	look := func(path string) *Attribute {
		a, _ := m.Lookup(path)
		if a == nil {
			t.Fatalf("no attribute %q", path)
		}
		return a
	}
	emails, name, manager := look("emails"), look("name"), look("manager")
	tests := []struct {
		attr, sub *Attribute
		want      *Attribute
	}{
		{look("userName"), nil, look("userName")},
		{emails, nil, emails.Sub("value")},
		{emails, emails.Sub("type"), emails.Sub("type")},
		{manager, nil, manager.Sub("value")},
		{name, nil, nil},
		{name, name.Sub("givenName"), name.Sub("givenName")},
		{m.CustomAttribute("Department"), nil, m.CustomAttribute("Department")},
	}
	for _, tt := range tests {
		if got := tt.attr.Leaf(tt.sub); got != tt.want {
			t.Errorf("%s.Leaf(%v) = %v, want %v", tt.attr.Path(), tt.sub, got, tt.want)
		}
	}
}
