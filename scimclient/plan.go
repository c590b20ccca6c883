package scimclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/scimkit/scim"
)

// plan is one round of Sync: what to write, judged against what the
// endpoint held when the round began.
type plan struct {
	creates, updates, absent, skips []*Step
	withheld                        []*Step // absences not to attempt (ErrUnreliableListing)
	unchanged                       int
	absentActive                    int  // active employees among absent
	deactivating                    int  // active employees the desired set deactivates
	deferred                        bool // references left for a later round
	keys                            map[string]bool
}

func (p *plan) all() []*Step {
	out := make([]*Step, 0, len(p.creates)+len(p.updates)+len(p.absent)+len(p.withheld)+len(p.skips))
	out = append(out, p.creates...)
	out = append(out, p.updates...)
	out = append(out, p.absent...)
	out = append(out, p.withheld...)
	return append(out, p.skips...)
}

// work returns the writes of the round, but for employees whose earlier
// failure is final.
func (p *plan) work(final map[string]bool) []*Step {
	var out []*Step
	for _, group := range [][]*Step{p.creates, p.updates, p.absent} {
		for _, ch := range group {
			if !final[ch.Key] {
				out = append(out, ch)
			}
		}
	}
	return out
}

func (p *plan) touches(key string) bool { return p.keys[key] }

// index finds employees as the endpoint resolves references: by id, by
// userName or email (ignoring case), by externalId.
type index struct {
	byID, byName, byExternal map[string]*scim.User
}

func newIndex(users []*scim.User) *index {
	ix := &index{byID: map[string]*scim.User{}, byName: map[string]*scim.User{}, byExternal: map[string]*scim.User{}}
	for _, u := range users {
		ix.add(u)
	}
	return ix
}

func (ix *index) add(u *scim.User) {
	if u.ID != "" {
		ix.byID[u.ID] = u
	}
	if u.ExternalID != "" {
		ix.byExternal[u.ExternalID] = u
	}
	for _, e := range u.Emails {
		if k := strings.ToLower(e.Value); k != "" && ix.byName[k] == nil {
			ix.byName[k] = u
		}
	}
	if u.UserName != "" {
		ix.byName[strings.ToLower(u.UserName)] = u
	}
}

func (ix *index) find(ref string) *scim.User {
	ref = strings.TrimSpace(ref)
	if u := ix.byID[ref]; u != nil {
		return u
	}
	if u := ix.byName[strings.ToLower(ref)]; u != nil {
		return u
	}
	return ix.byExternal[ref]
}

// emailOf is how the endpoint renders an Employee attribute naming u.
func emailOf(u *scim.User) string {
	if e := u.PrimaryEmail(); e != "" {
		return e
	}
	return u.UserName
}

func (s *syncer) keyOf(u *scim.User) string {
	if s.opts.Key == KeyExternalID {
		return u.ExternalID
	}
	return strings.ToLower(u.UserName)
}

// entry is a desired employee being planned.
type entry struct {
	index   int
	key     string
	want    *scim.User // normalised
	current *scim.User
}

func (s *syncer) plan(l *listing) *plan {
	current := l.users
	p := &plan{keys: map[string]bool{}}
	ix := newIndex(current)
	byKey := make(map[string]*scim.User, len(current))
	matched := make(map[string]bool, len(current)) // by id
	ambiguous := map[string][]string{}             // key → the ids listed with it
	for _, u := range current {
		k := s.keyOf(u)
		if k == "" {
			continue
		}
		if other := byKey[k]; other != nil {
			// Never guess which one the desired user is, nor call
			// either absent.
			if ambiguous[k] == nil {
				ambiguous[k] = []string{other.ID}
			}
			ambiguous[k] = append(ambiguous[k], u.ID)
			matched[other.ID], matched[u.ID] = true, true
		}
		byKey[k] = u
	}
	skip := func(i int, key string, d *scim.User, err error) {
		err = checked(err)
		// The employee a skipped row names is not absent: a row Sync
		// cannot apply never costs its employee their provisioning.
		if u := byKey[key]; key != "" && u != nil {
			matched[u.ID] = true
		}
		if d != nil && s.opts.Key == KeyExternalID {
			if u := ix.byName[strings.ToLower(d.UserName)]; u != nil && u.ExternalID == "" {
				matched[u.ID] = true
			}
		}
		if key == "" {
			key = "#" + strconv.Itoa(i+1)
		}
		st := &Step{Action: ActionSkip, Status: StatusFailed, Key: key, Err: err, Index: i}
		if d != nil {
			st.UserName = d.UserName
		}
		p.skips = append(p.skips, st)
	}
	var entries []entry
	var creating []*scim.User
	firstName := make(map[string]int, len(s.desired))
	firstExternal := make(map[string]int, len(s.desired))
	for i, d := range s.desired {
		if d == nil {
			skip(i, "", nil, fmt.Errorf("desired[%d] is nil", i))
			continue
		}
		key := s.keyOf(d)
		if key == "" {
			skip(i, "", d, fmt.Errorf("desired[%d] (%q) has no %s, the key", i, d.UserName, s.opts.Key))
			continue
		}
		if err := duplicate(firstName, "userName", strings.ToLower(d.UserName), d.UserName, i); err != nil {
			skip(i, key, d, err)
			continue
		}
		if err := duplicate(firstExternal, "externalId", d.ExternalID, d.ExternalID, i); err != nil {
			skip(i, key, d, err)
			continue
		}
		if ids := ambiguous[key]; ids != nil {
			skip(i, key, d, fmt.Errorf("the endpoint listed %d users with %s %q (%s); check it there", len(ids), s.opts.Key, key, strings.Join(ids, ", ")))
			continue
		}
		want, err := s.normalize(d)
		if err != nil {
			skip(i, key, d, err)
			continue
		}
		cur := byKey[key]
		if cur == nil && s.opts.Key == KeyExternalID {
			if u := ix.byName[strings.ToLower(d.UserName)]; u != nil && u.ExternalID == "" && !matched[u.ID] {
				cur = u
			}
		}
		if cur != nil {
			matched[cur.ID] = true
		} else {
			// Checked before it may be named as a pending reference.
			if err := s.m.Validate(nil, want); err != nil {
				skip(i, key, d, err)
				continue
			}
		}
		entries = append(entries, entry{i, key, want, cur})
	}
	// A new employee whose userName an absent one holds would be refused
	// (deactivating does not free a userName). Checked once every match is
	// known, and before anyone may name them as a pending reference.
	holders := make(map[string]*scim.User, len(current))
	for _, u := range current {
		holders[strings.ToLower(u.UserName)] = u
	}
	kept := entries[:0]
	for _, e := range entries {
		if e.current == nil {
			if h := holders[strings.ToLower(e.want.UserName)]; h != nil && !matched[h.ID] {
				skip(e.index, e.key, e.want, fmt.Errorf("userName %q belongs to employee %s (externalId %q), who is absent from the desired set: deactivating them does not free it; rename or delete them first",
					e.want.UserName, h.ID, h.ExternalID))
				continue
			}
			creating = append(creating, e.want)
		}
		kept = append(kept, e)
	}
	entries = kept
	pending := newIndex(creating)
	for _, e := range entries {
		deferred, warnings, err := s.resolveReferences(e.want, e.current, ix, pending)
		if err != nil {
			skip(e.index, e.key, e.want, err)
			continue
		}
		p.deferred = p.deferred || deferred
		if e.current == nil {
			p.creates = append(p.creates, &Step{Action: ActionCreate, Status: StatusNotAttempted, Key: e.key, UserName: e.want.UserName,
				User: e.want, Index: e.index, Warnings: warnings})
			p.keys[e.key] = true
			continue
		}
		cur := s.compareForm(e.current, e.want)
		if sameEncoding(s.m, cur, e.want) {
			p.unchanged++
			continue
		}
		ops := diff(s.m, cur, e.want, s.managed)
		if len(ops) == 0 {
			p.unchanged++
			continue
		}
		if err := s.validatePatch(e.current, ops); err != nil {
			skip(e.index, e.key, e.want, err)
			continue
		}
		action := ActionUpdate
		switch {
		case e.want.Active && !e.current.Active:
			action = ActionReactivate
		case !e.want.Active && e.current.Active:
			action = ActionDeactivate
			p.deactivating++
		}
		p.updates = append(p.updates, &Step{Action: action, Status: StatusNotAttempted, Key: e.key, UserName: e.current.UserName, ID: e.current.ID,
			Operations: ops, version: e.current.Meta.Version, Index: e.index, Warnings: warnings})
		p.keys[e.key] = true
	}
	for _, u := range current {
		if matched[u.ID] || !u.Active && !s.opts.DeleteAbsent {
			continue
		}
		key := s.keyOf(u)
		if key == "" {
			key = "id:" + u.ID
		}
		st := &Step{Action: ActionDeactivate, Status: StatusNotAttempted, Key: key, UserName: u.UserName, ID: u.ID, version: u.Meta.Version, Index: -1,
			Operations: []scim.PatchOperation{{Op: "replace", Path: "active", Value: false}}}
		if s.opts.DeleteAbsent {
			st.Action, st.Operations = ActionDelete, nil
		}
		if u.Active {
			p.absentActive++
		}
		p.absent = append(p.absent, st)
		p.keys[key] = true
	}
	return p
}

// duplicate records the position of a desired user's value, or returns
// the DuplicateError naming the earlier user with it.
func duplicate(first map[string]int, attr, k, value string, i int) error {
	if k == "" {
		return nil
	}
	if j, dup := first[k]; dup {
		return &DuplicateError{Attribute: attr, Value: value, Index: i, First: j}
	}
	first[k] = i
	return nil
}

// validatePatch checks an update as the endpoint will: the patch applied
// to the user as listed, then the attributes it changes validated.
func (s *syncer) validatePatch(cur *scim.User, ops []scim.PatchOperation) error {
	after, err := s.m.ApplyPatch(cur.Clone(), &scim.PatchRequest{Operations: ops}, scim.DecodeOptions{})
	if err != nil {
		return err
	}
	return s.m.Validate(cur, after)
}

// normalize returns d as the endpoint would store it: rendered and read
// back through the model, custom attributes under their display names in
// canonical form (dates as YYYY-MM-DD, integers in decimal). Its error
// names every problem found: each custom value's, then the rest's.
func (s *syncer) normalize(d *scim.User) (*scim.User, error) {
	u := d.Clone()
	u.ID, u.Meta, u.Groups, u.Custom = "", scim.Meta{}, nil, nil
	core := s.m.EncodeUser(nil, u, nil)
	body, err := withCustom(core, d.Custom)
	if err != nil {
		return nil, err
	}
	n, err := s.m.DecodeUser(body, scim.DecodeOptions{})
	if err == nil {
		n.Active = d.Active
		return n, nil
	}
	// Find every problem, not only the first: each custom value alone,
	// then the rest.
	var errs problems
	names := slices.Sorted(maps.Keys(d.Custom))
	for _, name := range names {
		b, _ := withCustom(core, map[string]string{name: d.Custom[name]})
		if _, err := s.m.DecodeUser(b, scim.DecodeOptions{}); err != nil {
			errs = append(errs, err)
		}
	}
	if n, err := s.m.DecodeUser(core, scim.DecodeOptions{}); err != nil {
		errs = append(errs, err)
	} else if err := s.m.Validate(nil, n); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, err
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	return nil, errs
}

// withCustom adds custom values to a user's JSON as a client sends them,
// as strings, for DecodeUser to check and canonicalise.
func withCustom(body []byte, custom map[string]string) ([]byte, error) {
	if len(custom) == 0 {
		return body, nil
	}
	ext, err := json.Marshal(custom)
	if err != nil {
		return nil, err
	}
	out := append(slices.Clip(body[:len(body)-1]), `,"`+scim.SchemaPeakonUser+`":`...)
	return append(append(out, ext...), '}'), nil
}

// wouldRefuse is a plan-time check's *scim.Error, what the endpoint would
// answer though nothing was sent: it reads as its detail alone.
type wouldRefuse struct{ e *scim.Error }

func (w wouldRefuse) Error() string { return w.e.Detail }
func (w wouldRefuse) Unwrap() error { return w.e }

// checked returns err with each *scim.Error in it as a wouldRefuse.
func checked(err error) error {
	switch e := err.(type) {
	case problems:
		out := make(problems, len(e))
		for i, x := range e {
			out[i] = checked(x)
		}
		return out
	case *scim.Error:
		return wouldRefuse{e}
	}
	return err
}

// problems are several errors of one desired user, on one line.
type problems []error

func (p problems) Error() string {
	parts := make([]string, len(p))
	for i, err := range p {
		parts[i] = err.Error()
	}
	return strings.Join(parts, "; ")
}

func (p problems) Unwrap() []error { return p }

// resolveReferences puts the manager and Employee attributes of want in
// the form the endpoint returns them: the manager's id, the employee's
// email. A reference to an employee this round creates is left as it is
// on the endpoint (deferred, for a later round). One to nobody is left
// as it is on the endpoint too, with a warning, or, with
// StrictReferences, is an error that skips the employee.
func (s *syncer) resolveReferences(want, cur *scim.User, ix, pending *index) (deferred bool, warnings []string, err error) {
	dangling := func(what, v string) error {
		msg := fmt.Sprintf("%s refers to %q, who is neither an employee nor a valid desired user", what, v)
		if s.opts.StrictReferences {
			return errors.New(msg)
		}
		warnings = append(warnings, msg+"; provisioned without it")
		return nil
	}
	if v := want.Enterprise.Manager.Value; v != "" {
		switch u := ix.find(v); {
		case u != nil:
			want.Enterprise.Manager = scim.Manager{Value: u.ID}
		case pending.find(v) != nil:
			deferred = true
			want.Enterprise.Manager = scim.Manager{}
			if cur != nil {
				want.Enterprise.Manager.Value = cur.Enterprise.Manager.Value
			}
		default:
			if err := dangling("the manager", v); err != nil {
				return false, nil, err
			}
			want.Enterprise.Manager = scim.Manager{}
			if cur != nil {
				want.Enterprise.Manager.Value = cur.Enterprise.Manager.Value
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want.Custom)) {
		v := want.Custom[name]
		a := s.m.CustomAttribute(name)
		if a == nil || a.CustomType != scim.CustomEmployee {
			continue
		}
		keep := func() {
			if cur != nil && cur.Custom[name] != "" {
				want.Custom[name] = cur.Custom[name]
			} else {
				delete(want.Custom, name)
			}
		}
		switch u := ix.find(v); {
		case u != nil:
			want.Custom[name] = emailOf(u)
		case pending.find(v) != nil:
			deferred = true
			keep()
		default:
			if err := dangling(a.Name, v); err != nil {
				return false, nil, err
			}
			keep()
		}
	}
	return deferred, warnings, nil
}

// compareForm is the endpoint's user as comparable with a normalised
// desired one: without what only the server sets.
func (s *syncer) compareForm(cur, want *scim.User) *scim.User {
	c := cur.Clone()
	c.ID, c.Meta, c.Groups = "", scim.Meta{}, nil
	c.Enterprise.Manager.DisplayName = ""
	if want.Enterprise.Manager.Ref == "" {
		c.Enterprise.Manager.Ref = ""
	}
	return c
}
