package scim

import (
	"reflect"
	"testing"
	"time"
)

// TestSameExceptMeta checks sameExceptMeta against reflect.DeepEqual with
// meta set equal, the comparison it replaces, on every way one field of
// User can differ: each string and bool changed, each slice and map nil,
// empty, longer, or with an element's field changed. The variants come
// from walking User by reflection, so a field added to User and not to
// sameExceptMeta fails here.
func TestSameExceptMeta(t *testing.T) {
	mv := []MultiValue{{Value: "v", Display: "d", Type: "work", Primary: true}}
	full := &User{
		ID: "1", ExternalID: "e", UserName: "ann", Name: Name{Formatted: "f", FamilyName: "fa", GivenName: "g", MiddleName: "m", HonorificPrefix: "p", HonorificSuffix: "s"},
		DisplayName: "d", NickName: "n", ProfileURL: "u", Title: "t", UserType: "ut", PreferredLanguage: "en", Locale: "en-US", Timezone: "UTC", Active: true,
		Emails: mv, PhoneNumbers: mv, IMs: mv, Photos: mv,
		Addresses:    []Address{{Formatted: "f", StreetAddress: "s", Locality: "l", Region: "r", PostalCode: "p", Country: "c", Type: "work", Primary: true}},
		Groups:       []GroupRef{{Value: "g", Ref: "r", Display: "d", Type: "direct"}},
		Entitlements: mv, Roles: mv, X509Certificates: mv,
		Enterprise: EnterpriseUser{EmployeeNumber: "1", CostCenter: "c", Organization: "o", Division: "d", Department: "d", Manager: Manager{Value: "2", Ref: "r", DisplayName: "b"}},
		Custom:     map[string]string{"Level": "3"},
		Meta:       Meta{ResourceType: "User", Created: time.Unix(1, 0), LastModified: time.Unix(2, 0), Location: "l", Version: `W/"1"`},
	}
	for _, base := range []*User{full, {}} {
		n := 0
		for _, v := range userVariants(t, base) {
			for _, pair := range [][2]*User{{base, v.u}, {v.u, base}} {
				a, b := pair[0], pair[1]
				m := *b
				m.Meta = a.Meta
				want := reflect.DeepEqual(a, &m)
				if got := sameExceptMeta(a, b); got != want {
					t.Errorf("%s: sameExceptMeta %v, reflect.DeepEqual %v", v.name, got, want)
				}
				if !want {
					n++
				}
			}
		}
		if n == 0 {
			t.Errorf("no variant differs from %+v", base)
		}
	}
	if !sameExceptMeta(full, full.Clone()) {
		t.Error("a clone differs")
	}
}

type userVariant struct {
	name string
	u    *User
}

// userVariants returns copies of base, each with one field changed.
func userVariants(t *testing.T, base *User) []userVariant {
	var out []userVariant
	add := func(name string, change func(v reflect.Value), at func(*User) reflect.Value) {
		c := base.Clone()
		change(at(c))
		out = append(out, userVariant{name, c})
	}
	timeType := reflect.TypeFor[time.Time]()
	var walk func(name string, typ reflect.Type, at func(*User) reflect.Value)
	walk = func(name string, typ reflect.Type, at func(*User) reflect.Value) {
		switch {
		case typ == timeType:
			add(name, func(v reflect.Value) { v.Set(reflect.ValueOf(time.Unix(99, 0))) }, at)
		case typ.Kind() == reflect.String:
			add(name, func(v reflect.Value) { v.SetString(v.String() + "x") }, at)
		case typ.Kind() == reflect.Bool:
			add(name, func(v reflect.Value) { v.SetBool(!v.Bool()) }, at)
		case typ.Kind() == reflect.Struct:
			for i := range typ.NumField() {
				f := typ.Field(i)
				walk(name+"."+f.Name, f.Type, func(u *User) reflect.Value { return at(u).Field(i) })
			}
		case typ.Kind() == reflect.Slice:
			add(name+"=nil", func(v reflect.Value) { v.SetZero() }, at)
			add(name+"=[]", func(v reflect.Value) { v.Set(reflect.MakeSlice(typ, 0, 1)) }, at)
			add(name+"+zero", func(v reflect.Value) { v.Set(reflect.Append(v, reflect.Zero(typ.Elem()))) }, at)
			if at(base).Len() > 0 {
				walk(name+"[0]", typ.Elem(), func(u *User) reflect.Value { return at(u).Index(0) })
			}
		case typ.Kind() == reflect.Map && typ.Key().Kind() == reflect.String && typ.Elem().Kind() == reflect.String:
			add(name+"=nil", func(v reflect.Value) { v.SetZero() }, at)
			add(name+"={}", func(v reflect.Value) { v.Set(reflect.MakeMap(typ)) }, at)
			add(name+"+key", func(v reflect.Value) {
				if v.IsNil() {
					v.Set(reflect.MakeMap(typ))
				}
				v.SetMapIndex(reflect.ValueOf("new"), reflect.ValueOf(""))
			}, at)
			for _, k := range at(base).MapKeys() {
				add(name+"["+k.String()+"]", func(v reflect.Value) { v.SetMapIndex(k, reflect.ValueOf(v.MapIndex(k).String()+"x")) }, at)
				add(name+"-"+k.String(), func(v reflect.Value) { v.SetMapIndex(k, reflect.Value{}) }, at)
			}
		default:
			t.Fatalf("%s: a field of kind %s: teach sameExceptMeta and this test about it", name, typ.Kind())
		}
	}
	walk("User", reflect.TypeFor[User](), func(u *User) reflect.Value { return reflect.ValueOf(u).Elem() })
	return out
}
