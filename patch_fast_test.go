package scim

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parsePatchFastSeeds are bodies beyond applyPatchSeeds where the
// streaming parser must answer as the generic one: repeated keys, nulls,
// schemas of every shape, numbers, escapes, whitespace, trailing data.
var parsePatchFastSeeds = []string{
	entraVerbosePatch,
	`{"Operations":[{"op":"replace","path":"title","value":"A"}]}`,
	` {"Operations" : [ {"op" : " Replace ", "path" : null, "value" : {"title":"t","active":true}} ] } ` + "\n",
	`{"schemas":null,"Operations":[{"op":"remove","path":"title"}]}`,
	`{"schemas":[],"Operations":[{"op":"remove","path":"title"}]}`,
	`{"schemas":[1,"urn:ietf:params:scim:api:messages:2.0:patchop"],"Operations":[{"op":"remove","path":"title"}]}`,
	`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"remove","path":"title"}]}`,
	`{"schemas":"urn:ietf:params:scim:api:messages:2.0:PatchOp","Operations":[{"op":"remove","path":"title"}]}`,
	`{"Operations":[{"op":"remove","path":"title"}],"Operations":[{"op":"add","path":"nickName","value":"n"}]}`,
	`{"Operations":[{"op":"remove","path":"title"}],"operations":[{"op":"add","path":"nickName","value":"n"}]}`,
	`{"Operations":[{"op":"add","op":"remove","path":"title"}]}`,
	`{"Operations":[{"op":"add","path":"title","path":null,"value":"x"}]}`,
	`{"Operations":[{"op":"add","path":null,"PATH":"title","value":"x"}]}`,
	`{"Operations":[{"op":"add","path":"title","value":"x","Value":"y"}]}`,
	`{"Operations":[{"op":"add","path":"title","value":null}]}`,
	`{"Operations":[{"op":"add","path":"title"}]}`,
	`{"Operations":[{"op":"move","path":"title","value":"x"}]}`,
	`{"Operations":[{"op":7,"path":"title","value":"x"}]}`,
	`{"Operations":[{"path":"title","value":"x"}]}`,
	`{"Operations":[{"op":"add","path":7,"value":"x"}]}`,
	`{"Operations":[{"op":"add","path":"   ","value":{"title":"x"}}]}`,
	`{"Operations":[{"op":"add","path":"emails[type eq","value":"x"}]}`,
	`{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Level","value":-1.5e3}]}`,
	`{"Operations":[{"op":"add","path":"title","value":"caf\u00e9 \"q\" \ud83d\ude00","x":[1,{"y":[]}]}]}`,
	`{"Operations":[{"op":"add","value":{"emails":[{"value":"a@b","primary":true},{}],"name":{}}}]}`,
	`{"Operations":[{"op":"add","path":"title","value":"\ud800"}]}`,
	"{\"Operations\":[{\"op\":\"add\",\"path\":\"title\",\"value\":\"\xff\"}]}",
	`{"Operations":[{"op":"remove","path":"title"}]} x`,
	`{"Operations":[{"op":"remove","path":"title"}]}{}`,
	`{"Operations":[{"op":"remove","path":"title"},]}`,
	`{"Operations":[{"op":"remove","path":"title"}]`,
	`{"Operations":{"op":"remove","path":"title"}}`,
	`{"Operations":[1]}`,
	`{"Operations":null}`,
	`{}`,
	`null`,
	``,
	`{"Operations":[{"op":"add","path":"title","value":01}]}`,
	`{"Operations":[{"op":"add","path":"title","value":tru}]}`,
}

// FuzzParsePatchFast checks that the streaming PatchOp parser answers
// as the generic one: whenever parsePatchFast takes a body, the generic
// parser takes it too and gives the same request, which ParsePatch
// returns. Bodies it leaves go to the generic parser itself, whose answer
// to a key repeated in different cases depends on map order, so only the
// kind of error is checked for them.
func FuzzParsePatchFast(f *testing.F) {
	for _, s := range applyPatchSeeds {
		f.Add([]byte(s))
	}
	for _, s := range parsePatchFastSeeds {
		f.Add([]byte(s))
	}
	all := cmp.Exporter(func(reflect.Type) bool { return true })
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParsePatch(data)
		fast, ok := parsePatchFast(data)
		if !ok {
			if e, isErr := err.(*Error); err != nil && (!isErr || e.Status != 400) {
				t.Fatalf("ParsePatch(%q): %v; want a 400 *Error", data, err)
			}
			return
		}
		want, wantErr := parsePatchGeneric(data)
		if wantErr != nil {
			t.Fatalf("parsePatchFast took %q, which the generic parser refuses: %v", data, wantErr)
		}
		if diff := cmp.Diff(want, fast, all); diff != "" {
			t.Fatalf("parsePatchFast(%q) (-generic +fast):\n%s", data, diff)
		}
		if diff := cmp.Diff(fast, got, all); err != nil || diff != "" {
			t.Fatalf("ParsePatch(%q) is not parsePatchFast's answer: %v (-fast +ParsePatch):\n%s", data, err, diff)
		}
	})
}

// TestParsePatchFastTaken checks that the streaming parser takes what
// identity providers send, rather than leaving it all to the generic one.
func TestParsePatchFastTaken(t *testing.T) {
	for _, body := range []string{
		entraVerbosePatch,
		ops(`{"op":"replace","path":"title","value":"A"}`),
		ops(`{"op":"Replace","value":{"active":false,"name.givenName":"A","` + peakonURN + `":{"Level":3}}}`),
		ops(`{"op":"add","path":"emails[type eq \"work\"].value","value":"a@example.com"}`, `{"op":"remove","path":"title"}`),
		`{"operations":[{"OP":"ADD","PATH":"nickName","VALUE":"n"}]}`,
	} {
		if _, ok := parsePatchFast([]byte(body)); !ok {
			t.Errorf("parsePatchFast left %s to the generic parser", body)
		}
	}
}

// TestParsePatchKeepsNoBody checks that a parsed request holds no part of
// the body it was parsed from (parsePatchFast reads the body in place):
// overwriting the body afterwards changes nothing.
func TestParsePatchKeepsNoBody(t *testing.T) {
	all := cmp.Exporter(func(reflect.Type) bool { return true })
	for _, body := range append(append([]string{}, applyPatchSeeds...), parsePatchFastSeeds...) {
		want, ok := parsePatchFast([]byte(body))
		if !ok {
			continue // the generic parser's, which copies what it reads
		}
		data := []byte(body)
		got, _ := parsePatchFast(data)
		for i := range data {
			data[i] = 'X'
		}
		if diff := cmp.Diff(want, got, all); diff != "" {
			t.Errorf("after overwriting the body of %s, the request changed (-want +got):\n%s", body, diff)
		}
	}
}
