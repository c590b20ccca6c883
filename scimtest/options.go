package scimtest

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/attrspec"
)

// An Option configures a Server; pass options to NewServer.
type Option func(*config)

type config struct {
	token       string
	attrs       []scim.CustomAttribute
	users       []*scim.User
	now         func() time.Time
	newID       func() string
	rateLimit   int
	tls         bool
	logger      *slog.Logger
	recordLimit int
	groups      bool
	err         error
}

func (c *config) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// WithToken sets the company's bearer token. By default it is random,
// which catches clients that hard-code one; read it with Server.Token.
func WithToken(token string) Option {
	return func(c *config) {
		if token == "" {
			c.fail(errors.New("scimtest: WithToken: empty token"))
		}
		c.token = token
	}
}

// WithAttributes defines the company's Peakon custom attributes, as an
// administrator does in Peakon. They are validated, filterable, patchable
// and listed by /Schemas in the Peakon extension, under their display
// names and aliases:
//
//	scimtest.WithAttributes(
//		scim.CustomAttribute{Name: "Department", Type: scim.CustomOption},
//		scim.CustomAttribute{Name: "Employed Since", Type: scim.CustomDate, Aliases: []string{"Employed_Since"}},
//	)
//
// Without it the company has none, and Peakon rejects any custom attribute
// a client sends with 400.
func WithAttributes(attrs ...scim.CustomAttribute) Option {
	return func(c *config) { c.attrs = append(c.attrs, attrs...) }
}

// WithAttributeSpec defines the company's Peakon custom attributes in the
// text syntax of the demo server's -attrs flag: comma-separated
// name:type[:alias...] items. [WithAttributes] takes the same definitions
// as values.
//
//	scimtest.WithAttributeSpec("Department:option,Employed Since:date:Employed_Since,Manager:employee")
func WithAttributeSpec(spec string) Option {
	return func(c *config) {
		attrs, err := attrspec.Parse(spec)
		if err != nil {
			c.fail(fmt.Errorf("scimtest: WithAttributeSpec: %w", err))
		}
		c.attrs = append(c.attrs, attrs...)
	}
}

// WithUsers provisions employees before the server starts, as if they had
// been created in Peakon; see Server.AddUser for how they are stored.
// Seeding is neither recorded nor faulted.
func WithUsers(users ...*scim.User) Option {
	return func(c *config) { c.users = append(c.users, users...) }
}

// WithClock sets the server's clock: meta.created and meta.lastModified,
// and the rate limit's window, come from now.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			c.fail(errors.New("scimtest: WithClock: nil clock"))
		}
		c.now = now
	}
}

// WithFixedTime stops the server's clock at t, for golden tests.
func WithFixedTime(t time.Time) Option {
	return WithClock(func() time.Time { return t })
}

// WithIDs sets the generator of new users' ids. It is called concurrently
// when requests are.
func WithIDs(newID func() string) Option {
	return func(c *config) {
		if newID == nil {
			c.fail(errors.New("scimtest: WithIDs: nil generator"))
		}
		c.newID = newID
	}
}

// WithSequentialIDs gives new users the ids
// 00000000-0000-4000-8000-000000000001, ...0002 and so on, in the order the
// server creates them (seeded users included), for golden tests. They are
// well-formed UUIDs, as Peakon's ids are.
func WithSequentialIDs() Option {
	var (
		mu sync.Mutex
		n  int
	)
	return WithIDs(func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	})
}

// WithRateLimit limits the company to n operations in any hour of the
// server's clock, as Peakon does with scim.DefaultRateLimit (25,000): every
// request counts one, a bulk request one per operation. Over the limit the
// server answers 429 with Retry-After (and a bulk request's remaining
// operations answer 429). By default there is no limit. To test a client's
// handling of a single 429, a fault (RateLimited) is simpler.
func WithRateLimit(n int) Option {
	return func(c *config) {
		if n <= 0 {
			c.fail(fmt.Errorf("scimtest: WithRateLimit(%d): the limit must be positive", n))
		}
		c.rateLimit = n
	}
}

// WithTLS serves HTTPS with a self-signed certificate. Server.Client
// trusts it; other clients need Server.Certificate.
func WithTLS() Option {
	return func(c *config) { c.tls = true }
}

// WithLogger receives the handler's errors (and recovered panics).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// DefaultRecordLimit is how many bytes of each request and response body a
// Server records by default. Longer bodies are truncated in the record
// (Request.BodyTruncated), never in what the handler or the client sees.
const DefaultRecordLimit = 1 << 20

// WithRecordLimit sets how many bytes of each request and response body
// are recorded (DefaultRecordLimit by default; 0 records none).
func WithRecordLimit(n int) Option {
	return func(c *config) {
		if n < 0 {
			c.fail(fmt.Errorf("scimtest: WithRecordLimit(%d): negative limit", n))
		}
		c.recordLimit = n
	}
}

// WithGroups serves /Groups (RFC 7643 §4.2) beside /Users, for products
// that provision groups; Peakon has none, so by default /Groups answers
// 501 and discovery does not mention groups.
func WithGroups() Option {
	return func(c *config) { c.groups = true }
}
