package scim

import (
	"testing"
)

func benchApply(b *testing.B, body string) {
	req, err := ParsePatch([]byte(body))
	if err != nil {
		b.Fatal(err)
	}
	u := patchBase()
	if _, err := patchModel.ApplyPatch(u, req, DecodeOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := patchModel.ApplyPatch(u, req, DecodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyPatchReplace applies one replace operation.
func BenchmarkApplyPatchReplace(b *testing.B) {
	b.Run("okta-active", func(b *testing.B) {
		benchApply(b, ops(`{"op":"replace","value":{"active":false}}`))
	})
	b.Run("path", func(b *testing.B) {
		benchApply(b, ops(`{"op":"Replace","path":"name.givenName","value":"Barb"}`))
	})
	b.Run("value-path", func(b *testing.B) {
		benchApply(b, ops(`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"barbara@example.com"}`))
	})
}

// BenchmarkApplyPatch30Ops applies Entra's verbose request (35 operations).
func BenchmarkApplyPatch30Ops(b *testing.B) {
	benchApply(b, entraVerbosePatch)
}

// BenchmarkParsePatch parses Entra's verbose request.
func BenchmarkParsePatch(b *testing.B) {
	body := []byte(entraVerbosePatch)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePatch(body); err != nil {
			b.Fatal(err)
		}
	}
}
