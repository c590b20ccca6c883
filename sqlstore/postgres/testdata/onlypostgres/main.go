// Command onlypostgres imports the PostgreSQL side of sqlstore alone; the
// package's tests list what it links.
package main

import (
	"context"

	"github.com/scimkit/scim/sqlstore/postgres"
)

func main() {
	st, err := postgres.Open(context.Background(), "postgres://localhost/scim")
	if err == nil {
		st.Close()
	}
}
