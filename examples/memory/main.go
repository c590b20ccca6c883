// Command memory serves a Peakon-like SCIM endpoint backed by the in-memory
// store: the smallest complete wiring of the library.
package main

import (
	"log"
	"net/http"
	"time"

	"github.com/scimkit/scim"
)

func main() {
	h := &scim.Handler{
		Store: scim.NewMemoryStore(),
		Auth:  scim.StaticTokens{"secret-token": "acme"}, // token → company
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", h)
	log.Println("SCIM endpoint: http://127.0.0.1:8080/scim/v2 (Authorization: Bearer secret-token)")
	log.Fatal(newServer("127.0.0.1:8080", mux).ListenAndServe())
}

// newServer returns the HTTP server for the handler, with every timeout
// set: http.ListenAndServe has none, so a slow or idle client could hold a
// connection for ever.
func newServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}
