// Package httpserver builds the examples' HTTP servers.
package httpserver

import (
	"net/http"
	"time"
)

// New returns the HTTP server for the handler, with every timeout set:
// http.ListenAndServe has none, so a client that sends its request or
// reads the answer slowly, or keeps idle connections open, would hold a
// connection (its goroutine, and with a SQL store a database connection
// behind it) for as long as it likes.
func New(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}
