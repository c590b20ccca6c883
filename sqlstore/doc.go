package sqlstore

import (
	"encoding/json"
	"time"

	"github.com/scimkit/scim"
)

// The stored document is the store's own encoding of a user, independent
// of the SCIM wire format, of the tenant's model and of Go field names:
// short keys, empty values left out (smaller rows, faster decoding of
// pages). TestDocRoundTrip fills every field of scim.User by reflection,
// so a field added to User without a key here fails the build's tests
// instead of being dropped silently.
type doc struct {
	ID                string            `json:"id"`
	ExternalID        string            `json:"ext,omitempty"`
	UserName          string            `json:"un"`
	Name              *docName          `json:"n,omitempty"`
	DisplayName       string            `json:"dn,omitempty"`
	NickName          string            `json:"nn,omitempty"`
	ProfileURL        string            `json:"pu,omitempty"`
	Title             string            `json:"ti,omitempty"`
	UserType          string            `json:"ut,omitempty"`
	PreferredLanguage string            `json:"pl,omitempty"`
	Locale            string            `json:"lo,omitempty"`
	Timezone          string            `json:"tz,omitempty"`
	Active            bool              `json:"a,omitempty"`
	Emails            []docMulti        `json:"em,omitempty"`
	PhoneNumbers      []docMulti        `json:"ph,omitempty"`
	IMs               []docMulti        `json:"im,omitempty"`
	Photos            []docMulti        `json:"pt,omitempty"`
	Addresses         []docAddress      `json:"ad,omitempty"`
	Groups            []docGroup        `json:"gr,omitempty"`
	Entitlements      []docMulti        `json:"en,omitempty"`
	Roles             []docMulti        `json:"ro,omitempty"`
	X509Certificates  []docMulti        `json:"x5,omitempty"`
	Enterprise        *docEnterprise    `json:"e,omitempty"`
	Custom            map[string]string `json:"c,omitempty"`
	Meta              docMeta           `json:"m"`
}

type docName struct {
	Formatted       string `json:"f,omitempty"`
	FamilyName      string `json:"fa,omitempty"`
	GivenName       string `json:"g,omitempty"`
	MiddleName      string `json:"mi,omitempty"`
	HonorificPrefix string `json:"hp,omitempty"`
	HonorificSuffix string `json:"hs,omitempty"`
}

type docMulti struct {
	Value   string `json:"v,omitempty"`
	Display string `json:"d,omitempty"`
	Type    string `json:"t,omitempty"`
	Primary bool   `json:"p,omitempty"`
}

type docAddress struct {
	Formatted     string `json:"f,omitempty"`
	StreetAddress string `json:"s,omitempty"`
	Locality      string `json:"l,omitempty"`
	Region        string `json:"r,omitempty"`
	PostalCode    string `json:"pc,omitempty"`
	Country       string `json:"c,omitempty"`
	Type          string `json:"t,omitempty"`
	Primary       bool   `json:"p,omitempty"`
}

type docGroup struct {
	Value   string `json:"v,omitempty"`
	Ref     string `json:"r,omitempty"`
	Display string `json:"d,omitempty"`
	Type    string `json:"t,omitempty"`
}

type docEnterprise struct {
	EmployeeNumber string `json:"no,omitempty"`
	CostCenter     string `json:"cc,omitempty"`
	Organization   string `json:"o,omitempty"`
	Division       string `json:"dv,omitempty"`
	Department     string `json:"dp,omitempty"`
	ManagerValue   string `json:"mv,omitempty"`
	ManagerRef     string `json:"mr,omitempty"`
	ManagerName    string `json:"md,omitempty"`
}

type docMeta struct {
	ResourceType string    `json:"rt,omitempty"`
	Created      time.Time `json:"c"`
	LastModified time.Time `json:"lm"`
	Location     string    `json:"l,omitempty"`
	Version      string    `json:"v,omitempty"`
}

func multiToDoc(in []scim.MultiValue) []docMulti {
	if in == nil {
		return nil
	}
	out := make([]docMulti, len(in))
	for i, m := range in {
		out[i] = docMulti(m)
	}
	return out
}

func multiFromDoc(in []docMulti) []scim.MultiValue {
	if in == nil {
		return nil
	}
	out := make([]scim.MultiValue, len(in))
	for i, m := range in {
		out[i] = scim.MultiValue(m)
	}
	return out
}

func encodeDoc(u *scim.User) ([]byte, error) {
	d := doc{
		ID: u.ID, ExternalID: u.ExternalID, UserName: u.UserName,
		DisplayName: u.DisplayName, NickName: u.NickName, ProfileURL: u.ProfileURL, Title: u.Title,
		UserType: u.UserType, PreferredLanguage: u.PreferredLanguage, Locale: u.Locale, Timezone: u.Timezone,
		Active: u.Active,
		Emails: multiToDoc(u.Emails), PhoneNumbers: multiToDoc(u.PhoneNumbers), IMs: multiToDoc(u.IMs),
		Photos: multiToDoc(u.Photos), Entitlements: multiToDoc(u.Entitlements), Roles: multiToDoc(u.Roles),
		X509Certificates: multiToDoc(u.X509Certificates),
		Custom:           u.Custom,
		Meta:             docMeta(u.Meta),
	}
	if u.Name != (scim.Name{}) {
		n := docName(u.Name)
		d.Name = &n
	}
	if u.Addresses != nil {
		d.Addresses = make([]docAddress, len(u.Addresses))
		for i, a := range u.Addresses {
			d.Addresses[i] = docAddress(a)
		}
	}
	if u.Groups != nil {
		d.Groups = make([]docGroup, len(u.Groups))
		for i, g := range u.Groups {
			d.Groups[i] = docGroup(g)
		}
	}
	if e := u.Enterprise; e != (scim.EnterpriseUser{}) {
		d.Enterprise = &docEnterprise{e.EmployeeNumber, e.CostCenter, e.Organization, e.Division, e.Department,
			e.Manager.Value, e.Manager.Ref, e.Manager.DisplayName}
	}
	return json.Marshal(&d)
}

func decodeDoc(b []byte) (*scim.User, error) {
	var d doc
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	u := &scim.User{
		ID: d.ID, ExternalID: d.ExternalID, UserName: d.UserName,
		DisplayName: d.DisplayName, NickName: d.NickName, ProfileURL: d.ProfileURL, Title: d.Title,
		UserType: d.UserType, PreferredLanguage: d.PreferredLanguage, Locale: d.Locale, Timezone: d.Timezone,
		Active: d.Active,
		Emails: multiFromDoc(d.Emails), PhoneNumbers: multiFromDoc(d.PhoneNumbers), IMs: multiFromDoc(d.IMs),
		Photos: multiFromDoc(d.Photos), Entitlements: multiFromDoc(d.Entitlements), Roles: multiFromDoc(d.Roles),
		X509Certificates: multiFromDoc(d.X509Certificates),
		Custom:           d.Custom,
		Meta:             scim.Meta(d.Meta),
	}
	if d.Name != nil {
		u.Name = scim.Name(*d.Name)
	}
	if d.Addresses != nil {
		u.Addresses = make([]scim.Address, len(d.Addresses))
		for i, a := range d.Addresses {
			u.Addresses[i] = scim.Address(a)
		}
	}
	if d.Groups != nil {
		u.Groups = make([]scim.GroupRef, len(d.Groups))
		for i, g := range d.Groups {
			u.Groups[i] = scim.GroupRef(g)
		}
	}
	if e := d.Enterprise; e != nil {
		u.Enterprise = scim.EnterpriseUser{EmployeeNumber: e.EmployeeNumber, CostCenter: e.CostCenter,
			Organization: e.Organization, Division: e.Division, Department: e.Department,
			Manager: scim.Manager{Value: e.ManagerValue, Ref: e.ManagerRef, DisplayName: e.ManagerName}}
	}
	return u, nil
}
