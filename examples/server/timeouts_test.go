package main

import (
	"net/http"
	"testing"

	"github.com/scimkit/scim/examples/internal/httpserver"
)

// TestServerTimeouts checks that the demo's server keeps every timeout of
// the examples' server (httpserver's test checks that they are set: a zero
// one lets a slow or idle client hold a connection for ever) and bounds
// the headers.
func TestServerTimeouts(t *testing.T) {
	srv := newServer("127.0.0.1:0", http.NotFoundHandler())
	want := httpserver.New("127.0.0.1:0", http.NotFoundHandler())
	if srv.ReadHeaderTimeout != want.ReadHeaderTimeout || srv.ReadTimeout != want.ReadTimeout ||
		srv.WriteTimeout != want.WriteTimeout || srv.IdleTimeout != want.IdleTimeout {
		t.Errorf("timeouts (read header, read, write, idle) are %v, %v, %v, %v; want httpserver.New's %v, %v, %v, %v",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout,
			want.ReadHeaderTimeout, want.ReadTimeout, want.WriteTimeout, want.IdleTimeout)
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 64<<10 {
		t.Errorf("MaxHeaderBytes is %d, want at most 64 KiB (net/http's default is 1 MiB)", srv.MaxHeaderBytes)
	}
}
