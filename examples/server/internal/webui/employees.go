package webui

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim"
)

// pageSize is the number of employees per page of the table.
const pageSize = 20

// employeesView is one page of the employees table.
type employeesView struct {
	Filter string
	// FilterError is the filter parser's error, shown under the box.
	FilterError string
	// Company names the company; Spellings say how a filter reaches its
	// attributes, and Notes what the bare names of Filter meant.
	Company   string
	Spellings []attrSpelling
	Notes     []nameNote
	Rows      []employeeRow
	From, To  int
	Total     int
	// Prev and Next are the query strings of the neighbouring pages, ""
	// when there is none.
	Prev, Next string
}

// employeeRow is an employee as the table shows them.
type employeeRow struct {
	ID, Name, Email, EmployeeNumber string
	ExternalID                      string
	Locale, Timezone                string
	// Custom are the company's (Peakon) attributes, by display name.
	Custom []customValue
	// Manager is the Enterprise manager as the handler renders it: the
	// display name of a resolved manager (ManagerID), else the reference
	// as sent, not provisioned yet.
	ManagerID, Manager string
	Active             bool
	// Since is when the employee was last activated or deactivated.
	Since time.Time
}

// customValue is a company attribute's value. An attribute of type
// employee holds an employee's id and goes on the wire as their email
// (scim.User's doc): the page names them, with that email, and links to
// their page (RefID); a reference to someone no longer there shows as
// stored.
type customValue struct {
	Name, Value     string
	RefID, RefEmail string
}

// employees reads the page of the company's employees the query asks for
// (filter, start). A filter the parser refuses is not an error here: the
// view carries its message.
func (ui *UI) employees(r *http.Request, co *scim.Company) (*employeesView, error) {
	ctx := r.Context()
	q := r.URL.Query()
	v := &employeesView{Filter: strings.TrimSpace(q.Get("filter")), Company: co.Name}
	start, err := strconv.Atoi(q.Get("start"))
	if err != nil || start < 1 {
		start = 1
	}
	model, err := ui.cfg.Companies.Model(ctx, co.ID)
	if err != nil {
		return nil, err
	}
	v.Spellings = spellings(model, co.Attributes)
	v.Notes = explain(model, v.Filter)
	query, err := model.NewQuery(v.Filter, "userName", "", start, pageSize)
	if err != nil {
		v.FilterError = scimDetail(err)
		return v, nil
	}
	res, err := ui.cfg.Store.ListUsers(ctx, co.ID, query)
	var se *scim.Error
	if errors.Is(err, scim.ErrTooMany) || errors.As(err, &se) {
		v.FilterError = scimDetail(err)
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	names := map[string]*scim.User{}
	for _, u := range res.Users {
		names[u.ID] = u
	}
	for _, u := range res.Users {
		row, err := ui.row(r, co, model, u, names)
		if err != nil {
			return nil, err
		}
		v.Rows = append(v.Rows, row)
	}
	v.Total = res.Total
	if len(v.Rows) > 0 {
		v.From, v.To = start, start+len(v.Rows)-1
	}
	link := func(s int) string {
		lq := url.Values{"start": {strconv.Itoa(s)}}
		if v.Filter != "" {
			lq.Set("filter", v.Filter)
		}
		return "?" + lq.Encode()
	}
	if start > 1 {
		v.Prev = link(max(start-pageSize, 1))
	}
	if start+len(v.Rows) <= v.Total && len(v.Rows) > 0 {
		v.Next = link(start + pageSize)
	}
	return v, nil
}

// row builds a table row; refs caches the employees referred to by
// custom attributes of type employee.
func (ui *UI) row(r *http.Request, co *scim.Company, model *scim.Model, u *scim.User, refs map[string]*scim.User) (employeeRow, error) {
	row := employeeRow{
		ID: u.ID, Name: displayName(u), Email: u.PrimaryEmail(), EmployeeNumber: u.Enterprise.EmployeeNumber,
		ExternalID: u.ExternalID, Locale: u.Locale, Timezone: u.Timezone, Active: u.Active, Since: u.Meta.Created,
	}
	ref := func(id string) *scim.User {
		if ru, ok := refs[id]; ok {
			return ru
		}
		ru, err := ui.cfg.Store.GetUser(r.Context(), co.ID, id)
		if err != nil {
			ru = nil // deleted since: the reference as stored
		}
		refs[id] = ru
		return ru
	}
	for _, k := range slices.Sorted(maps.Keys(u.Custom)) {
		cv := customValue{Name: k, Value: u.Custom[k]}
		if a := model.CustomAttribute(k); a != nil && a.CustomType == scim.CustomEmployee {
			if ru := ref(cv.Value); ru != nil {
				// As the handler renders it: the email, else the userName.
				cv.Value, cv.RefID, cv.RefEmail = displayName(ru), ru.ID, ru.PrimaryEmail()
				if cv.RefEmail == "" {
					cv.RefEmail = ru.UserName
				}
			}
		}
		row.Custom = append(row.Custom, cv)
	}
	// The handler resolves a manager when either is written, and keeps
	// its display name current: a manager with a display name is
	// resolved (to the employee whose id is the value).
	if m := u.Enterprise.Manager; m.Value != "" {
		row.Manager = m.Value
		if m.DisplayName != "" {
			row.Manager, row.ManagerID = m.DisplayName, m.Value
		}
	}
	if hs, ok := ui.cfg.Store.(scim.HistoryStore); ok {
		h, err := hs.Activations(r.Context(), co.ID, u.ID)
		if err != nil && !errors.Is(err, scim.ErrNotFound) {
			return row, err
		}
		if len(h) > 0 {
			row.Since = h[len(h)-1].Time
		}
	}
	return row, nil
}

// employeeView is one employee's page.
type employeeView struct {
	Row     employeeRow
	History []historyRow
	// JSON is what GET Path answers.
	JSON, Path string
}

type historyRow struct {
	Time time.Time
	What string
}

func (ui *UI) employee(w http.ResponseWriter, r *http.Request, co *scim.Company, _ *session) {
	ctx := r.Context()
	u, err := ui.cfg.Store.GetUser(ctx, co.ID, r.PathValue("id"))
	if errors.Is(err, scim.ErrNotFound) {
		ui.render(w, http.StatusNotFound, "notfound", &page{Title: "Not found", Company: co, Error: "No employee of " + co.Name + " has that id."})
		return
	}
	if err != nil {
		ui.fail(w, r, co, err)
		return
	}
	model, err := ui.cfg.Companies.Model(ctx, co.ID)
	if err != nil {
		ui.fail(w, r, co, err)
		return
	}
	row, err := ui.row(r, co, model, u, map[string]*scim.User{})
	if err != nil {
		ui.fail(w, r, co, err)
		return
	}
	v := &employeeView{Row: row}
	if hs, ok := ui.cfg.Store.(scim.HistoryStore); ok {
		h, err := hs.Activations(ctx, co.ID, u.ID)
		if err != nil && !errors.Is(err, scim.ErrNotFound) {
			ui.fail(w, r, co, err)
			return
		}
		for i, a := range h {
			what := "deactivated"
			switch {
			case i == 0 && a.Active:
				what = "created active"
			case i == 0:
				what = "created deactivated"
			case a.Active:
				what = "reactivated"
			}
			v.History = append(v.History, historyRow{a.Time, what})
		}
	}
	v.Path = ui.cfg.SCIMPath + "/Users/" + u.ID
	if v.JSON, err = ui.scimJSON(r, co, u.ID); err != nil {
		ui.fail(w, r, co, err)
		return
	}
	ui.render(w, http.StatusOK, "employee", &page{Title: row.Name, Company: co, Employee: v})
}

// eligibilityView answers who a survey goes to: the employees active now
// and at a chosen time, and who joined and who left in between.
type eligibilityView struct {
	Supported bool
	Now       time.Time
	At        time.Time
	// AtInput is the chosen time as the form's datetime-local input shows it.
	AtInput string
	AtError string
	// NowCount and AtCount are how many are active; the lists name the
	// first ShownLimit of them, sorted by name.
	NowCount, AtCount   int
	ActiveNow, ActiveAt []employeeRef
	// Joined are active now and not at At, Left the other way round (when
	// At is later than now, the words swap: Later says so).
	Joined, Left           []employeeRef
	JoinedCount, LeftCount int
	Later                  bool
	ShownLimit             int
}

type employeeRef struct{ ID, Name string }

// maxListed is how many employees each list of the eligibility page names.
const maxListed = 200

// atLayouts are the forms ?at= accepts, in UTC unless an offset is given:
// the datetime-local input's (with or without seconds), RFC 3339, a date.
var atLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", time.RFC3339Nano, "2006-01-02"}

// parseAt reads the time of ?at=.
func parseAt(s string) (time.Time, bool) {
	for _, l := range atLayouts {
		if t, err := time.Parse(l, strings.TrimSpace(s)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (ui *UI) eligibility(w http.ResponseWriter, r *http.Request, co *scim.Company, _ *session) {
	ctx := r.Context()
	now := time.Now().UTC()
	v := &eligibilityView{Now: now, At: now, ShownLimit: maxListed}
	if s := r.URL.Query().Get("at"); s != "" {
		if at, ok := parseAt(s); ok {
			v.At = at
		} else {
			v.AtError = "The time must look like 2026-01-31T09:00 or 2026-01-31T09:00:30 (UTC), or 2026-01-31."
		}
	}
	v.AtInput = v.At.Format("2006-01-02T15:04:05")
	v.Later = v.At.After(now)
	hs, ok := ui.cfg.Store.(scim.HistoryStore)
	if !ok {
		ui.render(w, http.StatusOK, "eligibility", &page{Title: "Survey eligibility", Company: co, Eligibility: v})
		return
	}
	v.Supported = true
	nowIDs, err := scim.ActiveEmployees(ctx, hs, co.ID, now)
	if err != nil {
		ui.fail(w, r, co, err)
		return
	}
	atIDs, err := scim.ActiveEmployees(ctx, hs, co.ID, v.At)
	if err != nil {
		ui.fail(w, r, co, err)
		return
	}
	v.NowCount, v.AtCount = len(nowIDs), len(atIDs)
	joined, left := difference(nowIDs, atIDs), difference(atIDs, nowIDs)
	v.JoinedCount, v.LeftCount = len(joined), len(left)
	names := map[string]*employeeRef{}
	for _, l := range []struct {
		ids []string
		out *[]employeeRef
	}{{nowIDs, &v.ActiveNow}, {atIDs, &v.ActiveAt}, {joined, &v.Joined}, {left, &v.Left}} {
		if *l.out, err = ui.refs(r, co, l.ids, names); err != nil {
			ui.fail(w, r, co, err)
			return
		}
	}
	ui.render(w, http.StatusOK, "eligibility", &page{Title: "Survey eligibility", Company: co, Eligibility: v})
}

// difference returns the ids of a that are not in b, in a's order.
func difference(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, id := range b {
		in[id] = true
	}
	var out []string
	for _, id := range a {
		if !in[id] {
			out = append(out, id)
		}
	}
	return out
}

// refs names the first maxListed employees with the ids, sorted by name
// (then id); names caches the employees looked up.
func (ui *UI) refs(r *http.Request, co *scim.Company, ids []string, names map[string]*employeeRef) ([]employeeRef, error) {
	out := make([]employeeRef, 0, min(len(ids), maxListed))
	for _, id := range ids[:min(len(ids), maxListed)] {
		ref, ok := names[id]
		if !ok {
			u, err := ui.cfg.Store.GetUser(r.Context(), co.ID, id)
			switch {
			case errors.Is(err, scim.ErrNotFound):
				// deleted since
			case err != nil:
				return nil, err
			default:
				ref = &employeeRef{id, displayName(u)}
			}
			names[id] = ref
		}
		if ref != nil {
			out = append(out, *ref)
		}
	}
	slices.SortFunc(out, func(a, b employeeRef) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// displayName is how the page names an employee.
func displayName(u *scim.User) string {
	switch {
	case u.DisplayName != "":
		return u.DisplayName
	case u.Name.Formatted != "":
		return u.Name.Formatted
	case u.Name.GivenName != "" || u.Name.FamilyName != "":
		return strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName)
	}
	return u.UserName
}

// scimDetail is the message a person reads of a query's error.
func scimDetail(err error) string {
	var se *scim.Error
	if errors.As(err, &se) {
		return se.Detail
	}
	return err.Error()
}
