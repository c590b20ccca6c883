package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/scimkit/scim"
)

// readHeader reads the CSV's header: the reader goes on with the rows.
func readHeader(r io.Reader) (*csv.Reader, []string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, errors.New("the file is empty: it needs a header line naming the columns")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading the header: %w", err)
	}
	for i, h := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
	}
	return cr, header, nil
}

// A row is one employee of the file.
type row struct {
	line     int // the CSV line it starts on (the header is line 1)
	user     *scim.User
	problems []string // why it cannot be provisioned; empty when it can
}

func (r *row) bad() bool { return len(r.problems) > 0 }

// sheet is the file, read and checked.
type sheet struct {
	cols []column
	rows []*row
	// unreadable are lines csv could not parse (an unbalanced quote...).
	unreadable    []*row
	hasExternalID bool
}

// attributes are those the file's columns manage.
func (s *sheet) attributes() []string {
	var out []string
	for _, c := range s.cols {
		if c.field != nil {
			out = append(out, c.field.attrs...)
		}
	}
	return out
}

// column returns the file's header for the field, or its name.
func (s *sheet) column(f *field) string {
	for _, c := range s.cols {
		if c.field == f {
			return c.header
		}
	}
	return f.name
}

// readRows reads and checks every row: each value as the endpoint would
// (m's rules, the company's custom attribute types), time zones and
// locales, and emails and external ids repeated within the file.
func readRows(cr *csv.Reader, cols []column, m *scim.Model) *sheet {
	s := &sheet{cols: cols}
	for _, c := range cols {
		s.hasExternalID = s.hasExternalID || c.field != nil && c.field.name == "External ID"
	}
	names := pathNames(s)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				s.unreadable = append(s.unreadable, &row{problems: []string{err.Error()}})
				break
			}
			s.unreadable = append(s.unreadable, &row{line: pe.StartLine, problems: []string{fmt.Sprintf("cannot be read: %v (line %d, column %d)", pe.Err, pe.Line, pe.Column)}})
			continue
		}
		line, _ := cr.FieldPos(0) // after a header on line 1, blank lines and quoted line breaks counted
		s.rows = append(s.rows, parseRow(s, rec, line, m, names))
	}
	s.duplicates()
	return s
}

func parseRow(s *sheet, rec []string, line int, m *scim.Model, names *strings.Replacer) *row {
	r := &row{line: line, user: &scim.User{Active: true}}
	if len(rec) > len(s.cols) {
		r.problems = append(r.problems, fmt.Sprintf("%d fields, but the header names %d columns", len(rec), len(s.cols)))
	}
	for i, v := range rec {
		if i >= len(s.cols) || s.cols[i].field == nil {
			continue
		}
		v = strings.TrimSpace(v)
		col := s.cols[i]
		if v == "" {
			continue
		}
		if err := col.field.set(r.user, v); err != nil {
			r.problems = append(r.problems, fmt.Sprintf("%s %q %v", col.header, v, err))
			continue
		}
		if a := col.field.custom; a != nil {
			if err := checkCustom(m, a, v); err != nil {
				r.problems = append(r.problems, names.Replace(detail(err)))
			}
		}
	}
	if r.user.UserName == "" {
		r.problems = append(r.problems, s.column(fields[0])+" is empty")
	} else if err := m.Validate(nil, r.user); err != nil {
		r.problems = append(r.problems, names.Replace(detail(err)))
	}
	return r
}

// duplicates marks a row whose email or external id an earlier row has,
// naming both lines: the endpoint would refuse it (emails), or Sync would
// match both rows to one employee (external ids).
func (s *sheet) duplicates() {
	emails, ids := map[string]*row{}, map[string]*row{}
	for _, r := range s.rows {
		if r.bad() {
			continue
		}
		var dups []string
		if k := strings.ToLower(r.user.UserName); emails[k] != nil {
			dups = append(dups, fmt.Sprintf("%s %q is also on line %d", s.column(fields[0]), r.user.UserName, emails[k].line))
		}
		if k := r.user.ExternalID; k != "" && ids[k] != nil {
			dups = append(dups, fmt.Sprintf("%s %q is also on line %d", s.column(fieldNamed("External ID")), k, ids[k].line))
		}
		if len(dups) > 0 {
			r.problems = append(r.problems, dups...)
			continue
		}
		emails[strings.ToLower(r.user.UserName)] = r
		if r.user.ExternalID != "" {
			ids[r.user.ExternalID] = r
		}
	}
}

// requireExternalID marks the rows without an External ID, the key.
func (s *sheet) requireExternalID() {
	for _, r := range s.rows {
		if r.user.ExternalID == "" {
			r.problems = append(r.problems, s.column(fieldNamed("External ID"))+" is empty; employees are matched by it (or use -key userName)")
		}
	}
}

func fieldNamed(name string) *field {
	for _, f := range fields {
		if f.name == name {
			return f
		}
	}
	panic("no field " + name)
}

// pathNames rewrites the attribute names of the endpoint's messages
// ("emails[0].value", "urn:...:User:Start date") as the file's columns.
func pathNames(s *sheet) *strings.Replacer {
	var pairs []string
	for _, c := range s.cols {
		if c.field == nil {
			continue
		}
		for _, p := range c.field.paths {
			pairs = append(pairs, p, c.header)
		}
	}
	// Longest first, so that a URN is replaced whole, not its tail.
	type pair struct{ from, to string }
	var ps []pair
	for i := 0; i < len(pairs); i += 2 {
		ps = append(ps, pair{pairs[i], pairs[i+1]})
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return len(b.from) - len(a.from) })
	pairs = pairs[:0]
	for _, p := range ps {
		pairs = append(pairs, p.from, p.to)
	}
	return strings.NewReplacer(pairs...)
}

// detail is an error as the endpoint words it, without Go's prefixes.
func detail(err error) string {
	var e *scim.Error
	if errors.As(err, &e) && e.Detail != "" {
		return e.Detail
	}
	return err.Error()
}

// checkCustom checks a custom attribute's value as the endpoint reads it
// (a date, a number...), by decoding a user that carries it.
func checkCustom(m *scim.Model, a *scim.Attribute, v string) error {
	body := m.EncodeUser(nil, &scim.User{UserName: "check@example.com"}, nil)
	ext, err := json.Marshal(map[string]string{a.Name: v})
	if err != nil {
		return err
	}
	body = append(body[:len(body)-1:len(body)-1], `,"`+scim.SchemaPeakonUser+`":`...)
	body = append(append(body, ext...), '}')
	_, err = m.DecodeUser(body, scim.DecodeOptions{})
	return err
}

// parseActive reads an Active column as HR systems write it.
func parseActive(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes", "y", "1", "active":
		return true, nil
	case "false", "no", "n", "0", "inactive", "terminated":
		return false, nil
	}
	return true, errors.New("is not a status: use true/false, yes/no, 1/0 or active/inactive/terminated")
}

// checkTimezone accepts IANA time-zone names (Europe/Paris), as Peakon
// schedules surveys by them; the zone database is embedded (time/tzdata).
func checkTimezone(v string) error {
	if _, err := time.LoadLocation(v); err != nil || v == "Local" {
		return errors.New("is not an IANA time zone such as Europe/Paris or America/New_York")
	}
	return nil
}

// checkLocale accepts language tags (en-US, fr), and en_US with an
// underscore as Okta sends it.
func checkLocale(v string) error {
	if _, err := language.Parse(v); err != nil {
		return errors.New("is not a language tag such as en-US or fr")
	}
	return nil
}
