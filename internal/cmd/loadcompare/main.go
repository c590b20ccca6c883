// Command loadcompare measures what the request path costs: the demo
// endpoint (internal/demo, as examples/server wires it) against a bare
// net/http server that writes the very same response bytes. It is the
// harness behind the "request path against bare net/http" figures of
// BENCHMARKS.md, not an example of using the library.
//
// Both servers listen on loopback in this process. A load generator of 16
// keep-alive connections (Go's net/http client, on the same cores) drives
// them in interleaved rounds, demo then bare, so that a change in the
// machine's load hits both alike; it prints the requests/s of each and the
// ratio demo/bare: of the mean requests/s, and the median of the rounds'
// ratios. Where the system reports process CPU time, it also prints the CPU
// (server and load generator together) per request of each and their
// ratio bare/demo, which varies less than requests/s on a busy machine.
// The bare server answers each request URI with the
// status, headers and body the demo gave it when the scenario was set up.
//
// Creates into SQLite have no bare counterpart: they print creates/s with
// 16 clients and with 1.
//
//	go run ./internal/cmd/loadcompare          # every scenario, 10,000 users
//	go run ./internal/cmd/loadcompare -quick   # 2,000 users, shorter rounds
//	go run ./internal/cmd/loadcompare -run get,sw -rounds 5
//	go run ./internal/cmd/loadcompare -cpuprofile get.prof -run get
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/demo"
	"github.com/scimkit/scim/sqlstore/sqlite"
)

const token = "loadcompare-token"

type config struct {
	users       int
	createUsers int
	clients     []int // sqlite-create's client counts
	conns       int
	rounds      int
	round       time.Duration
	run         map[string]bool
	dir         string
	cpuprofile  string
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadcompare:", err)
		os.Exit(1)
	}
}

var scenarios = []string{"get", "eq", "patch", "sw", "sqlite-get", "sqlite-create"}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("loadcompare", flag.ContinueOnError)
	c := config{}
	quick := fs.Bool("quick", false, "2,000 users (creates: 4,000), 2 rounds of 1s")
	fs.IntVar(&c.users, "users", 10000, "users loaded for the read and PATCH scenarios")
	fs.IntVar(&c.createUsers, "creates", 20000, "users created over HTTP into SQLite, per client count")
	fs.IntVar(&c.conns, "conns", 16, "keep-alive connections of the load generator")
	fs.IntVar(&c.rounds, "rounds", 3, "interleaved rounds per scenario")
	fs.DurationVar(&c.round, "round", 3*time.Second, "duration of one server's turn in a round")
	runList := fs.String("run", strings.Join(scenarios, ","), "scenarios to run: "+strings.Join(scenarios, ","))
	clientList := fs.String("clients", "16,1", "client counts of sqlite-create")
	fs.StringVar(&c.dir, "dir", "", "directory for the SQLite databases (default: a temporary one)")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the demo's turns to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *quick { // defaults for the flags not given
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, p := range map[string]*int{"users": &c.users, "creates": &c.createUsers, "rounds": &c.rounds} {
			if !set[name] {
				*p = map[string]int{"users": 2000, "creates": 4000, "rounds": 2}[name]
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
	if c.dir == "" {
		dir, err := os.MkdirTemp("", "loadcompare")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		c.dir = dir
	}
	var prof *profiler
	if c.cpuprofile != "" {
		f, err := os.Create(c.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		prof = &profiler{f: f}
		prof.start()
		defer prof.stop()
	}
	ctx := context.Background()
	fmt.Fprintf(out, "%d users, %d connections, %d rounds of %v per server\n", c.users, c.conns, c.rounds, c.round)
	fmt.Fprintf(out, "%-12s %12s %12s %7s %7s %7s %9s %9s\n", "scenario", "demo req/s", "bare req/s", "ratio", "median", "cpu", "demo µs", "bare µs")
	if c.run["get"] || c.run["eq"] || c.run["patch"] || c.run["sw"] {
		env, err := newEnv(ctx, scim.NewMemoryStore(), c.users)
		if err != nil {
			return err
		}
		for _, s := range []string{"get", "eq", "patch", "sw"} {
			if c.run[s] {
				if err := env.compare(out, s, c, prof); err != nil {
					env.close()
					return err
				}
			}
		}
		env.close()
	}
	if c.run["sqlite-get"] {
		st, err := sqlite.Open(ctx, filepath.Join(c.dir, "get.db"))
		if err != nil {
			return err
		}
		env, err := newEnv(ctx, st, c.users)
		if err == nil {
			err = st.Analyze(ctx)
		}
		if err == nil {
			err = env.compare(out, "sqlite-get", c, prof)
		}
		if env != nil {
			env.close()
		}
		st.Close()
		if err != nil {
			return err
		}
	}
	if c.run["sqlite-create"] {
		for _, clients := range c.clients {
			if err := creates(ctx, out, c, clients); err != nil {
				return err
			}
		}
	}
	return nil
}

// profiler records a CPU profile of the whole run. With it, compare runs
// the demo's turns only, so that the profile is the demo's work and the
// load generator's, without a bare server's.
type profiler struct {
	f  *os.File
	on bool
}

func (p *profiler) start() {
	if p != nil && !p.on {
		p.on = pprof.StartCPUProfile(p.f) == nil
	}
}

func (p *profiler) stop() {
	if p != nil && p.on {
		pprof.StopCPUProfile()
		p.on = false
	}
}

// env is a demo server and a bare server, with a loaded company.
type env struct {
	demo, bare *http.Server
	demoURL    string
	bareURL    string
	handler    http.Handler
	ids        []string
	replies    sync.Map // request URI → *reply, for the bare server
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func newEnv(ctx context.Context, store demo.Backend, users int) (*env, error) {
	h, d, err := demo.NewHandler(ctx, demo.Config{Tokens: []string{token}, Store: store})
	if err != nil {
		return nil, err
	}
	e := &env{handler: h}
	tenant := d.Tenants[0].ID
	m, err := d.Companies.Model(ctx, tenant)
	if err != nil {
		return nil, err
	}
	batch := make([]*scim.User, 0, 1000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var err error
		if cu, ok := store.(interface {
			CreateUsers(context.Context, string, []*scim.User) error
		}); ok {
			err = cu.CreateUsers(ctx, tenant, batch)
		} else {
			for _, u := range batch {
				if err = store.CreateUser(ctx, tenant, u); err != nil {
					break
				}
			}
		}
		batch = batch[:0]
		return err
	}
	now := time.Now().UTC()
	for i := range users {
		u, err := m.DecodeUser(userBody(i), scim.DecodeOptions{})
		if err != nil {
			return nil, err
		}
		u.ID = fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		u.Meta = scim.Meta{ResourceType: "User", Created: now, LastModified: now, Version: `W/"1"`}
		e.ids = append(e.ids, u.ID)
		if batch = append(batch, u); len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if e.demo, e.demoURL, err = serve(h); err != nil {
		return nil, err
	}
	if e.bare, e.bareURL, err = serve(http.HandlerFunc(e.serveBare)); err != nil {
		e.demo.Close()
		return nil, err
	}
	return e, nil
}

func (e *env) close() {
	e.demo.Close()
	e.bare.Close()
}

var familyNames = []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke"}

// userBody is a user as Okta provisions one.
func userBody(i int) []byte {
	fam := familyNames[i%len(familyNames)]
	return fmt.Appendf(nil, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"userName":"user%d@example.com","externalId":"00u%07d","active":true,
"name":{"givenName":"Given%d","familyName":"%s%d"},"displayName":"Given%d %s",
"emails":[{"value":"user%d@example.com","type":"work","primary":true}],
"title":"Engineer","locale":"en-GB",
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","employeeNumber":"%d"}}`,
		i, i, i, fam, i, i, fam, i, i)
}

func serve(h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return srv, "http://" + ln.Addr().String(), nil
}

// serveBare writes the recorded reply, reading the request as a server
// must.
func (e *env) serveBare(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	v, ok := e.replies.Load(r.Method + " " + r.URL.RequestURI())
	if !ok {
		http.Error(w, "no recorded reply", http.StatusNotFound)
		return
	}
	rep := v.(*reply)
	hdr := w.Header()
	for k, vs := range rep.header {
		hdr[k] = vs
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// call is one request of a scenario.
type call struct {
	method, uri string
	body        func(n uint64) []byte // nil: no body
}

// calls returns the scenario's requests; the load generator cycles through
// them.
func (e *env) calls(s string) []call {
	const n = 1000
	var cs []call
	for i := range min(n, len(e.ids)) {
		k := (i * 7919) % len(e.ids) // spread over the users
		id := e.ids[k]
		switch s {
		case "get", "sqlite-get":
			cs = append(cs, call{method: http.MethodGet, uri: "/scim/v2/Users/" + id})
		case "eq":
			cs = append(cs, call{method: http.MethodGet, uri: "/scim/v2/Users?filter=" + queryEscape(fmt.Sprintf(`userName eq "user%d@example.com"`, k))})
		case "patch":
			cs = append(cs, call{method: http.MethodPatch, uri: "/scim/v2/Users/" + id, body: func(n uint64) []byte {
				return fmt.Appendf(nil, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Title %d"}]}`, n)
			}})
		case "sw":
			// A prefix that matches 1/len(familyNames) of the users.
			fam := familyNames[i%len(familyNames)]
			cs = append(cs, call{method: http.MethodGet, uri: "/scim/v2/Users?count=100&filter=" + queryEscape(fmt.Sprintf(`name.familyName sw "%s"`, strings.ToLower(fam[:len(fam)-1])))})
		}
	}
	if s == "sw" {
		cs = slices.CompactFunc(cs, func(a, b call) bool { return a.uri == b.uri })
		cs = cs[:min(len(cs), len(familyNames))]
	}
	return cs
}

func queryEscape(s string) string {
	return strings.NewReplacer(" ", "%20", `"`, "%22", "@", "%40").Replace(s)
}

// record asks the demo for every call once and keeps its replies for the
// bare server.
func (e *env) record(client *http.Client, cs []call) error {
	for _, c := range cs {
		status, hdr, body, err := do(client, e.demoURL, c, 0)
		if err != nil {
			return err
		}
		if status >= 300 {
			return fmt.Errorf("%s %s: %d %s", c.method, c.uri, status, body)
		}
		h := http.Header{}
		for _, k := range []string{"Content-Type", "Content-Length", "Etag", "Location"} {
			if v := hdr.Values(k); len(v) > 0 {
				h[k] = v
			}
		}
		e.replies.Store(c.method+" "+c.uri, &reply{status: status, header: h, body: body})
	}
	return nil
}

func do(client *http.Client, base string, c call, n uint64) (int, http.Header, []byte, error) {
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body(n))
	}
	req, err := http.NewRequest(c.method, base+c.uri, body)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if c.body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header, b, err
}

func newClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		DisableCompression:  true,
	}}
}

// turn is what one server's turn measured.
type turn struct {
	rps float64
	cpu time.Duration // process CPU per request (server and load generator), 0 if unknown
}

// load drives base with conns connections for d.
func load(client *http.Client, base string, cs []call, conns int, d time.Duration) (turn, error) {
	var (
		next  atomic.Uint64
		done  atomic.Int64
		stop  atomic.Bool
		wg    sync.WaitGroup
		first error
		mu    sync.Mutex
	)
	start := time.Now()
	cpu0, cpuOK := cpuTime()
	for range conns {
		wg.Go(func() {
			for !stop.Load() {
				n := next.Add(1)
				status, _, body, err := do(client, base, cs[n%uint64(len(cs))], n)
				if err == nil && status >= 300 {
					err = fmt.Errorf("status %d: %s", status, body)
				}
				if err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
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
	t := turn{rps: float64(done.Load()) / time.Since(start).Seconds()}
	if cpu1, ok := cpuTime(); ok && cpuOK && done.Load() > 0 {
		t.cpu = (cpu1 - cpu0) / time.Duration(done.Load())
	}
	return t, first
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// compare runs the interleaved rounds of one scenario and prints the
// totals.
func (e *env) compare(out io.Writer, s string, c config, prof *profiler) error {
	client := newClient(c.conns)
	defer client.CloseIdleConnections()
	cs := e.calls(s)
	if err := e.record(client, cs); err != nil {
		return fmt.Errorf("%s: %w", s, err)
	}
	// Warm both servers' connections and the code paths.
	if _, err := load(client, e.demoURL, cs, c.conns, c.round/4); err != nil {
		return fmt.Errorf("%s demo: %w", s, err)
	}
	if _, err := load(client, e.bareURL, cs, c.conns, c.round/4); err != nil {
		return fmt.Errorf("%s bare: %w", s, err)
	}
	var demo, bare []turn
	for range c.rounds {
		dt, err := load(client, e.demoURL, cs, c.conns, c.round)
		if err != nil {
			return fmt.Errorf("%s demo: %w", s, err)
		}
		demo = append(demo, dt)
		if prof != nil {
			continue
		}
		bt, err := load(client, e.bareURL, cs, c.conns, c.round)
		if err != nil {
			return fmt.Errorf("%s bare: %w", s, err)
		}
		bare = append(bare, bt)
	}
	if prof != nil {
		fmt.Fprintf(out, "%-12s %12.0f   (profiled: no bare turns)\n", s, mean(demo, rps))
		return nil
	}
	ratios := make([]float64, len(demo))
	for i := range demo {
		ratios[i] = demo[i].rps / bare[i].rps
	}
	slices.Sort(ratios)
	dr, br := mean(demo, rps), mean(bare, rps)
	fmt.Fprintf(out, "%-12s %12.0f %12.0f %7.3f %7.3f", s, dr, br, dr/br, ratios[len(ratios)/2])
	if dc, bc := mean(demo, cpu), mean(bare, cpu); dc > 0 {
		fmt.Fprintf(out, " %7.3f %9.1f %9.1f", bc/dc, dc/1e3, bc/1e3)
	}
	fmt.Fprintf(out, "   (round ratios: %s)\n", fmtRatios(ratios))
	return nil
}

func rps(t turn) float64 { return t.rps }
func cpu(t turn) float64 { return float64(t.cpu) }

func mean(ts []turn, f func(turn) float64) float64 {
	var sum float64
	for _, t := range ts {
		sum += f(t)
	}
	return sum / float64(len(ts))
}

func fmtRatios(rs []float64) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.3f", r)
	}
	return b.String()
}

// creates POSTs c.createUsers new users into a new SQLite database
// (synchronous=FULL, as sqlstore opens it) from clients concurrent
// clients over HTTP, and prints creates/s.
func creates(ctx context.Context, out io.Writer, c config, clients int) error {
	path := filepath.Join(c.dir, fmt.Sprintf("create%d.db", clients))
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	h, _, err := demo.NewHandler(ctx, demo.Config{Tokens: []string{token}, Store: st})
	if err != nil {
		return err
	}
	srv, base, err := serve(h)
	if err != nil {
		return err
	}
	defer srv.Close()
	client := newClient(clients)
	defer client.CloseIdleConnections()
	post := call{method: http.MethodPost, uri: "/scim/v2/Users", body: func(n uint64) []byte { return userBody(int(n)) }}
	var (
		next  atomic.Uint64
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	start := time.Now()
	cpu0, cpuOK := cpuTime()
	for range clients {
		wg.Go(func() {
			for {
				n := next.Add(1)
				if n > uint64(c.createUsers) {
					return
				}
				status, _, body, err := do(client, base, post, n)
				if err == nil && status != http.StatusCreated {
					err = fmt.Errorf("status %d: %s", status, body)
				}
				if err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
					next.Store(uint64(c.createUsers))
					return
				}
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	if first != nil {
		return fmt.Errorf("sqlite-create with %d clients: %w", clients, first)
	}
	fmt.Fprintf(out, "%-12s %12.0f creates/s with %d client(s), %d users in %v", "sqlite-create", float64(c.createUsers)/el.Seconds(), clients, c.createUsers, el.Round(time.Millisecond))
	if cpu1, ok := cpuTime(); ok && cpuOK {
		fmt.Fprintf(out, ", %.0f µs CPU per create", float64(cpu1-cpu0)/float64(c.createUsers)/1e3)
	}
	fmt.Fprintln(out)
	return nil
}
