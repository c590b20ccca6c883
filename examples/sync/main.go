// Command sync makes a SCIM endpoint's employees (Peakon's, or any) equal
// to a CSV export of an HR system:
//
//	go run ./examples/sync -url https://api.peakon.com/scim/v2 -token TOKEN -csv employees.csv [-apply] [-key externalId|userName] [-force]
//
// Without -apply it prints the plan. The CSV's header names the columns,
// in any order and case: Email (required; also the userName), First name,
// Last name, Employee number, Locale, Timezone, External ID (the key when
// present), Active (true/false, default true); any other column is a
// Peakon custom attribute of that display name. Bad rows are reported with
// their line number and skipped. Employees on the endpoint but not in the
// file are deactivated, never deleted: no more than 10 % of the active
// ones (at least 3, never all of them) unless -force.
//
// Exit status: 0 when everything was applied, 1 when some rows failed,
// 2 for bad usage or an endpoint that could not be synced.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimclient"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "the endpoint's base URL, e.g. https://api.peakon.com/scim/v2")
	token := fs.String("token", "", "the bearer token")
	file := fs.String("csv", "", "the CSV file of employees")
	apply := fs.Bool("apply", false, "apply the plan (without it, only print it)")
	key := fs.String("key", "", "match employees by externalId or userName (default: externalId when the file has an External ID column)")
	force := fs.Bool("force", false, "deactivate however many employees are absent from the file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *url == "" || *token == "" || *file == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: sync -url BASE_URL -token TOKEN -csv FILE [-apply] [-key externalId|userName] [-force]")
		return 2
	}
	f, err := os.Open(*file)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	defer f.Close()
	sheet, err := readCSV(f)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", *file, err)
		return 2
	}
	for _, b := range sheet.bad {
		fmt.Fprintf(stderr, "%s:%d: %v (row skipped)\n", *file, b.line, b.err)
	}
	opts := scimclient.SyncOptions{DryRun: !*apply, Force: *force, Attributes: sheet.attributes}
	switch strings.ToLower(*key) {
	case "":
		opts.Key = scimclient.KeyUserName
		if sheet.hasExternalID {
			opts.Key = scimclient.KeyExternalID
		}
	case "externalid":
		opts.Key = scimclient.KeyExternalID
	case "username":
		opts.Key = scimclient.KeyUserName
	default:
		fmt.Fprintf(stderr, "-key %q: use externalId or userName\n", *key)
		return 2
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	if *apply {
		opts.Progress = progressLine(stderr)
	}
	c := scimclient.New(*url, *token)
	rep, err := scimclient.Sync(ctx, c, sheet.users, opts)
	if rep != nil {
		print(stdout, rep, sheet, *apply)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if len(sheet.bad) > 0 || len(rep.Failed()) > 0 {
		return 1
	}
	return 0
}

// progressLine rewrites one line, at most five times a second.
func progressLine(w io.Writer) func(done, total int) {
	var last time.Time
	return func(done, total int) {
		if now := time.Now(); now.Sub(last) >= 200*time.Millisecond || done == total {
			last = now
			fmt.Fprintf(w, "\r%d/%d changes", done, total)
			if done == total {
				fmt.Fprintln(w)
			}
		}
	}
}

func print(w io.Writer, rep *scimclient.Report, sheet *sheet, applied bool) {
	for _, ch := range rep.Steps {
		who := ch.UserName
		if ch.Index >= 0 {
			who = fmt.Sprintf("%s (line %d)", who, sheet.lines[ch.Index])
		}
		switch {
		case ch.Action == scimclient.ActionSkip:
			fmt.Fprintf(w, "skip        %s: %v\n", who, ch.Err)
		case ch.Status == scimclient.StatusFailed:
			fmt.Fprintf(w, "FAILED %-10s %s: %v\n", ch.Action, who, ch.Err)
		default:
			fmt.Fprintf(w, "%-11s %s%s\n", ch.Action, who, describe(ch))
		}
		for _, warning := range ch.Warnings {
			fmt.Fprintf(w, "            warning: %s\n", warning)
		}
	}
	if !applied {
		fmt.Fprintf(w, "planned: %d to create, %d to update, %d to reactivate, %d to deactivate; %d unchanged; %d skipped rows, %d bad rows\n",
			rep.Count(scimclient.ActionCreate, ""), rep.Count(scimclient.ActionUpdate, ""), rep.Count(scimclient.ActionReactivate, ""),
			rep.Count(scimclient.ActionDeactivate, ""), rep.Unchanged, len(rep.Failed()), len(sheet.bad))
		return
	}
	if rep.Count("", scimclient.StatusApplied) == 0 && rep.Count("", scimclient.StatusNotAttempted) > 0 {
		fmt.Fprintf(w, "nothing applied: %d steps not attempted; %d failed or skipped rows, %d bad rows\n",
			rep.Count("", scimclient.StatusNotAttempted), len(rep.Failed()), len(sheet.bad))
		return
	}
	fmt.Fprintf(w, "applied: %d created, %d updated, %d reactivated, %d deactivated; %d unchanged; %d failed or skipped rows, %d not attempted, %d bad rows\n",
		rep.Count(scimclient.ActionCreate, scimclient.StatusApplied), rep.Count(scimclient.ActionUpdate, scimclient.StatusApplied),
		rep.Count(scimclient.ActionReactivate, scimclient.StatusApplied), rep.Count(scimclient.ActionDeactivate, scimclient.StatusApplied),
		rep.Unchanged, len(rep.Failed()), rep.Count("", scimclient.StatusNotAttempted), len(sheet.bad))
}

func describe(ch *scimclient.Step) string {
	if len(ch.Operations) == 0 {
		return ""
	}
	var parts []string
	for _, op := range ch.Operations {
		if op.Op == "remove" {
			parts = append(parts, "-"+op.Path)
		} else {
			parts = append(parts, fmt.Sprintf("%s=%v", op.Path, op.Value))
		}
	}
	return ": " + strings.Join(parts, ", ")
}

// sheet is a parsed CSV.
type sheet struct {
	users         []*scim.User
	lines         []int // of each user
	bad           []badRow
	attributes    []string // the attributes the columns manage
	hasExternalID bool
}

type badRow struct {
	line int
	err  error
}

// columns maps the known headers, folded, to how they set a user.
var columns = map[string]struct {
	attr string
	set  func(u *scim.User, v string) error
}{
	"email": {"userName", func(u *scim.User, v string) error {
		u.UserName = v
		u.Emails = []scim.MultiValue{{Value: v, Type: "work", Primary: true}}
		return nil
	}},
	"first name":      {"name.givenName", func(u *scim.User, v string) error { u.Name.GivenName = v; return nil }},
	"last name":       {"name.familyName", func(u *scim.User, v string) error { u.Name.FamilyName = v; return nil }},
	"employee number": {scim.SchemaEnterpriseUser + ":employeeNumber", func(u *scim.User, v string) error { u.Enterprise.EmployeeNumber = v; return nil }},
	"locale":          {"locale", func(u *scim.User, v string) error { u.Locale = v; return nil }},
	"timezone":        {"timezone", func(u *scim.User, v string) error { u.Timezone = v; return nil }},
	"external id":     {"externalId", func(u *scim.User, v string) error { u.ExternalID = v; return nil }},
	"active": {"active", func(u *scim.User, v string) error {
		if v == "" {
			return nil
		}
		b, err := strconv.ParseBool(strings.ToLower(v))
		if err != nil {
			return fmt.Errorf("the Active column is %q; use true or false", v)
		}
		u.Active = b
		return nil
	}},
}

func readCSV(r io.Reader) (*sheet, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	s := &sheet{}
	seen := map[string]bool{}
	email := -1
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		header[i] = h
		k := strings.ToLower(h)
		if seen[k] {
			return nil, fmt.Errorf("the column %q appears twice", h)
		}
		seen[k] = true
		if col, ok := columns[k]; ok {
			s.attributes = append(s.attributes, col.attr)
			if k == "email" {
				email = i
				s.attributes = append(s.attributes, "emails")
			}
			if k == "external id" {
				s.hasExternalID = true
			}
			continue
		}
		s.attributes = append(s.attributes, scim.SchemaPeakonUser+":"+h)
	}
	if email < 0 {
		return nil, errors.New("no Email column")
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				s.bad = append(s.bad, badRow{pe.Line, err})
				continue
			}
			return nil, err
		}
		u, err := parseRow(header, rec)
		if err != nil {
			s.bad = append(s.bad, badRow{line, err})
			continue
		}
		s.users = append(s.users, u)
		s.lines = append(s.lines, line)
	}
	return s, nil
}

func parseRow(header, rec []string) (*scim.User, error) {
	if len(rec) > len(header) {
		return nil, fmt.Errorf("%d fields, but the header names %d columns", len(rec), len(header))
	}
	u := &scim.User{Active: true}
	for i, v := range rec {
		v = strings.TrimSpace(v)
		if col, ok := columns[strings.ToLower(header[i])]; ok {
			if err := col.set(u, v); err != nil {
				return nil, err
			}
			continue
		}
		if v != "" {
			if u.Custom == nil {
				u.Custom = map[string]string{}
			}
			u.Custom[header[i]] = v
		}
	}
	if u.UserName == "" {
		return nil, errors.New("the Email column is empty")
	}
	if !strings.Contains(u.UserName, "@") {
		return nil, fmt.Errorf("the Email column %q is not an email address", u.UserName)
	}
	return u, nil
}
