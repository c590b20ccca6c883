// Package protocol is what loadcompare and its servers share, its own
// servers and those built apart (./elimity, a module of its own): the
// token, the users every server loads, and how a server process serves.
//
// A server process (-serve KIND -users N) loads users 0..N-1 (UserBody,
// with the ids UserID gives), starts listening, prints "listening ADDR"
// on stdout, and serves until its stdin is closed (Serve).
package protocol

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"time"
)

// Token is the bearer token every server accepts.
const Token = "loadcompare-token"

// FamilyNames are the users' family names, in turn.
var FamilyNames = []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke"}

// UserBody is user i as Okta provisions one.
func UserBody(i int) []byte {
	fam := FamilyNames[i%len(FamilyNames)]
	return fmt.Appendf(nil, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"userName":"user%d@example.com","externalId":"00u%07d","active":true,
"name":{"givenName":"Given%d","familyName":"%s%d"},"displayName":"Given%d %s",
"emails":[{"value":"user%d@example.com","type":"work","primary":true}],
"title":"Engineer","locale":"en-GB",
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","employeeNumber":"%d"}}`,
		i, i, i, fam, i, i, fam, i, i)
}

// UserID is user i's id.
func UserID(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i) }

// Serve listens on loopback, prints "listening ADDR" on stdout and serves
// h until stdin is closed, with a CPU profile of the serving to the file
// cpuprofile if it is not "".
func Serve(h http.Handler, cpuprofile string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	srv := newServer(h)
	go srv.Serve(ln)
	fmt.Printf("listening %s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes it
	return srv.Close()
}

// newServer is examples/memory's and examples/server's http.Server, every
// timeout set (which costs deadline updates on each request, in every
// kind alike).
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}
