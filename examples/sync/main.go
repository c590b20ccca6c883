// Command sync makes a SCIM endpoint's employees (Peakon's, or any) equal
// to a CSV export of an HR system:
//
//	go build -o sync ./examples/sync
//	./sync -url https://api.peakon.com/scim/v2 -token TOKEN -csv employees.csv [-map 'COLUMN=NAME,...'] [-key externalId|userName] [-apply [-force]]
//
// Without -apply it is a dry run: it reads the endpoint, checks the file
// and prints the plan, writing nothing.
//
// # Columns
//
// The header names the columns, in any order, case and spacing: Email
// (required; also the userName; or Work Email), First name, Last name,
// Employee number (or Employee #), Locale, Timezone (or Time Zone),
// External ID (or Employee ID; the key when present), Active (or Status),
// Enterprise manager (or Manager, Manager email: the manager's email).
// Any other column must be one of the company's Peakon custom attributes
// (by display name or alias). A column named as a custom attribute sets
// that attribute: so Manager sets the company's Manager attribute when it
// has one, and the Enterprise manager otherwise (-map 'Manager=Enterprise
// manager' always reaches the Enterprise manager). -map renames columns
// (-map 'Work Email=Email,Employee ID=External ID') and ignores them
// ('Notes=-'); columns without a name are ignored. Columns neither known
// nor mapped are all reported at once, with what is accepted, and nothing
// is written.
//
// Active reads true/false, yes/no, 1/0 and active/inactive/terminated,
// in any case (default true). Time zones must be IANA names
// (Europe/Paris), locales language tags (en-US; en_US as Okta sends it).
//
// # Rows
//
// Each row is checked as the endpoint would check it (email format,
// lengths, the custom attributes' types such as dates), and for an email
// or external id an earlier row has; a bad row is reported with its CSV
// line number (the header is line 1) and skipped, and the employee it
// names, if the endpoint has them, is left as they are rather than
// deactivated. A manager who is neither an employee nor a row is left out
// with a warning; the employee is provisioned.
//
// Employees on the endpoint but not in the file are deactivated, never
// deleted: no more than 10 % of the active ones (at least 3, never all of
// them) unless -force.
//
// # Output
//
// The plan (or, with -apply, what was done) goes to stdout, one line per
// employee, updates as "Department: Engineering → Customer Success"; its
// last line counts them ("applied: created 270, updated 9, deactivated 1;
// failed 0"), or says "refused: nothing applied — rerun with -force after
// checking the input". Bad rows, warnings, retries and progress go to
// stderr.
//
// Exit status: 0 when everything was applied (or, in a dry run, would
// be), 1 when some rows were skipped or failed, 2 for bad usage, a file or
// columns that cannot be read, an endpoint that could not be synced, or a
// refusal. (go run reports every failure as its own exit status 1: build
// the command to see these.)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"time"
	_ "time/tzdata" // time zones are checked the same on every host

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimclient"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// clientOptions are added to the client's: tests shorten its back-off.
var clientOptions []scimclient.Option

const usage = "usage: sync -url BASE_URL -token TOKEN -csv FILE [-map 'COLUMN=NAME,...'] [-key externalId|userName] [-apply [-force]]"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	baseURL := fs.String("url", "", "the endpoint's base URL, e.g. https://api.peakon.com/scim/v2")
	token := fs.String("token", "", "the bearer token")
	file := fs.String("csv", "", "the CSV file of employees")
	mapFlag := fs.String("map", "", "rename columns: 'Work Email=Email,Employee ID=External ID'; COLUMN=- ignores one")
	apply := fs.Bool("apply", false, "apply the plan (without it, only print it)")
	keyFlag := fs.String("key", "", "match employees by externalId or userName (default: externalId when the file has an External ID column)")
	force := fs.Bool("force", false, "deactivate however many employees are absent from the file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// Every flag is checked before the file is read.
	var problems []string
	for _, f := range []struct{ name, value, what string }{
		{"url", *baseURL, "the endpoint's base URL, e.g. https://api.peakon.com/scim/v2"},
		{"token", *token, "the bearer token"},
		{"csv", *file, "the CSV file of employees"},
	} {
		if f.value == "" {
			problems = append(problems, fmt.Sprintf("missing -%s (%s)", f.name, f.what))
		}
	}
	if u, err := url.Parse(*baseURL); *baseURL != "" && (err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
		problems = append(problems, fmt.Sprintf("-url %q: use the endpoint's base URL, such as https://api.peakon.com/scim/v2", *baseURL))
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected arguments %s (flags come before them)", quoteAll(fs.Args())))
	}
	var key scimclient.Key
	switch strings.ToLower(*keyFlag) {
	case "":
	case "externalid":
		key = scimclient.KeyExternalID
	case "username":
		key = scimclient.KeyUserName
	default:
		problems = append(problems, fmt.Sprintf("-key %q: use externalId or userName", *keyFlag))
	}
	mp, err := parseMap(*mapFlag)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
		fmt.Fprintln(stderr, usage)
		return 2
	}

	f, err := os.Open(*file)
	if err != nil {
		fmt.Fprintf(stderr, "-csv: %v\n", err)
		return 2
	}
	defer f.Close()
	cr, header, err := readHeader(f)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", *file, err)
		return 2
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	hc := &http.Client{Transport: newWatch(*baseURL, stderr)}
	c := scimclient.New(*baseURL, *token, append([]scimclient.Option{scimclient.WithHTTPClient(hc)}, clientOptions...)...)
	m, err := c.Model(ctx)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	cols, err := newCatalog(m).resolve(header, mp)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", *file, err)
		fmt.Fprintln(stderr, "nothing was written")
		return 2
	}
	sh := readRows(cr, cols, m)
	switch {
	case key == "" && sh.hasExternalID:
		key = scimclient.KeyExternalID
	case key == "":
		key = scimclient.KeyUserName
	case key == scimclient.KeyExternalID && !sh.hasExternalID:
		fmt.Fprintf(stderr, "%s: -key externalId, but the file has no External ID column (its columns: %s)\n", *file, quoteAll(header))
		return 2
	}
	if key == scimclient.KeyExternalID {
		sh.requireExternalID()
	}
	var current []*scim.User
	for u, err := range c.List(ctx, scimclient.ListOptions{}) {
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		current = append(current, u)
	}
	in := sh.desired(key, current)
	out := &printer{stdout: stdout, stderr: stderr, file: *file, sheet: sh, in: in, m: m, current: current}
	out.badRows()

	// A dry run first, also with -apply: it counts the changes up front
	// (both rounds), and a refusal stops before any write.
	opts := scimclient.SyncOptions{Key: key, Force: *force, Attributes: sh.attributes(), DryRun: true}
	rep, err := scimclient.Sync(ctx, c, in.users, opts)
	applied := false
	if *apply && rep != nil && (err == nil || errors.Is(err, scimclient.ErrUnreliableListing)) {
		total := out.total(rep)
		if total > 0 {
			fmt.Fprintf(stderr, "writing %d %s\n", total, plural(total, "change", "changes"))
		}
		opts.DryRun = false
		opts.Progress = progress(stderr, total)
		rep, err = scimclient.Sync(ctx, c, in.users, opts)
		applied = true
	}
	if rep != nil {
		out.report(rep, applied)
	}
	refused := errors.Is(err, scimclient.ErrTooManyDeactivations)
	if rep != nil && !refused {
		fmt.Fprintln(stdout, out.summary(rep, applied))
	}
	switch {
	case refused:
		fmt.Fprintln(stderr, err)
		if *apply {
			fmt.Fprintln(stdout, "refused: nothing applied — rerun with -force after checking the input")
		} else {
			fmt.Fprintln(stdout, "refused: -apply would apply nothing — rerun with -force after checking the input")
		}
		return 2
	case err != nil:
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "interrupted:", err)
		} else {
			fmt.Fprintln(stderr, err)
		}
		if *apply && !applied {
			fmt.Fprintln(stdout, "nothing applied: the endpoint could not be synced (see stderr)")
		}
		return 2
	}
	if out.skipped > 0 || rep.Count("", scimclient.StatusFailed) > 0 {
		return 1
	}
	return 0
}

// progress prints how many of the total changes are done, at most once a
// second, and when all are.
func progress(w io.Writer, total int) func(done, _ int) {
	var last time.Time
	return func(done, _ int) {
		t := max(total, done)
		if now := time.Now(); now.Sub(last) >= time.Second || done == t {
			last = now
			fmt.Fprintf(w, "progress: %d/%d changes\n", done, t)
		}
	}
}
