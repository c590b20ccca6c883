package scimclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
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

// DefaultDeactivateFloor is how many absent employees Sync deactivates
// whatever the share, so that a small company can lose a leaver or two
// without forcing.
const DefaultDeactivateFloor = 3

// DefaultMaxUsers bounds the employees Sync reads from an endpoint.
const DefaultMaxUsers = 5_000_000

// ErrTooManyDeactivations is returned by Sync, before any write, when the
// plan would deactivate more absent employees than SyncOptions allow, or
// every active employee of a company with more than one: a truncated HR
// export must not empty a company's surveys.
var ErrTooManyDeactivations = errors.New("scimclient: refusing to deactivate so many active employees")

// ErrTooManyUsers is returned by Sync when the endpoint holds, or sends,
// more users than SyncOptions.MaxUsers.
var ErrTooManyUsers = errors.New("scimclient: the endpoint lists more users than SyncOptions.MaxUsers")

// ErrUnreliableListing is returned by Sync when the endpoint's listing of
// its users could not be relied on to tell who is absent, in every one of
// a few readings: a user listed twice (offset paging while someone else
// provisions), a userName or key on two users, pages that repeat users or
// deliver more than the total they announce, a cursor the endpoint
// refuses after the first page (it restarted with a new cursor key, or its
// instances do not share one). Sync then deactivates
// nobody (those steps are not attempted) but applies the rest when the
// listing was complete; when it was not, it writes nothing.
var ErrUnreliableListing = errors.New("scimclient: the endpoint's listing of users cannot be relied on")

// ErrUnknownAttribute is returned by Sync, before anything is read or
// written, when desired users or SyncOptions.Attributes name attributes
// the endpoint's model lacks; the error names all of them.
var ErrUnknownAttribute = errors.New("scimclient: Sync: unknown attributes")

// SyncOptions tune Sync. The zero value matches by userName, manages every
// attribute, applies the plan and deactivates at most 10 % of the active
// employees (at least 3, never all).
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
	// DefaultMaxDeactivate when 0. DeactivateFloor absent employees are
	// allowed whatever the share: DefaultDeactivateFloor when 0, none when
	// negative. Deactivating every active employee of a company with more
	// than one is always refused. Force lifts these limits.
	MaxDeactivate   float64
	DeactivateFloor int
	Force           bool
	// StrictReferences skips a desired employee whose manager or Employee
	// attribute names nobody (neither an employee of the endpoint nor a
	// valid desired user). By default the employee is provisioned without
	// that reference (the endpoint's value is left as it is) and the step
	// carries a warning.
	StrictReferences bool
	// MaxUsers bounds the users Sync reads from the endpoint
	// (DefaultMaxUsers when 0): an endpoint announcing or sending more
	// makes Sync stop with ErrTooManyUsers.
	MaxUsers int
	// Progress, when set, is called after each request that writes, with
	// the number of steps done (applied or failed) and the total.
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
	// a duplicate, an invalid value); Err says why. Its status is always
	// StatusFailed.
	ActionSkip Action = "skip"
)

// Status is what became of a Step.
type Status string

// Statuses of a Step.
const (
	// StatusNotAttempted: Sync did not try the step. Err says why: the
	// refusal (ErrTooManyDeactivations), the context's end, a listing it
	// could not rely on (ErrUnreliableListing); nil in a dry run.
	StatusNotAttempted Status = "not attempted"
	// StatusApplied: the endpoint accepted the step (or, after an
	// uncertain failure, was found as the step would leave it).
	StatusApplied Status = "applied"
	// StatusFailed: the endpoint refused the step, or its outcome is
	// unknown (the answer was lost), or it was skipped; Err says why.
	StatusFailed Status = "failed"
)

// Step is what Sync plans, and then does, for one employee. (It is not
// a scim.Change, which is an entry of the server's change feed.)
type Step struct {
	Action Action
	Status Status
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
	// Err is why the step failed, or why it was not attempted; nil once
	// applied. A server's refusal is a *RequestError holding its
	// *scim.Error; a duplicate in the desired set is a *DuplicateError.
	Err error
	// Warnings are what was left out of the step to provision the
	// employee anyway: a manager or Employee attribute naming nobody.
	Warnings []string
	// Index is the employee's position in the desired slice; -1 for an
	// employee absent from it.
	Index int

	version string
}

// DuplicateError is why Sync skips a desired user: one before it in the
// desired slice has the same userName (compared ignoring case, as the
// endpoint does) or externalId.
type DuplicateError struct {
	Attribute string // "userName" or "externalId"
	Value     string
	Index     int // the skipped user's position in desired
	First     int // the earlier one's, which Sync provisions
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("desired[%d] has the same %s %q as desired[%d]", e.Index, e.Attribute, e.Value, e.First)
}

// Report is what Sync planned and did.
type Report struct {
	// Steps are the creates, updates and reactivations, deactivations
	// (or deletes) and skips, in that order.
	Steps []*Step
	// Unchanged counts the desired employees that needed nothing.
	Unchanged int
}

// Count returns how many steps have the action and the status; an empty
// action or status counts any. So a caller prints what happened as
//
//	fmt.Printf("created %d, updated %d, failed %d\n", r.Count(ActionCreate, StatusApplied),
//		r.Count(ActionUpdate, StatusApplied), r.Count("", StatusFailed))
func (r *Report) Count(a Action, s Status) int {
	n := 0
	for _, st := range r.Steps {
		if (a == "" || st.Action == a) && (s == "" || st.Status == s) {
			n++
		}
	}
	return n
}

// Failed returns the steps that failed (skips included).
func (r *Report) Failed() []*Step {
	var out []*Step
	for _, st := range r.Steps {
		if st.Status == StatusFailed {
			out = append(out, st)
		}
	}
	return out
}

// maxRounds bounds Sync's plan-and-apply rounds: the first does the work,
// the second sets references to employees the first created and redoes
// what an uncertain failure (a lost answer, a concurrent change) left
// undone, the third catches what the second raced with.
const maxRounds = 3

// maxListings bounds the readings of the endpoint's users in one round
// when a listing cannot be relied on.
const maxListings = 3

// Sync makes the endpoint's employees equal to desired, matched by
// opts.Key: it creates those missing, patches those that differ with only
// the attributes that differ (Diff, never a blind PUT), reactivates those
// returning and deactivates those absent (never deletes unless
// opts.DeleteAbsent). Active is taken from each desired user: set it true
// for an active employee.
//
// Before it writes, Sync checks each desired user as the endpoint would
// (required attributes, lengths, email format, the company's custom
// attributes and their types, dates, a userName an absent employee still
// holds) and skips those that would be refused, with every problem in the
// step's Err; a duplicate userName or
// externalId skips the later user (DuplicateError). Custom attributes
// the company does not have stop Sync at once (ErrUnknownAttribute).
//
// Differences are judged after the server's normalisation, so that a
// second run with the same input writes nothing: desired users are
// rendered and read back through the endpoint's model (dates as
// YYYY-MM-DD, numbers canonical, one primary email), Employee attributes
// are compared as the referenced employee's email and the manager as
// their id, whichever of id, userName, email or externalId the input
// names them by (see the package documentation), and repeated values of
// multi-valued attributes count once. A reference to an employee this
// run creates is set once that employee exists; one to nobody is left
// out with a warning (or, with StrictReferences, skips the employee).
//
// Sync reads the endpoint's users page by page (offset paging, which
// someone else provisioning meanwhile can make repeat or skip a user), at
// most MaxUsers of them. It never deactivates a user it matched, reads
// again when a reading cannot be relied on (ErrUnreliableListing), and
// deactivates nobody rather than trust one. The deactivation guard
// refuses, before any write, to deactivate more absent employees than
// max(MaxDeactivate of the active ones, DeactivateFloor), or every active
// employee of a company with more than one, unless Force.
//
// Writes go through /Bulk when the endpoint supports it, else one request
// each. Updates carry the version read as If-Match, so a concurrent change
// makes them fail and be planned again rather than overwrite it. A
// failure of one employee does not stop the others; each Step of the
// report carries its outcome (Status, Err). After a crash or a
// cancellation half way, a new run converges: Sync always starts from
// what the endpoint holds.
//
// The error is non-nil when Sync could not run (the endpoint could not be
// read, ErrUnknownAttribute, ErrTooManyUsers, the context ended), refused
// to (ErrTooManyDeactivations), or could not finish
// (ErrUnreliableListing); the report then holds what was planned, with
// each step's status. A nil error with failed steps means every step was
// tried: see Report.Failed.
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
	switch {
	case opts.DeactivateFloor == 0:
		opts.DeactivateFloor = DefaultDeactivateFloor
	case opts.DeactivateFloor < 0:
		opts.DeactivateFloor = 0
	}
	if opts.MaxUsers <= 0 {
		opts.MaxUsers = DefaultMaxUsers
	}
	m, err := c.Model(ctx)
	if err != nil {
		return nil, err
	}
	managed, err := managedAttrs(m, opts.Attributes, desired)
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
	byKey  map[string]*Step // the report's steps by key, across rounds
	final  map[string]bool  // keys whose failure is not worth retrying
	done   int
	total  int
}

func (s *syncer) run(ctx context.Context) (*Report, error) {
	s.report = &Report{}
	s.byKey = map[string]*Step{}
	s.final = map[string]bool{}
	var unreliable error // why this run's listings cannot tell who is absent
	var withheld error   // why absences were not attempted
	for round := 0; round < maxRounds; round++ {
		l, err := s.list(ctx)
		if err != nil {
			s.notAttempted(err)
			return s.report, err
		}
		p := s.plan(l)
		if l.unreliable != nil {
			unreliable = l.unreliable
		}
		if unreliable != nil && len(p.absent) > 0 {
			// Deactivate nobody on a listing that may have missed them
			// being there, nor in a later round of this run.
			for _, st := range p.absent {
				st.Err = unreliable
			}
			p.withheld, p.absent, p.absentActive = p.absent, nil, 0
			withheld = unreliable
		}
		if round == 0 {
			s.report.Unchanged = p.unchanged
			if s.opts.DryRun {
				s.merge(p.all())
				if err := s.checkThreshold(p, l.users); err != nil {
					return s.report, err
				}
				return s.report, withheld
			}
			if err := s.checkThreshold(p, l.users); err != nil {
				s.merge(p.all())
				s.notAttempted(err)
				return s.report, err
			}
		}
		// What was retried and is now in order has converged.
		for key, st := range s.byKey {
			if st.Status == StatusFailed && !s.final[key] && !p.touches(key) && (withheld == nil || st.Index >= 0) {
				st.Status, st.Err = StatusApplied, nil
			}
		}
		work := p.work(s.final)
		if round == 0 {
			s.total = len(work)
			s.merge(p.skips)
		}
		s.merge(p.withheld)
		if len(work) == 0 {
			break
		}
		err = s.apply(ctx, work)
		s.merge(work)
		if err != nil {
			s.notAttempted(err)
			return s.report, err
		}
		again := p.deferred
		for _, st := range work {
			switch {
			case st.Status == StatusApplied:
			case retryable(st.Err):
				again = true
			default:
				s.final[st.Key] = true
			}
		}
		if !again {
			break
		}
	}
	if withheld != nil {
		return s.report, withheld
	}
	return s.report, nil
}

// notAttempted gives the steps not tried yet the reason Sync stopped.
func (s *syncer) notAttempted(err error) {
	for _, st := range s.report.Steps {
		if st.Status == StatusNotAttempted && st.Err == nil {
			st.Err = err
		}
	}
}

// merge adds the round's steps to the report, folding a later round's
// step of an employee into the first.
func (s *syncer) merge(steps []*Step) {
	for _, st := range steps {
		if st.Action == ActionSkip {
			// Not the key's: a duplicate shares the key of the user it
			// duplicates.
			s.report.Steps = append(s.report.Steps, st)
			continue
		}
		prev := s.byKey[st.Key]
		if prev == nil {
			s.byKey[st.Key] = st
			s.report.Steps = append(s.report.Steps, st)
			continue
		}
		if prev == st {
			continue
		}
		if st.Status == StatusNotAttempted && prev.Status == StatusFailed {
			continue // the retry did not happen: the failure stands
		}
		if prev.Action == ActionCreate && st.Action != ActionCreate {
			// A create's references, set once the employees they name
			// exist: the step is done when they are.
			prev.Operations = append(prev.Operations, st.Operations...)
		} else {
			prev.Action, prev.User, prev.Operations = st.Action, st.User, st.Operations
		}
		prev.ID, prev.Status, prev.Err = st.ID, st.Status, st.Err
		for _, w := range st.Warnings { // a later round finds them again
			if !slices.Contains(prev.Warnings, w) {
				prev.Warnings = append(prev.Warnings, w)
			}
		}
	}
	order := map[Action]int{ActionCreate: 0, ActionUpdate: 1, ActionReactivate: 1, ActionDeactivate: 2, ActionDelete: 2, ActionSkip: 3}
	steps = s.report.Steps
	for i := 1; i < len(steps); i++ { // stable insertion sort by action group
		for j := i; j > 0 && order[steps[j].Action] < order[steps[j-1].Action]; j-- {
			steps[j], steps[j-1] = steps[j-1], steps[j]
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

// listing is one reading of the endpoint's users.
type listing struct {
	users []*scim.User // one per id, the latest copy, in order of appearance
	// unreliable, when not nil, is why the listing cannot tell who is
	// absent; incomplete, that it stopped before the end.
	unreliable error
	incomplete bool
}

// list reads the endpoint's users, again when a reading cannot be relied
// on, up to maxListings times. It returns the last reading when that one
// is complete, and an error when it is not.
func (s *syncer) list(ctx context.Context) (*listing, error) {
	var l *listing
	for range maxListings {
		var err error
		if l, err = s.listOnce(ctx); err != nil {
			return nil, err
		}
		if l.unreliable == nil {
			return l, nil
		}
	}
	if l.incomplete {
		return nil, fmt.Errorf("%w in %d readings, the last stopped early (%v); nothing was planned", ErrUnreliableListing, maxListings, l.unreliable)
	}
	l.unreliable = fmt.Errorf("%w in %d readings (%v), so nobody was deactivated: run Sync again when nobody else is provisioning, or, if the endpoint itself holds the duplicate, correct it there", ErrUnreliableListing, maxListings, l.unreliable)
	return l, nil
}

// listOnce reads the users once, deduplicating them by id, bounded by
// MaxUsers. A page that brings no new user, or a total delivered above
// the one announced, stops the reading as incomplete.
func (s *syncer) listOnce(ctx context.Context) (*listing, error) {
	l := &listing{}
	at := map[string]int{} // index in l.users by id
	delivered, pages := 0, 0
	var fatal error
	err := s.c.listPages(ctx, ListOptions{}, func(page *scim.ListResponse, byCursor bool) bool {
		pages++
		if page.TotalResults > s.opts.MaxUsers {
			fatal = fmt.Errorf("%w: it says it holds %d users, and MaxUsers is %d", ErrTooManyUsers, page.TotalResults, s.opts.MaxUsers)
			return false
		}
		fresh := 0
		for _, u := range page.Resources {
			if u == nil {
				continue
			}
			delivered++
			if u.ID == "" {
				fatal = fmt.Errorf("scimclient: GET /Users: the endpoint listed a user without an id (%q)", u.UserName)
				return false
			}
			if i, dup := at[u.ID]; dup {
				l.users[i] = u
				if l.unreliable == nil {
					l.unreliable = fmt.Errorf("user %s (%s) was listed twice", u.ID, u.UserName)
				}
				continue
			}
			at[u.ID] = len(l.users)
			l.users = append(l.users, u)
			fresh++
			if len(l.users) > s.opts.MaxUsers {
				fatal = fmt.Errorf("%w: it sent more than %d users", ErrTooManyUsers, s.opts.MaxUsers)
				return false
			}
		}
		switch {
		case len(page.Resources) > 0 && fresh == 0:
			l.unreliable = fmt.Errorf("a page (startIndex %d) repeated users already listed", page.StartIndex)
		case !byCursor && delivered > page.TotalResults:
			// By index, a delete shifts the pages under the reading;
			// by cursor, a user deleted after it was listed lowers the
			// total without making the listing wrong.
			l.unreliable = fmt.Errorf("the endpoint sent %d users, though it says it holds %d", delivered, page.TotalResults)
		default:
			return true
		}
		l.incomplete = true
		return false
	})
	if fatal != nil {
		return nil, fatal
	}
	if pages > 0 && lostCursor(err) {
		// The walk cannot go on, but a new one from the first page can.
		l.unreliable = fmt.Errorf("the endpoint refused the cursor of page %d, which it had given (%w): it restarted, or its instances do not share a cursor key", pages+1, err)
		l.incomplete = true
		return l, nil
	}
	if err != nil {
		return nil, err
	}
	if l.unreliable == nil {
		l.unreliable = s.ambiguousKeys(l.users)
	}
	return l, nil
}

// lostCursor reports whether err is an endpoint's refusal of a cursor it
// gave (RFC 9865 invalidCursor or expiredCursor).
func lostCursor(err error) bool {
	var e *scim.Error
	return errors.As(err, &e) && e.Status == http.StatusBadRequest &&
		(e.SCIMType == scim.SCIMTypeInvalidCursor || e.SCIMType == scim.SCIMTypeExpiredCursor)
}

// ambiguousKeys reports a userName, or a key, that two users hold: the
// endpoint keeps userNames unique, so the listing mixes two moments (or,
// for externalId, the endpoint holds a duplicate Sync cannot resolve).
func (s *syncer) ambiguousKeys(users []*scim.User) error {
	names := make(map[string]string, len(users))
	keys := make(map[string]string, len(users))
	for _, u := range users {
		if n := strings.ToLower(u.UserName); n != "" {
			if other, dup := names[n]; dup {
				return fmt.Errorf("users %s and %s were both listed with userName %q", other, u.ID, u.UserName)
			}
			names[n] = u.ID
		}
		if s.opts.Key == KeyExternalID && u.ExternalID != "" {
			if other, dup := keys[u.ExternalID]; dup {
				return fmt.Errorf("users %s and %s were both listed with externalId %q", other, u.ID, u.ExternalID)
			}
			keys[u.ExternalID] = u.ID
		}
	}
	return nil
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
	const force = "check the input, then force it (SyncOptions.Force; the CSV command's -force)"
	allowed := max(int(math.Ceil(s.opts.MaxDeactivate*float64(active)-1e-9)), s.opts.DeactivateFloor)
	switch {
	case active > 1 && p.absentActive+p.deactivating >= active:
		return fmt.Errorf("%w: every one of the %d active employees would be deactivated; %s", ErrTooManyDeactivations, active, force)
	case p.absentActive > allowed:
		return fmt.Errorf("%w: %d of %d active employees are absent from the desired set, and at most %d may be deactivated (%.0f %%, at least %d); %s",
			ErrTooManyDeactivations, p.absentActive, active, allowed, 100*s.opts.MaxDeactivate, s.opts.DeactivateFloor, force)
	}
	return nil
}

// managedAttrs resolves SyncOptions.Attributes, and checks that every
// custom attribute the desired users name is one of the company's: an
// unknown one is a mistake of the input (a column that is not an
// attribute), reported once, with all the others.
func managedAttrs(m *scim.Model, names []string, desired []*scim.User) (attrSet, error) {
	var unknown, custom []string
	seen := map[string]bool{}
	note := func(list *[]string, name string) {
		if k := strings.ToLower(name); !seen[k] {
			seen[k] = true
			*list = append(*list, strconv.Quote(name))
		}
	}
	var set attrSet
	if names != nil {
		set = attrSet{m.Core().Attribute("active"): true}
	}
	for _, name := range names {
		a, rest := m.Lookup(name)
		if a != nil && rest != "" {
			a = a.Sub(strings.TrimPrefix(rest, "."))
		}
		if a == nil {
			note(&unknown, name)
			continue
		}
		set[a] = true
	}
	for _, d := range desired {
		if d == nil {
			continue
		}
		for name := range d.Custom {
			if m.CustomAttribute(name) == nil {
				note(&custom, name)
			}
		}
	}
	if len(unknown)+len(custom) == 0 {
		return set, nil
	}
	slices.Sort(unknown)
	slices.Sort(custom)
	var parts []string
	if len(unknown) > 0 {
		parts = append(parts, "SyncOptions.Attributes names "+strings.Join(unknown, ", "))
	}
	if len(custom) > 0 {
		var known []string
		for _, sc := range m.Schemas() {
			if sc.ID != scim.SchemaPeakonUser {
				continue
			}
			for _, a := range sc.Attributes {
				known = append(known, strconv.Quote(a.Name))
			}
		}
		has := "it has none"
		if len(known) > 0 {
			has = "it has " + strings.Join(known, ", ")
		}
		parts = append(parts, "desired users set "+strings.Join(custom, ", ")+", which are not custom attributes of the company ("+has+")")
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownAttribute, strings.Join(parts, "; "))
}

// sameEncoding is the fast path of the comparison: most employees of a
// routine sync have not changed, and their canonical renderings are
// byte for byte the same.
func sameEncoding(m *scim.Model, a, b *scim.User) bool {
	return bytes.Equal(m.EncodeUser(nil, a, nil), m.EncodeUser(nil, b, nil))
}
