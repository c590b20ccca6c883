package scim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimkit/scim/internal/jsonw"
)

// Bulk limits advertised in /ServiceProviderConfig when the Handler's own
// fields leave them unset.
const (
	DefaultMaxBulkOperations = 1000
	DefaultMaxBulkPayload    = 4 << 20
)

func (h *Handler) bulkLimits() (ops int, payload int64) {
	ops, payload = h.MaxBulkOperations, h.MaxBulkPayloadBytes
	if ops <= 0 {
		ops = DefaultMaxBulkOperations
	}
	if payload <= 0 {
		payload = DefaultMaxBulkPayload
	}
	return ops, payload
}

// bulkRequest is the body of POST /Bulk (RFC 7644 §3.7). encoding/json
// matches its keys case-insensitively, as clients need.
type bulkRequest struct {
	FailOnErrors *int         `json:"failOnErrors"`
	Operations   []bulkOpJSON `json:"Operations"`
}

type bulkOpJSON struct {
	Method  string          `json:"method"`
	BulkID  string          `json:"bulkId"`
	Version string          `json:"version"`
	Path    string          `json:"path"`
	Data    json.RawMessage `json:"data"`
}

// bulkResult is one operation's entry in the BulkResponse.
type bulkResult struct {
	method, bulkID, location, version string
	status                            int
	err                               *Error
}

const bulkRefPrefix = "bulkId:"

func (req *request) serveBulk(rest string) {
	if !req.single(rest, http.MethodPost) {
		return
	}
	maxOps, maxPayload := req.h.bulkLimits()
	body, err := io.ReadAll(io.LimitReader(req.r.Body, maxPayload+1))
	if err != nil {
		req.fail(Errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "reading the request body: %v", err))
		return
	}
	if int64(len(body)) > maxPayload {
		req.fail(Errorf(http.StatusRequestEntityTooLarge, "", "the bulk request is larger than maxPayloadSize (%d bytes); split it into several requests", maxPayload))
		return
	}
	if err := checkUTF8(body); err != nil {
		req.fail(err) // the whole request: its operations' data are not the client's either
		return
	}
	var br bulkRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&br); err != nil {
		req.fail(invalidSyntax(err))
		return
	}
	observedBulk(req.w, len(br.Operations))
	if len(br.Operations) == 0 {
		req.fail(Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "a BulkRequest needs a non-empty Operations array"))
		return
	}
	if len(br.Operations) > maxOps {
		req.fail(Errorf(http.StatusRequestEntityTooLarge, "", "the bulk request has %d operations, more than maxOperations (%d); split it into several requests", len(br.Operations), maxOps))
		return
	}
	failOn := 0
	if br.FailOnErrors != nil {
		failOn = *br.FailOnErrors
	}

	var results []*bulkResult
	run := func(s Store) error {
		req.store = s
		results = req.runBulk(br.Operations, failOn)
		return nil
	}
	if b, ok := req.h.Store.(Batcher); ok {
		req.deferEvents = true
		err = b.Batch(req.ctx, run)
		req.deferEvents = false
		req.store = req.h.Store
		if err != nil {
			req.pending = nil
			req.fail(err)
			return
		}
		req.flushEvents()
	} else {
		_ = run(req.h.Store)
	}
	req.writeJSON(http.StatusOK, encodeBulkResponse(results))
}

// runBulk executes the operations, resolving bulkId references: an
// operation that refers to a user created later in the request waits for
// it; references that can never resolve (a cycle, an unknown or failed
// bulkId) fail with 409.
func (req *request) runBulk(ops []bulkOpJSON, failOn int) []*bulkResult {
	results := make([]*bulkResult, len(ops))
	created := make(map[string]string) // bulkId → id
	defined := make(map[string]int)    // bulkId → index of the POST defining it
	for i, op := range ops {
		if op.BulkID != "" && strings.EqualFold(op.Method, http.MethodPost) {
			if _, dup := defined[op.BulkID]; !dup {
				defined[op.BulkID] = i
			}
		}
	}
	errorsSeen := 0
	pending := make([]int, len(ops))
	for i := range pending {
		pending[i] = i
	}
	// The rate limit counts each operation, as Peakon does. The request
	// itself was charged one, which pays for the first operation; when the
	// budget runs out part-way, the remaining operations answer 429.
	prepaid, limited := 1, error(nil)
	for progress := true; progress && len(pending) > 0; {
		progress = false
		var waiting []int
		for _, i := range pending {
			if failOn > 0 && errorsSeen >= failOn {
				return compact(results)
			}
			op := ops[i]
			refs := bulkRefs(op)
			wait, bad := false, ""
			for _, ref := range refs {
				if _, ok := created[ref]; ok {
					continue
				}
				j, ok := defined[ref]
				if !ok || results[j] != nil || j == i {
					bad = ref
					break
				}
				wait = true
			}
			if wait && bad == "" {
				waiting = append(waiting, i)
				continue
			}
			progress = true
			res := &bulkResult{method: strings.ToUpper(op.Method), bulkID: op.BulkID}
			results[i] = res
			switch {
			case bad != "":
				res.fail(Errorf(http.StatusConflict, ScimTypeInvalidValue, "bulkId:%s does not name a user created by an earlier successful operation of this request", bad))
			case limited != nil:
				res.fail(limited)
			default:
				if prepaid > 0 {
					prepaid--
				} else if err := req.spend(1); err != nil {
					limited = err
					res.fail(err)
					break
				}
				req.execBulk(op, created, res)
			}
			if res.err != nil {
				errorsSeen++
			} else if res.method == http.MethodPost && op.BulkID != "" {
				created[op.BulkID] = strings.TrimPrefix(res.location, req.base+"/Users/")
			}
		}
		pending = waiting
	}
	for _, i := range pending { // what is left waits on itself: a cycle
		if failOn > 0 && errorsSeen >= failOn {
			break
		}
		res := &bulkResult{method: strings.ToUpper(ops[i].Method), bulkID: ops[i].BulkID}
		res.fail(Errorf(http.StatusConflict, ScimTypeInvalidValue, "circular bulkId references: this operation and the ones it refers to wait on each other; split them into two requests"))
		results[i] = res
		errorsSeen++
	}
	return compact(results)
}

func compact(results []*bulkResult) []*bulkResult {
	out := results[:0:0]
	for _, r := range results {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

func (r *bulkResult) fail(err error) {
	r.err = asError(err)
	r.status = r.err.Status
}

// execBulk runs one operation with its bulkId references substituted.
func (req *request) execBulk(op bulkOpJSON, created map[string]string, res *bulkResult) {
	path := strings.Trim(op.Path, "/")
	resource, id, _ := strings.Cut(path, "/")
	if strings.HasPrefix(id, bulkRefPrefix) {
		id = created[strings.TrimPrefix(id, bulkRefPrefix)]
	}
	if !strings.EqualFold(resource, "Users") || strings.Contains(id, "/") {
		if strings.EqualFold(resource, "Groups") {
			res.fail(Errorf(http.StatusNotImplemented, "", "groups are not supported: Peakon provisions users only"))
		} else {
			res.fail(Errorf(http.StatusBadRequest, ScimTypeInvalidPath, "path %q: bulk operations apply to /Users and /Users/{id}", op.Path))
		}
		return
	}
	data := op.Data
	if len(created) > 0 && bytes.Contains(data, []byte(bulkRefPrefix)) {
		data = substituteBulkIDs(data, created)
	}
	var u *User
	var err error
	switch strings.ToUpper(op.Method) {
	case http.MethodPost:
		if id != "" {
			err = Errorf(http.StatusBadRequest, ScimTypeInvalidPath, "POST takes the path /Users, not %q", op.Path)
			break
		}
		u, err = req.create(data)
		if err == nil {
			res.status = http.StatusCreated
		}
	case http.MethodPut, http.MethodPatch, http.MethodDelete:
		if id == "" {
			err = Errorf(http.StatusBadRequest, ScimTypeInvalidPath, "%s needs the path /Users/{id}, not %q", op.Method, op.Path)
			break
		}
		switch strings.ToUpper(op.Method) {
		case http.MethodPut:
			u, err = req.replace(id, data, op.Version)
		case http.MethodPatch:
			u, err = req.patch(id, data, op.Version)
		default:
			err = req.remove(id, op.Version)
			if err == nil {
				res.status = http.StatusNoContent
				res.location = req.location(id)
			}
		}
		if err == nil && u != nil {
			res.status = http.StatusOK
		}
	default:
		err = Errorf(http.StatusBadRequest, ScimTypeInvalidValue, "method %q is not a bulk method (POST, PUT, PATCH, DELETE)", op.Method)
	}
	if err != nil {
		res.fail(err)
		return
	}
	if u != nil {
		res.location, res.version = req.location(u.ID), u.Meta.Version
	}
}

// bulkRefs lists the bulkIds an operation refers to, in its path or data.
func bulkRefs(op bulkOpJSON) []string {
	var refs []string
	if _, id, _ := strings.Cut(strings.Trim(op.Path, "/"), "/"); strings.HasPrefix(id, bulkRefPrefix) {
		refs = append(refs, strings.TrimPrefix(id, bulkRefPrefix))
	}
	if !bytes.Contains(op.Data, []byte(bulkRefPrefix)) {
		return refs
	}
	var v any
	if json.Unmarshal(op.Data, &v) != nil {
		return refs
	}
	walkStrings(v, func(s string) string {
		if strings.HasPrefix(s, bulkRefPrefix) {
			refs = append(refs, strings.TrimPrefix(s, bulkRefPrefix))
		}
		return s
	})
	return refs
}

// substituteBulkIDs replaces every string value "bulkId:x" in data by the
// id of the user created as x.
func substituteBulkIDs(data json.RawMessage, created map[string]string) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return data
	}
	v = walkStrings(v, func(s string) string {
		if id, ok := created[strings.TrimPrefix(s, bulkRefPrefix)]; ok && strings.HasPrefix(s, bulkRefPrefix) {
			return id
		}
		return s
	})
	out, err := json.Marshal(v)
	if err != nil {
		return data
	}
	return out
}

func walkStrings(v any, f func(string) string) any {
	switch x := v.(type) {
	case string:
		return f(x)
	case []any:
		for i := range x {
			x[i] = walkStrings(x[i], f)
		}
	case map[string]any:
		for k := range x {
			x[k] = walkStrings(x[k], f)
		}
	}
	return v
}

func encodeBulkResponse(results []*bulkResult) []byte {
	buf := make([]byte, 0, 64+len(results)*160)
	buf = append(buf, `{"schemas":["`+MessageBulkResponse+`"],"Operations":[`...)
	for i, r := range results {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '{')
		buf = jsonw.Key(buf, "method")
		buf = jsonw.String(buf, r.method)
		if r.bulkID != "" {
			buf = jsonw.Key(buf, "bulkId")
			buf = jsonw.String(buf, r.bulkID)
		}
		if r.location != "" {
			buf = jsonw.Key(buf, "location")
			buf = jsonw.String(buf, r.location)
		}
		if r.version != "" {
			buf = jsonw.Key(buf, "version")
			buf = jsonw.String(buf, r.version)
		}
		buf = jsonw.Key(buf, "status")
		buf = jsonw.String(buf, strconv.Itoa(r.status))
		if r.err != nil {
			body, _ := r.err.MarshalJSON()
			buf = jsonw.Key(buf, "response")
			buf = append(buf, body...)
		}
		buf = append(buf, '}')
	}
	return append(buf, "]}"...)
}

// flushEvents delivers the events a batch deferred until its commit.
func (req *request) flushEvents() {
	pending := req.pending
	req.pending = nil
	for _, e := range pending {
		req.h.OnChange(req.ctx, e)
	}
}
