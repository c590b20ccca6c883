// Command server runs a Peakon-like SCIM 2.0 endpoint for demos and manual
// testing with Okta, Entra ID or curl:
//
//	go run ./examples/server
//
// It serves both /scim/v2 and /api/scim/v2 and prints the base URL and the
// bearer token to use.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/scimkit/scim"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	token := fs.String("token", os.Getenv("SCIM_TOKEN"), "bearer token (default $SCIM_TOKEN, else a random one)")
	storeKind := fs.String("store", "memory", "store: memory")
	dsn := fs.String("dsn", "", "data source name for SQL stores")
	verbose := fs.Bool("v", false, "log requests and errors")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_ = dsn
	if *token == "" {
		*token = rand.Text()
	}
	var store scim.Store
	switch *storeKind {
	case "memory":
		store = scim.NewMemoryStore()
	default:
		return fmt.Errorf("unknown -store %q (memory)", *storeKind)
	}
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	h := &scim.Handler{
		Store:  store,
		Auth:   scim.StaticTokens{*token: "demo"},
		Logger: logger,
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", h)
	mux.Handle("/api/scim/v2/", h)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Printf("Peakon-like SCIM endpoint (store: %s)\n  base URL: http://%s/scim/v2  (also /api/scim/v2)\n  token:    %s\n", *storeKind, *addr, *token)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shut)
	}
}
