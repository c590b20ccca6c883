package scimclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimkit/scim"
)

// BulkOperation is one write of a bulk request (RFC 7644 §3.7).
type BulkOperation struct {
	// Method is POST, PUT, PATCH or DELETE.
	Method string
	// Path is "/Users" for POST, "/Users/{id}" otherwise.
	Path string
	// BulkID names a POST so that later operations may refer to the user
	// it creates as "bulkId:<BulkID>". Bulk gives every operation one
	// (op1, op2, ...) if it has none, to match results to operations.
	BulkID string
	// Version is sent as the operation's version (If-Match).
	Version string
	// Data is the body: a *scim.User, a *Patch, or any JSON value.
	Data any
}

// BulkResult is the outcome of one BulkOperation.
type BulkResult struct {
	BulkID   string
	Status   int
	Location string
	// ID is the user's id, taken from Location.
	ID      string
	Version string
	// Err is the operation's error, a *RequestError: naming the operation,
	// with the server's *scim.Error for it, or naming the bulk request
	// that carried the operation, with why it failed (a lost answer, a
	// cancelled context; Attempts is 0 when the operation was never
	// sent). Nil on success.
	Err error
}

// safe reports whether the operation may be repeated without doing its work twice.
func (op *BulkOperation) safe() bool {
	switch strings.ToUpper(op.Method) {
	case http.MethodDelete:
		return true
	case http.MethodPut, http.MethodPatch:
		return op.Version != ""
	}
	return false
}

type bulkOpJSON struct {
	Method  string          `json:"method"`
	BulkID  string          `json:"bulkId,omitempty"`
	Version string          `json:"version,omitempty"`
	Path    string          `json:"path"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// bulkEnvelope is the size of a BulkRequest without its operations, with
// room to spare.
const bulkEnvelope = 128

// Bulk sends the operations as /Bulk requests, as many as the endpoint's
// advertised maxOperations and maxPayloadSize require, one after the
// other, and returns one result per operation, in order. A failed
// operation does not stop the others (failOnErrors is not sent). A request
// holding only operations safe to repeat (DELETE, PUT and PATCH with a
// version) is retried after a 5xx or a network failure; one holding a POST
// is not, and its operations report the failure: check with the endpoint
// (list the users) before creating them again.
//
// The error is non-nil only when nothing more could be sent: the endpoint
// does not support bulk, or the context ended.
func (c *Client) Bulk(ctx context.Context, ops []BulkOperation) ([]BulkResult, error) {
	spc, err := c.ServiceProviderConfig(ctx)
	if err != nil {
		return nil, err
	}
	if !spc.Bulk.Supported {
		return nil, errors.New("scimclient: the endpoint does not support bulk requests")
	}
	maxOps, maxPayload := spc.Bulk.MaxOperations, spc.Bulk.MaxPayloadSize
	if maxOps <= 0 {
		maxOps = len(ops)
	}
	if c.limiter != nil && c.limiter.limit > 0 {
		maxOps = min(maxOps, c.limiter.limit)
	}
	encoded := make([]json.RawMessage, len(ops))
	ids := make([]string, len(ops))
	for i := range ops {
		op := &ops[i]
		j := bulkOpJSON{Method: strings.ToUpper(op.Method), BulkID: op.BulkID, Version: op.Version, Path: op.Path}
		if j.BulkID == "" {
			j.BulkID = "op" + strconv.Itoa(i+1)
		}
		ids[i] = j.BulkID
		if op.Data != nil {
			if j.Data, err = json.Marshal(op.Data); err != nil {
				return nil, fmt.Errorf("scimclient: bulk operation %d: %w", i, err)
			}
		}
		if encoded[i], err = json.Marshal(j); err != nil {
			return nil, err
		}
		if maxPayload > 0 && int64(len(encoded[i])+bulkEnvelope) > maxPayload {
			return nil, fmt.Errorf("scimclient: bulk operation %d is %d bytes, more than the endpoint's maxPayloadSize (%d)", i, len(encoded[i]), maxPayload)
		}
	}
	results := make([]BulkResult, len(ops))
	for start := 0; start < len(ops); {
		end, size := start, int64(bulkEnvelope)
		for end < len(ops) && end-start < maxOps && (maxPayload <= 0 || size+int64(len(encoded[end])+1) <= maxPayload) {
			size += int64(len(encoded[end]) + 1)
			end++
		}
		if err := c.bulkChunk(ctx, ops[start:end], encoded[start:end], ids[start:end], results[start:end]); err != nil {
			unsent := &RequestError{Method: http.MethodPost, Path: "/Bulk", Err: err}
			for i := end; i < len(ops); i++ {
				results[i] = BulkResult{BulkID: ids[i], Err: unsent}
			}
			return results, err
		}
		start = end
	}
	return results, nil
}

// bulkChunk sends one bulk request and fills its results. It returns an
// error only when the context ended.
func (c *Client) bulkChunk(ctx context.Context, ops []BulkOperation, encoded []json.RawMessage, ids []string, results []BulkResult) error {
	safe := true
	body := []byte(`{"schemas":["` + scim.MessageBulkRequest + `"],"Operations":[`)
	for i, e := range encoded {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, e...)
		safe = safe && ops[i].safe()
	}
	body = append(body, "]}"...)
	res, err := c.do(ctx, call{method: http.MethodPost, path: "/Bulk", body: body, ops: len(ops), safe: safe})
	if err != nil {
		for i := range results {
			results[i] = BulkResult{BulkID: ids[i], Err: err}
		}
		return ctx.Err()
	}
	var resp struct {
		Operations []struct {
			BulkID   string          `json:"bulkId"`
			Location string          `json:"location"`
			Version  string          `json:"version"`
			Status   json.RawMessage `json:"status"`
			Response json.RawMessage `json:"response"`
		} `json:"Operations"`
	}
	if err := json.Unmarshal(res.body, &resp); err != nil {
		err = res.decodeError("a SCIM BulkResponse", err)
		for i := range results {
			results[i] = BulkResult{BulkID: ids[i], Err: err}
		}
		return nil
	}
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		results[i].BulkID = id
		index[id] = i
	}
	seen := make([]bool, len(results))
	for k, o := range resp.Operations {
		i, ok := index[o.BulkID]
		if !ok {
			i = k // a server that does not echo bulkIds answers in order
		}
		if i >= len(results) || seen[i] {
			continue
		}
		seen[i] = true
		r := &results[i]
		r.Status = statusOf(o.Status)
		r.Location, r.Version = o.Location, o.Version
		if j := strings.LastIndex(o.Location, "/Users/"); j >= 0 {
			r.ID = o.Location[j+len("/Users/"):]
		}
		if r.Status >= 400 || r.Status == 0 {
			e := new(scim.Error)
			if json.Unmarshal(o.Response, e) != nil || e.Status == 0 {
				e = &scim.Error{Status: r.Status, Detail: http.StatusText(r.Status)}
			}
			r.Err = opError(&ops[i], e)
		}
	}
	for i := range results {
		if !seen[i] {
			results[i].Err = opError(&ops[i], errors.New("the BulkResponse has no result for this operation"))
		}
	}
	return nil
}

// opError is the failure of one operation of a bulk request.
func opError(op *BulkOperation, err error) error {
	return &RequestError{Method: strings.ToUpper(op.Method), Path: op.Path, Attempts: 1, Err: err, bulk: true}
}

func statusOf(raw json.RawMessage) int {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}
