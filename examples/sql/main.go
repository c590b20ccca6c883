// Command sql serves a Peakon-like SCIM endpoint backed by the SQL store,
// on SQLite (a file, no server needed) or PostgreSQL:
//
//	go run ./examples/sql -driver sqlite -dsn scim.db
//	go run ./examples/sql -driver postgres -dsn "postgres://scimkit:scimkit@localhost/scimkit?sslmode=disable"
//
// The store creates and migrates its tables on Open, and gathers the
// query planner's statistics on Analyze.
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/examples/internal/httpserver"
	"github.com/scimkit/scim/sqlstore"
	"github.com/scimkit/scim/sqlstore/postgres"
	"github.com/scimkit/scim/sqlstore/sqlite"
)

func main() {
	driver := flag.String("driver", "sqlite", `database: "sqlite" or "postgres"`)
	dsn := flag.String("dsn", "scim.db", "SQLite file path, or PostgreSQL connection URL")
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	// A program that serves one database imports only its package, and
	// links only its driver.
	var st *sqlstore.Store
	var err error
	switch *driver {
	case "sqlite":
		st, err = sqlite.Open(ctx, *dsn)
	case "postgres":
		st, err = postgres.Open(ctx, *dsn)
	default:
		log.Fatalf("unknown -driver %q (sqlite, postgres)", *driver)
	}
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	// Refresh the query planner's statistics; rerun it after large loads.
	if err := st.Analyze(ctx); err != nil {
		log.Fatal(err)
	}

	h := &scim.Handler{
		Store: st,
		Auth:  scim.StaticTokens{"token": "company"}, // token → company
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", h)
	// With every timeout set, so that a slow or idle client cannot hold a
	// connection (and a database connection behind it) for ever.
	srv := httpserver.New(*addr, mux)
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	log.Printf("SCIM endpoint on %s: http://%s/scim/v2 (Authorization: Bearer token)", *driver, *addr)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
