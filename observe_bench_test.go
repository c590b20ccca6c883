package scim

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

// BenchmarkObservedGetUser measures what observing costs a read: nothing
// configured, an OnRequest hook, an access log at Info (which leaves reads
// out) and at Debug (which writes them, as JSON to io.Discard).
func BenchmarkObservedGetUser(b *testing.B) {
	for _, c := range []struct {
		name      string
		configure func(h *Handler)
	}{
		{"none", func(h *Handler) {}},
		{"OnRequest", func(h *Handler) { h.OnRequest = func(context.Context, RequestInfo) {} }},
		{"LogInfo", func(h *Handler) {
			h.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
		}},
		{"LogDebug", func(h *Handler) {
			h.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			h, ids := benchServer(b, 1000)
			c.configure(h)
			serveBench(b, h, "GET", "/scim/v2/Users/"+ids[500], "", 200)
		})
	}
}
