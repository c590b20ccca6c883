// Command loadcompare measures what scimkit's request path costs against a
// bare net/http server that writes the very same response bytes. It is the
// yardstick behind the "request path against bare net/http" figures of
// BENCHMARKS.md, not an example of using the library.
//
// Every server is a process of its own: this program re-executed with a
// hidden -serve KIND mode, which loads its users, listens on loopback and
// serves. The kinds:
//
//   - bare: net/http answering each request URI with the status, headers
//     and body a scimkit server gave it when the scenarios were set up
//   - demo: internal/demo on the memory store, the SCIM endpoint as
//     examples/server wires it (company tokens and models, the rate
//     limiter, two mounts; examples/server's provisioning log and metrics
//     live in that module and are not included)
//   - memory: examples/memory's wiring (StaticTokens, the default model)
//   - sqlite: internal/demo on SQLite (synchronous=FULL)
//
// and, built apart and named by path:
//
//   - KIND@PATH: a kind served by another build of loadcompare at PATH, to
//     compare two builds in the same interleaved rounds
//   - site@PATH (-sqlite-servers): examples/server built at PATH, with its
//     provisioning log and Prometheus metrics, on a SQLite file the sqlite
//     kind loaded (those extras live in the examples module)
//   - elimity@PATH (-servers): github.com/elimity-com/scim over an
//     in-memory handler, built from ./elimity, a module of its own
//
// The load generator runs in this process and speaks HTTP/1.1 itself on
// keep-alive connections (request bytes built once, responses read by
// Content-Length or chunks), so its cost is not the servers'. Each server's CPU
// (user and system, all threads) is read from /proc/PID/stat before and
// after each turn: the tool prints, per server, requests/s and server CPU
// per request, median and range over the rounds, and the median of the
// rounds' ratios to bare, and to the first server listed (the site's
// extras: site's CPU against the SQLite demo's). Rounds are interleaved
// (bare, demo, memory, then the next round starting one server later), so
// that a change in the machine's load hits every server alike. On a busy
// machine requests/s moves with the other jobs; CPU per request much less.
//
// Creates into SQLite have no bare counterpart: they print creates/s and
// the server's CPU per create, with 16 clients and with 1.
//
// -cpuprofile profiles each server's serving of every scenario of its
// group (the memory or the SQLite scenarios): run one scenario to profile
// one. Another build's server is that build's loadcompare binary, e.g.
// `go build -o /tmp/lc-main ./bench/loadcompare` in a checkout of
// main.
//
//	go run ./bench/loadcompare          # every scenario, 10,000 users
//	go run ./bench/loadcompare -quick   # 2,000 users, 3 rounds of 1s
//	go run ./bench/loadcompare -run get,patch -users 2000 -rounds 5 -round 1s
//	go run ./bench/loadcompare -run get -cpuprofile /tmp/get   # /tmp/get-demo.prof, ...
//	go run ./bench/loadcompare -run get,patch -servers demo,demo@/tmp/lc-main
//	go build -o /tmp/site ./examples/server
//	go run ./bench/loadcompare -run sqlite-get -sqlite-servers sqlite,site@/tmp/site
//	(cd bench/loadcompare/elimity && GOWORK=off go build -o /tmp/elimity .)
//	go run ./bench/loadcompare -run get,eq,patch -servers demo,memory,elimity@/tmp/elimity
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim/bench/loadcompare/internal/protocol"
)

type config struct {
	users         int
	createUsers   int
	clients       []int // sqlite-create's client counts
	conns         int
	rounds        int
	round         time.Duration
	run           map[string]bool
	servers       []string // the scimkit servers of the memory scenarios
	sqliteServers []string
	dir           string
	cpuprofile    string // prefix of the servers' profiles
	serverCPU     string // the CPU servers run on (-pin); "": any
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-serve" {
		if err := serveMain(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "loadcompare -serve:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadcompare:", err)
		os.Exit(1)
	}
}

var (
	memoryScenarios = []string{"get", "eq", "patch", "sw"}
	sqliteScenarios = []string{"sqlite-get", "sqlite-patch"}
	scenarios       = slices.Concat(memoryScenarios, sqliteScenarios, []string{"sqlite-create"})
)

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("loadcompare", flag.ContinueOnError)
	c := config{}
	quick := fs.Bool("quick", false, "2,000 users (creates: 4,000), rounds of 1s")
	fs.IntVar(&c.users, "users", 10000, "users loaded for the read and PATCH scenarios")
	fs.IntVar(&c.createUsers, "creates", 20000, "users created over HTTP into SQLite, per client count")
	fs.IntVar(&c.conns, "conns", 16, "keep-alive connections of the load generator")
	fs.IntVar(&c.rounds, "rounds", 3, "interleaved rounds per scenario")
	fs.DurationVar(&c.round, "round", 2*time.Second, "duration of one server's turn in a round")
	runList := fs.String("run", strings.Join(scenarios, ","), "scenarios to run: "+strings.Join(scenarios, ","))
	serverList := fs.String("servers", "demo,memory", "servers compared with bare on the memory scenarios: demo, memory, KIND@PATH for another build's, elimity@PATH for the elimity-com/scim server built from ./elimity (the first one's replies are the bare server's)")
	sqliteList := fs.String("sqlite-servers", "sqlite", "servers of the sqlite-get and sqlite-patch scenarios: sqlite, sqlite@PATH, or site@PATH for examples/server built at PATH (with its provisioning log and metrics)")
	clientList := fs.String("clients", "16,1", "client counts of sqlite-create")
	fs.StringVar(&c.dir, "dir", "", "directory for the SQLite databases and the recorded replies (default: a temporary one)")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write each server's CPU profile (its serving, not its loading) to `PREFIX`-KIND.prof")
	pin := fs.Bool("pin", false, "run every server on CPU 1 and the load generator on CPU 0 (Linux, taskset), so that a server has a core of its own")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *quick { // defaults for the flags not given
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, p := range map[string]*int{"users": &c.users, "creates": &c.createUsers} {
			if !set[name] {
				*p = map[string]int{"users": 2000, "creates": 4000}[name]
			}
		}
		if !set["round"] {
			c.round = time.Second
		}
	}
	for f := range strings.SplitSeq(*clientList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-clients: %q is not a positive number", f)
		}
		c.clients = append(c.clients, n)
	}
	c.run = map[string]bool{}
	for s := range strings.SplitSeq(*runList, ",") {
		if s = strings.TrimSpace(s); !slices.Contains(scenarios, s) {
			return fmt.Errorf("unknown scenario %q (want %s)", s, strings.Join(scenarios, ","))
		}
		c.run[s] = true
	}
	for s := range strings.SplitSeq(*serverList, ",") {
		s = strings.TrimSpace(s)
		if k, _, other := strings.Cut(s, "@"); k != "demo" && k != "memory" && (k != "elimity" || !other) {
			return fmt.Errorf("-servers: unknown server %q (want demo, memory, KIND@PATH, elimity@PATH)", s)
		}
		c.servers = append(c.servers, s)
	}
	for s := range strings.SplitSeq(*sqliteList, ",") {
		s = strings.TrimSpace(s)
		if k, _, other := strings.Cut(s, "@"); k != "sqlite" && (k != "site" || !other) {
			return fmt.Errorf("-sqlite-servers: unknown server %q (want sqlite, sqlite@PATH, site@PATH)", s)
		}
		c.sqliteServers = append(c.sqliteServers, s)
	}
	if c.rounds < 1 || c.conns < 1 {
		return fmt.Errorf("-rounds and -conns must be 1 or more")
	}
	if *pin {
		if err := pinSelf(); err != nil {
			return err
		}
		c.serverCPU = pinnedServerCPU
	}
	if c.dir == "" {
		dir, err := os.MkdirTemp("", "loadcompare")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		c.dir = dir
	}
	tck, how := clockTicks()
	if len(filter(slices.Concat(memoryScenarios, sqliteScenarios), c.run)) > 0 {
		fmt.Fprintf(out, "%d users, %d connections, %d rounds of %v per server; ", c.users, c.conns, c.rounds, c.round)
	}
	fmt.Fprintf(out, "server CPU from /proc/PID/stat at %d ticks/s (%s)\n", tck, how)
	if run := filter(memoryScenarios, c.run); len(run) > 0 {
		if err := group(out, c, run, c.servers); err != nil {
			return err
		}
	}
	if run := filter(sqliteScenarios, c.run); len(run) > 0 {
		if err := group(out, c, run, c.sqliteServers); err != nil {
			return err
		}
	}
	if c.run["sqlite-create"] {
		for _, clients := range c.clients {
			if err := creates(out, c, clients); err != nil {
				return err
			}
		}
	}
	return nil
}

func filter(ss []string, keep map[string]bool) []string {
	return slices.DeleteFunc(slices.Clone(ss), func(s string) bool { return !keep[s] })
}

// serverArgs are the -serve arguments of a server of kind; name tells
// apart the files of two servers.
func serverArgs(c config, kind, name string, users int) []string {
	name = strings.NewReplacer("@", "-", "/", "_").Replace(name)
	args := []string{"-users", strconv.Itoa(users)}
	if kind == "sqlite" {
		args = append(args, "-db", filepath.Join(c.dir, name+".db"))
	}
	if c.cpuprofile != "" {
		args = append(args, "-cpuprofile", c.cpuprofile+"-"+name+".prof")
	}
	return args
}

// group starts the servers of kinds, loaded with c.users users, records
// the first one's replies to every call of the scenarios for a bare server,
// starts that, and compares them all on each scenario.
func group(out io.Writer, c config, run []string, kinds []string) (err error) {
	var servers []*server
	defer func() {
		for _, s := range servers {
			err = cmpErr(err, s.stop())
		}
	}()
	for _, k := range kinds {
		kind, exe, _ := strings.Cut(k, "@")
		if kind == "site" {
			args := serverArgs(c, "sqlite", k, c.users)
			s, err := startSite(c.serverCPU, exe, args[:4], args[3]) // -users N -db FILE
			if err != nil {
				return err
			}
			servers = append(servers, s)
			continue
		}
		s, err := startServer(c.serverCPU, k, serverArgs(c, kind, k, c.users)...)
		if err != nil {
			return err
		}
		servers = append(servers, s)
	}
	calls := map[string][]call{}
	replies := map[string]*reply{}
	for _, s := range run {
		calls[s] = scenarioCalls(s, c.users)
		if err := record(servers[0].addr, calls[s], replies); err != nil {
			return fmt.Errorf("%s: recording %s: %w", s, servers[0].name, err)
		}
	}
	file := filepath.Join(c.dir, "replies-"+servers[0].kind+".json")
	b, err := json.Marshal(replies)
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return err
	}
	bareArgs := []string{"-replies", file}
	if c.cpuprofile != "" {
		bareArgs = append(bareArgs, "-cpuprofile", c.cpuprofile+"-bare-"+servers[0].kind+".prof")
	}
	bare, err := startServer(c.serverCPU, "bare", bareArgs...)
	if err != nil {
		return err
	}
	servers = append([]*server{bare}, servers...)
	for _, s := range run {
		if err := compare(out, s, calls[s], servers, c); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// createBody is protocol.UserBody with counters ('#########') for its unique
// values: each create is a new user.
var createBody = []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"userName":"new#########@example.com","externalId":"00n#########","active":true,
"name":{"givenName":"New#########","familyName":"Created#########"},"displayName":"New######### Created",
"emails":[{"value":"new#########@example.com","type":"work","primary":true}],
"title":"Engineer","locale":"en-GB",
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","employeeNumber":"#########"}}`)

var patchBody = []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Title #########"}]}`)

// scenarioCalls returns the scenario's requests over users loaded users;
// the load generator cycles through them.
func scenarioCalls(s string, users int) []call {
	const n = 1000
	var cs []call
	for i := range min(n, users) {
		k := (i * 7919) % users // spread over the users
		switch s {
		case "get", "sqlite-get":
			cs = append(cs, newCall("GET", "/scim/v2/Users/"+protocol.UserID(k), nil))
		case "eq":
			cs = append(cs, newCall("GET", "/scim/v2/Users?filter="+queryEscape(fmt.Sprintf(`userName eq "user%d@example.com"`, k)), nil))
		case "patch", "sqlite-patch":
			cs = append(cs, newCall("PATCH", "/scim/v2/Users/"+protocol.UserID(k), patchBody))
		case "sw":
			// A prefix that matches 1/len(protocol.FamilyNames) of the users.
			fam := protocol.FamilyNames[i%len(protocol.FamilyNames)]
			cs = append(cs, newCall("GET", "/scim/v2/Users?count=100&filter="+queryEscape(fmt.Sprintf(`name.familyName sw "%s"`, strings.ToLower(fam[:len(fam)-1]))), nil))
		}
	}
	if s == "sw" {
		cs = slices.CompactFunc(cs, func(a, b call) bool { return a.uri == b.uri })
		cs = cs[:min(len(cs), len(protocol.FamilyNames))]
	}
	return cs
}

func queryEscape(s string) string {
	return strings.NewReplacer(" ", "%20", `"`, "%22", "@", "%40").Replace(s)
}

// record sends every call once to addr and keeps the replies, by "METHOD
// URI", for the bare server.
func record(addr string, cs []call, replies map[string]*reply) error {
	cn, err := dial(addr)
	if err != nil {
		return err
	}
	defer cn.close()
	var buf []byte
	for _, c := range cs {
		resp, err := cn.roundTrip(c.bytesFor(buf, 0), true)
		if err != nil {
			return err
		}
		if resp.status >= 300 {
			return fmt.Errorf("%s %s: %d %s", c.method, c.uri, resp.status, resp.body)
		}
		r := &reply{Status: resp.status, Header: map[string]string{}, Body: resp.body}
		for k, v := range resp.header {
			for _, name := range recordedHeaders {
				if strings.EqualFold(k, name) {
					r.Header[name] = v
				}
			}
		}
		replies[c.method+" "+c.uri] = r
	}
	return nil
}

// counter numbers every request of the run: the counters in the request
// bytes (recording used 0).
var counter atomic.Uint64

// turn is what one server's turn measured.
type turn struct {
	rps float64
	cpu time.Duration // the server's CPU per request, 0 if unknown
}

// load drives s with conns connections for d, cycling through cs.
func load(s *server, cs []call, conns int, d time.Duration) (turn, error) {
	cns, err := dialN(s.addr, conns)
	if err != nil {
		return turn{}, err
	}
	defer closeAll(cns)
	var (
		done  atomic.Int64
		stop  atomic.Bool
		wg    sync.WaitGroup
		first firstError
	)
	cpu0, cpuOK := procCPU(s.pid())
	start := time.Now()
	for _, cn := range cns {
		wg.Go(func() {
			var buf []byte
			for !stop.Load() {
				n := counter.Add(1)
				c := &cs[n%uint64(len(cs))]
				req := c.bytesFor(buf, n)
				if len(c.counterAt) > 0 {
					buf = req
				}
				resp, err := cn.roundTrip(req, false)
				if err == nil && resp.status >= 300 {
					err = fmt.Errorf("%s %s: status %d: %s", c.method, c.uri, resp.status, resp.body)
				}
				if err != nil {
					first.set(err)
					stop.Store(true)
					return
				}
				done.Add(1)
			}
		})
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	el := time.Since(start)
	cpu1, cpuOK1 := procCPU(s.pid())
	t := turn{rps: float64(done.Load()) / el.Seconds()}
	if cpuOK && cpuOK1 && done.Load() > 0 {
		t.cpu = (cpu1 - cpu0) / time.Duration(done.Load())
	}
	if first.err != nil {
		return t, fmt.Errorf("%s: %w", s.name, first.err)
	}
	return t, nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// firstError keeps the first error that goroutines set.
type firstError struct {
	mu  sync.Mutex
	err error
}

func (f *firstError) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = cmpErr(f.err, err)
}

// compare runs the interleaved rounds of one scenario on servers (bare
// first) and prints one line per server.
func compare(out io.Writer, s string, cs []call, servers []*server, c config) error {
	la := loadAverage()
	for _, sv := range servers { // warm the code paths
		if _, err := load(sv, cs, c.conns, c.round/4); err != nil {
			return err
		}
	}
	turns := make([][]turn, len(servers))
	for r := range c.rounds {
		for j := range servers {
			i := (j + r) % len(servers)
			t, err := load(servers[i], cs, c.conns, c.round)
			if err != nil {
				return err
			}
			turns[i] = append(turns[i], t)
		}
	}
	fmt.Fprintf(out, "\n%s (load average %s before, %s after)\n", s, la, loadAverage())
	w := 7
	for _, sv := range servers {
		w = max(w, len(sv.name))
	}
	// The last column sets each server's CPU against the first scimkit
	// server's in the same round, turns that ran next to each other: the
	// cost of what a server adds to that one (the site's extras) without
	// bare's own swings in between.
	ref := min(1, len(servers)-1)
	fmt.Fprintf(out, "  %-*s %-24s %-18s %-24s %-18s %s\n", w, "server", "req/s: median (range)", "×bare", "server µs CPU/req", "×bare", "CPU ×"+servers[ref].name)
	for i, sv := range servers {
		rps := func(t turn) float64 { return t.rps }
		cpu := func(t turn) float64 { return float64(t.cpu) / 1e3 }
		rr := ratios(turns[i], turns[0], rps)
		cr := ratios(turns[i], turns[0], cpu)
		fmt.Fprintf(out, "  %-*s %-24s %-18s %-24s %-18s %s\n", w, sv.name,
			spread(values(turns[i], rps), "%.0f"), spread(rr, "%.2f"),
			spread(values(turns[i], cpu), "%.1f"), spread(cr, "%.2f"),
			spread(ratios(turns[i], turns[ref], cpu), "%.2f"))
	}
	return nil
}

func values(ts []turn, f func(turn) float64) []float64 {
	v := make([]float64, len(ts))
	for i, t := range ts {
		v[i] = f(t)
	}
	return v
}

// ratios are the rounds' ratios f(a)/f(b).
func ratios(a, b []turn, f func(turn) float64) []float64 {
	var r []float64
	for i := range a {
		if f(b[i]) > 0 {
			r = append(r, f(a[i])/f(b[i]))
		}
	}
	return r
}

// spread formats the median of vs and their range.
func spread(vs []float64, format string) string {
	if len(vs) == 0 {
		return "-"
	}
	s := slices.Sorted(slices.Values(vs))
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	if len(s) == 1 {
		return fmt.Sprintf(format, med)
	}
	return fmt.Sprintf(format+" ("+format+"–"+format+")", med, s[0], s[len(s)-1])
}

// creates POSTs c.createUsers new users into a new SQLite database from
// clients connections and prints creates/s and the server's CPU per
// create.
func creates(out io.Writer, c config, clients int) (err error) {
	name := fmt.Sprintf("create%d", clients)
	s, err := startServer(c.serverCPU, "sqlite", serverArgs(c, "sqlite", name, 0)...)
	if err != nil {
		return err
	}
	defer func() { err = cmpErr(err, s.stop()) }()
	post := newCall("POST", "/scim/v2/Users", createBody)
	cns, err := dialN(s.addr, clients)
	if err != nil {
		return err
	}
	defer closeAll(cns)
	var (
		next  atomic.Uint64
		wg    sync.WaitGroup
		first firstError
	)
	la := loadAverage()
	cpu0, cpuOK := procCPU(s.pid())
	start := time.Now()
	total := uint64(c.createUsers)
	for _, cn := range cns {
		wg.Go(func() {
			var buf []byte
			for {
				n := next.Add(1)
				if n > total {
					return
				}
				buf = post.bytesFor(buf, n)
				resp, err := cn.roundTrip(buf, false)
				if err == nil && resp.status != 201 {
					err = fmt.Errorf("status %d: %s", resp.status, resp.body)
				}
				if err != nil {
					first.set(err)
					next.Store(total)
					return
				}
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	if first.err != nil {
		return fmt.Errorf("sqlite-create with %d clients: %w", clients, first.err)
	}
	fmt.Fprintf(out, "\nsqlite-create: %.0f creates/s with %d client(s), %d users in %v", float64(total)/el.Seconds(), clients, total, el.Round(time.Millisecond))
	if cpu1, ok := procCPU(s.pid()); ok && cpuOK {
		fmt.Fprintf(out, ", server %.0f µs CPU per create", float64(cpu1-cpu0)/float64(total)/1e3)
	}
	fmt.Fprintf(out, " (load average %s before, %s after)\n", la, loadAverage())
	return nil
}
