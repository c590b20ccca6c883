package sqlstore

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/scimkit/scim"
)

// fault marks err as scim.ErrUnavailable when it says the database cannot
// serve now for a reason that passes, and as scim.ErrStorageFull too when
// its disk is full, so that the handler answers 503 with Retry-After
// rather than 500: an outage, which identity providers retry, not a bug.
// The driver's error stays in the chain (errors.As finds it). Other errors
// are returned as they are.
//
// The store classifies by the drivers' error interfaces, without linking
// them: PostgreSQL's SQLSTATE (pgconn.PgError's SQLState), SQLite's result
// code (modernc.org/sqlite's Error.Code), and the network's errors.
func (s *Store) fault(err error) error {
	if err == nil || errors.Is(err, scim.ErrUnavailable) {
		return err
	}
	switch classify(s.d, err) {
	case faultFull:
		return &faultError{err: err, full: true}
	case faultUnavailable:
		return &faultError{err: err}
	}
	return err
}

// faultError is a driver's error classified by fault.
type faultError struct {
	err  error
	full bool
}

func (e *faultError) Error() string { return e.err.Error() }
func (e *faultError) Unwrap() error { return e.err }
func (e *faultError) Is(target error) bool {
	return target == scim.ErrUnavailable || e.full && target == scim.ErrStorageFull
}

// What classify finds.
const (
	faultNone = iota
	faultUnavailable
	faultFull
)

// SQLSTATEs (PostgreSQL, appendix A) that say the database is unavailable
// for now: connection exceptions (class 08) and these.
var pgUnavailable = map[string]bool{
	"57P01": true, // admin_shutdown: the server is stopping, or our backend was terminated
	"57P02": true, // crash_shutdown
	"57P03": true, // cannot_connect_now: starting up, or in recovery
	"53000": true, // insufficient_resources
	"53200": true, // out_of_memory
	"53300": true, // too_many_connections
	"55P03": true, // lock_not_available: lock_timeout
	"57014": true, // query_canceled: statement_timeout, or a cancel request
	"40001": true, // serialization_failure: retry
	"40P01": true, // deadlock_detected: retry
}

// pgDiskFull is disk_full's SQLSTATE.
const pgDiskFull = "53100"

// SQLite's primary result codes that fault classifies.
const (
	sqliteBusy   = 5
	sqliteLocked = 6
	sqliteFull   = 13
)

func classify(k kind, err error) int {
	var pg interface{ SQLState() string }
	if k == postgres && errors.As(err, &pg) {
		switch code := pg.SQLState(); {
		case code == pgDiskFull:
			return faultFull
		case strings.HasPrefix(code, "08") || pgUnavailable[code]:
			return faultUnavailable
		}
		return faultNone
	}
	var lite interface{ Code() int }
	if k == sqlite && errors.As(err, &lite) {
		switch lite.Code() & 0xff { // the primary code of an extended one
		case sqliteFull:
			return faultFull
		case sqliteBusy, sqliteLocked:
			return faultUnavailable
		}
		return faultNone
	}
	var op *net.OpError
	switch {
	case errors.As(err, &op),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF):
		return faultUnavailable
	}
	return faultNone
}
