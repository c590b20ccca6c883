package sqlstore

import (
	"context"
	"testing"

	"github.com/scimkit/scim"
)

// BenchmarkCursorWalk measures a cursor page (scim.Query.Cursor, 100 users)
// at the start and at the end of a walk of the 100,000 benchmark users:
// page-1 and page-1000 should cost the same. index-page-1000 is the same
// page by startIndex (OFFSET 99,900), for comparison. The walk that finds
// each page's position runs once, before timing.
//
//	go test ./sqlstore -run '^$' -bench 'CursorWalk' -benchtime 200x
func BenchmarkCursorWalkSQLite(b *testing.B)   { benchCursorWalk(b, "sqlite") }
func BenchmarkCursorWalkPostgres(b *testing.B) { benchCursorWalk(b, "postgres") }

func benchCursorWalk(b *testing.B, dialect string) {
	st := loadedStore(b, dialect)
	ctx := context.Background()
	const count = 100
	for _, sort := range []struct{ sortBy, order string }{{}, {"userName", ""}, {"userName", "descending"}} {
		sortBy := sort.sortBy
		query := func(after string) *scim.Query {
			q, err := benchModel.NewQuery("", sortBy, sort.order, 1, count)
			if err != nil {
				b.Fatal(err)
			}
			q.Cursor, q.After = true, after
			return q
		}
		// The position of every page, by walking once.
		positions := []string{""}
		seen := 0
		for {
			p, err := st.ListUsers(ctx, "acme", query(positions[len(positions)-1]))
			if err != nil {
				b.Fatal(err)
			}
			seen += len(p.Users)
			if p.Next == "" {
				break
			}
			positions = append(positions, p.Next)
		}
		if seen != benchUsers || len(positions) != benchUsers/count {
			b.Fatalf("sortBy %q: the walk saw %d users in %d pages", sortBy, seen, len(positions))
		}
		name := "id"
		if sortBy != "" {
			name = sortBy
		}
		if sort.order != "" {
			name += "-" + sort.order
		}
		for _, page := range []int{1, 1000} {
			b.Run(name+"/page-"+itoa(page), func(b *testing.B) {
				q := query(positions[page-1])
				for b.Loop() {
					p, err := st.ListUsers(ctx, "acme", q)
					if err != nil || len(p.Users) != count {
						b.Fatalf("%d users, %v", len(p.Users), err)
					}
				}
			})
		}
		b.Run(name+"/index-page-1000", func(b *testing.B) {
			q, err := benchModel.NewQuery("", sortBy, sort.order, benchUsers-count+1, count)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				p, err := st.ListUsers(ctx, "acme", q)
				if err != nil || len(p.Users) != count {
					b.Fatalf("%d users, %v", len(p.Users), err)
				}
			}
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
