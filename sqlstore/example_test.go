package sqlstore_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/sqlstore"
)

// Open a SQLite store in a file (no server needed) and serve it; the
// store creates its tables on Open. For PostgreSQL, pass "postgres" and a
// URL such as postgres://user:pass@localhost/db.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "scimkit-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite", filepath.Join(dir, "scimkit.db"))
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
