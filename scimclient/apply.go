package scimclient

import (
	"context"
	"net/http"
	"strconv"

	"github.com/scimkit/scim"
)

// syncBatch bounds the operations of one bulk request of Sync, below the
// endpoint's own maxOperations, so that progress is reported as it goes.
const syncBatch = 1000

// apply carries out the round's changes, recording each outcome in its
// Step. It returns an error only when the context ended.
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
		for i, ch := range chunk {
			ops[i] = s.bulkOp(ch)
		}
		results, err := s.c.Bulk(ctx, ops)
		for i, ch := range chunk {
			if i < len(results) {
				ch.Err = results[i].Err
				if ch.Action == ActionCreate && results[i].ID != "" {
					ch.ID = results[i].ID
				}
			} else {
				ch.Err = err
			}
		}
		if err != nil {
			for _, ch := range work[start+len(chunk):] {
				ch.Err = err
			}
			return err
		}
		s.progress(len(chunk))
	}
	return nil
}

func (s *syncer) applyEach(ctx context.Context, work []*Step) error {
	for i, ch := range work {
		var u *scim.User
		var err error
		switch ch.Action {
		case ActionCreate:
			u, err = s.c.Create(ctx, ch.User)
		case ActionDelete:
			err = s.c.Delete(ctx, ch.ID, ch.version)
		default:
			u, err = s.c.Patch(ctx, ch.ID, &Patch{Operations: ch.Operations, Version: ch.version})
		}
		ch.Err = err
		if u != nil && ch.ID == "" {
			ch.ID = u.ID
		}
		if ctx.Err() != nil {
			for _, rest := range work[i:] {
				if rest.Err == nil || rest == ch {
					rest.Err = ctx.Err()
				}
			}
			return ctx.Err()
		}
		s.progress(1)
	}
	return nil
}

func (s *syncer) progress(n int) {
	s.done += n
	if s.opts.Progress != nil {
		s.opts.Progress(min(s.done, max(s.total, s.done)), max(s.total, s.done))
	}
}
