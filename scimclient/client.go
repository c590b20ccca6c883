package scimclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	base    string
	token   string
	hc      *http.Client
	limiter *Limiter
	retries int
	backoff time.Duration // first retry's delay
	maxWait time.Duration // cap of one retry's delay
	agent   string
	sleep   func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	spc   *ServiceProviderConfig
	model *scim.Model
}

// An Option configures a Client; pass options to New.
type Option func(*Client)

// WithHTTPClient sends requests through hc instead of
// http.DefaultClient: for timeouts, proxies, TLS settings or a test
// server's client.
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

// WithUserAgent sets the User-Agent header (default "scimkit-client/1").
func WithUserAgent(ua string) Option { return func(c *Client) { c.agent = ua } }

// New returns a client for the endpoint at baseURL (the URL /Users is
// appended to) that authenticates with the bearer token.
func New(baseURL, token string, opts ...Option) *Client {
	c := &Client{
		base:    strings.TrimRight(baseURL, "/"),
		token:   token,
		hc:      http.DefaultClient,
		limiter: NewLimiter(scim.DefaultRateLimit, time.Hour),
		retries: 5,
		backoff: 500 * time.Millisecond,
		maxWait: 30 * time.Second,
		agent:   "scimkit-client/1",
		sleep:   sleepCtx,
	}
	for _, o := range opts {
		o(c)
	}
	return c
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
	status int
	header http.Header
	body   []byte
}

// maxResponse bounds a response body read into memory.
const maxResponse = 64 << 20

// do sends the call, retrying what is safe to retry. A non-2xx answer is
// returned as a *scim.Error.
func (c *Client) do(ctx context.Context, cl call) (*response, error) {
	if cl.ops <= 0 {
		cl.ops = 1
	}
	for attempt := 0; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx, cl.ops); err != nil {
				return nil, err
			}
		}
		res, err := c.send(ctx, cl)
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var e *scim.Error
		var wait time.Duration
		switch {
		case attempt >= c.retries:
			return nil, err
		case errors.As(err, &e) && e.Status == http.StatusTooManyRequests:
			// Refused before any work was done: any method may repeat.
			wait = e.RetryAfter
			if wait <= 0 {
				wait = c.delay(attempt)
			}
		case errors.As(err, &e) && e.Status >= 500 && cl.safe:
			wait = max(e.RetryAfter, c.delay(attempt))
		case e == nil && cl.safe:
			wait = c.delay(attempt) // a network failure
		default:
			return nil, err
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
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

func (c *Client) send(ctx context.Context, cl call) (*response, error) {
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, c.base+cl.path, body)
	if err != nil {
		return nil, fmt.Errorf("scimclient: %w", err)
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
		return nil, fmt.Errorf("scimclient: %s %s: %w", cl.method, pathOnly(cl.path), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("scimclient: %s %s: reading the answer: %w", cl.method, pathOnly(cl.path), err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
	}
	return nil, responseError(resp, data)
}

func pathOnly(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}

// responseError turns a non-2xx answer into a *scim.Error: the server's
// own RFC 7644 §3.12 body when it sent one, else the status and the start
// of what it sent, so a proxy's HTML error page still says something.
func responseError(resp *http.Response, body []byte) *scim.Error {
	e := new(scim.Error)
	if json.Unmarshal(body, e) != nil || e.Status == 0 {
		detail := strings.TrimSpace(string(body))
		if len(detail) > 200 {
			detail = detail[:200] + "…"
		}
		if detail == "" {
			detail = http.StatusText(resp.StatusCode)
		}
		e = &scim.Error{Status: resp.StatusCode, Detail: detail}
	}
	e.Status = resp.StatusCode
	e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"))
	return e
}

// retryAfter parses Retry-After: delay-seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
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
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
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
