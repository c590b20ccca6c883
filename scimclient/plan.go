package scimclient

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimkit/scim"
)

// plan is one round of Sync: what to write, judged against what the
// endpoint held when the round began.
type plan struct {
	creates, updates, absent, skips []*Step
	unchanged                       int
	absentActive                    int  // active employees among absent
	deferred                        bool // references left for a later round
	keys                            map[string]bool
}

func (p *plan) all() []*Step {
	out := make([]*Step, 0, len(p.creates)+len(p.updates)+len(p.absent)+len(p.skips))
	out = append(out, p.creates...)
	out = append(out, p.updates...)
	out = append(out, p.absent...)
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

func (s *syncer) plan(current []*scim.User) *plan {
	p := &plan{keys: map[string]bool{}}
	ix := newIndex(current)
	byKey := make(map[string]*scim.User, len(current))
	for _, u := range current {
		if k := s.keyOf(u); k != "" {
			byKey[k] = u
		}
	}
	matched := make(map[*scim.User]bool, len(current))
	first := make(map[string]int, len(s.desired))
	skip := func(i int, key string, d *scim.User, err error) {
		if key == "" {
			key = "#" + strconv.Itoa(i+1)
		}
		ch := &Step{Action: ActionSkip, Key: key, Err: err, Index: i}
		if d != nil {
			ch.UserName = d.UserName
		}
		p.skips = append(p.skips, ch)
	}
	var entries []entry
	var creating []*scim.User
	for i, d := range s.desired {
		if d == nil {
			skip(i, "", nil, fmt.Errorf("desired user %d is nil", i+1))
			continue
		}
		key := s.keyOf(d)
		if key == "" {
			skip(i, "", d, fmt.Errorf("desired user %d (%q) has no %s, the key", i+1, d.UserName, s.opts.Key))
			continue
		}
		if j, dup := first[key]; dup {
			skip(i, key, d, fmt.Errorf("desired user %d has the same %s as desired user %d", i+1, s.opts.Key, j+1))
			continue
		}
		first[key] = i
		want, err := s.normalize(d)
		if err != nil {
			skip(i, key, d, err)
			continue
		}
		cur := byKey[key]
		if cur == nil && s.opts.Key == KeyExternalID {
			if u := ix.byName[strings.ToLower(d.UserName)]; u != nil && u.ExternalID == "" && !matched[u] {
				cur = u
			}
		}
		if cur != nil {
			matched[cur] = true
		} else {
			creating = append(creating, want)
		}
		entries = append(entries, entry{i, key, want, cur})
	}
	pending := newIndex(creating)
	for _, e := range entries {
		deferred, err := s.resolveReferences(e.want, e.current, ix, pending)
		if err != nil {
			skip(e.index, e.key, e.want, err)
			continue
		}
		p.deferred = p.deferred || deferred
		if e.current == nil {
			p.creates = append(p.creates, &Step{Action: ActionCreate, Key: e.key, UserName: e.want.UserName, User: e.want, Index: e.index})
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
		action := ActionUpdate
		switch {
		case e.want.Active && !e.current.Active:
			action = ActionReactivate
		case !e.want.Active && e.current.Active:
			action = ActionDeactivate
		}
		p.updates = append(p.updates, &Step{Action: action, Key: e.key, UserName: e.current.UserName, ID: e.current.ID,
			Operations: ops, version: e.current.Meta.Version, Index: e.index})
		p.keys[e.key] = true
	}
	for _, u := range current {
		if matched[u] || !u.Active && !s.opts.DeleteAbsent {
			continue
		}
		key := s.keyOf(u)
		if key == "" {
			key = "id:" + u.ID
		}
		ch := &Step{Action: ActionDeactivate, Key: key, UserName: u.UserName, ID: u.ID, version: u.Meta.Version, Index: -1,
			Operations: []scim.PatchOperation{{Op: "replace", Path: "active", Value: false}}}
		if s.opts.DeleteAbsent {
			ch.Action, ch.Operations = ActionDelete, nil
		}
		if u.Active {
			p.absentActive++
		}
		p.absent = append(p.absent, ch)
		p.keys[key] = true
	}
	return p
}

// normalize returns d as the endpoint would store it: rendered and read
// back through the model, custom attributes under their display names in
// canonical form (dates as YYYY-MM-DD, integers in decimal).
func (s *syncer) normalize(d *scim.User) (*scim.User, error) {
	u := d.Clone()
	u.ID, u.Meta, u.Groups, u.Custom = "", scim.Meta{}, nil, nil
	body := s.m.EncodeUser(nil, u, nil)
	if len(d.Custom) > 0 {
		// The custom values go in as a client sends them, as strings, for
		// DecodeUser to check and canonicalise.
		for name := range d.Custom {
			if s.m.CustomAttribute(name) == nil {
				return nil, scim.Errorf(http.StatusBadRequest, scim.SCIMTypeInvalidValue, "%s:%s is not a Peakon attribute of this company", scim.SchemaPeakonUser, name)
			}
		}
		ext, err := json.Marshal(d.Custom)
		if err != nil {
			return nil, err
		}
		body = append(body[:len(body)-1], `,"`+scim.SchemaPeakonUser+`":`...)
		body = append(append(body, ext...), '}')
	}
	n, err := s.m.DecodeUser(body, scim.DecodeOptions{})
	if err != nil {
		return nil, err
	}
	n.Active = d.Active
	return n, nil
}

// resolveReferences puts the manager and Employee attributes of want in
// the form the endpoint returns them: the manager's id, the employee's
// email. A reference to an employee this round creates is left as it is
// on the endpoint (deferred, for a later round); one to nobody at all is
// an error for an Employee attribute (the endpoint rejects it) and kept
// as given for a manager (the endpoint keeps it until that person
// arrives).
func (s *syncer) resolveReferences(want, cur *scim.User, ix, pending *index) (deferred bool, err error) {
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
			want.Enterprise.Manager = scim.Manager{Value: v}
		}
	}
	for name, v := range want.Custom {
		a := s.m.CustomAttribute(name)
		if a == nil || a.CustomType != scim.CustomEmployee {
			continue
		}
		switch u := ix.find(v); {
		case u != nil:
			want.Custom[name] = emailOf(u)
		case pending.find(v) != nil:
			deferred = true
			if cur != nil && cur.Custom[name] != "" {
				want.Custom[name] = cur.Custom[name]
			} else {
				delete(want.Custom, name)
			}
		default:
			return false, scim.Errorf(http.StatusBadRequest, scim.SCIMTypeInvalidValue, "%s:%s refers to %q, who is neither an employee nor in the desired set", scim.SchemaPeakonUser, name, v)
		}
	}
	return deferred, nil
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
