package webui

import (
	"bytes"
	"encoding/json"
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
	Rows        []employeeRow
	From, To    int
	Total       int
	// Prev and Next are the query strings of the neighbouring pages, ""
	// when there is none.
	Prev, Next string
}

// employeeRow is an employee as the table shows them.
type employeeRow struct {
	ID, Name, Email, EmployeeNumber string
	Locale, Timezone                string
	Custom                          []customValue
	ManagerID, Manager              string
	Active                          bool
	// Since is when the employee was last activated or deactivated.
	Since time.Time
}

type customValue struct{ Name, Value string }

// employees reads the page of the company's employees the query asks for
// (filter, start). A filter the parser refuses is not an error here: the
// view carries its message.
func (ui *UI) employees(r *http.Request, co *scim.Company) (*employeesView, error) {
	ctx := r.Context()
	q := r.URL.Query()
	v := &employeesView{Filter: strings.TrimSpace(q.Get("filter"))}
	start, err := strconv.Atoi(q.Get("start"))
	if err != nil || start < 1 {
		start = 1
	}
	model, err := ui.cfg.Companies.Model(ctx, co.ID)
	if err != nil {
		return nil, err
	}
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
	names := map[string]string{}
	for _, u := range res.Users {
		names[u.ID] = displayName(u)
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

// row builds a table row; names caches the display names of the
// employees referred to (manager, custom attributes of type employee).
func (ui *UI) row(r *http.Request, co *scim.Company, model *scim.Model, u *scim.User, names map[string]string) (employeeRow, error) {
	row := employeeRow{
		ID: u.ID, Name: displayName(u), Email: u.PrimaryEmail(), EmployeeNumber: u.Enterprise.EmployeeNumber,
		Locale: u.Locale, Timezone: u.Timezone, Active: u.Active, Since: u.Meta.Created,
	}
	name := func(id string) (string, bool) {
		if n, ok := names[id]; ok {
			return n, true
		}
		if ru, err := ui.cfg.Store.GetUser(r.Context(), co.ID, id); err == nil {
			names[id] = displayName(ru)
			return names[id], true
		}
		return id, false // not provisioned yet: the reference as sent
	}
	for _, k := range slices.Sorted(maps.Keys(u.Custom)) {
		v := u.Custom[k]
		if a := model.CustomAttribute(k); a != nil && a.CustomType == scim.CustomEmployee {
			v, _ = name(v)
		}
		row.Custom = append(row.Custom, customValue{k, v})
	}
	if m := u.Enterprise.Manager.Value; m != "" {
		var ok bool
		if row.Manager, ok = name(m); ok {
			row.ManagerID = m
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
	JSON    string
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
	row, err := ui.row(r, co, model, u, map[string]string{})
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
	u.Meta.Location = "http://" + r.Host + ui.cfg.SCIMPath + "/Users/" + u.ID
	if r.TLS != nil {
		u.Meta.Location = "https" + strings.TrimPrefix(u.Meta.Location, "http")
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, model.EncodeUser(nil, u, nil), "", "  "); err != nil {
		ui.fail(w, r, co, err)
		return
	}
	v.JSON = buf.String()
	ui.render(w, http.StatusOK, "employee", &page{Title: row.Name, Company: co, Employee: v})
}

// eligibilityView answers who a survey goes to: the employees active now
// and at a chosen time.
type eligibilityView struct {
	Supported bool
	Now       time.Time
	At        time.Time
	// AtInput is the chosen time as the form's datetime-local input shows it.
	AtInput string
	AtError string
	// NowCount and AtCount are how many are active; the lists name the
	// first ShownLimit of them.
	NowCount, AtCount   int
	ActiveNow, ActiveAt []employeeRef
	ShownLimit          int
}

type employeeRef struct{ ID, Name string }

// maxListed is how many employees the eligibility page lists by name.
const maxListed = 200

func (ui *UI) eligibility(w http.ResponseWriter, r *http.Request, co *scim.Company, _ *session) {
	ctx := r.Context()
	now := time.Now().UTC()
	v := &eligibilityView{Now: now, At: now, ShownLimit: maxListed}
	if s := r.URL.Query().Get("at"); s != "" {
		at, err := time.Parse("2006-01-02T15:04", s)
		if err != nil {
			at, err = time.Parse("2006-01-02", s)
		}
		if err != nil {
			v.AtError = "The time must look like 2026-01-31T09:00 (UTC)."
		} else {
			v.At = at.UTC()
		}
	}
	v.AtInput = v.At.Format("2006-01-02T15:04")
	hs, ok := ui.cfg.Store.(scim.HistoryStore)
	if ok {
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
		if v.ActiveNow, err = ui.refs(r, co, nowIDs); err == nil {
			v.ActiveAt, err = ui.refs(r, co, atIDs)
		}
		if err != nil {
			ui.fail(w, r, co, err)
			return
		}
	}
	ui.render(w, http.StatusOK, "eligibility", &page{Title: "Survey eligibility", Company: co, Eligibility: v})
}

// refs names the employees with the ids, the first maxListed of them.
func (ui *UI) refs(r *http.Request, co *scim.Company, ids []string) ([]employeeRef, error) {
	out := make([]employeeRef, 0, min(len(ids), maxListed))
	for _, id := range ids[:min(len(ids), maxListed)] {
		u, err := ui.cfg.Store.GetUser(r.Context(), co.ID, id)
		if errors.Is(err, scim.ErrNotFound) {
			continue // deleted since
		}
		if err != nil {
			return nil, err
		}
		out = append(out, employeeRef{id, displayName(u)})
	}
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
