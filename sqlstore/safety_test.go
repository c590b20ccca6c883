package sqlstore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

// TestLiteralsAreArguments checks that filter values reach the database
// only as arguments, and match literally.
func TestLiteralsAreArguments(t *testing.T) {
	const evil = `x'); DROP TABLE users; --%_\`
	m := scim.NewModel([]scim.CustomAttribute{{Name: "Unit", Type: scim.CustomOption}})
	for _, k := range []kind{sqlite, postgres} {
		st := &Store{d: k}
		for _, f := range []string{
			`userName eq "EVIL"`, `userName co "EVIL"`, `externalId sw "EVIL"`, `emails[value ew "EVIL"]`,
			`urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Unit eq "EVIL"`, `name.familyName gt "EVIL"`,
			`not (title co "EVIL") or phoneNumbers.value eq "EVIL"`,
		} {
			json := strings.ReplaceAll(strings.ReplaceAll(evil, `\`, `\\`), `"`, `\"`)
			q, err := m.NewQuery(strings.ReplaceAll(f, "EVIL", json), "", "", 1, 10)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			sq := st.compile("acme", q)
			text, _ := st.pageSQL(sq, q, true)
			if !sq.exact || strings.Contains(text, "DROP") || strings.Contains(text, "acme") {
				t.Errorf("%s: exact %v, SQL holds a literal: %s", f, sq.exact, text)
			}
		}
	}
	st := openSQLite(t)
	ctx := context.Background()
	u := &scim.User{ID: "1", UserName: evil, Meta: scim.Meta{Version: "v"}}
	if err := st.CreateUser(ctx, "acme", u); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, "acme", &scim.User{ID: "2", UserName: "xx'); drop table users; --ab\\", Meta: scim.Meta{Version: "v"}}); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"eq", "co", "sw", "ew"} {
		json := strings.ReplaceAll(evil, `\`, `\\`)
		p := listUsers(t, st, m, `userName `+op+` "`+json+`"`, "", 1, 10)
		if d := cmp.Diff([]string{"1"}, userIDsOf(p.Users)); d != "" {
			t.Errorf("userName %s %q (-want +got):\n%s", op, evil, d)
		}
	}
}

// TestMaxScan checks that a query evaluated in Go is refused past the
// limit, and that pushed-down queries are not limited.
func TestMaxScan(t *testing.T) {
	ctx := context.Background()
	st, err := openDriver(ctx, "sqlite", t.TempDir()+"/s.db", WithMaxScan(3))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		if err := st.CreateUser(ctx, "acme", &scim.User{ID: id, UserName: id, Addresses: []scim.Address{{Locality: "Paris"}}, Meta: scim.Meta{Version: "v"}}); err != nil {
			t.Fatal(err)
		}
	}
	m := scim.NewModel(nil)
	q, _ := m.NewQuery(`addresses.locality sw "p"`, "", "", 1, 1)
	if _, err := st.ListUsers(ctx, "acme", q); !errors.Is(err, scim.ErrTooMany) {
		t.Errorf("a Go-evaluated scan of 5 rows with WithMaxScan(3) = %v, want ErrTooMany", err)
	}
	// A pushed-down prefilter narrows the scan below the limit.
	q, _ = m.NewQuery(`addresses.locality sw "p" and userName le "b"`, "", "", 1, 10)
	if p, err := st.ListUsers(ctx, "acme", q); err != nil || p.Total != 2 {
		t.Errorf("narrowed scan: %v, %v; want 2 users", p, err)
	}
	q, _ = m.NewQuery(`userName pr`, "userName", "", 1, 10)
	if p, err := st.ListUsers(ctx, "acme", q); err != nil || p.Total != 5 {
		t.Errorf("pushed-down query: %v, %v; want 5 users", p, err)
	}
}
