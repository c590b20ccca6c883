// Command memory serves a Peakon-like SCIM endpoint backed by the in-memory
// store: the smallest complete wiring of the library.
package main

import (
	"log"
	"net/http"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/examples/internal/httpserver"
)

func main() {
	h := &scim.Handler{
		Store: scim.NewMemoryStore(),
		Auth:  scim.StaticTokens{"secret-token": "acme"}, // token → company
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", h)
	log.Println("SCIM endpoint: http://127.0.0.1:8080/scim/v2 (Authorization: Bearer secret-token)")
	// Not http.ListenAndServe: it sets no timeouts, so a slow or idle
	// client could hold a connection for ever.
	log.Fatal(httpserver.New("127.0.0.1:8080", mux).ListenAndServe())
}
