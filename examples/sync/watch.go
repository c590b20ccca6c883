package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// watch is the client's transport as the command sees it: it says when
// the endpoint refuses for now (429, 5xx), or cannot be reached, and when
// the client retries, after how long; the client's own retries are
// otherwise silent. Sync sends one request at a time, so a request
// like the one that just failed is its retry.
type watch struct {
	next   http.RoundTripper
	w      io.Writer
	prefix string // the base URL's path, left out of messages

	mu   sync.Mutex
	last *failure // the last request, when it failed
}

type failure struct {
	what     string // method and path
	attempts int
	at       time.Time
}

func newWatch(base string, w io.Writer) *watch {
	prefix := ""
	if u, err := url.Parse(base); err == nil {
		prefix = strings.TrimRight(u.Path, "/")
	}
	return &watch{next: http.DefaultTransport, w: w, prefix: prefix}
}

func (wt *watch) RoundTrip(req *http.Request) (*http.Response, error) {
	what := req.Method + " " + strings.TrimPrefix(req.URL.Path, wt.prefix)
	wt.mu.Lock()
	prev := wt.last
	if prev != nil && prev.what == what {
		fmt.Fprintf(wt.w, "%s: retrying (attempt %d, after waiting %s)\n", what, prev.attempts+1, time.Since(prev.at).Round(100*time.Millisecond))
	} else {
		prev = nil
	}
	wt.mu.Unlock()
	resp, err := wt.next.RoundTrip(req)
	wt.mu.Lock()
	defer wt.mu.Unlock()
	var msg string
	switch {
	case err != nil:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		msg = err.Error()
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		msg = resp.Status
		if s := resp.Header.Get("Retry-After"); s != "" {
			if n, err := strconv.Atoi(s); err == nil {
				msg += fmt.Sprintf("; the endpoint asks to wait %s (Retry-After)", time.Duration(n)*time.Second)
			} else {
				msg += "; the endpoint asks to wait until " + s + " (Retry-After)"
			}
		}
	default:
		wt.last = nil
		return resp, err
	}
	f := &failure{what: what, attempts: 1, at: time.Now()}
	if prev != nil {
		f.attempts = prev.attempts + 1
	}
	wt.last = f
	fmt.Fprintf(wt.w, "%s: %s\n", what, msg)
	return resp, err
}
