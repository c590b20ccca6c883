package scimclient

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/scimkit/scim"
)

// syncBatch bounds the operations of one bulk request of Sync, below the
// endpoint's own maxOperations, so that progress is reported as it goes.
const syncBatch = 1000

// apply carries out the round's steps, recording each outcome in its
// Step; those it did not get to stay StatusNotAttempted. It returns an
// error only when it could not go on (the context ended).
func (s *syncer) apply(ctx context.Context, work []*Step) error {
	spc, err := s.c.ServiceProviderConfig(ctx)
	if err != nil {
		return err
	}
	if spc.Bulk.Supported && spc.Bulk.MaxOperations > 0 {
		return s.applyBulk(ctx, work, min(spc.Bulk.MaxOperations, syncBatch))
	}
	return s.applyEach(ctx, work)
}

func (s *syncer) bulkOp(ch *Step) BulkOperation {
	switch ch.Action {
	case ActionCreate:
		return BulkOperation{Method: http.MethodPost, Path: "/Users", BulkID: "u" + strconv.Itoa(ch.Index+1), Data: ch.User}
	case ActionDelete:
		return BulkOperation{Method: http.MethodDelete, Path: userPath(ch.ID), Version: ch.version}
	}
	return BulkOperation{Method: http.MethodPatch, Path: userPath(ch.ID), Version: ch.version, Data: &Patch{Operations: ch.Operations}}
}

func (s *syncer) applyBulk(ctx context.Context, work []*Step, batch int) error {
	for start := 0; start < len(work); start += batch {
		chunk := work[start:min(start+batch, len(work))]
		ops := make([]BulkOperation, len(chunk))
		for i, st := range chunk {
			ops[i] = s.bulkOp(st)
		}
		results, err := s.c.Bulk(ctx, ops)
		for i, st := range chunk {
			if i < len(results) {
				st.outcome(results[i].Err)
				if st.Action == ActionCreate && results[i].ID != "" {
					st.ID = results[i].ID
				}
			} else {
				st.outcome(err)
			}
		}
		if err != nil {
			return err // the steps after the chunk stay not attempted
		}
		s.progress(len(chunk))
	}
	return nil
}

func (s *syncer) applyEach(ctx context.Context, work []*Step) error {
	for _, st := range work {
		var u *scim.User
		var err error
		switch st.Action {
		case ActionCreate:
			u, err = s.c.Create(ctx, st.User)
		case ActionDelete:
			err = s.c.Delete(ctx, st.ID, st.version)
		default:
			u, err = s.c.Patch(ctx, st.ID, &Patch{Operations: st.Operations, Version: st.version})
		}
		st.outcome(err)
		if u != nil && st.ID == "" {
			st.ID = u.ID
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.progress(1)
	}
	return nil
}

// outcome records the result of trying the step: applied, failed, or,
// when no request carrying it went out, not attempted.
func (st *Step) outcome(err error) {
	st.Status, st.Err = StatusApplied, err
	var re *RequestError
	switch {
	case err == nil:
	case errors.As(err, &re) && re.Attempts == 0:
		st.Status = StatusNotAttempted
	default:
		st.Status = StatusFailed
	}
}

func (s *syncer) progress(n int) {
	s.done += n
	if s.opts.Progress != nil {
		s.opts.Progress(min(s.done, max(s.total, s.done)), max(s.total, s.done))
	}
}
