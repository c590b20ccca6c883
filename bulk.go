package scim

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/scimkit/scim/internal/jsonw"
)

// Bulk limits advertised in /ServiceProviderConfig when the [Handler]'s own
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
		req.fail(Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "reading the request body: %v", err))
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
	if _, err := dec.Token(); err != io.EOF {
		req.fail(Errorf(http.StatusBadRequest, SCIMTypeInvalidSyntax, "the bulk request has data after its JSON object; send one BulkRequest object"))
		return
	}
	observedBulk(req.w, len(br.Operations))
	if len(br.Operations) == 0 {
		req.fail(Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "a BulkRequest needs a non-empty Operations array"))
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

	// Everything about the references that does not depend on the
	// outcome of the writes is worked out here, before a [Batcher]'s
	// transaction (on SQLite, the single writer) is taken, and so are the
	// rate-limit charges: a shared limiter claims from the database, and
	// from inside the transaction it would need a second connection of a
	// pool that the open batches may all hold, for ever. What remains
	// inside depends on the writes: which operation runs next (linear in
	// the operations and references), the created ids substituted into
	// the data, each user's decoding and validation, and the writes. The
	// loop stops when the request's context ends.
	plan := planBulk(br.Operations)
	paid, refused := req.prepay(len(br.Operations) - 1)
	var results []*bulkResult
	run := func(s Store) error {
		req.store = s
		var err error
		results, err = req.runBulk(plan, failOn, paid, refused)
		return err
	}
	if b, ok := req.h.Store.(Batcher); ok {
		req.deferEvents = true
		err = b.Batch(req.ctx, run)
		req.deferEvents = false
		req.store = req.h.Store
		if err != nil {
			req.pending = nil
			req.fail(bulkStopped(req.ctx, err))
			return
		}
		req.flushEvents()
	} else {
		// Without a batch every operation that ran is committed, so when
		// the request's context ends part-way the answer lists those.
		_ = run(req.h.Store)
	}
	req.writeJSON(http.StatusOK, encodeBulkResponse(results))
}

// bulkStopped words the error that ended a bulk batch: when the request's
// context ended, nothing was committed and the client may send it again.
func bulkStopped(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		e := Errorf(http.StatusServiceUnavailable, "", "the request ended (%v) before its bulk operations were done; none of them was committed, send it again", cerr)
		e.RetryAfter = unavailableRetryAfter
		return e
	}
	return err
}

// bulkOp is one operation of a bulk request with its bulkId references
// found once, before any of them runs.
type bulkOp struct {
	bulkOpJSON
	// refs are the distinct bulkIds the operation refers to: its path's
	// first, then those of its data in sorted order.
	refs []string
	// tree is the decoded data when it refers to bulkIds, ready for their
	// substitution; nil otherwise.
	tree any
}

// bulkPlan is what a bulk request's references are, independent of how its
// writes turn out.
type bulkPlan struct {
	ops     []bulkOp
	defined map[string]int // bulkId → index of the first POST defining it
}

// planBulk parses each operation's references, once.
func planBulk(in []bulkOpJSON) *bulkPlan {
	p := &bulkPlan{ops: make([]bulkOp, len(in)), defined: make(map[string]int)}
	for i, op := range in {
		p.ops[i] = parseBulkOp(op)
		if op.BulkID != "" && strings.EqualFold(op.Method, http.MethodPost) {
			if _, dup := p.defined[op.BulkID]; !dup {
				p.defined[op.BulkID] = i
			}
		}
	}
	return p
}

// parseBulkOp finds the bulkIds op refers to, in its path or as a string
// value anywhere in its data.
func parseBulkOp(op bulkOpJSON) bulkOp {
	b := bulkOp{bulkOpJSON: op}
	if _, id, _ := strings.Cut(strings.Trim(op.Path, "/"), "/"); strings.HasPrefix(id, bulkRefPrefix) {
		b.refs = append(b.refs, strings.TrimPrefix(id, bulkRefPrefix))
	}
	if !bytes.Contains(op.Data, []byte(bulkRefPrefix)) {
		return b
	}
	dec := json.NewDecoder(bytes.NewReader(op.Data))
	dec.UseNumber()
	if dec.Decode(&b.tree) != nil {
		b.tree = nil // the operation itself reports the bad data
		return b
	}
	var data []string
	walkStrings(b.tree, func(s string) string {
		if ref, ok := strings.CutPrefix(s, bulkRefPrefix); ok {
			data = append(data, ref)
		}
		return s
	})
	if len(data) == 0 {
		b.tree = nil
		return b
	}
	slices.Sort(data)
	hasPath := len(b.refs) == 1
	for _, ref := range slices.Compact(data) {
		if !hasPath || ref != b.refs[0] {
			b.refs = append(b.refs, ref)
		}
	}
	return b
}

// runBulk executes the operations in the order a [bulkScheduler] gives,
// resolving bulkId references: an operation that refers to a user created
// later in the request waits for it; references that can never resolve (a
// cycle, an unknown or failed bulkId) fail with 409. Every operation that
// gets a result is charged to the rate limit, those failing on their
// references included: paid operations beyond the one the request paid for
// (see prepay), in the order they run; past them an operation answers
// refused. When the request's context ends, runBulk stops and returns its
// error with the results so far.
func (req *request) runBulk(p *bulkPlan, failOn, paid int, refused error) ([]*bulkResult, error) {
	s := newBulkScheduler(p)
	errorsSeen := 0
	// The rate limit counts each operation, as Peakon does. The request
	// itself was charged one, which pays for the first operation, and
	// prepay the others it could; when the budget runs out part-way, the
	// remaining operations answer 429.
	prepaid := 1 + paid
	charge := func() error {
		if prepaid > 0 {
			prepaid--
			return nil
		}
		return refused
	}
	for {
		i, ok := s.pop()
		if !ok {
			break
		}
		if failOn > 0 && errorsSeen >= failOn {
			return compact(s.results), nil
		}
		bad, wait := s.ready(i)
		if wait {
			continue
		}
		cerr := charge()
		if err := req.ctx.Err(); err != nil {
			return compact(s.results), err
		}
		op := &p.ops[i]
		res := &bulkResult{method: strings.ToUpper(op.Method), bulkID: op.BulkID}
		s.results[i] = res
		switch {
		case cerr != nil:
			res.fail(cerr)
		case bad != "":
			res.fail(Errorf(http.StatusConflict, SCIMTypeInvalidValue, "bulkId:%s does not name a user created by an earlier successful operation of this request", bad))
		default:
			req.execBulk(op, s.created, res)
		}
		if res.err != nil {
			errorsSeen++
		}
		s.ran(i, res)
	}
	for i := range p.ops { // what is left waits on itself: a cycle
		if s.results[i] != nil {
			continue
		}
		if failOn > 0 && errorsSeen >= failOn {
			break
		}
		cerr := charge()
		if err := req.ctx.Err(); err != nil {
			return compact(s.results), err
		}
		res := &bulkResult{method: strings.ToUpper(p.ops[i].Method), bulkID: p.ops[i].BulkID}
		if cerr != nil {
			res.fail(cerr)
		} else {
			res.fail(Errorf(http.StatusConflict, SCIMTypeInvalidValue, "circular bulkId references: this operation and the ones it refers to wait on each other; split them into two requests"))
		}
		s.results[i] = res
		errorsSeen++
	}
	return compact(s.results), nil
}

// bulkScheduler orders a bulk request's operations. They run in rounds:
// each round goes through the waiting operations in request order and runs
// those whose references are all created. An operation is looked at again
// only once a POST it waits for has run, so however the references chain,
// scheduling costs O((n+r) log n) for n operations and r references, not a
// decoding of every waiting operation per round.
type bulkScheduler struct {
	p       *bulkPlan
	results []*bulkResult     // by operation, nil until it runs
	created map[string]string // bulkId → id
	waiters [][]int           // waiters[j]: operations waiting for POST j's bulkId
	missing []int             // a waiting operation's references not yet created
	queued  []bool            // in round or next
	round   bulkQueue         // this round's operations to look at
	next    bulkQueue         // the next round's
}

func newBulkScheduler(p *bulkPlan) *bulkScheduler {
	n := len(p.ops)
	s := &bulkScheduler{p: p, results: make([]*bulkResult, n), created: make(map[string]string),
		waiters: make([][]int, n), missing: make([]int, n), queued: make([]bool, n), round: make(bulkQueue, n)}
	for i := range s.round {
		s.round[i], s.queued[i] = i, true
	}
	return s
}

// pop returns the next operation to look at, starting the next round when
// this one is done; false when no operation is left to look at.
func (s *bulkScheduler) pop() (int, bool) {
	if len(s.round) == 0 {
		s.round, s.next = s.next, s.round[:0]
		heap.Init(&s.round)
		if len(s.round) == 0 {
			return 0, false
		}
	}
	i := heap.Pop(&s.round).(int)
	s.queued[i] = false
	return i, true
}

// ready reports whether operation i may run: wait, when it refers to POSTs
// of the request not yet run (it is looked at again once they have); bad,
// the first bulkId it refers to that no operation will create (it runs, to
// fail).
func (s *bulkScheduler) ready(i int) (bad string, wait bool) {
	op := &s.p.ops[i]
	n := 0
	for _, ref := range op.refs {
		if _, ok := s.created[ref]; ok {
			continue
		}
		j, ok := s.p.defined[ref]
		if !ok || s.results[j] != nil || j == i {
			return ref, false
		}
		n++
	}
	if n == 0 {
		return "", false
	}
	if s.missing[i] == 0 { // first look: wait for the POSTs
		for _, ref := range op.refs {
			if _, ok := s.created[ref]; !ok {
				j := s.p.defined[ref]
				s.waiters[j] = append(s.waiters[j], i)
			}
		}
	}
	s.missing[i] = n
	return "", true
}

// ran records that operation i ran, and wakes the operations waiting for
// its bulkId: all of them when it failed, those with nothing else to wait
// for when it succeeded.
func (s *bulkScheduler) ran(i int, res *bulkResult) {
	op := &s.p.ops[i]
	if res.method != http.MethodPost || op.BulkID == "" {
		return
	}
	id := op.BulkID
	_, had := s.created[id]
	switch {
	case res.err == nil:
		s.created[id] = res.location[strings.LastIndexByte(res.location, '/')+1:] // a user's or a group's id
		if !had {
			for _, w := range s.waiters[s.p.defined[id]] {
				if s.missing[w]--; s.missing[w] == 0 {
					s.enqueue(w, i)
				}
			}
		}
	case !had && s.p.defined[id] == i:
		for _, w := range s.waiters[i] {
			s.enqueue(w, i)
		}
	}
}

// enqueue puts woken operation w back: in this round if the round has not
// reached it yet (it comes after ran), else in the next.
func (s *bulkScheduler) enqueue(w, ran int) {
	if s.queued[w] || s.results[w] != nil {
		return
	}
	s.queued[w] = true
	if w > ran {
		heap.Push(&s.round, w)
	} else {
		s.next = append(s.next, w)
	}
}

// prepay charges the rate limit for up to n operations of a bulk request
// at once, before its batch begins (see serveBulk), and returns how many
// it paid for and, when fewer than n, the refusal for the rest: 429, or
// 503 when the limiter cannot decide. When n does not fit, it pays for as
// many as fit, halving its ask after each refusal: O(log n) calls. An
// operation the request does not run (failOnErrors stopped it) is charged
// all the same.
func (req *request) prepay(n int) (paid int, refused error) {
	for step := n; paid < n && step > 0; {
		k := min(step, n-paid)
		err := req.spend(k)
		if err == nil {
			paid += k
			continue
		}
		refused = err
		if e, ok := err.(*Error); !ok || e.Status != http.StatusTooManyRequests {
			break // the limiter is down: asking for less does not help
		}
		step = k / 2
	}
	return paid, refused
}

// bulkQueue is a min-heap of operation indexes, so that a round runs its
// operations in request order.
type bulkQueue []int

func (q bulkQueue) Len() int           { return len(q) }
func (q bulkQueue) Less(i, j int) bool { return q[i] < q[j] }
func (q bulkQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *bulkQueue) Push(x any)        { *q = append(*q, x.(int)) }
func (q *bulkQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
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

// end records an operation's outcome: its error, or else, when it wrote a
// resource (a delete does not), where the resource is and its version.
func (r *bulkResult) end(err error, wrote bool, written func() (location, version string)) {
	if err != nil {
		r.fail(err)
		return
	}
	if wrote {
		r.location, r.version = written()
	}
}

func notBulkMethod(method string) *Error {
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidValue, "method %q is not a bulk method (POST, PUT, PATCH, DELETE)", method)
}

// execBulk runs one operation with its bulkId references substituted.
func (req *request) execBulk(op *bulkOp, created map[string]string, res *bulkResult) {
	path := strings.Trim(op.Path, "/")
	resource, id, _ := strings.Cut(path, "/")
	if strings.HasPrefix(id, bulkRefPrefix) {
		id = created[strings.TrimPrefix(id, bulkRefPrefix)]
	}
	if strings.EqualFold(resource, "Groups") && req.h.Groups != nil && !strings.Contains(id, "/") {
		req.execBulkGroup(op, id, created, res)
		return
	}
	if !strings.EqualFold(resource, "Users") || strings.Contains(id, "/") {
		if strings.EqualFold(resource, "Groups") {
			res.fail(Errorf(http.StatusNotImplemented, "", "groups are not supported: Peakon provisions users only"))
		} else {
			res.fail(Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "path %q: bulk operations apply to /Users and /Users/{id}", op.Path))
		}
		return
	}
	data := op.data(created)
	var u *User
	var err error
	switch strings.ToUpper(op.Method) {
	case http.MethodPost:
		if id != "" {
			err = Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "POST takes the path /Users, not %q", op.Path)
			break
		}
		u, err = req.create(data)
		if err == nil {
			res.status = http.StatusCreated
		}
	case http.MethodPut, http.MethodPatch, http.MethodDelete:
		if id == "" {
			err = Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "%s needs the path /Users/{id}, not %q", op.Method, op.Path)
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
		err = notBulkMethod(op.Method)
	}
	res.end(err, u != nil, func() (string, string) { return req.location(u.ID), u.Meta.Version })
}

// data is the operation's data with every string value "bulkId:x"
// replaced by the id of the user (or group) created as x; if encoding the
// result fails, the data is used as sent.
func (op *bulkOp) data(created map[string]string) json.RawMessage {
	if op.tree == nil {
		return op.Data
	}
	tree := walkStrings(op.tree, func(s string) string {
		if ref, ok := strings.CutPrefix(s, bulkRefPrefix); ok {
			if id, ok := created[ref]; ok {
				return id
			}
		}
		return s
	})
	out, err := json.Marshal(tree)
	if err != nil {
		return op.Data
	}
	return out
}

// walkStrings calls f on every string value (not key) in a decoded JSON
// tree, replacing the value by f's result.
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
		req.deliver(e)
	}
}

// execBulkGroup runs one /Groups operation of a bulk request, when groups
// are on, with its bulkId references substituted: a group's members may
// name users (or groups) created earlier in the same request. Inside a
// Batcher's batch the group writes share its transaction.
func (req *request) execBulkGroup(op *bulkOp, id string, created map[string]string, res *bulkResult) {
	data := op.data(created)
	var g *Group
	var err error
	switch m := strings.ToUpper(op.Method); {
	case m == http.MethodPost:
		if id != "" {
			err = Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "POST takes the path /Groups, not %q", op.Path)
			break
		}
		if g, err = req.createGroup(data); err == nil {
			res.status = http.StatusCreated
		}
	case id == "" && (m == http.MethodPut || m == http.MethodPatch || m == http.MethodDelete):
		err = Errorf(http.StatusBadRequest, SCIMTypeInvalidPath, "%s needs the path /Groups/{id}, not %q", op.Method, op.Path)
	case m == http.MethodPut:
		g, err = req.replaceGroup(id, data, op.Version)
		res.status = http.StatusOK
	case m == http.MethodPatch:
		g, err = req.patchGroup(id, data, op.Version)
		res.status = http.StatusOK
	case m == http.MethodDelete:
		if err = req.removeGroup(id, op.Version); err == nil {
			res.status, res.location = http.StatusNoContent, req.groupLocation(id)
		}
	default:
		err = notBulkMethod(op.Method)
	}
	res.end(err, g != nil, func() (string, string) { return req.groupLocation(g.ID), g.Meta.Version })
}
