package sqlstore

import (
	"bytes"
	"context"
	"sync"
	"testing"
)

// TestSharedKey: processes on one database (two stores on one SQLite file
// here; PostgreSQL in TestTwoInstancesPostgres) get the same key, made
// once even when they ask together, and kept across a reopening.
func TestSharedKey(t *testing.T) {
	ctx := context.Background()
	a, b := openSQLitePair(t)
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			st := []*Store{a, b}[i%2]
			k, err := st.SharedKey(ctx, "cursor")
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for i, k := range keys {
		if len(k) != 32 || !bytes.Equal(k, keys[0]) {
			t.Fatalf("key %d: %x, want the 32 bytes of key 0, %x", i, k, keys[0])
		}
	}
	other, err := a.SharedKey(ctx, "other")
	if err != nil || bytes.Equal(other, keys[0]) {
		t.Errorf("another name: %x, %v; want a key of its own", other, err)
	}
	again, err := b.SharedKey(ctx, "cursor")
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Errorf("asked again: %x, %v; want %x", again, err, keys[0])
	}
}
