package scim

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/go-playground/validator/v10"
)

// TestValidateFollowsModel walks the model: every attribute with a
// MaxLength takes a value of that many characters and refuses one more,
// and /Schemas states the limit. The rules live nowhere else.
func TestValidateFollowsModel(t *testing.T) {
	m := NewModel(nil)
	base := func() *User {
		return &User{UserName: "bjensen@example.com", Emails: []MultiValue{{Value: "bjensen@example.com"}},
			PhoneNumbers: []MultiValue{{Value: "555"}}, Addresses: []Address{{Locality: "Oslo"}}}
	}
	n := 0
	for _, top := range append(m.Core().Attributes, m.Enterprise().Attributes...) {
		attrs := []*Attribute{top}
		if top.Type == TypeComplex {
			attrs = top.SubAttributes
		}
		for _, a := range attrs {
			if a.MaxLength == 0 {
				continue
			}
			n++
			set := func(u *User, s string) {
				f := reflect.ValueOf(u).Elem().FieldByIndex(top.field)
				if top.MultiValued {
					f = f.Index(0)
				}
				if a != top {
					f = f.FieldByIndex(a.field)
				}
				f.SetString(s)
			}
			ok, long := base(), base()
			value := strings.Repeat("é", a.MaxLength)
			if a.Format == "email" {
				value = strings.Repeat("a", a.MaxLength-len("@example.com")) + "@example.com"
			}
			set(ok, value)
			set(long, "x"+value)
			if err := m.Validate(nil, ok); err != nil {
				t.Errorf("%s of %d characters: %v", a.Path(), a.MaxLength, err)
			}
			err := m.Validate(nil, long)
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.SCIMType != SCIMTypeInvalidValue || !strings.Contains(e.Detail, a.Name) {
				t.Errorf("%s of %d characters: %v, want 400 invalidValue naming it", a.Path(), a.MaxLength+1, err)
			}
			// An update that leaves the attribute as it was does not check it.
			if err := m.Validate(long, long); err != nil {
				t.Errorf("%s unchanged by an update: %v", a.Path(), err)
			}
			if !strings.Contains(a.Description, "at most") && !strings.Contains(a.Description, "At most") {
				t.Errorf("/Schemas does not state the limit of %s: %q", a.Path(), a.Description)
			}
		}
	}
	if n < 20 {
		t.Errorf("%d attributes with a maximum length, want the 20 or more of the User schemas", n)
	}
}

func TestValidate(t *testing.T) {
	m := NewModel(nil)
	good := &User{UserName: "bjensen", Emails: []MultiValue{{Value: "b@example.com"}}}
	tests := []struct {
		name   string
		before *User
		edit   func(*User)
		detail string // in the error; "" for none
	}{
		{"valid", nil, func(*User) {}, ""},
		{"userName missing", nil, func(u *User) { u.UserName = "" }, "userName is required"},
		{"userName blank", nil, func(u *User) { u.UserName = "  " }, "userName is required"},
		{"email", nil, func(u *User) { u.Emails = append(u.Emails, MultiValue{Value: "Jane"}) }, `emails[1].value "Jane" is not an email address`},
		{"email unchanged on update", &User{UserName: "bjensen", Emails: []MultiValue{{Value: "Jane"}}},
			func(u *User) { u.Emails = []MultiValue{{Value: "Jane"}}; u.Title = "CEO" }, ""},
		{"phone display", nil, func(u *User) { u.PhoneNumbers = []MultiValue{{Value: "1", Display: strings.Repeat("d", 257)}} },
			"phoneNumbers[0].display must be at most 256 characters long"},
		{"enterprise", nil, func(u *User) { u.Enterprise.Department = strings.Repeat("d", 257) },
			SchemaEnterpriseUser + ":department must be at most 256"},
	}
	for _, tt := range tests {
		u := good.Clone()
		tt.edit(u)
		err := m.Validate(tt.before, u)
		if tt.detail == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.SCIMType != SCIMTypeInvalidValue || !strings.Contains(e.Detail, tt.detail) {
			t.Errorf("%s: %v, want invalidValue with %q", tt.name, err, tt.detail)
		}
	}
}

// TestRuleFailedAsValidator checks that the rules Validate checks by hand
// (MaxLength, the time zone and language tag formats) fail exactly where
// validator/v10 fails them, with the same tag, for every ruled attribute
// of the model but those with an email format, which go to validator.
func TestRuleFailedAsValidator(t *testing.T) {
	m := NewModel(nil)
	if err := m.Validate(nil, &User{UserName: "u"}); err != nil { // builds m.validate
		t.Fatal(err)
	}
	values := []string{"", " ", "a", "Europe/Paris", "europe/paris", "Local", "en-US", "en_US", "x-private", "i-klingon",
		strings.Repeat("é", 64), strings.Repeat("é", 65), strings.Repeat("x", 256), strings.Repeat("x", 257),
		strings.Repeat("日本", 200), "Etc/GMT+5", "not a tag!"}
	var attrs []*Attribute
	for _, a := range m.ruled {
		attrs = append(attrs, a)
		attrs = append(attrs, a.SubAttributes...)
	}
	checked := 0
	for _, a := range attrs {
		if a.rule == "" || !(a.Format == "" || a.Format == FormatTimezone || a.Format == FormatLanguageTag) {
			continue
		}
		for _, s := range values {
			if a.Required && strings.TrimSpace(s) == "" {
				continue // validateValue's own check, before either
			}
			want := ""
			if err := m.validate.Var(s, a.rule); err != nil {
				want = err.(validator.ValidationErrors)[0].Tag()
			}
			if got := m.ruleFailed(a, s); got != want {
				t.Errorf("%s (rule %q), %q: tag %q; validator's is %q", a.Path(), a.rule, s, got, want)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no attribute checked")
	}
}

// TestRuledFieldSame: the compiled equality of each ruled attribute's
// field agrees with sameValue, on equal copies and on each kind of change.
func TestRuledFieldSame(t *testing.T) {
	m := NewModel(nil)
	base := &User{
		UserName: "ann@example.com", Locale: "en-US", Timezone: "Europe/Paris",
		Emails:       []MultiValue{{Value: "ann@example.com", Type: "work", Primary: true}},
		PhoneNumbers: []MultiValue{{Value: "+1 555 0100", Type: "work"}},
	}
	changes := map[string]func(u *User){
		"nothing":           func(*User) {},
		"userName":          func(u *User) { u.UserName = "bob@example.com" },
		"locale":            func(u *User) { u.Locale = "fr-FR" },
		"timezone":          func(u *User) { u.Timezone = "" },
		"an email's value":  func(u *User) { u.Emails[0].Value = "bob@example.com" },
		"an email's flag":   func(u *User) { u.Emails[0].Primary = false },
		"another email":     func(u *User) { u.Emails = append(u.Emails, MultiValue{Value: "b@example.com"}) },
		"no emails":         func(u *User) { u.Emails = nil },
		"empty emails":      func(u *User) { u.Emails = []MultiValue{} },
		"the same elements": func(u *User) { u.Emails = base.Emails },
	}
	rv := func(u *User, r ruledField) reflect.Value {
		return reflect.NewAt(r.typ, unsafe.Add(unsafe.Pointer(u), r.off)).Elem()
	}
	m.Validate(nil, base) // compiles ruledFields
	if len(m.ruledFields) == 0 {
		t.Fatal("no ruled fields compiled")
	}
	for name, change := range changes {
		after := base.Clone()
		change(after)
		for _, r := range m.ruledFields {
			want := sameValue(rv(base, r), rv(after, r))
			if got := r.same(unsafe.Add(unsafe.Pointer(base), r.off), unsafe.Add(unsafe.Pointer(after), r.off)); got != want {
				t.Errorf("%s changed, %s: same = %v, sameValue = %v", name, r.a.Name, got, want)
			}
		}
	}
}

// BenchmarkValidateOneChange validates an update of one attribute without
// rules: every ruled attribute is compared and skipped (compiled equality:
// about 190 ns, against 820 with reflection).
func BenchmarkValidateOneChange(b *testing.B) {
	m := NewModel(nil)
	u := &User{UserName: "ann@example.com", Locale: "en-US", Timezone: "Europe/Paris",
		Emails: []MultiValue{{Value: "ann@example.com", Type: "work", Primary: true}}}
	after := u.Clone()
	after.Title = "Engineer"
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Validate(u, after); err != nil {
			b.Fatal(err)
		}
	}
}
