package sqlstore

import (
	"encoding/json"

	"github.com/scimkit/scim"
)

// decodeDocStd is the encoding/json decoder decodeDoc replaced, kept as
// the reference FuzzDecodeDoc compares it with.
func decodeDocStd(b []byte) (*scim.User, error) {
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
