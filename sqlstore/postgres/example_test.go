package postgres_test

import (
	"context"
	"database/sql"
	"log"
	"net/http"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/sqlstore/postgres"
)

// Serve SCIM from the product's own pool: its DSN, TLS and limits stay
// the product's.
func ExampleNew() {
	ctx := context.Background()
	db, err := sql.Open("pgx", "postgres://scim@db.internal/product?sslmode=verify-full")
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(20)
	st, err := postgres.New(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	http.Handle("/scim/v2/", &scim.Handler{Store: st, Auth: scim.StaticTokens{"secret": "acme"}})
}
