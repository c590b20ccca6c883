package main

import (
	"net/http"
	"testing"
)

// TestServerTimeouts checks that the example's server sets every timeout:
// a zero one lets a slow or idle client hold a connection for ever.
func TestServerTimeouts(t *testing.T) {
	srv := newServer("127.0.0.1:0", http.NotFoundHandler())
	for name, d := range map[string]int64{
		"ReadHeaderTimeout": int64(srv.ReadHeaderTimeout),
		"ReadTimeout":       int64(srv.ReadTimeout),
		"WriteTimeout":      int64(srv.WriteTimeout),
		"IdleTimeout":       int64(srv.IdleTimeout),
	} {
		if d <= 0 {
			t.Errorf("%s is not set", name)
		}
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 64<<10 {
		t.Errorf("MaxHeaderBytes is %d, want at most 64 KiB (net/http's default is 1 MiB)", srv.MaxHeaderBytes)
	}
}
