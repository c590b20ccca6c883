package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"unsafe"
)

// walIndex tells whether anything was committed to a SQLite database in
// WAL mode by reading the header of its wal-index (the "-shm" file, mapped
// read-only), as SQLite's own connections do before every read
// transaction: every commit, by any connection of any process, rewrites
// that header, and no two commits leave the same one (the frame count, the
// salts and the checksums change). Reading it costs a few loads instead of
// the PRAGMA data_version statement, whose read transaction takes the
// wal-index locks with several system calls and was a fifth of a cached
// GET's CPU.
//
// The format is SQLite's, documented for the unix VFS at
// https://sqlite.org/walformat.html ("The WAL-Index Format"): two copies of
// a 48-byte header, written second copy first by a writer holding the write
// lock; a reader that finds both copies equal has a consistent header.
type walIndex struct {
	mem []byte // the mapped start of the -shm file
	hdr *[2 * walHeaderWords]uint32

	mu   sync.Mutex
	last walHeader // the newest header seen
	n    int64     // how many headers have been seen: the version
}

// walHeader is one copy of the wal-index header.
type walHeader = [walHeaderWords]uint32

const (
	walHeaderWords = 12 // 48 bytes
	// walChange is the word of the header holding iChange, which every
	// commit adds one to (TestWALChangeCounter).
	walChange = 2
	// walIndexVersion is WALINDEX_MAX_VERSION, the iVersion field of
	// every wal-index header SQLite 3.7.0 and later writes.
	walIndexVersion = 3007000
)

var errNoWALIndex = errors.New("sqlstore: no wal-index to read")

// openWALIndex maps the wal-index of conn's main database. It fails, and
// the caller falls back to PRAGMA data_version, where there is no such
// file to read: another journal mode, an in-memory or temporary database,
// a platform without mmap.
func openWALIndex(ctx context.Context, conn *sql.Conn) (*walIndex, error) {
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return nil, err
	}
	if mode != "wal" {
		return nil, fmt.Errorf("%w: journal_mode is %q", errNoWALIndex, mode)
	}
	var file string
	if err := conn.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file); err != nil {
		return nil, err
	}
	if file == "" {
		return nil, fmt.Errorf("%w: the database has no file", errNoWALIndex)
	}
	// A read transaction opens (and creates) the wal-index; conn keeps it
	// open, and with it the file mapped at this size, for as long as the
	// store lives: SQLite truncates the file only when its first
	// connection attaches, and ours never detaches before Close.
	var pageSize int64
	if err := conn.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
		return nil, err
	}
	mem, err := mapWALIndex(file + "-shm")
	if err != nil {
		return nil, err
	}
	w := &walIndex{mem: mem, hdr: (*[2 * walHeaderWords]uint32)(unsafe.Pointer(&mem[0]))}
	h, ok := w.header()
	// szPage, the 16 bits at byte 14 (65,536 written as 1), must be the
	// database's: a check that the file mapped is the one SQLite uses.
	size := int64(*(*uint16)(unsafe.Pointer(&mem[14])))
	if size == 1 {
		size = 65536
	}
	if !ok || size != pageSize {
		unmapWALIndex(mem)
		return nil, fmt.Errorf("%w: %s-shm does not hold this database's wal-index", errNoWALIndex, file)
	}
	w.last, w.n = h, 1
	return w, nil
}

// header reads a consistent copy of the header, or reports false if a
// writer kept changing it. The loads are atomic: the memory is shared
// with SQLite's writers, in this process and others.
func (w *walIndex) header() (h walHeader, ok bool) {
	defer func() {
		// Were the file cut short under the mapping (it is not while the
		// store's connection holds it), reading it faults: no version.
		if recover() != nil {
			ok = false
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	for try := 0; try < 8; try++ {
		var second walHeader
		for i := range h {
			h[i] = atomic.LoadUint32(&w.hdr[i])
		}
		for i := range second {
			second[i] = atomic.LoadUint32(&w.hdr[walHeaderWords+i])
		}
		// Byte 12 is isInit; iVersion is the first word.
		if h == second && h[0] == walIndexVersion && *(*uint8)(unsafe.Pointer(&w.mem[12])) == 1 {
			return h, true
		}
		runtime.Gosched()
	}
	return h, false
}

// version numbers the headers seen: it grows whenever the header differs
// from the last one seen, so a version stands for one committed state.
// Two requests racing past a commit may both bump it; that only makes
// cached entries stale sooner.
func (w *walIndex) version() (int64, bool) {
	h, ok := w.header()
	if !ok {
		return 0, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if h != w.last {
		w.last = h
		w.n++
	}
	return w.n, true
}

func (w *walIndex) close() error { return unmapWALIndex(w.mem) }
