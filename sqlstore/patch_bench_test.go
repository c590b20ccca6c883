package sqlstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim"
)

// BenchmarkUserPatch measures a PATCH of one attribute through the handler
// on a store of 10,000 users, SQLite (synchronous=FULL) and PostgreSQL, one
// client at a time and 16 at once (group commit). Each run patches in values of
// its own (a prefix from the clock), so that no PATCH of a run repeats an
// earlier run's and is answered as a no-op: -count 6 measures writes in
// every run.
func BenchmarkUserPatch(b *testing.B) { benchDialects(b, benchUserPatch) }

func benchUserPatch(b *testing.B, st *Store) {
	const n = 10_000
	users := make([]*scim.User, n)
	for i := range users {
		users[i] = benchUser(i)
	}
	if err := st.CreateUsers(context.Background(), "acme", users); err != nil {
		b.Fatal(err)
	}
	h := benchHandler(st)
	// patch reports a failure with Errorf: RunParallel's goroutines
	// may not call Fatal.
	patch := func(b *testing.B, run string, i int) {
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"t%s-%d"}]}`, run, i)
		if rec := serveAs(h, "bench-token", "PATCH", "/scim/v2/Users/"+users[(i*7919)%n].ID, body); rec.Code != 200 {
			b.Errorf("PATCH: %d %.300s", rec.Code, rec.Body)
		}
	}
	b.Run("Serial", func(b *testing.B) {
		run := fmt.Sprint(time.Now().UnixNano())
		i := 0
		for b.Loop() {
			patch(b, run, i)
			i++
		}
	})
	b.Run("Clients16", func(b *testing.B) {
		run := fmt.Sprint(time.Now().UnixNano())
		b.SetParallelism(8) // 16 goroutines on 2 cores
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				patch(b, run, int(next.Add(1)))
			}
		})
	})
}
