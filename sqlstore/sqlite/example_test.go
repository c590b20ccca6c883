package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/sqlstore/sqlite"
)

// Open a store in a file (no server needed); it creates its tables on
// Open.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "scimkit-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "scimkit.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	err = st.CreateUser(ctx, "acme", &scim.User{ID: "1", UserName: "ann@acme.test", Meta: scim.Meta{Version: "v1"}})
	fmt.Println(err)
	err = st.CreateUser(ctx, "acme", &scim.User{ID: "2", UserName: "ANN@acme.test", Meta: scim.Meta{Version: "v1"}})
	fmt.Println(err)
	// Output:
	// <nil>
	// scim: uniqueness conflict: userName "ANN@acme.test" is already taken
}
