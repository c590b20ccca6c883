package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/bench/loadcompare/internal/protocol"
	"github.com/scimkit/scim/internal/demo"
	"github.com/scimkit/scim/sqlstore/sqlite"
)

// The servers run as processes of their own (this program with -serve
// KIND as its first argument), so that the load generator's CPU is not
// theirs and /proc/PID/stat gives each one's own; main's doc lists the
// kinds.
//
// A server process loads its users, starts listening, prints "listening
// ADDR" on stdout, and serves until its stdin is closed; then it writes
// its CPU profile, if asked, and exits.
func serveMain(args []string) error {
	fs := flag.NewFlagSet("loadcompare -serve", flag.ContinueOnError)
	kind := fs.String("serve", "", "server kind")
	users := fs.Int("users", 0, "users to load")
	db := fs.String("db", "", "SQLite database file")
	replies := fs.String("replies", "", "bare: the JSON file of recorded replies")
	cpuprofile := fs.String("cpuprofile", "", "CPU profile of the serving (not the loading) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	var h http.Handler
	var closeStore func() error
	switch *kind {
	case "bare":
		b, err := bareHandler(*replies)
		if err != nil {
			return err
		}
		h = b
	case "demo", "sqlite":
		var store demo.Backend = scim.NewMemoryStore()
		if *kind == "sqlite" {
			st, err := sqlite.Open(ctx, *db)
			if err != nil {
				return err
			}
			store, closeStore = st, st.Close
		}
		mux, d, err := demo.NewHandler(ctx, demo.Config{Tokens: []string{protocol.Token}, Store: store})
		if err != nil {
			return err
		}
		tenant := d.Tenants[0].ID
		m, err := d.Companies.Model(ctx, tenant)
		if err != nil {
			return err
		}
		if err := loadUsers(ctx, store, tenant, m, *users); err != nil {
			return err
		}
		if st, ok := store.(interface{ Analyze(context.Context) error }); ok {
			if err := st.Analyze(ctx); err != nil {
				return err
			}
		}
		h = mux
	case "memory":
		store := scim.NewMemoryStore()
		if err := loadUsers(ctx, store, "acme", scim.NewModel(nil), *users); err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("/scim/v2/", &scim.Handler{Store: store, Auth: scim.StaticTokens{protocol.Token: "acme"}})
		h = mux
	default:
		return fmt.Errorf("unknown server kind %q", *kind)
	}
	err := protocol.Serve(h, *cpuprofile)
	if closeStore != nil {
		err = cmpErr(err, closeStore())
	}
	return err
}

// loadUsers creates users 0..n-1 (protocol.UserBody) with the ids
// protocol.UserID gives.
func loadUsers(ctx context.Context, store scim.Store, tenant string, m *scim.Model, n int) error {
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
	for i := range n {
		u, err := m.DecodeUser(protocol.UserBody(i), scim.DecodeOptions{})
		if err != nil {
			return err
		}
		u.ID = protocol.UserID(i)
		u.Meta = scim.Meta{ResourceType: "User", Created: now, LastModified: now, Version: `W/"1"`}
		if batch = append(batch, u); len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// reply is a recorded response, for the bare server.
type reply struct {
	Status int               `json:"status"`
	Header map[string]string `json:"header"`
	Body   []byte            `json:"body"`
}

// recordedHeaders are the headers of a recorded reply the bare server
// writes (net/http adds Date, as it does for every kind).
var recordedHeaders = []string{"Content-Type", "Content-Length", "Etag", "Location"}

// bareHandler answers each "METHOD URI" of the replies file with its
// reply, reading the request body as a server must.
func bareHandler(file string) (http.Handler, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var replies map[string]*reply
	if err := json.Unmarshal(b, &replies); err != nil {
		return nil, err
	}
	type prepared struct {
		status int
		header http.Header
		body   []byte
	}
	ready := make(map[string]prepared, len(replies))
	for k, r := range replies {
		h := http.Header{}
		for _, name := range recordedHeaders {
			for hk, hv := range r.Header {
				if http.CanonicalHeaderKey(hk) == http.CanonicalHeaderKey(name) {
					h[http.CanonicalHeaderKey(name)] = []string{hv}
				}
			}
		}
		ready[k] = prepared{r.Status, h, r.Body}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		rep, ok := ready[r.Method+" "+r.URL.RequestURI()]
		if !ok {
			http.Error(w, "no recorded reply", http.StatusNotFound)
			return
		}
		hdr := w.Header()
		for k, vs := range rep.header {
			hdr[k] = vs
		}
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.body)
	}), nil
}

// server is a running server process.
type server struct {
	kind  string
	name  string // kind, or kind@build for another build's server
	addr  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan error
	// signal: stopped by SIGTERM (examples/server), not by closing stdin
	signal bool
}

// startServer runs a server of spec with args: spec is a kind, served by
// this program, or KIND@PATH, served by another build of loadcompare at
// PATH (to compare builds in the same interleaved rounds), on cpu if one
// is given (-pin).
func startServer(cpu, spec string, args ...string) (*server, error) {
	kind, exe, other := strings.Cut(spec, "@")
	name := kind
	if other {
		name = kind + "@" + filepath.Base(exe)
	} else {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	cmd := serverCommand(cpu, exe, append([]string{"-serve", kind}, args...)...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{kind: kind, name: name, cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening "); ok && err == nil {
		s.addr = addr
		go func() { s.done <- cmd.Wait() }()
		return s, nil
	}
	stdin.Close()
	werr := cmd.Wait()
	return nil, fmt.Errorf("server %s did not start: %q %v", name, line, errors.Join(err, werr))
}

// startSite runs examples/server, built at exe, on the SQLite file db,
// which a server of kind sqlite has loaded with users (the demo keeps the
// company of its -token that a file already holds, so the users and their
// ids are the same as sqlite's): the demo endpoint with its extras, the
// provisioning log and Prometheus metrics fed by OnChange and OnRequest.
func startSite(cpu, exe string, loadArgs []string, db string) (*server, error) {
	load, err := startServer(cpu, "sqlite", loadArgs...)
	if err != nil {
		return nil, err
	}
	if err := load.stop(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port for it
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := serverCommand(cpu, exe, "-addr", addr, "-store", "sqlite", "-dsn", db, "-token", protocol.Token, "-rate-limit", "0")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{kind: "site", name: "site@" + filepath.Base(exe), addr: addr, cmd: cmd, done: make(chan error, 1), signal: true}
	go func() { s.done <- cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return s, nil
		}
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("%s exited: %v", s.name, err)
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s does not listen on %s", s.name, addr)
		}
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop closes the server's stdin (or signals examples/server) and waits
// for it to exit.
func (s *server) stop() error {
	if s.signal {
		s.cmd.Process.Signal(syscall.SIGTERM)
	} else {
		s.stdin.Close()
	}
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("server %s: %w", s.name, err)
		}
		return nil
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		return fmt.Errorf("server %s did not exit; killed", s.name)
	}
}
