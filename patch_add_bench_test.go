package scim

import (
	"fmt"
	"testing"
)

// addEmailsBody is a PATCH that replaces a user's emails by n others: it
// clears them, then adds n in one operation. set tells two such lists
// apart, so that alternating them makes every request a real write.
func addEmailsBody(n, set int) string {
	return ops(`{"op":"replace","path":"emails","value":[]}`, `{"op":"add","path":"emails","value":`+emailList(set*n, n)+`}`)
}

// BenchmarkPatchAddEmails serves, over a memory store, PATCH requests that
// add n emails to a user in one operation, with Handler.MaxValues raised
// to n (and MaxUserBytes to fit them): the cost of a PATCH adding values up to the limit, parse,
// application, validation and store included. Adding is linear: twice
// the values cost at most 2.2 times as much. "reject" is the request of
// issue 12, 30,000 emails in about 850 KB, against the default limit.
func BenchmarkPatchAddEmails(b *testing.B) {
	for _, n := range []int{50, 100, 1000, 2000, 30000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			h, ids := benchServer(b, 1)
			h.MaxValues, h.MaxUserBytes = n, 64*n
			bodies := [2]string{addEmailsBody(n, 0), addEmailsBody(n, 1)}
			b.SetBytes(int64(len(bodies[0])))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				mustServe(b, h, "PATCH", "/scim/v2/Users/"+ids[0], bodies[i%2], 200)
				i++
			}
		})
	}
	b.Run("reject/n=30000", func(b *testing.B) {
		h, ids := benchServer(b, 1)
		body := ops(`{"op":"add","path":"emails","value":` + emailList(1000, 30000) + `}`)
		b.SetBytes(int64(len(body)))
		serveBench(b, h, "PATCH", "/scim/v2/Users/"+ids[0], body, 400)
	})
}

// BenchmarkApplyPatchAddEmails applies one operation adding n emails to a
// user that has n others, Model.ApplyPatch alone: appendElems indexes the
// elements instead of comparing each new one with each old one.
func BenchmarkApplyPatchAddEmails(b *testing.B) {
	for _, n := range []int{1000, 2000, 4000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			u := patchMinimal()
			for i := range n {
				u.Emails = append(u.Emails, MultiValue{Value: fmt.Sprintf("old%05d@x.io", i)})
			}
			req, err := ParsePatch([]byte(ops(`{"op":"add","path":"emails","value":` + emailList(0, n) + `}`)))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				got, err := patchModel.ApplyPatch(u, req, DecodeOptions{})
				if err != nil || len(got.Emails) != 2*n {
					b.Fatalf("ApplyPatch: %v, %d emails", err, len(got.Emails))
				}
			}
		})
	}
}
