package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"

	"github.com/scimkit/scim"
)

var _ scim.KeyStore = (*Store)(nil)

// SharedKey implements scim.KeyStore: the key named name, 32 random bytes
// made by the first process on the database that asks for it. A Handler
// without a CursorKey signs its cursors with the key named "cursor", so
// that every instance on the database, and every restart, accepts them.
func (s *Store) SharedKey(ctx context.Context, name string) ([]byte, error) {
	k, err := s.sharedKey(ctx, name)
	return k, s.fault(err)
}

func (s *Store) sharedKey(ctx context.Context, name string) ([]byte, error) {
	k, err := s.readSharedKey(ctx, name)
	if !errors.Is(err, sql.ErrNoRows) {
		return k, err
	}
	k = make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read never fails (Go 1.24+)
	// Another process may make it first: its key stays, and is read back.
	if err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO shared_keys (name, secret) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`), name, k)
		return err
	}); err != nil {
		return nil, err
	}
	return s.readSharedKey(ctx, name)
}

func (s *Store) readSharedKey(ctx context.Context, name string) ([]byte, error) {
	var k []byte
	err := s.queryRow(ctx, s.q(`SELECT secret FROM shared_keys WHERE name = ?`), name).Scan(&k)
	return k, err
}
