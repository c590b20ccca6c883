package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim"
)

// testCompanyChanges checks a scim.CompanyChangeStore: every change of a
// company or of its tokens is listed after the generation a reader last
// saw, each company once, and the generation grows; a token's use, and a
// change that fails, is not a change.
func testCompanyChanges(t *testing.T, st scim.CompanyChangeStore) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	// A change first: after generation 0 a store may list nothing.
	if err := st.CreateCompany(ctx, &scim.Company{ID: "a", Name: "A", Created: now}); err != nil {
		t.Fatal(err)
	}
	gen, _, err := st.CompanyChanges(ctx, 0)
	if err != nil || gen <= 0 {
		t.Fatalf("CompanyChanges after a CreateCompany: generation %d, %v; want above 0", gen, err)
	}
	// step runs f and checks the companies listed after the generation
	// before it.
	step := func(name string, want []string, f func() error) {
		t.Helper()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cur, changed, err := st.CompanyChanges(ctx, gen)
		if err != nil {
			t.Fatalf("%s: CompanyChanges: %v", name, err)
		}
		slices.Sort(changed)
		if d := cmp.Diff(want, changed, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: companies changed (-want +got):\n%s", name, d)
		}
		if len(want) > 0 && cur <= gen || len(want) == 0 && cur != gen {
			t.Errorf("%s: generation %d after %d", name, cur, gen)
		}
		gen = cur
	}
	tok := &scim.Token{ID: "t1", Company: "a", Hash: [32]byte{1}, Created: now}
	step("CreateCompany and UpdateCompany of another", []string{"b"}, func() error {
		if err := st.CreateCompany(ctx, &scim.Company{ID: "b", Name: "B", Created: now}); err != nil {
			return err
		}
		return st.UpdateCompany(ctx, &scim.Company{ID: "b", Name: "B2", Created: now})
	})
	step("CreateToken", []string{"a"}, func() error { return st.CreateToken(ctx, tok) })
	step("TouchToken", []string{}, func() error { return st.TouchToken(ctx, tok.ID, now.Add(time.Minute)) })
	step("UpdateCompany of an unknown company", []string{}, func() error {
		if err := st.UpdateCompany(ctx, &scim.Company{ID: "nobody", Name: "N"}); !errors.Is(err, scim.ErrNotFound) {
			t.Errorf("UpdateCompany of an unknown company: %v, want ErrNotFound", err)
		}
		return nil
	})
	step("DeleteToken of another company", []string{}, func() error {
		if err := st.DeleteToken(ctx, "b", tok.ID); !errors.Is(err, scim.ErrNotFound) {
			t.Errorf("DeleteToken through another company: %v, want ErrNotFound", err)
		}
		return nil
	})
	step("DeleteToken and DeleteCompany", []string{"a", "b"}, func() error {
		if err := st.DeleteToken(ctx, "a", tok.ID); err != nil {
			return err
		}
		return st.DeleteCompany(ctx, "b")
	})
	step("UpdateCompany", []string{"a"}, func() error {
		return st.UpdateCompany(ctx, &scim.Company{ID: "a", Name: "A2", Created: now})
	})
}
