// Package sqlstore is a scim.Store on database/sql for SQLite and
// PostgreSQL. It also implements scim.HistoryStore, scim.ChangeFeed,
// scim.CompanyStore, scim.CompanyChangeStore and scim.Batcher.
//
// # Drivers
//
// As with database/sql, the program chooses the driver: package sqlstore
// links none, and each [Dialect] lives in a package of its own that links
// its driver, so that a product on PostgreSQL carries no SQLite engine and
// the reverse:
//
//	st, err := sqlite.Open(ctx, "/var/lib/scim/users.db")  // links modernc.org/sqlite
//	st, err := postgres.Open(ctx, "postgres://u:p@host/db") // links pgx
//	st, err := postgres.New(ctx, db)                        // the product's own *sql.DB
//	st, err := sqlstore.New(ctx, postgres.Dialect{}, db)    // the same, dialect-neutral
//
// Both dialect packages wrap code in sqlstore/internal (sqlitedialect,
// pgdialect), which this package's own tests open stores with too, so
// that they test the dialects a program runs.
//
// [Open] opens pools of its own, which it bounds ([WithMaxConns]); SQLite's
// are one writer and many readers on a file. [New] runs on a pool the
// program already has, with its own DSN, TLS and limits, which the store
// leaves alone. Both create and migrate the schema: versioned migrations
// embedded in the binary, one set per dialect, applied once each and
// recorded in schema_migrations.
//
// # Layout
//
// A users row per user, keyed by (company, id), holds the user as a
// document (JSON; JSONB on PostgreSQL) and typed columns for everything a
// filter or sortBy can name, derived from the attribute model (one per
// singular attribute of the core and enterprise schemas; a new attribute
// needs a migration adding its column, which Open checks for):
// case-insensitive strings stored folded (the matcher's case-folding key),
// so that eq, sw, ew, co and ordering are binary comparisons an index can
// serve; times as fixed-width UTC text. A unique index on (company, folded
// userName) enforces the uniqueness the model declares and maps to
// scim.ConflictError; externalId is indexed but not unique. Elements of
// emails, phoneNumbers and the other emails-shaped attributes are rows of
// user_values, Peakon custom attributes rows of user_custom, both indexed
// by (company, attribute, value).
//
// # Queries
//
// ListUsers compiles the filter, sortBy and page to one parameterised
// statement (values are always arguments, never SQL text), with LIMIT and
// OFFSET, and counts the total only when the page does not tell it: on
// SQLite beside the page on another connection, and once until the next
// commit (a client paging through a large result does not count it for
// every page); on PostgreSQL in the page's statement, and once until the
// next write of the company's users by any instance (a per-company change
// counter, bumped in every write transaction, says when). The next page of
// a query in id order continues from the previous page's last id while no
// write has intervened (keyset instead of OFFSET). Without sortBy, users
// come by id; or, when the filter ranges over an indexed column
// (name.familyName sw "A", meta.lastModified gt ...), by that column and
// then id, so that the page is read from the index in order instead of
// sorting every match.
//
// A cursor query (scim.Query.Cursor, RFC 9865 paging) reads the page after
// the previous page's last values of every ORDER BY term, fetched with the
// page: WHERE (key, id) > (?, ?) ORDER BY key, id LIMIT count+1, with no
// OFFSET. The index that gives the order finds the position, so a page
// costs the same at any depth (BenchmarkCursorWalkSQLite compares the
// first and the thousandth page of 100,000 users). A sortBy whose users
// may lack the value reads those with it by (value, id) and those without
// by id, each from its index (ascending those with it first, descending
// the others), rather than ordering by absence first, which no index
// serves; descending, ties still break by ascending id, so each group of
// equal values is sorted on its own. The position is those values, typed
// (the Page.Next a handler signs into a cursor); a query that does not
// compile to SQL pages with the scim.Pager's positions instead. Groups
// page by cursor the same way without a filter, in id order (WHERE id > ?
// on the primary key); filtered or sorted by another attribute, every
// candidate is read for the total anyway, and scim.GroupQuery.CursorPage
// takes the page after the position in Go.
// Filters on addresses and groups, which have no columns, are evaluated in
// Go (Query.Matches, Query.Compare) over a streaming cursor narrowed by
// whatever part of the filter did compile; such a scan is refused with
// scim.ErrTooMany past [WithMaxScan] rows. Results equal the memory store's:
// package storetest checks it.
//
// # Maintenance
//
// Call [Store.Analyze] after loading many users and now and then as they grow, so
// that the planner knows the tables' sizes; on SQLite call it instead of a
// plain ANALYZE (see Analyze for why).
//
// # Durability and concurrency
//
// Writes are transactions; [Store.Batch] groups many in one. UpdateUser, and DeleteUser given a version, are
// compare-and-swaps on the version column. [Open] bounds the connection
// pools it opens ([WithMaxConns]) and the prepared statements it keeps
// ([WithStatementCache]). SQLite runs in WAL mode with synchronous=FULL, so an
// acknowledged write survives a killed process and a power cut, and its
// writes are serialised through a one-connection pool (readers run beside
// it); concurrent writes commit together, each still succeeding or failing
// alone, with one fsync for the group (group commit). Every write records
// its change in the same transaction, numbered by the company's counter,
// which scim.ChangeFeed reads in commit order.
//
// # Caches
//
// Nothing a store keeps in memory outlives a commit that changes it,
// whichever connection or process commits. A SQLite store keeps the
// users GetUser read, decoded ([WithUserCache]), and the totals of list
// queries, while the database is unchanged: SQLite's wal-index header,
// which every commit of every process rewrites, read from the mapped
// -shm file before each use (or PRAGMA data_version where the file
// cannot be mapped). The store's own writes of users move the cache of
// users past their commit, holding the written users as stored, once the
// writer's data_version shows no other commit came in between; meanwhile
// a read that finds the commit's header (one commit past the one the write
// began on) is served the users the write did not touch. Recording a
// token's use says it changed no user; any other commit empties the
// cache. A PostgreSQL store keeps totals and page positions
// while the company's change counter is, which every instance's writes
// bump. PostgreSQL pools that [Open] opens
// keep the generic plan of each prepared statement (plan_cache_mode, see
// the postgres package); give a pool of your own the same setting.
//
// # Where things are
//
//   - doc.go: this overview.
//   - dialect.go: the [Dialect] interface, and the dialect kinds the store's
//     SQL depends on.
//   - store.go: [Store], [Open], [New] and their options; migrations,
//     transactions, [Store.Batch], [Store.Analyze], [Store.Close].
//   - writestmts.go: the prepared statements every write of a user runs,
//     and txWriter, which runs them in a transaction.
//   - write.go: CreateUser, CreateUsers, GetUser, UpdateUser, DeleteUser.
//   - groupcommit.go: SQLite's group commit of concurrent writes.
//   - columns.go: the typed columns of users and the rows of user_values,
//     derived from the attribute model.
//   - document.go: the stored document, its encoder and decoder.
//   - row.go: the values of columns: case folding, times, booleans,
//     numbers.
//   - filtersql.go: the filter-to-SQL compiler: conditions, the ORDER BY of
//     sortBy, and the predicates choosing an index order.
//   - list.go: ListUsers: the pushed-down page and its count, or the scan
//     finished in Go.
//   - keyset.go: where pages in id order ended, for the next page; and
//     cursor pages (scim.Query.Cursor), read after the previous page's
//     last ORDER BY values.
//   - totals.go: list totals kept between commits, and the versions that
//     tell when a commit intervened.
//   - stmtcache.go: the bounded cache of prepared read statements.
//   - usercache.go: SQLite's cache of decoded users ([WithUserCache]).
//   - walindex.go, walindex_mmap.go, walindex_other.go: SQLite's commits
//     read from the wal-index header, the version that validates both
//     caches; the header mapped, or not, per platform.
//   - changes.go: the change feed (scim.ChangeFeed) and the company's
//     change counter.
//   - history.go: scim.HistoryStore.
//   - groups.go: scim.GroupStore.
//   - company.go: scim.CompanyStore: companies and tokens.
//   - ratelimit.go: [RateLimiter], shared by every instance on a database.
//   - keys.go: scim.KeyStore: the keys every instance shares, the cursors'.
//   - faults.go: the drivers' errors an outage or a full disk raises,
//     classified as scim.ErrUnavailable and scim.ErrStorageFull.
//   - migrations/: the schema migrations, one folder per dialect.
//   - sqlite/, postgres/: the dialect packages, each linking its driver.
//   - internal/sqlitedialect/, internal/pgdialect/: their code, which
//     does not import sqlstore, so that this package's tests run it too.
package sqlstore
