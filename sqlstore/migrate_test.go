package sqlstore

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// TestSchemaTooNew: a binary refuses, with a clear error, a database that a
// newer release has migrated past what it knows.
func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	open := map[string]func(t *testing.T) (dsn string){
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "s.db") },
		"postgres": func(t *testing.T) string { return postgresSchema(t) },
	}
	for driver, dsnOf := range open {
		t.Run(driver, func(t *testing.T) {
			dsn := dsnOf(t)
			st, err := openDriver(ctx, driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.w.ExecContext(ctx, st.q(`INSERT INTO schema_migrations (version, applied) VALUES (?, ?)`), 99999, "2027-01-01T00:00:00Z"); err != nil {
				t.Fatal(err)
			}
			st.Close()
			st, err = openDriver(ctx, driver, dsn)
			if !errors.Is(err, ErrSchemaTooNew) {
				if st != nil {
					st.Close()
				}
				t.Fatalf("Open of a newer schema = %v, want ErrSchemaTooNew", err)
			}
		})
	}
}
