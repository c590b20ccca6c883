package scim

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestFoldGroupPatch pins how a group PATCH folds into one write: the net
// effect per member, in the order the operations came, as Okta and Entra
// send them.
func TestFoldGroupPatch(t *testing.T) {
	stored := []Member{{Value: "u1", Type: MemberUser}, {Value: "g9", Type: MemberGroup, Display: "Nested"}}
	matching := func(f Filter) ([]string, error) {
		if err := checkMemberFilter(f); err != nil {
			return nil, err
		}
		var out []string
		for _, m := range stored {
			if matchMember(f, m) {
				out = append(out, m.Value)
			}
		}
		return out, nil
	}
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		name, ops   string
		ch          MemberChange
		name2, ext  *string
		errScimType string
	}{
		{name: "entra add", ops: `{"op":"Add","path":"members","value":[{"value":"u2"}]}`,
			ch: MemberChange{Add: []Member{{Value: "u2"}}}},
		{name: "entra remove", ops: `{"op":"Remove","path":"members","value":[{"value":"u1"}]}`,
			ch: MemberChange{Remove: []string{"u1"}}},
		{name: "okta add with display", ops: `{"op":"add","path":"members","value":[{"value":"u2","display":"two@example.com"}]}`,
			ch: MemberChange{Add: []Member{{Value: "u2", Display: "two@example.com"}}}},
		{name: "remove by value filter", ops: `{"op":"remove","path":"members[value eq \"u1\" or value eq \"u3\"]"}`,
			ch: MemberChange{Remove: []string{"u1", "u3"}}},
		{name: "remove by type filter reads members", ops: `{"op":"remove","path":"members[type eq \"group\"]"}`,
			ch: MemberChange{Remove: []string{"g9"}}},
		{name: "add then remove is a remove", ops: `{"op":"add","path":"members","value":[{"value":"u2"}]},{"op":"remove","path":"members[value eq \"u2\"]"}`,
			ch: MemberChange{Remove: []string{"u2"}}},
		{name: "remove then add is an add", ops: `{"op":"remove","path":"members","value":[{"value":"u1"}]},{"op":"add","path":"members","value":[{"value":"u1"}]}`,
			ch: MemberChange{Add: []Member{{Value: "u1"}}}},
		{name: "okta replace of the list", ops: `{"op":"replace","path":"members","value":[{"value":"u2"},{"value":"u3"}]}`,
			ch: MemberChange{Replace: true, Add: []Member{{Value: "u2"}, {Value: "u3"}}}},
		{name: "replace then remove", ops: `{"op":"replace","path":"members","value":[{"value":"u2"},{"value":"u3"}]},{"op":"remove","path":"members","value":[{"value":"u3"}]}`,
			ch: MemberChange{Replace: true, Add: []Member{{Value: "u2"}}}},
		{name: "remove all", ops: `{"op":"remove","path":"members"}`, ch: MemberChange{Replace: true}},
		{name: "entra rename", ops: `{"op":"Replace","path":"displayName","value":"New"}`, name2: str("New")},
		{name: "okta rename without path", ops: `{"op":"replace","value":{"id":"g","displayName":"New","schemas":["x"]}}`, name2: str("New")},
		{name: "externalId removed", ops: `{"op":"remove","path":"externalId"}`, ext: str("")},
		{name: "group urn", ops: `{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:Group:displayName","value":"N"}`, name2: str("N")},
		{name: "displayName removed", ops: `{"op":"remove","path":"displayName"}`, errScimType: SCIMTypeInvalidValue},
		{name: "displayName not a string", ops: `{"op":"replace","path":"displayName","value":1}`, errScimType: SCIMTypeInvalidValue},
		{name: "other id", ops: `{"op":"replace","value":{"id":"other"}}`, errScimType: SCIMTypeMutability},
		{name: "meta path", ops: `{"op":"replace","path":"meta","value":{}}`, errScimType: SCIMTypeMutability},
		{name: "unknown attribute", ops: `{"op":"add","path":"title","value":"x"}`, errScimType: SCIMTypeInvalidPath},
		{name: "unknown attribute without path", ops: `{"op":"add","value":{"title":"x"}}`, errScimType: SCIMTypeInvalidPath},
		{name: "member sub-attribute", ops: `{"op":"replace","path":"members[value eq \"u1\"].display","value":"x"}`, errScimType: SCIMTypeInvalidPath},
		{name: "add with a filter", ops: `{"op":"add","path":"members[value eq \"u1\"]","value":{"value":"u1"}}`, errScimType: SCIMTypeInvalidPath},
		{name: "member without value", ops: `{"op":"add","path":"members","value":[{"display":"x"}]}`, errScimType: SCIMTypeInvalidValue},
		{name: "member of a bad type", ops: `{"op":"add","path":"members","value":[{"value":"u2","type":"Robot"}]}`, errScimType: SCIMTypeInvalidValue},
		{name: "remove without path", ops: `{"op":"remove"}`, errScimType: SCIMTypeNoTarget},
		{name: "other schema", ops: `{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:title","value":"x"}`, errScimType: SCIMTypeInvalidPath},
		{name: "bad member filter", ops: `{"op":"remove","path":"members[manager eq \"x\"]"}`, errScimType: SCIMTypeInvalidFilter},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParsePatch([]byte(`{"schemas":["` + MessagePatchOp + `"],"Operations":[` + c.ops + `]}`))
			if err != nil {
				t.Fatal(err)
			}
			gp, err := foldGroupPatch(p, "g", matching)
			if c.errScimType != "" {
				if e := asError(err); err == nil || e.Status != 400 || e.SCIMType != c.errScimType {
					t.Fatalf("error %v, want 400 %s", err, c.errScimType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.ch, gp.change(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("change (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.name2, gp.displayName); diff != "" {
				t.Errorf("displayName (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.ext, gp.externalID); diff != "" {
				t.Errorf("externalId (-want +got):\n%s", diff)
			}
		})
	}
}
