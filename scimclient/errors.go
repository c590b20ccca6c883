package scimclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimkit/scim"
)

// RequestError is a request that failed: which one, after how many
// attempts, and why. Every error of a request the client sent is one.
//
// Err is the server's *scim.Error when it answered (read it with
// errors.As for Status, SCIMType, Detail and RetryAfter), else what
// stopped the exchange: the network's error, a redirect the client did not
// follow, an answer that is not SCIM. When the context ended while the
// client was retrying, Err joins the context's error and the last failure
// (errors.Is finds both).
type RequestError struct {
	Method string // GET, POST, PUT, PATCH or DELETE
	// Path is the request's path after the base URL, without its query,
	// such as /Users/2819c223. For an operation of a bulk request it is
	// the operation's.
	Path string
	// Attempts counts the requests sent, retries included; 0 when none
	// went out (the context ended while waiting for the rate limit).
	Attempts int
	Err      error

	bulk bool // an operation of a bulk request
}

func (e *RequestError) Error() string {
	var b strings.Builder
	b.WriteString("scimclient: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	switch {
	case e.bulk:
		b.WriteString(" (in /Bulk)")
	case e.Attempts > 1:
		b.WriteString(" (" + strconv.Itoa(e.Attempts) + " attempts)")
	}
	b.WriteString(": ")
	writeCause(&b, e.Err)
	return b.String()
}

// writeCause renders err on one line: a *scim.Error without its Go
// prefix (the request already says where it comes from), the parts of a
// joined error separated by "; last failure: ".
func writeCause(b *strings.Builder, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for i, part := range j.Unwrap() {
			if i > 0 {
				b.WriteString("; last failure: ")
			}
			writeCause(b, part)
		}
		return
	}
	var se *scim.Error
	if errors.As(err, &se) && err == error(se) {
		b.WriteString(strconv.Itoa(se.Status))
		if se.SCIMType != "" {
			b.WriteString(" " + se.SCIMType)
		}
		b.WriteString(": " + se.Detail)
		return
	}
	if err != nil {
		b.WriteString(strings.TrimPrefix(err.Error(), "scimclient: "))
	}
}

func (e *RequestError) Unwrap() error { return e.Err }

// redirectError is a 3xx answer the client did not follow.
type redirectError struct {
	status   int
	location string
	followed bool // redirects are on, but this one leaves the endpoint
}

func (e *redirectError) Error() string {
	why := "the client does not follow redirects (WithRedirects allows them within the endpoint)"
	if e.followed {
		why = "the client follows redirects only within the endpoint's scheme, host and port"
	}
	return fmt.Sprintf("the endpoint answered %d redirecting to %s, and %s: check the base URL", e.status, e.location, why)
}

// refusedRedirect is the caller's CheckRedirect refusing a redirect.
type refusedRedirect struct{ err error }

func (e *refusedRedirect) Error() string { return e.err.Error() }
func (e *refusedRedirect) Unwrap() error { return e.err }

// notSCIMError is a 2xx answer whose body is not JSON: the base URL
// points at something other than a SCIM endpoint.
type notSCIMError struct {
	status int
	kind   string
}

func (e *notSCIMError) Error() string {
	return fmt.Sprintf("the endpoint answered %d with %s, not SCIM JSON: check the base URL (Peakon's is https://api.peakon.com/scim/v2)", e.status, e.kind)
}

// permanent reports whether err can only repeat: retrying is useless and
// the request was certainly not carried out.
func permanent(err error) bool {
	var re *redirectError
	var rr *refusedRedirect
	var ne *notSCIMError
	return errors.As(err, &re) || errors.As(err, &rr) || errors.As(err, &ne)
}

// jsonAnswer reports whether an answer's body is (empty or) JSON by its
// first byte: what matters is what it holds, and a server that sets no
// Content-Type gets text/plain from net/http's sniffing.
func jsonAnswer(body []byte) bool {
	s := bytes.TrimLeft(body[:min(len(body), 64)], " \t\r\n")
	return len(s) == 0 || s[0] == '{' || s[0] == '['
}

// describeBody names what a non-JSON answer is, for an error: its media
// type and, for a page, its title.
func describeBody(contentType string, body []byte) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "" {
		mt = "an answer of unknown type"
	}
	switch {
	case mt == "text/html" || bytesHasHTML(body):
		mt = "an HTML page"
		if t := htmlTitle(body); t != "" {
			mt += " titled " + strconv.Quote(t)
		}
	case mt == "text/plain":
		t := strings.Join(strings.Fields(string(body[:min(len(body), 400)])), " ")
		if r := []rune(t); len(r) > 200 {
			t = string(r[:200]) + "…"
		}
		mt = "text " + strconv.Quote(t)
	}
	return mt
}

func bytesHasHTML(body []byte) bool {
	s := strings.ToLower(strings.TrimSpace(string(body[:min(len(body), 512)])))
	return strings.HasPrefix(s, "<!doctype html") || strings.HasPrefix(s, "<html")
}

// htmlTitle returns the page's <title>, at most 80 characters.
func htmlTitle(body []byte) string {
	s := string(body[:min(len(body), 4096)])
	i := strings.Index(strings.ToLower(s), "<title>")
	if i < 0 {
		return ""
	}
	s = s[i+len("<title>"):]
	j := strings.Index(strings.ToLower(s), "</title>")
	if j < 0 {
		return ""
	}
	t := strings.Join(strings.Fields(s[:j]), " ")
	if r := []rune(t); len(r) > 80 {
		t = string(r[:80]) + "…"
	}
	return t
}

// json2Error decodes an RFC 7644 §3.12 error body into e.
func json2Error(body []byte, e *scim.Error) bool {
	return json.Unmarshal(body, e) == nil && e.Status != 0
}

// responseError turns a non-2xx answer into a *scim.Error: the server's
// own RFC 7644 §3.12 body when it sent one; else the status and, for an
// answer that is not JSON (a proxy's or a web server's page), what it is
// rather than the page itself, with a hint where one helps.
func responseError(resp *http.Response, body []byte) *scim.Error {
	ct := resp.Header.Get("Content-Type")
	e := new(scim.Error)
	switch {
	case jsonAnswer(body) && json2Error(body, e):
	case !jsonAnswer(body):
		detail := fmt.Sprintf("%s, and the answer is %s, not SCIM", http.StatusText(resp.StatusCode), describeBody(ct, body))
		switch resp.StatusCode {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			detail += ": check the base URL (Peakon's is https://api.peakon.com/scim/v2)"
		}
		e = &scim.Error{Detail: detail}
	default:
		detail := strings.TrimSpace(string(body))
		if r := []rune(detail); len(r) > 200 {
			detail = string(r[:200]) + "…"
		}
		if detail == "" {
			detail = http.StatusText(resp.StatusCode)
		}
		e = &scim.Error{Detail: detail}
	}
	e.Status = resp.StatusCode
	e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"))
	return e
}
