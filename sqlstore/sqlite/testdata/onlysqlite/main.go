// Command onlysqlite imports the SQLite side of sqlstore alone; the
// package's tests list what it links.
package main

import (
	"context"

	"github.com/scimkit/scim/sqlstore/sqlite"
)

func main() {
	st, err := sqlite.Open(context.Background(), "scim.db")
	if err == nil {
		st.Close()
	}
}
