package scimclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/scimkit/scim"
)

// Key names the attribute Sync matches desired and existing employees by.
type Key string

// Keys Sync can match by.
const (
	// KeyUserName matches by userName, ignoring case as Peakon does.
	KeyUserName Key = "userName"
	// KeyExternalID matches by externalId, the HR system's own id, so
	// that a changed email address is an update, not a new employee. An
	// employee the endpoint holds without an externalId is matched by
	// userName instead, and gets its externalId set.
	KeyExternalID Key = "externalId"
)

// DefaultMaxDeactivate is the share of the active employees Sync refuses
// to exceed when deactivating those absent from the desired set.
const DefaultMaxDeactivate = 0.10

// ErrTooManyDeactivations is returned by Sync, before any write, when the
// plan would deactivate more than SyncOptions.MaxDeactivate of the active
// employees: a truncated HR export must not empty a company's surveys.
var ErrTooManyDeactivations = errors.New("scimclient: refusing to deactivate so many active employees")

// SyncOptions tune Sync. The zero value matches by userName, manages every
// attribute, applies the plan and deactivates at most 10 % of the active
// employees.
type SyncOptions struct {
	// Key is the attribute employees are matched by (KeyUserName if empty).
	Key Key
	// Attributes, when not nil, limits the attributes Sync compares and
	// patches to those named (as in a filter: "name.givenName", "emails",
	// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
	// a Peakon attribute by its URN-qualified display name): attributes
	// the HR system does not know of are left as they are. Active is
	// always managed.
	Attributes []string
	// DryRun computes and returns the plan without writing anything.
	DryRun bool
	// DeleteAbsent deletes employees absent from the desired set instead
	// of deactivating them. Deleting destroys their survey history.
	DeleteAbsent bool
	// MaxDeactivate is the largest share (0 to 1) of the currently active
	// employees that may be deactivated (or deleted) for being absent;
	// DefaultMaxDeactivate when 0. Force lifts the limit.
	MaxDeactivate float64
	Force         bool
	// Progress, when set, is called after each request that writes, with
	// the number of changes done (applied or failed) and the total.
	Progress func(done, total int)
}

// Action is what Sync does to one employee.
type Action string

// Actions of a Step.
const (
	ActionCreate     Action = "create"
	ActionUpdate     Action = "update"
	ActionReactivate Action = "reactivate"
	ActionDeactivate Action = "deactivate"
	ActionDelete     Action = "delete"
	// ActionSkip marks a desired employee Sync could not act on (no key,
	// a duplicate key, an invalid value); Err says why.
	ActionSkip Action = "skip"
)

// Step is what Sync plans, and then does, for one employee. (It is not
// a scim.Change, which is an entry of the server's change feed.)
type Step struct {
	Action Action
	// Key is the employee's key value (userName or externalId); for an
	// absent employee without one, "id:" and the id.
	Key      string
	UserName string
	// ID is the employee's id on the endpoint (after a create, once known).
	ID string
	// User is the employee to create (ActionCreate).
	User *scim.User
	// Operations are the attribute changes of an update, a reactivation or
	// a deactivation, and, after a create, the references set once the
	// employees they name existed.
	Operations []scim.PatchOperation
	// Err is why the change failed (or, for ActionSkip, was not planned);
	// nil once applied.
	Err error
	// Index is the employee's position in the desired slice; -1 for an
	// employee absent from it.
	Index int

	version string
}

// Report is what Sync planned and did.
type Report struct {
	// Steps are the creates, updates and reactivations, deactivations
	// (or deletes) and skips, in that order.
	Steps []*Step
	// Unchanged counts the desired employees that needed nothing.
	Unchanged int
}

// Count returns how many steps have the action.
func (r *Report) Count(a Action) int {
	n := 0
	for _, c := range r.Steps {
		if c.Action == a {
			n++
		}
	}
	return n
}

// Failed returns the steps that failed or were skipped.
func (r *Report) Failed() []*Step {
	var out []*Step
	for _, c := range r.Steps {
		if c.Err != nil {
			out = append(out, c)
		}
	}
	return out
}

// maxRounds bounds Sync's plan-and-apply rounds: the first does the work,
// the second sets references to employees the first created and redoes
// what an uncertain failure (a lost answer, a concurrent change) left
// undone, the third catches what the second raced with.
const maxRounds = 3

// Sync makes the endpoint's employees equal to desired, matched by
// opts.Key: it creates those missing, patches those that differ with only
// the attributes that differ (Diff, never a blind PUT), reactivates those
// returning and deactivates those absent (never deletes unless
// opts.DeleteAbsent). Active is taken from each desired user: set it true
// for an active employee.
//
// Differences are judged after the server's normalisation, so that a
// second run with the same input writes nothing: desired users are
// rendered and read back through the endpoint's model (dates as
// YYYY-MM-DD, numbers canonical, one primary email), Employee attributes
// are compared as the referenced employee's email and the manager as
// their id, whichever of id, userName, email or externalId the input
// names them by, and repeated values of multi-valued attributes count
// once. A reference to an employee this run creates is set once that
// employee exists.
//
// Writes go through /Bulk when the endpoint supports it, else one request
// each. Updates carry the version read as If-Match, so a concurrent change
// makes them fail and be planned again rather than overwrite it. A
// failure of one employee does not stop the others; each Step of the
// report carries its outcome. After a crash or a cancellation half way, a
// new run converges: Sync always starts from what the endpoint holds.
//
// The error is non-nil when Sync could not run (the endpoint could not be
// read, the context ended) or refused to (ErrTooManyDeactivations); the
// report then holds what was planned and done so far.
func Sync(ctx context.Context, c *Client, desired []*scim.User, opts SyncOptions) (*Report, error) {
	if opts.Key == "" {
		opts.Key = KeyUserName
	}
	if opts.Key != KeyUserName && opts.Key != KeyExternalID {
		return nil, fmt.Errorf("scimclient: Sync: unknown key %q (use userName or externalId)", opts.Key)
	}
	if opts.MaxDeactivate == 0 {
		opts.MaxDeactivate = DefaultMaxDeactivate
	}
	m, err := c.Model(ctx)
	if err != nil {
		return nil, err
	}
	managed, err := managedAttrs(m, opts.Attributes)
	if err != nil {
		return nil, err
	}
	s := &syncer{c: c, m: m, opts: opts, managed: managed, desired: desired}
	return s.run(ctx)
}

type syncer struct {
	c       *Client
	m       *scim.Model
	opts    SyncOptions
	managed attrSet
	desired []*scim.User

	report *Report
	byKey  map[string]*Step // the report's changes by key, across rounds
	final  map[string]bool  // keys whose failure is not worth retrying
	done   int
	total  int
}

func (s *syncer) run(ctx context.Context) (*Report, error) {
	s.report = &Report{}
	s.byKey = map[string]*Step{}
	s.final = map[string]bool{}
	for round := 0; round < maxRounds; round++ {
		current, err := s.list(ctx)
		if err != nil {
			return s.report, err
		}
		p := s.plan(current)
		if round == 0 {
			s.report.Unchanged = p.unchanged
			if err := s.checkThreshold(p, current); err != nil {
				s.report.Steps = p.all()
				return s.report, err
			}
			if s.opts.DryRun {
				s.report.Steps = p.all()
				return s.report, nil
			}
			for _, ch := range p.skips {
				s.final[ch.Key] = true
			}
		}
		// What was retried and is now in order has converged.
		for key, ch := range s.byKey {
			if ch.Err != nil && !s.final[key] && !p.touches(key) {
				ch.Err = nil
			}
		}
		work := p.work(s.final)
		if round == 0 {
			s.total = len(work)
			s.merge(p.skips)
		}
		if len(work) == 0 {
			break
		}
		if err := s.apply(ctx, work); err != nil {
			s.merge(work)
			return s.report, err
		}
		s.merge(work)
		again := p.deferred
		for _, ch := range work {
			switch {
			case ch.Err == nil:
			case retryable(ch.Err):
				again = true
			default:
				s.final[ch.Key] = true
			}
		}
		if !again {
			break
		}
	}
	return s.report, nil
}

// merge adds the round's changes to the report, folding a later round's
// change of an employee into the first.
func (s *syncer) merge(changes []*Step) {
	for _, ch := range changes {
		prev := s.byKey[ch.Key]
		if prev == nil {
			s.byKey[ch.Key] = ch
			s.report.Steps = append(s.report.Steps, ch)
			continue
		}
		if prev == ch {
			continue
		}
		if prev.Action == ActionCreate && ch.Action != ActionCreate {
			prev.Operations = append(prev.Operations, ch.Operations...)
		} else {
			prev.Action, prev.User, prev.Operations = ch.Action, ch.User, ch.Operations
		}
		prev.ID, prev.Err = ch.ID, ch.Err
	}
	order := map[Action]int{ActionCreate: 0, ActionUpdate: 1, ActionReactivate: 1, ActionDeactivate: 2, ActionDelete: 2, ActionSkip: 3}
	changes = s.report.Steps
	for i := 1; i < len(changes); i++ { // stable insertion sort by action group
		for j := i; j > 0 && order[changes[j].Action] < order[changes[j-1].Action]; j-- {
			changes[j], changes[j-1] = changes[j-1], changes[j]
		}
	}
}

// retryable: a failure a later round may overcome.
func retryable(err error) bool {
	var e *scim.Error
	if errors.As(err, &e) {
		switch e.Status {
		case http.StatusPreconditionFailed, http.StatusTooManyRequests, http.StatusNotFound:
			return true
		}
	}
	return uncertain(err)
}

func (s *syncer) list(ctx context.Context) ([]*scim.User, error) {
	var users []*scim.User
	for u, err := range s.c.List(ctx, ListOptions{}) {
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, nil
}

func (s *syncer) checkThreshold(p *plan, current []*scim.User) error {
	if s.opts.Force || p.absentActive == 0 {
		return nil
	}
	active := 0
	for _, u := range current {
		if u.Active {
			active++
		}
	}
	if float64(p.absentActive) > s.opts.MaxDeactivate*float64(active) {
		return fmt.Errorf("%w: %d of %d active employees are absent from the desired set (the limit is %.0f %%); check the input, or force it",
			ErrTooManyDeactivations, p.absentActive, active, 100*s.opts.MaxDeactivate)
	}
	return nil
}

func managedAttrs(m *scim.Model, names []string) (attrSet, error) {
	if names == nil {
		return nil, nil
	}
	set := attrSet{m.Core().Attribute("active"): true}
	for _, name := range names {
		a, rest := m.Lookup(name)
		if a == nil {
			return nil, fmt.Errorf("scimclient: Sync: unknown attribute %q", name)
		}
		if rest != "" {
			sub := a.Sub(strings.TrimPrefix(rest, "."))
			if sub == nil {
				return nil, fmt.Errorf("scimclient: Sync: unknown attribute %q", name)
			}
			a = sub
		}
		set[a] = true
	}
	return set, nil
}

// sameEncoding is the fast path of the comparison: most employees of a
// routine sync have not changed, and their canonical renderings are
// byte for byte the same.
func sameEncoding(m *scim.Model, a, b *scim.User) bool {
	return bytes.Equal(m.EncodeUser(nil, a, nil), m.EncodeUser(nil, b, nil))
}
