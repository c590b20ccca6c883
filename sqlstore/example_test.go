package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/sqlstore"
	"github.com/scimkit/scim/sqlstore/sqlite"
)

// Serve users from a pool the program already has. The dialect's package
// (here sqlstore/sqlite, which registers the "sqlite" driver) links its
// driver; the store creates its tables on New and leaves the pool's
// settings alone. For PostgreSQL, pass postgres.Dialect{} and a pool on
// pgx's driver (or call postgres.New).
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "scimkit-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "scimkit.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	st, err := sqlstore.New(ctx, sqlite.Dialect{}, db)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	h := &scim.Handler{Store: st, Auth: scim.StaticTokens{"secret": "acme"}}
	for _, body := range []string{`{"userName":"ann@acme.test"}`, `{"userName":"ANN@acme.test"}`} {
		req := httptest.NewRequest("POST", "/scim/v2/Users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer secret")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	q, _ := scim.NewModel(nil).NewQuery(`userName eq "Ann@Acme.Test"`, "", "", 1, 10)
	page, _ := st.ListUsers(ctx, "acme", q)
	fmt.Println(page.Total, page.Users[0].UserName)
	// Output:
	// 201
	// 409
	// 1 ann@acme.test
}
