package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim"
)

//go:embed migrations
var migrations embed.FS

// Store is a scim.Store, scim.HistoryStore, scim.CompanyStore and
// scim.CompanyChangeStore backed by SQLite or PostgreSQL. It is safe for
// concurrent use.
type Store struct {
	d       kind
	dialect Dialect
	// nullCols are the columns of users that may hold NULL.
	nullCols map[string]bool
	// own reports pools the store opened (Open), which it bounds and
	// closes; a pool given to New is the program's.
	own bool
	// db serves reads. w serves writes: for SQLite a pool of one
	// connection, so writers queue in Go instead of failing with
	// SQLITE_BUSY when a read transaction would upgrade; for PostgreSQL
	// the same pool as db.
	db, w *sql.DB
	// maxConns bounds the read pool (WithMaxConns).
	maxConns int
	// maxScan bounds how many rows a query that cannot be pushed down
	// entirely may read before it is refused with scim.ErrTooMany.
	maxScan int

	// cache holds prepared read statements by text (stmtcache.go), at
	// most stmts of them.
	cache *stmtCache
	stmts int
	// totals keeps list totals and page positions between commits.
	totals *totals
	// users keeps decoded users between commits (SQLite, usercache.go);
	// nUsers is its bound (WithUserCache).
	users  *userCache
	nUsers int
	// follow: the user cache follows the wal-index across the store's
	// own writes (usercache.go), which run on the one writer connection
	// of the pools the store opened.
	follow bool
	// counts is how many COUNT statements ran, for tests.
	counts *atomic.Int64

	// btx is set on the Store a Batch hands to its function: every
	// statement runs in that transaction. bstmts are the statements
	// prepared in it, so a bulk request's thousand inserts are parsed once,
	// not once each.
	btx    *sql.Tx
	bstmts map[string]*sql.Stmt
	// bchanges are the batch's changes, numbered at its commit.
	bchanges *[]batchChange
	// bbroken, once set, is why the batch can only fail (see tx).
	bbroken *error

	// wsql and wstmts are the write statements, prepared when the store
	// starts (writestmts.go); wstmts is keyed by the dialect's text.
	wsql   writeSQL
	wstmts map[string]*sql.Stmt
	// updates are the UPDATEs of some of users' columns (updateSQL),
	// prepared on w as UpdateUser first needs each; keyed by text.
	updates *updateStmts

	// group commits concurrent writes together (SQLite only, else nil).
	group *groupCommit
}

var (
	_ scim.HistoryStore       = (*Store)(nil)
	_ scim.CompanyStore       = (*Store)(nil)
	_ scim.CompanyChangeStore = (*Store)(nil)
	_ scim.Batcher            = (*Store)(nil)
)

// stmt returns a prepared statement for text, cached on the read pool, or
// prepared in the batch's transaction inside a Batch. The caller calls
// release when done with it (after closing its rows).
func (s *Store) stmt(ctx context.Context, text string) (st *sql.Stmt, release func(), err error) {
	if s.btx != nil {
		// Prepared in the batch's transaction, which the batch closes: on
		// SQLite the batch runs on the writer's pool, where the cache's
		// statements do not live; on PostgreSQL preparing on the pool
		// would wait for a second connection while the batch holds one,
		// which a bounded pool may not have.
		st, err := s.batchStmt(ctx, text)
		return st, func() {}, err
	}
	return s.cache.get(ctx, s.db, text)
}

// query, queryRow and exec run a statement on the read pool (query,
// queryRow) or the writer (exec), or in the batch's transaction.
func (s *Store) query(ctx context.Context, text string, args ...any) (*sql.Rows, error) {
	if s.btx != nil {
		return s.btx.QueryContext(ctx, text, args...)
	}
	return s.db.QueryContext(ctx, text, args...)
}

func (s *Store) queryRow(ctx context.Context, text string, args ...any) *sql.Row {
	if s.btx != nil {
		return s.btx.QueryRowContext(ctx, text, args...)
	}
	return s.db.QueryRowContext(ctx, text, args...)
}

func (s *Store) exec(ctx context.Context, text string, args ...any) (sql.Result, error) {
	if s.btx != nil {
		return s.btx.ExecContext(ctx, text, args...)
	}
	return s.w.ExecContext(ctx, text, args...)
}

// maxIdle is how many idle read connections the store keeps open, at
// most.
const maxIdle = 16

// Default pool bounds (WithMaxConns). PostgreSQL's default max_connections
// is 100, a few reserved: ten per store lets several replicas of a product
// and the operators' tools share a small server. SQLite's readers are file
// handles in the process.
const (
	defaultPostgresConns = 10
	defaultSQLiteReaders = 16
)

// Option configures Open and New.
type Option func(*Store)

// WithMaxScan sets how many rows a query that cannot be pushed down to SQL
// completely (for instance a filter on addresses) may examine in Go before
// ListUsers refuses it with scim.ErrTooMany. The default is 1,000,000; 0
// or less means no limit.
func WithMaxScan(n int) Option { return func(s *Store) { s.maxScan = n } }

// WithMaxConns bounds the connections of the pools [Open] opens: on
// PostgreSQL the pool that serves reads and writes (default 10), on SQLite
// the readers (default 16), beside its one writer and the one connection
// that watches for commits. Requests past the bound wait for a connection
// (or their context) instead of opening more than the database allows. n
// below 1 is taken as 1. A pool given to [New] keeps its own limits.
func WithMaxConns(n int) Option { return func(s *Store) { s.maxConns = max(n, 1) } }

// WithStatementCache sets how many prepared statements the store keeps
// for its reads; past it, the least recently used one is closed. The
// default is 512; 0 or less prepares and closes a statement for every
// query.
func WithStatementCache(n int) Option { return func(s *Store) { s.stmts = n } }

// WithUserCache sets how many users a SQLite store keeps decoded between
// commits, for GetUser to answer without reading the database while
// nothing has been written (see the package documentation). The default is
// 16,384; 0 or less keeps none. PostgreSQL stores keep none.
func WithUserCache(n int) Option { return func(s *Store) { s.nUsers = n } }

// Open opens a store on dsn with pools of its own, which it bounds
// (WithMaxConns), and creates or migrates its schema. The dialect's
// package offers it with the dialect filled in: sqlite.Open and
// postgres.Open.
func Open(ctx context.Context, d Dialect, dsn string, opts ...Option) (*Store, error) {
	s, err := newStore(d, opts)
	if err != nil {
		return nil, err
	}
	if s.db, s.w, err = d.OpenPools(dsn); err != nil {
		return nil, err
	}
	s.own = true
	switch s.d {
	case sqlite:
		s.w.SetMaxOpenConns(1)
		// The totals' watcher holds one reader for good.
		s.db.SetMaxOpenConns(s.maxConns + 1)
	case postgres:
		s.db.SetMaxOpenConns(s.maxConns)
		// Connections idle for long go back to the server, which other
		// clients may need.
		s.db.SetConnMaxIdleTime(5 * time.Minute)
	}
	// database/sql keeps two idle connections by default: past two
	// concurrent requests, every request would open a connection (and
	// prepare its statements again) and close it after. A list also
	// counts on a second connection.
	s.db.SetMaxIdleConns(s.idleConns())
	return s.start(ctx)
}

// New returns a store on db, a pool the program opened on the dialect's
// driver with its own settings (data source, TLS, limits), which the store
// does not change; and creates or migrates its schema. The store reads and
// writes through db, and does not close it. For SQLite, prefer
// sqlite.Open, which opens the one-writer, many-readers pools and sets the
// pragmas the store relies on.
func New(ctx context.Context, d Dialect, db *sql.DB, opts ...Option) (*Store, error) {
	s, err := newStore(d, opts)
	if err != nil {
		return nil, err
	}
	s.db, s.w = db, db
	return s.start(ctx)
}

// newStore returns a store of dialect d with opts applied.
func newStore(d Dialect, opts []Option) (*Store, error) {
	k, err := kindOf(d)
	if err != nil {
		return nil, err
	}
	s := &Store{d: k, dialect: d, maxScan: 1_000_000, stmts: maxStmts, nUsers: defaultUserCache, counts: new(atomic.Int64), updates: new(updateStmts)}
	s.maxConns = defaultPostgresConns
	if k == sqlite {
		s.maxConns = defaultSQLiteReaders
		s.group = &groupCommit{}
	}
	for _, o := range opts {
		o(s)
	}
	s.cache = newStmtCache(s.stmts)
	return s, nil
}

// start migrates the schema and starts what the dialect needs.
func (s *Store) start(ctx context.Context) (*Store, error) {
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.readColumns(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.prepareWrites(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.d == sqlite {
		// Samples an ANALYZE run outside the store left (see Analyze).
		if err := s.dropSamples(ctx); err != nil {
			s.Close()
			return nil, err
		}
		// The totals' watcher holds a connection for good, which a pool
		// of one cannot spare.
		if s.own || s.db.Stats().MaxOpenConnections != 1 {
			var err error
			if s.totals, err = openTotals(ctx, s.db); err != nil {
				s.Close()
				return nil, err
			}
			s.users = newUserCache(s.nUsers)
			s.follow = s.own && s.users != nil && s.totals.wal != nil
		}
	} else {
		// Totals and keyset positions validated by each company's change
		// counter, which every instance's writes bump.
		s.totals = companyTotals(s)
	}
	return s, nil
}

// idleConns is how many idle read connections the store keeps: all it may
// open, up to maxIdle.
func (s *Store) idleConns() int {
	if s.d == sqlite {
		return min(maxIdle, s.maxConns+1)
	}
	return min(maxIdle, s.maxConns)
}

// batchStmt returns the statement for text prepared in the batch's
// transaction, preparing it the first time.
func (s *Store) batchStmt(ctx context.Context, text string) (*sql.Stmt, error) {
	if st := s.bstmts[text]; st != nil {
		return st, nil
	}
	var st *sql.Stmt
	if ws := s.writeStmt(text); ws != nil {
		st = s.btx.StmtContext(ctx, ws)
	} else {
		var err error
		if st, err = s.btx.PrepareContext(ctx, text); err != nil {
			return nil, err
		}
	}
	s.bstmts[text] = st
	return st, nil
}

// Analyze refreshes the statistics the query planner reads (ANALYZE). Run
// it after loading many users, and now and then as they grow; on
// PostgreSQL autovacuum does it too. On PostgreSQL it analyses the store's
// own tables (pgTables) only: a bare ANALYZE would walk every table of the
// database, other applications' and other schemas' too, and fail if one
// is dropped meanwhile.
//
// On SQLite, run ANALYZE through Analyze rather than directly. It keeps
// the row estimates per index (sqlite_stat1) and drops the sampled keys
// (sqlite_stat4): with samples, SQLite recompiles every statement that
// compares a parameter with an indexed column each time it runs, so that
// the value can pick the plan. That doubles the cost of a lookup by email
// and slows every filter, and the store's statements are written so that
// their plan does not depend on the value.
func (s *Store) Analyze(ctx context.Context) error {
	if s.d == postgres {
		return s.tx(ctx, func(tx *sql.Tx) error {
			if err := unbounded(ctx, tx); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "ANALYZE "+strings.Join(pgTables, ", "))
			return err
		})
	}
	if _, err := s.w.ExecContext(ctx, "ANALYZE"); err != nil {
		return err
	}
	if err := s.dropSamples(ctx); err != nil {
		return err
	}
	// Read connections load statistics with the schema, once: reopen the
	// idle ones, so that the next statements are planned with the new
	// statistics. (A pool given to New keeps its settings; its
	// connections see the statistics as they are replaced.)
	if s.own {
		s.db.SetMaxIdleConns(0)
		s.db.SetMaxIdleConns(s.idleConns())
	}
	return nil
}

// pgTables are the tables of the store's PostgreSQL schema (found through
// the connection's search_path, like every statement of the store).
var pgTables = []string{"users", "user_values", "user_custom", "user_activations", "companies", "tokens",
	"rate_usage", "company_versions", "user_changes", "scim_groups", "group_members", "cache_generation",
	"company_generations", "shared_keys"}

// dropSamples empties SQLite's sqlite_stat4, if ANALYZE ever created it,
// and reloads the statistics.
func (s *Store) dropSamples(ctx context.Context) error {
	var n int
	err := s.w.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'").Scan(&n)
	if err != nil || n == 0 {
		return err
	}
	for _, stmt := range []string{"DELETE FROM sqlite_stat4", "ANALYZE sqlite_schema"} {
		if _, err := s.w.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the pools the store opened (Open); a pool given to New
// stays open for the program to close.
func (s *Store) Close() error {
	err := s.closeWrites()
	s.cache.closeAll()
	if s.totals != nil {
		err = errors.Join(err, s.totals.close())
	}
	if !s.own {
		return err
	}
	if s.w != nil && s.w != s.db {
		err = errors.Join(err, s.w.Close())
	}
	if s.db != nil {
		err = errors.Join(err, s.db.Close())
	}
	return err
}

// DB returns the database the store reads from, for diagnostics and tests
// (EXPLAIN). Do not write to it behind the store's back.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.dialect }

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, each in its own transaction.
func (s *Store) migrate(ctx context.Context) error {
	dir := "migrations/sqlite"
	if s.d == postgres {
		dir = "migrations/postgres"
	}
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	if err := s.checkSchemaVersion(ctx, names); err != nil {
		return err
	}
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("sqlstore: migration %s: bad name", name)
		}
		body, err := migrations.ReadFile(dir + "/" + name)
		if err != nil {
			return err
		}
		if err := s.tx(ctx, func(tx *sql.Tx) error {
			if s.d == postgres {
				// A migration may wait for the instances' locks and
				// rewrite big tables: the pools' timeouts are not for it.
				if err := unbounded(ctx, tx); err != nil {
					return err
				}
				// Serialise concurrent Opens of one database.
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727274)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), v).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range splitSQL(string(body)) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, applied) VALUES (?, ?)`), v, time.Now().UTC().Format(time.RFC3339))
			return err
		}); err != nil {
			return fmt.Errorf("sqlstore: migrate: %w", err)
		}
	}
	return nil
}

// unbounded lifts the statement and lock timeouts of a PostgreSQL
// transaction (postgres.Open's pools set both), for the store's own long
// work: migrations and Analyze.
func unbounded(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0`)
	return err
}

// ErrSchemaTooNew is returned by Open for a database that a newer release
// has migrated past the migrations this binary knows.
var ErrSchemaTooNew = errors.New("sqlstore: the database schema is newer than this binary")

// checkSchemaVersion refuses a database migrated past the newest migration
// among names. Migrations are additive (columns, tables and indexes are
// added, never dropped or renamed), so during a rolling deploy the previous
// release keeps working on a database the new one has migrated; but a
// binary must not run against a schema it cannot know, for instance after
// a rollback past a release that changed semantics.
func (s *Store) checkSchemaVersion(ctx context.Context, names []string) error {
	known := 0
	for _, name := range names {
		if v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0]); err == nil {
			known = max(known, v)
		}
	}
	var applied sql.NullInt64
	if err := s.w.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&applied); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	if applied.Valid && applied.Int64 > int64(known) {
		return fmt.Errorf("%w: the database is at migration %d, this binary knows up to %d; deploy the newer release", ErrSchemaTooNew, applied.Int64, known)
	}
	return nil
}

// splitSQL splits a migration into statements at semicolons ending a line.
// Migrations contain no semicolons inside literals.
func splitSQL(body string) []string {
	var out []string
	for _, part := range strings.Split(body, ";\n") {
		var lines []string
		for _, l := range strings.Split(part, "\n") {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "--") {
				lines = append(lines, l)
			}
		}
		if st := strings.TrimSpace(strings.TrimSuffix(strings.Join(lines, "\n"), ";")); st != "" {
			out = append(out, st)
		}
	}
	return out
}

// q rewrites ? placeholders to the dialect's (PostgreSQL's $n). Only the
// store's own constant SQL goes through it; it contains no '?' in
// literals.
func (s *Store) q(query string) string {
	if s.dialect.Placeholder(1) == "?" {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteString(s.dialect.Placeholder(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// tx runs f in a write transaction and commits it. Inside a Batch it runs
// f under a savepoint of the batch's transaction instead, so that a failed
// write changes nothing and leaves the batch usable.
func (s *Store) tx(ctx context.Context, f func(*sql.Tx) error) (err error) {
	defer func() { err = s.fault(err) }()
	if s.btx != nil {
		if *s.bbroken != nil {
			return *s.bbroken
		}
		// A write that meets an outage, a full disk or a savepoint that
		// fails breaks the batch: SQLite rolls the whole transaction back
		// on some of these (SQLITE_FULL, SQLITE_BUSY), after which each
		// savepoint would begin and commit a transaction of its own, and
		// the batch would commit in part. The batch's later writes fail
		// at once, and Batch rolls back and returns the error.
		defer func() {
			if err != nil && (*s.bbroken != nil || errors.Is(s.fault(err), scim.ErrUnavailable)) {
				*s.bbroken = s.fault(err)
			}
		}()
		w := &txWriter{ctx: ctx, tx: s.btx, s: s}
		if err := w.exec(sqlSavepoint); err != nil {
			*s.bbroken = err
			return err
		}
		recorded := len(*s.bchanges)
		defer func() {
			if err != nil {
				*s.bchanges = (*s.bchanges)[:recorded]
			}
		}()
		if err := f(s.btx); err != nil {
			if rerr := w.exec(sqlRollbackTo); rerr != nil {
				err = errors.Join(err, rerr)
				*s.bbroken = err
				return err
			}
			w.exec(sqlReleaseSavepoint)
			return err
		}
		if err := w.exec(sqlReleaseSavepoint); err != nil {
			*s.bbroken = err
			return err
		}
		return nil
	}
	if s.group != nil {
		return s.group.run(ctx, s, f)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Batch implements scim.Batcher: fn's writes run in one transaction,
// committed when fn returns nil and rolled back when it returns an error.
// Each write is still atomic on its own (a savepoint): one that fails
// changes nothing and the batch goes on. The Store fn receives is bound to
// the transaction and must not be used concurrently or after fn returns.
// On SQLite the batch holds the write lock until it ends.
func (s *Store) Batch(ctx context.Context, fn func(st scim.Store) error) error {
	return s.fault(s.batch(ctx, fn))
}

func (s *Store) batch(ctx context.Context, fn func(st scim.Store) error) error {
	if s.btx != nil {
		return fn(s) // already inside a batch
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	b := *s
	b.btx, b.bstmts, b.bchanges, b.bbroken = tx, make(map[string]*sql.Stmt), new([]batchChange), new(error)
	defer func() {
		for _, st := range b.bstmts {
			st.Close()
		}
	}()
	if err := fn(&b); err != nil {
		tx.Rollback()
		return err
	}
	if err := *b.bbroken; err != nil {
		tx.Rollback()
		return err
	}
	if err := s.commitChanges(ctx, tx, *b.bchanges); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
