// Command memory serves a Peakon-like SCIM endpoint backed by the in-memory
// store: the smallest complete wiring of the library.
package main

import (
	"log"
	"net/http"

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
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", mux))
}
