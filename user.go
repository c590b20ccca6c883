package scim

import (
	"maps"
	"reflect"
	"slices"
	"strings"
)

// User is a SCIM User (RFC 7643 §4.1) with the Enterprise extension
// (§4.3) and Peakon's custom attributes. The zero value of a field means the
// attribute is absent. Decode users from client JSON with [Model.DecodeUser]
// (lenient as Okta and Entra need) and render them with [Model.EncodeUser] or
// json.Marshal.
//
// The password attribute is accepted on input and discarded: Peakon
// employees sign in through single sign-on, so a password is never stored
// and never returned.
//
// # Employee references
//
// A reference to another employee of the company takes one form in Go and
// another on the wire:
//
//   - A custom attribute of type [CustomEmployee] holds, in [User.Custom],
//     the referenced employee's id: that is what a [Store] keeps and what
//     [Handler.OnChange] and the store hand a program. On the wire the
//     [Handler] accepts the employee's email, userName, id or externalId
//     (400 invalidValue when it names nobody, as Peakon documents) and
//     answers the employee's primary email (their userName without one).
//     scimclient's Sync takes an email, as a client sends it.
//   - The Enterprise manager's value ([EnterpriseUser].Manager) is the
//     manager's id on the wire and in Go (RFC 7643 §4.3). Okta and Entra
//     may send an email or employee number instead; the Handler resolves it
//     to the id when that employee exists, and keeps a manager that is not
//     (yet) an employee as sent, resolving it when they are created,
//     unless [Handler].StrictManager.
type User struct {
	ID         string
	ExternalID string
	UserName   string
	Name       Name

	DisplayName       string
	NickName          string
	ProfileURL        string
	Title             string
	UserType          string
	PreferredLanguage string
	Locale            string
	Timezone          string
	// Active is whether the employee takes part in surveys. A client that
	// omits it on create or replace gets true.
	Active bool

	Emails           []MultiValue
	PhoneNumbers     []MultiValue
	IMs              []MultiValue
	Photos           []MultiValue
	Addresses        []Address
	Groups           []GroupRef // read-only: the groups naming the user, when the Handler serves Groups
	Entitlements     []MultiValue
	Roles            []MultiValue
	X509Certificates []MultiValue

	Enterprise EnterpriseUser

	// Custom holds the Peakon extension's values, keyed by the attribute's
	// display name, in canonical form: Option as sent, Date as YYYY-MM-DD,
	// Number as a decimal integer, Employee as the referenced employee's id.
	Custom map[string]string

	Meta Meta
}

// Name is the components of a user's name (RFC 7643 §4.1.1).
type Name struct {
	Formatted       string
	FamilyName      string
	GivenName       string
	MiddleName      string
	HonorificPrefix string
	HonorificSuffix string
}

// MultiValue is an element of emails, phoneNumbers, ims, photos,
// entitlements, roles and x509Certificates.
type MultiValue struct {
	Value   string
	Display string
	Type    string
	Primary bool
}

// Address is an element of addresses (RFC 7643 §4.1.2).
type Address struct {
	Formatted     string
	StreetAddress string
	Locality      string
	Region        string
	PostalCode    string
	Country       string
	Type          string
	Primary       bool
}

// GroupRef is an element of the read-only groups attribute.
type GroupRef struct {
	Value   string
	Ref     string
	Display string
	Type    string
}

// EnterpriseUser is the Enterprise User extension (RFC 7643 §4.3).
type EnterpriseUser struct {
	EmployeeNumber string
	CostCenter     string
	Organization   string
	Division       string
	Department     string
	Manager        Manager
}

// Manager references the user's manager. Value is the manager's id once
// resolved; a reference to someone not yet provisioned is kept as sent.
type Manager struct {
	Value       string
	Ref         string
	DisplayName string
}

// PrimaryEmail returns the primary email's value, else the first email's, else "".
func (u *User) PrimaryEmail() string {
	for _, e := range u.Emails {
		if e.Primary {
			return e.Value
		}
	}
	if len(u.Emails) > 0 {
		return u.Emails[0].Value
	}
	return ""
}

// Clone returns a deep copy of u.
func (u *User) Clone() *User {
	c := *u
	c.Emails = slices.Clone(u.Emails)
	c.PhoneNumbers = slices.Clone(u.PhoneNumbers)
	c.IMs = slices.Clone(u.IMs)
	c.Photos = slices.Clone(u.Photos)
	c.Addresses = slices.Clone(u.Addresses)
	c.Groups = slices.Clone(u.Groups)
	c.Entitlements = slices.Clone(u.Entitlements)
	c.Roles = slices.Clone(u.Roles)
	c.X509Certificates = slices.Clone(u.X509Certificates)
	c.Custom = maps.Clone(u.Custom)
	return &c
}

// sameExceptMeta reports whether a and b are equal in everything but
// Meta, exactly as reflect.DeepEqual would find them (a nil slice or map
// differs from an empty one), at a fraction of its cost: every PATCH and
// PUT compares the old and new versions. TestSameExceptMeta walks every
// field of User, so that a field added there must be added here.
func sameExceptMeta(a, b *User) bool {
	return a.ID == b.ID && a.ExternalID == b.ExternalID && a.UserName == b.UserName && a.Name == b.Name &&
		a.DisplayName == b.DisplayName && a.NickName == b.NickName && a.ProfileURL == b.ProfileURL &&
		a.Title == b.Title && a.UserType == b.UserType && a.PreferredLanguage == b.PreferredLanguage &&
		a.Locale == b.Locale && a.Timezone == b.Timezone && a.Active == b.Active &&
		a.Enterprise == b.Enterprise &&
		sameSlice(a.Emails, b.Emails) && sameSlice(a.PhoneNumbers, b.PhoneNumbers) &&
		sameSlice(a.IMs, b.IMs) && sameSlice(a.Photos, b.Photos) && sameSlice(a.Addresses, b.Addresses) &&
		sameSlice(a.Groups, b.Groups) && sameSlice(a.Entitlements, b.Entitlements) &&
		sameSlice(a.Roles, b.Roles) && sameSlice(a.X509Certificates, b.X509Certificates) &&
		(a.Custom == nil) == (b.Custom == nil) && maps.Equal(a.Custom, b.Custom)
}

// sameSlice is reflect.DeepEqual of slices of comparable elements.
func sameSlice[T comparable](a, b []T) bool {
	return (a == nil) == (b == nil) && slices.Equal(a, b)
}

var userType = reflect.TypeFor[User]()

func mvSubs(valueType AttrType, valueCaseExact bool, refs ...string) attrOpt {
	value := newAttr("value", valueType, "Value")
	if valueCaseExact {
		value.CaseExact = true
	}
	if len(refs) > 0 {
		value.ReferenceTypes = refs
	}
	return subs(
		value,
		newAttr("display", TypeString, "Display"),
		newAttr("type", TypeString, "Type"),
		newAttr("primary", TypeBoolean, "Primary"),
	)
}

// emailValueRule is the description /Schemas gives emails.value: the
// rule its Format and MaxLength make [Model.Validate] enforce.
const emailValueRule = "An email address such as jane@example.com, of at most 256 characters. Peakon identifies employees by email, " +
	"so every value must be an address: any other value is rejected with 400 invalidValue."

// localeRule and timezoneRule describe locale and timezone in /Schemas
// (RFC 7643 §4.1.1), with the rule the server applies: Peakon surveys an
// employee in the language and at the hour these say.
const (
	localeRule = "The User's default location for localizing currency, dates and numbers: a language tag (RFC 5646) such as en-US, " +
		"fr-CA or es-419; \"_\" is accepted between subtags (en_US). Any other value is rejected with 400 invalidValue."
	timezoneRule = "The User's time zone: a name of the IANA time zone database such as America/Los_Angeles or Europe/Paris. " +
		"Abbreviations (CEST, PST) and names the database does not hold are rejected with 400 invalidValue."
)

// maxEmail bounds an email value, as Peakon stores it.
const maxEmail = 256

// types sets the canonical values of a multi-valued attribute's type
// sub-attribute (RFC 7643 §8.7.1). Besides documenting the labels in
// /Schemas, they decide which PATCH value filters may create an element
// (see [Model.ApplyPatch]).
func types(v ...string) attrOpt {
	return subOpt("type", canonical(v...), desc("A label indicating the attribute's function: one of "+
		quoteList(v)+". A PATCH add or replace whose path filter is type eq one of them creates the element when none matches."))
}

func quoteList(v []string) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = `"` + s + `"`
	}
	return strings.Join(q, ", ")
}

func coreUserSchema() *Schema {
	s := &Schema{
		ID:          SchemaUser,
		Name:        "User",
		Description: "User Account",
		Attributes: []*Attribute{
			newAttr("id", TypeString, "ID", caseExact, readOnly, always, serverUnique),
			newAttr("externalId", TypeString, "ExternalID", caseExact, maxLen(256)),
			newAttr("userName", TypeString, "UserName", required, maxLen(256), serverUnique,
				desc("Unique identifier for the User, typically used by the user to directly authenticate to the service provider.")),
			newAttr("name", TypeComplex, "Name", subs(
				newAttr("formatted", TypeString, "Formatted", maxLen(256)),
				newAttr("familyName", TypeString, "FamilyName", maxLen(256)),
				newAttr("givenName", TypeString, "GivenName", maxLen(256)),
				newAttr("middleName", TypeString, "MiddleName", maxLen(256)),
				newAttr("honorificPrefix", TypeString, "HonorificPrefix", maxLen(256)),
				newAttr("honorificSuffix", TypeString, "HonorificSuffix", maxLen(256)),
			)),
			newAttr("displayName", TypeString, "DisplayName", maxLen(256)),
			newAttr("nickName", TypeString, "NickName", maxLen(256)),
			newAttr("profileUrl", TypeReference, "ProfileURL", refTypes("external"), maxLen(2048)),
			newAttr("title", TypeString, "Title", maxLen(256)),
			newAttr("userType", TypeString, "UserType", maxLen(256)),
			newAttr("preferredLanguage", TypeString, "PreferredLanguage", maxLen(256)),
			newAttr("locale", TypeString, "Locale", format(FormatLanguageTag), desc(localeRule)),
			newAttr("timezone", TypeString, "Timezone", format(FormatTimezone), desc(timezoneRule)),
			newAttr("active", TypeBoolean, "Active"),
			newAttr("password", TypeString, "", writeOnly, caseExact),
			newAttr("emails", TypeComplex, "Emails", multi, mvSubs(TypeString, false),
				subOpt("value", desc(emailValueRule), maxLen(maxEmail), format("email")), types("work", "home", "other")),
			newAttr("phoneNumbers", TypeComplex, "PhoneNumbers", multi, mvSubs(TypeString, false),
				subOpt("value", maxLen(2048)), subOpt("display", maxLen(256)),
				types("work", "home", "mobile", "fax", "pager", "other")),
			newAttr("ims", TypeComplex, "IMs", multi, mvSubs(TypeString, false),
				types("aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo")),
			newAttr("photos", TypeComplex, "Photos", multi, mvSubs(TypeReference, true, "external"),
				types("photo", "thumbnail")),
			newAttr("addresses", TypeComplex, "Addresses", multi, subs(
				newAttr("formatted", TypeString, "Formatted", maxLen(1024)),
				newAttr("streetAddress", TypeString, "StreetAddress", maxLen(1024)),
				newAttr("locality", TypeString, "Locality"),
				newAttr("region", TypeString, "Region"),
				newAttr("postalCode", TypeString, "PostalCode"),
				newAttr("country", TypeString, "Country"),
				newAttr("type", TypeString, "Type"),
				newAttr("primary", TypeBoolean, "Primary"),
			), types("work", "home", "other")),
			newAttr("groups", TypeComplex, "Groups", multi, readOnly, subs(
				newAttr("value", TypeString, "Value", readOnly),
				newAttr("$ref", TypeReference, "Ref", readOnly, refTypes("Group")),
				newAttr("display", TypeString, "Display", readOnly),
				newAttr("type", TypeString, "Type", readOnly),
			)),
			newAttr("entitlements", TypeComplex, "Entitlements", multi, mvSubs(TypeString, false)),
			newAttr("roles", TypeComplex, "Roles", multi, mvSubs(TypeString, false)),
			newAttr("x509Certificates", TypeComplex, "X509Certificates", multi, mvSubs(TypeBinary, true)),
			metaAttr(),
		},
	}
	for _, a := range s.Attributes {
		a.Schema = SchemaUser
	}
	bind(s.Attributes, userType, nil)
	locateUserFields(s.Attributes)
	return s
}

func enterpriseUserSchema() *Schema {
	s := &Schema{
		ID:          SchemaEnterpriseUser,
		Name:        "EnterpriseUser",
		Description: "Enterprise User",
		Attributes: []*Attribute{
			newAttr("employeeNumber", TypeString, "EmployeeNumber", maxLen(256)),
			newAttr("costCenter", TypeString, "CostCenter", maxLen(256)),
			newAttr("organization", TypeString, "Organization", maxLen(256)),
			newAttr("division", TypeString, "Division", maxLen(256)),
			newAttr("department", TypeString, "Department", maxLen(256)),
			newAttr("manager", TypeComplex, "Manager", subs(
				newAttr("value", TypeString, "Value", caseExact),
				newAttr("$ref", TypeReference, "Ref", refTypes("User")),
				newAttr("displayName", TypeString, "DisplayName", readOnly),
			)),
		},
	}
	for _, a := range s.Attributes {
		a.Schema = SchemaEnterpriseUser
	}
	f, _ := userType.FieldByName("Enterprise")
	bind(s.Attributes, f.Type, f.Index)
	locateUserFields(s.Attributes)
	return s
}

// metaAttr is the read-only meta attribute every resource has (RFC 7643
// §3.1).
func metaAttr() *Attribute {
	return newAttr("meta", TypeComplex, "Meta", readOnly, subs(
		newAttr("resourceType", TypeString, "ResourceType", readOnly, caseExact),
		newAttr("created", TypeDateTime, "Created", readOnly),
		newAttr("lastModified", TypeDateTime, "LastModified", readOnly),
		newAttr("location", TypeReference, "Location", readOnly, caseExact),
		newAttr("version", TypeString, "Version", readOnly, caseExact),
	))
}

func displayName(u *User) string {
	switch {
	case u.DisplayName != "":
		return u.DisplayName
	case u.Name.Formatted != "":
		return u.Name.Formatted
	case u.Name.GivenName != "" || u.Name.FamilyName != "":
		return strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName)
	}
	return u.UserName
}
