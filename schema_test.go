package scim

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

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

func TestAttributeValue(t *testing.T) {
	m := NewModel([]CustomAttribute{{Name: "Unit", Type: CustomOption}})
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	u := &User{
		UserName: "ann", Active: true, Name: Name{GivenName: "Ann"},
		Emails:     []MultiValue{{Value: "ann@x.test"}},
		Meta:       Meta{Created: created},
		Enterprise: EnterpriseUser{Department: "R&D", Manager: Manager{Value: "m1"}},
		Custom:     map[string]string{"Unit": "u1"},
	}
	type result struct {
		V  any
		OK bool
	}
	for _, tc := range []struct {
		path string
		want result
	}{
		{"userName", result{"ann", true}},
		{"active", result{true, true}},
		{"name", result{Name{GivenName: "Ann"}, true}},
		{"name.givenName", result{"Ann", true}},
		{"emails", result{[]MultiValue{{Value: "ann@x.test"}}, true}},
		{"emails.value", result{nil, false}}, // per element
		{"meta.created", result{created, true}},
		{"password", result{nil, false}},
		{SchemaEnterpriseUser + ":department", result{"R&D", true}},
		{SchemaEnterpriseUser + ":manager.value", result{"m1", true}},
		{SchemaPeakonUser + ":Unit", result{nil, false}}, // in Custom
	} {
		a, rest := m.Lookup(tc.path)
		if a == nil {
			t.Fatalf("%s: not in the model", tc.path)
		}
		if rest != "" {
			a = a.Sub(rest[1:])
		}
		var got result
		got.V, got.OK = a.Value(u)
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s: (-want +got)\n%s", tc.path, d)
		}
	}
	if v, ok := m.Core().Attribute("userName").Value(nil); v != nil || ok {
		t.Errorf("Value(nil) = %v, %v", v, ok)
	}
}

// TestAttributeValueLocated: Value, which reads a located field without
// reflection, returns what reflection finds, for every attribute of the
// User schemas and their sub-attributes.
func TestAttributeValueLocated(t *testing.T) {
	u := &User{
		ID: "id", ExternalID: "ext", UserName: "un", DisplayName: "dn", Title: "ti", Active: true,
		Name:       Name{GivenName: "g", FamilyName: "f", HonorificSuffix: "hs"},
		Emails:     []MultiValue{{Value: "a@x.test", Primary: true}},
		Enterprise: EnterpriseUser{EmployeeNumber: "7", Department: "dp", Manager: Manager{Value: "m", DisplayName: "md"}},
		Meta:       Meta{ResourceType: "User", Created: time.Date(2026, 12, 8, 1, 2, 3, 4, time.UTC), Version: `W/"1"`},
	}
	reflected := func(a *Attribute) (any, bool) {
		rv := reflect.ValueOf(u).Elem()
		if p := a.parent; p != nil {
			if p.MultiValued || p.field == nil {
				return nil, false
			}
			rv = rv.FieldByIndex(p.field)
		}
		if a.field == nil {
			return nil, false
		}
		return rv.FieldByIndex(a.field).Interface(), true
	}
	m := NewModel(nil)
	located := 0
	for _, s := range []*Schema{m.Core(), m.Enterprise()} {
		for _, a := range s.Attributes {
			for _, x := range append([]*Attribute{a}, a.SubAttributes...) {
				if x.typ != nil {
					located++
				}
				want, wantOK := reflected(x)
				got, ok := x.Value(u)
				if ok != wantOK || !reflect.DeepEqual(got, want) {
					t.Errorf("%s: Value = %v, %v; reflection finds %v, %v", x.Path(), got, ok, want, wantOK)
				}
			}
		}
	}
	if located < 30 {
		t.Errorf("%d attributes located, want the singular ones (30 or more)", located)
	}
}

// TestValueCount: valueCount reads the length reflection finds, for every
// multi-valued attribute of the User schemas.
func TestValueCount(t *testing.T) {
	u := &User{Emails: make([]MultiValue, 3), Addresses: make([]Address, 2), Groups: make([]GroupRef, 5), X509Certificates: make([]MultiValue, 1)}
	m := NewModel(nil)
	for _, s := range []*Schema{m.Core(), m.Enterprise()} {
		for _, a := range s.Attributes {
			if !a.MultiValued || a.field == nil {
				continue
			}
			if got, want := a.valueCount(u), reflect.ValueOf(u).Elem().FieldByIndex(a.field).Len(); got != want {
				t.Errorf("%s: valueCount %d, reflection %d", a.Path(), got, want)
			}
		}
	}
}
