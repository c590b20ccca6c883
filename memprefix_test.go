package scim_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	scim "github.com/scimkit/scim"
)

// TestMemoryStorePrefixIndex checks that "sw" served by the prefix indexes
// lists exactly what a scan with the matcher finds, in creation order,
// with the right total: across case folding (ſ, K, ß, İ), several emails,
// renames, deletions, and enough users to split the index's chunks.
func TestMemoryStorePrefixIndex(t *testing.T) {
	ctx := context.Background()
	m := scim.NewModel(nil)
	s := scim.NewMemoryStore()
	r := rand.New(rand.NewPCG(15, 1))
	stems := []string{"Smith", "smyth", "SMITHERS", "ſmith", "Kelvin", "Kelvin", "straße", "STRASSE", "İnce", "ince", "", "Zoë"}
	pick := func() string { return stems[r.IntN(len(stems))] + fmt.Sprint(r.IntN(30)) }
	user := func(i int) *scim.User {
		u := &scim.User{ID: fmt.Sprintf("u%05d", i), UserName: fmt.Sprintf("%s-%d", pick(), i), Name: scim.Name{FamilyName: pick()}}
		for range r.IntN(3) {
			u.Emails = append(u.Emails, scim.MultiValue{Value: pick() + "@example.com"})
		}
		if r.IntN(5) == 0 {
			u.Name.FamilyName = ""
		}
		return u
	}
	live := map[string]*scim.User{}
	for i := range 1500 {
		u := user(i)
		if err := s.CreateUser(ctx, tenant, u); err != nil {
			t.Fatal(err)
		}
		live[u.ID] = u
	}
	for i := range 1500 {
		id := fmt.Sprintf("u%05d", i)
		switch r.IntN(4) {
		case 0:
			if err := s.DeleteUser(ctx, tenant, id, ""); err != nil {
				t.Fatal(err)
			}
			delete(live, id)
		case 1:
			u := user(i + 10000)
			u.ID = id
			if err := s.UpdateUser(ctx, tenant, u, ""); err != nil {
				t.Fatal(err)
			}
			live[id] = u
		}
	}
	all, err := s.ListUsers(ctx, tenant, mustQuery(t, m, "", "", "", 1, 10000))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{
		`userName sw "smith"`, `userName sw "SMITH1"`, `userName sw "ſ"`, `userName sw "s"`, `userName sw "k"`,
		`name.familyName sw "smi"`, `name.familyName sw "KELVIN2"`, `name.familyName sw "strasse"`, `name.familyName sw "STRAẞE"`,
		`name.familyName sw "i"`, `name.familyName sw "İ"`, `name.familyName sw "zoë"`, `name.familyName sw "nobody"`,
		`emails.value sw "smyth"`, `emails.value sw "ince1"`, `emails.value sw "S"`,
		`name.familyName sw "sm" and userName sw "k"`, `userName sw "k" and name.familyName sw "sm"`,
		`name.familyName sw "sm" or userName sw "k"`,
	} {
		for _, count := range []int{0, 7, 10000} {
			q := mustQuery(t, m, f, "", "", 2, count)
			page, err := s.ListUsers(ctx, tenant, q)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			total := 0
			for _, u := range all.Users {
				if q.Matches(u) {
					if total++; total >= 2 && len(want) < count {
						want = append(want, u.ID)
					}
				}
			}
			var got []string
			for _, u := range page.Users {
				got = append(got, u.ID)
			}
			if diff := cmp.Diff(want, got); diff != "" || page.Total != total {
				t.Errorf("%s count=%d: total %d, want %d; ids (-scan +index):\n%s", f, count, page.Total, total, diff)
			}
		}
	}
	if len(all.Users) != len(live) {
		t.Errorf("%d users listed, %d live", len(all.Users), len(live))
	}
}
