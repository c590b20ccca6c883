package scim

import (
	"bytes"
	"testing"
	"time"
)

// TestWriteAnswersAsGet: the answer to a write, which respondUser may make
// from the encoding the size check kept (encodeSized), is byte for byte
// the GET of the same version that follows it, whatever the write changed
// and however the answer is rendered (references resolved for display,
// projections, an unchanged PATCH).
func TestWriteAnswersAsGet(t *testing.T) {
	s, id := newPatchServer(t)
	other := s.expect(s.do("POST", "/scim/v2/Users", oktaUser(2)), 201)["id"].(string)
	path := "/scim/v2/Users/" + id
	ops := func(o string) string {
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + o + `]}`
	}
	cases := []struct {
		name, method, query, body string
	}{
		{"title", "PATCH", "", ops(`{"op":"replace","path":"title","value":"Engineer"}`)},
		{"title again", "PATCH", "", ops(`{"op":"replace","path":"title","value":"Senior Engineer"}`)},
		{"unchanged", "PATCH", "", ops(`{"op":"replace","path":"title","value":"Senior Engineer"}`)},
		{"enterprise", "PATCH", "", ops(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"42"}`)},
		{"custom", "PATCH", "", ops(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Level","value":"3"}`)},
		{"manager", "PATCH", "", ops(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"` + other + `"}`)},
		{"employee reference", "PATCH", "", ops(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Mentor","value":"user002@example.com"}`)},
		{"projection", "PATCH", "?attributes=title", ops(`{"op":"replace","path":"title","value":"Lead"}`)},
		{"excluded", "PATCH", "?excludedAttributes=emails", ops(`{"op":"replace","path":"title","value":"Staff"}`)},
		{"escaped", "PATCH", "", ops(`{"op":"replace","path":"displayName","value":"<\u0001é\"\\>"}`)},
		{"replace", "PUT", "", oktaUser(1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := s.do(c.method, path+c.query, c.body)
			s.expect(w, 200)
			g := s.do("GET", path+c.query, "")
			s.expect(g, 200)
			if !bytes.Equal(w.body, g.body) || w.header.Get("ETag") != g.header.Get("ETag") {
				t.Errorf("%s answered\n%s (%s)\nGET answers\n%s (%s)", c.method, w.body, w.header.Get("ETag"), g.body, g.header.Get("ETag"))
			}
		})
	}
}

// TestEncodeUserMetaLast pins what encodeSized relies on: EncodeUser
// renders meta last, so that sizedUser, which keeps a user's encoding,
// makes the encoding of the user with another meta by replacing it.
func TestEncodeUserMetaLast(t *testing.T) {
	full := patchBase()
	full.Enterprise.EmployeeNumber = "7"
	full.Custom = map[string]string{"Level": "3"}
	metas := []Meta{
		{},
		{ResourceType: "User", Created: time.Unix(1, 0).UTC(), LastModified: time.Unix(2, 5e8).UTC(), Version: `W/"1"`},
		{ResourceType: "User", Created: time.Unix(1, 0).UTC(), LastModified: time.Unix(3, 0).UTC(), Location: "https://example.com/Users/1", Version: `W/"10"`},
	}
	for _, base := range []*User{{}, {UserName: "ann"}, full} {
		for _, m1 := range metas {
			a := *base
			a.Meta = m1
			var s sizedUser
			s.encode(patchModel, &a)
			if want := patchModel.EncodeUser(nil, &a, nil); !bytes.Equal(s.body, want) {
				t.Fatalf("sized %s, want %s", s.body, want)
			}
			for _, m2 := range metas {
				b := *base
				b.Meta = m2
				var c sizedUser
				c.encode(patchModel, &a)
				got := c.withMeta(patchModel, &b)
				if want := patchModel.EncodeUser(nil, &b, nil); !bytes.Equal(got, want) {
					t.Errorf("meta %+v replaced by %+v:\n got %s\nwant %s", m1, m2, got, want)
				}
			}
		}
	}
}
