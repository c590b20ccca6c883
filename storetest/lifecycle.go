package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

// testCompanyLifecycle checks listing companies, recording a token's use and
// expiry, and deleting a company with everything it owns while another
// company keeps its own.
func testCompanyLifecycle(t *testing.T, st scim.Store) {
	cs := implemented[scim.CompanyStore](t, st)
	ctx := context.Background()
	for _, id := range []string{"globex", "acme"} {
		if err := cs.CreateCompany(ctx, &scim.Company{ID: id, Name: id, Created: base}); err != nil {
			t.Fatal(err)
		}
		tok := &scim.Token{ID: "tok-" + id, Company: id, Hash: sha256.Sum256([]byte("secret-" + id)), Label: "okta", Created: base,
			Expires: base.Add(90 * 24 * time.Hour)}
		if err := cs.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*scim.User{
			fixtureUser("u1", "one@"+id+".test", 1, func(u *scim.User) { u.Emails = []scim.MultiValue{{Value: "one@" + id + ".test", Type: "work"}} }),
			fixtureUser("u2", "two@"+id+".test", 2, nil),
		} {
			if err := st.CreateUser(ctx, id, u); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, err := cs.ListCompanies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"acme", "globex"}, companyIDs(all)); d != "" {
		t.Errorf("ListCompanies ids (-want +got):\n%s", d)
	}

	used := base.Add(time.Hour)
	if err := cs.TouchToken(ctx, "tok-acme", used); err != nil {
		t.Fatal(err)
	}
	if err := cs.TouchToken(ctx, "nope", used); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("TouchToken(unknown) = %v, want ErrNotFound", err)
	}
	got, err := cs.TokenByHash(ctx, sha256.Sum256([]byte("secret-acme")))
	if err != nil {
		t.Fatal(err)
	}
	if !got.LastUsed.Equal(used) || !got.Expires.Equal(base.Add(90*24*time.Hour)) {
		t.Errorf("token LastUsed %v, Expires %v; want %v, %v", got.LastUsed, got.Expires, used, base.Add(90*24*time.Hour))
	}

	if err := cs.DeleteCompany(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if err := cs.DeleteCompany(ctx, "acme"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("DeleteCompany twice = %v, want ErrNotFound", err)
	}
	if _, err := cs.GetCompany(ctx, "acme"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetCompany after delete = %v, want ErrNotFound", err)
	}
	if _, err := cs.TokenByHash(ctx, sha256.Sum256([]byte("secret-acme"))); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("the deleted company's token still authenticates: %v", err)
	}
	if _, err := st.GetUser(ctx, "acme", "u1"); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetUser of the deleted company = %v, want ErrNotFound", err)
	}
	page, err := st.ListUsers(ctx, "acme", &scim.Query{StartIndex: 1, Count: 10})
	if err != nil || page.Total != 0 || len(page.Users) != 0 {
		t.Errorf("ListUsers of the deleted company = %+v, %v; want none", page, err)
	}
	if hs, ok := st.(scim.HistoryStore); ok {
		if ids, err := hs.ActiveAt(ctx, "acme", base.Add(time.Hour)); err != nil || len(ids) != 0 {
			t.Errorf("ActiveAt of the deleted company = %v, %v; want none", ids, err)
		}
	}
	// Its writes are refused until the id is created again, from nothing.
	if err := st.CreateUser(ctx, "acme", fixtureUser("u1", "one@acme.test", 1, nil)); !errors.Is(err, scim.ErrErased) {
		t.Errorf("creating a user of the erased company: %v, want ErrErased", err)
	}
	if err := cs.CreateCompany(ctx, &scim.Company{ID: "acme", Name: "acme again", Created: base}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, "acme", fixtureUser("u1", "one@acme.test", 1, nil)); err != nil {
		t.Errorf("creating a user again after erasure: %v", err)
	}
	if err := cs.DeleteCompany(ctx, "acme"); err != nil {
		t.Fatal(err)
	}

	// The other company is untouched.
	rest, err := cs.ListCompanies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"globex"}, companyIDs(rest)); d != "" {
		t.Errorf("ListCompanies after delete (-want +got):\n%s", d)
	}
	page, err = st.ListUsers(ctx, "globex", &scim.Query{StartIndex: 1, Count: 10})
	if err != nil || page.Total != 2 {
		t.Errorf("the other company's users: %+v, %v; want 2", page, err)
	}
	toks, err := cs.ListTokens(ctx, "globex")
	if err != nil || len(toks) != 1 {
		t.Errorf("the other company's tokens: %v, %v", toks, err)
	}
}

func companyIDs(cs []*scim.Company) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}
