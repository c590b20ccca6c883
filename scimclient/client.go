package scimclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scim"
)

// Client talks to one SCIM endpoint, such as Peakon's
// https://api.peakon.com/scim/v2, as one company (one bearer token). It is
// safe for concurrent use.
type Client struct {
	base      string
	token     string
	hc        *http.Client // a copy of the caller's, or of http.DefaultClient, with guard's redirect policy
	limiter   *Limiter
	retries   int
	backoff   time.Duration // first retry's delay
	maxWait   time.Duration // cap of one retry's delay
	maxRetry  time.Duration // the longest Retry-After waited for
	redirects int           // redirects followed within the endpoint
	agent     string
	sleep     func(ctx context.Context, d time.Duration) error
	now       func() time.Time

	mu    sync.Mutex
	spc   *ServiceProviderConfig
	model *scim.Model
}

// An Option configures a Client; pass options to New.
type Option func(*Client)

// WithHTTPClient sends requests through hc instead of
// http.DefaultClient: for timeouts, proxies, TLS settings or a test
// server's client. The client uses a copy of hc with its own redirect
// policy (see WithRedirects) in front of hc.CheckRedirect; hc itself is
// not modified.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithLimiter replaces the client-side rate limiter, which by default
// models Peakon's limit (scim.DefaultRateLimit operations an hour). Nil
// turns client-side limiting off: the server's 429s are still honoured.
func WithLimiter(l *Limiter) Option { return func(c *Client) { c.limiter = l } }

// WithRetries sets how many times a request is retried after a 429, a 5xx
// or a network failure (default 5). Zero turns retries off.
func WithRetries(n int) Option { return func(c *Client) { c.retries = max(n, 0) } }

// WithBackoff sets the delay before the first retry of a 5xx or a network
// failure and the cap of any one delay (defaults: 500ms and 30s). Delays
// double with each attempt, with jitter, so that many clients retrying at
// once do not hit the server in step.
func WithBackoff(first, maxDelay time.Duration) Option {
	return func(c *Client) {
		if first > 0 {
			c.backoff = first
		}
		if maxDelay > 0 {
			c.maxWait = maxDelay
		}
	}
}

// DefaultMaxRetryAfter is the longest Retry-After a client waits for
// unless WithMaxRetryAfter says otherwise: Peakon's rate-limit window.
const DefaultMaxRetryAfter = time.Hour

// WithMaxRetryAfter sets the longest Retry-After (of a 429 or a 503) the
// client waits for before retrying (default DefaultMaxRetryAfter). An
// answer asking for a longer wait, or for one that would end after the
// context's deadline, comes back at once as its *scim.Error, with
// RetryAfter set: the caller decides whether to wait. Zero returns every
// answer with a Retry-After at once.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *Client) { c.maxRetry = max(d, 0) }
}

// WithRedirects lets the client follow up to n redirects that stay on the
// endpoint's scheme, host and port (default 0: a redirect is an error
// naming its Location). A redirect anywhere else is never followed,
// whatever n and the http.Client say: it would carry the bearer token and
// the request's body to another server, or over plain HTTP.
func WithRedirects(n int) Option { return func(c *Client) { c.redirects = max(n, 0) } }

// WithUserAgent sets the User-Agent header (default "scimkit-client/1").
func WithUserAgent(ua string) Option { return func(c *Client) { c.agent = ua } }

// New returns a client for the endpoint at baseURL (the URL /Users is
// appended to) that authenticates with the bearer token.
func New(baseURL, token string, opts ...Option) *Client {
	c := &Client{
		base:     strings.TrimRight(baseURL, "/"),
		token:    token,
		hc:       http.DefaultClient,
		limiter:  NewLimiter(scim.DefaultRateLimit, time.Hour),
		retries:  5,
		backoff:  500 * time.Millisecond,
		maxWait:  30 * time.Second,
		maxRetry: DefaultMaxRetryAfter,
		agent:    "scimkit-client/1",
		sleep:    sleepCtx,
		now:      time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	c.hc = c.guard(c.hc)
	return c
}

// guard returns a copy of hc that follows a redirect only within the
// origin (scheme, host and port) of the request redirected, and at most
// c.redirects of them, before asking hc's own CheckRedirect. A redirect
// it refuses comes back as the 3xx answer, which send turns into an
// error naming the Location.
func (c *Client) guard(hc *http.Client) *http.Client {
	cp := *hc
	theirs := hc.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > c.redirects || !sameOrigin(req.URL, via[0].URL) {
			return http.ErrUseLastResponse
		}
		if theirs != nil {
			if err := theirs(req, via); err != nil {
				return &refusedRedirect{err} // theirs is as permanent as ours
			}
		}
		return nil
	}
	return &cp
}

// sameOrigin compares scheme, host and port, with default ports filled in.
func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// call is one HTTP exchange as the client retries it.
type call struct {
	method  string
	path    string // after the base URL, with its query
	body    []byte
	ifMatch string
	ops     int // operations charged to the rate limit (1 unless bulk)
	// safe: the request may be repeated after a 5xx or a network failure
	// without risk of doing its work twice.
	safe bool
}

// response is a 2xx answer.
type response struct {
	status   int
	header   http.Header
	body     []byte
	cl       call
	attempts int
}

// decodeError is the error of an answer whose body cannot be read as
// what it should be.
func (r *response) decodeError(what string, err error) error {
	return &RequestError{Method: r.cl.method, Path: pathOnly(r.cl.path), Attempts: r.attempts,
		Err: fmt.Errorf("the answer is not %s: %w", what, err)}
}

// maxResponse bounds a response body read into memory.
const maxResponse = 64 << 20

// do sends the call, retrying what is safe to retry. Every error is a
// *RequestError; a non-2xx answer is in it as a *scim.Error.
func (c *Client) do(ctx context.Context, cl call) (*response, error) {
	if cl.ops <= 0 {
		cl.ops = 1
	}
	var last error // the last attempt's failure
	attempts := 0
	fail := func(err error) error {
		return &RequestError{Method: cl.method, Path: pathOnly(cl.path), Attempts: attempts, Err: err}
	}
	stopped := func() error { // the context ended: say so, and why it was retrying
		if last == nil {
			return fail(ctx.Err())
		}
		return fail(errors.Join(ctx.Err(), last))
	}
	for attempt := 0; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx, cl.ops); err != nil {
				if ctx.Err() != nil {
					return nil, stopped()
				}
				if last != nil {
					err = errors.Join(err, last)
				}
				return nil, fail(err)
			}
		}
		if ctx.Err() != nil {
			return nil, stopped() // not sent: the context ended first
		}
		attempts++
		res, err := c.send(ctx, cl)
		if err == nil {
			res.cl, res.attempts = cl, attempts
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, stopped()
		}
		last = err
		var e *scim.Error
		var wait, asked time.Duration
		switch {
		case attempt >= c.retries || permanent(err):
			return nil, fail(err)
		case errors.As(err, &e) && e.Status == http.StatusTooManyRequests:
			// Refused before any work was done: any method may repeat.
			wait, asked = e.RetryAfter, e.RetryAfter
			if wait <= 0 {
				wait = c.delay(attempt)
			}
		case errors.As(err, &e) && e.Status >= 500 && cl.safe:
			asked = e.RetryAfter
			wait = max(e.RetryAfter, c.delay(attempt))
		case e == nil && cl.safe:
			wait = c.delay(attempt) // a network failure
		default:
			return nil, fail(err)
		}
		if asked > c.maxRetry {
			return nil, fail(err) // the caller decides whether to wait that long
		}
		if deadline, ok := ctx.Deadline(); ok && c.now().Add(wait).After(deadline) {
			return nil, fail(err) // waiting would only end in the deadline
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, stopped()
		}
	}
}

// delay is the exponential back-off before retry attempt+1, with jitter:
// a random duration between half and all of first·2^attempt, capped.
func (c *Client) delay(attempt int) time.Duration {
	d := c.backoff << min(attempt, 20)
	if d <= 0 || d > c.maxWait {
		d = c.maxWait
	}
	return d/2 + rand.N(d/2+1)
}

// send makes one attempt of the call. Its errors are the causes do puts
// in a *RequestError.
func (c *Client) send(ctx context.Context, cl call) (*response, error) {
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, c.base+cl.path, body)
	if err != nil {
		return nil, &notSCIMError{kind: err.Error()} // a base URL that is not a URL: permanent
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/scim+json")
	req.Header.Set("User-Agent", c.agent)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if cl.ifMatch != "" {
		req.Header.Set("If-Match", cl.ifMatch)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	ct := resp.Header.Get("Content-Type")
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "":
		loc := resp.Header.Get("Location")
		if u, err := resp.Request.URL.Parse(loc); err == nil {
			loc = u.Redacted()
		}
		return nil, &redirectError{status: resp.StatusCode, location: loc, followed: c.redirects > 0}
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		return nil, responseError(resp, data)
	case len(bytes.TrimSpace(data)) > 0 && !jsonAnswer(data):
		return nil, &notSCIMError{status: resp.StatusCode, kind: describeBody(ct, data)}
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

func pathOnly(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}

// retryAfter parses Retry-After: delay-seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n > int64(math.MaxInt64/time.Second) {
			return time.Duration(math.MaxInt64) // a server asking for centuries
		}
		return time.Duration(max(n, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// uncertain reports whether a failed write may nevertheless have been
// carried out: its answer was lost on the network, or a 5xx came from
// somewhere between the client and the endpoint.
func uncertain(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || permanent(err) {
		return false
	}
	var e *scim.Error
	if errors.As(err, &e) {
		return e.Status >= 500
	}
	return true
}

func query(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}
