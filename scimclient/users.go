package scimclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/scimkit/scim"
)

// Get returns the user with the id. A missing user is a *scim.Error with
// Status 404.
func (c *Client) Get(ctx context.Context, id string) (*scim.User, error) {
	res, err := c.do(ctx, call{method: http.MethodGet, path: userPath(id), safe: true})
	if err != nil {
		return nil, err
	}
	return decodeUser(res)
}

// Create creates the user and returns it as the server stored it (with
// its id and meta.version).
//
// A create is not repeated blindly: when its answer is lost (a network
// failure or a 5xx after the request went out) the server may have created
// the user, so Create first looks the userName up and returns the user
// found. Only when there is none does it send the POST again.
func (c *Client) Create(ctx context.Context, u *scim.User) (*scim.User, error) {
	body, err := json.Marshal(u)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		res, err := c.do(ctx, call{method: http.MethodPost, path: "/Users", body: body})
		if err == nil {
			return decodeUser(res)
		}
		if !uncertain(err) || attempt >= c.retries {
			return nil, err
		}
		found, ferr := c.FindByUserName(ctx, u.UserName)
		switch {
		case ferr != nil:
			return nil, fmt.Errorf("%w (and looking the userName up, to see whether it was created, failed: %w)", err, ferr)
		case found != nil:
			return found, nil
		}
		if serr := c.sleep(ctx, c.delay(attempt)); serr != nil {
			var re *RequestError
			if errors.As(err, &re) {
				return nil, &RequestError{Method: re.Method, Path: re.Path, Attempts: re.Attempts, Err: errors.Join(serr, re.Err)}
			}
			return nil, errors.Join(serr, err)
		}
	}
}

// Replace replaces the user u.ID with u (PUT). When u.Meta.Version is set
// it is sent as If-Match, so the replace fails with 412 if someone changed
// the user since it was read, and may safely be retried after a failure.
func (c *Client) Replace(ctx context.Context, u *scim.User) (*scim.User, error) {
	body, err := json.Marshal(u)
	if err != nil {
		return nil, err
	}
	res, err := c.do(ctx, call{method: http.MethodPut, path: userPath(u.ID), body: body,
		ifMatch: u.Meta.Version, safe: u.Meta.Version != ""})
	if err != nil {
		return nil, err
	}
	return decodeUser(res)
}

// Patch applies the operations of p to the user with the id and returns
// the user as patched. With p.Version set it is sent as If-Match, which
// makes the request safe to retry.
func (c *Client) Patch(ctx context.Context, id string, p *Patch) (*scim.User, error) {
	if len(p.Operations) == 0 {
		return nil, errors.New("scimclient: a patch needs at least one operation")
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	res, err := c.do(ctx, call{method: http.MethodPatch, path: userPath(id), body: body,
		ifMatch: p.Version, safe: p.Version != ""})
	if err != nil {
		return nil, err
	}
	return decodeUser(res)
}

// Deactivate sets u inactive, as Okta and Entra deprovision: the employee
// leaves surveys but keeps their history. u.Meta.Version, when known,
// guards the change.
func (c *Client) Deactivate(ctx context.Context, u *scim.User) (*scim.User, error) {
	return c.Patch(ctx, u.ID, NewPatch().Replace("active", false).IfMatch(u.Meta.Version))
}

// Reactivate sets u active again.
func (c *Client) Reactivate(ctx context.Context, u *scim.User) (*scim.User, error) {
	return c.Patch(ctx, u.ID, NewPatch().Replace("active", true).IfMatch(u.Meta.Version))
}

// Delete deletes the user with the id, destroying their history in Peakon
// (Deactivate keeps it). A non-empty version is sent as If-Match. Deleting
// is idempotent: when a retry finds the user gone, Delete succeeds.
func (c *Client) Delete(ctx context.Context, id, version string) error {
	cl := call{method: http.MethodDelete, path: userPath(id), ifMatch: version, safe: true}
	_, err := c.do(ctx, cl)
	var e *scim.Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		// Gone: by this call (an earlier attempt whose answer was lost) or
		// another. Either way the user no longer exists, as asked.
		return nil
	}
	return err
}

// ListOptions select and shape the users List returns.
type ListOptions struct {
	// Filter is a SCIM filter (RFC 7644 §3.4.2.2), e.g. `active eq true`.
	Filter string
	// Attributes and ExcludedAttributes project each user (RFC 7644 §3.9).
	Attributes         []string
	ExcludedAttributes []string
	// PageSize is the count asked for per page; by default the endpoint's
	// filter.maxResults, at most 1000 (and at most its pagination's
	// maxPageSize when paging by cursor).
	PageSize int
	// ByIndex pages by startIndex even when the endpoint pages by cursor.
	ByIndex bool
}

// List returns the users matching the options, reading page after page
// until the last. Iteration stops at the first error, which is yielded
// with a nil user.
//
// When the endpoint's /ServiceProviderConfig says it pages by cursor
// (RFC 9865), List does, unless ListOptions.ByIndex: every user present
// for the whole listing then comes exactly once, whatever others create
// or delete meanwhile. A cursor that expired between two pages (a reader
// slower than the endpoint's cursorTimeout) is a 400 expiredCursor error.
//
// Otherwise it pages by startIndex and count. A page answering another
// startIndex than the one asked for is an error: the endpoint does not
// page as RFC 7644 §3.4.2.4 says, and the listing would repeat or miss
// users. Offset paging is not a snapshot: a user created or deleted by
// someone else while List reads may make a later page repeat a user or
// skip one.
func (c *Client) List(ctx context.Context, opts ListOptions) iter.Seq2[*scim.User, error] {
	return func(yield func(*scim.User, error) bool) {
		err := c.listPages(ctx, opts, func(page *scim.ListResponse, _ bool) bool {
			for _, u := range page.Resources {
				if u != nil && !yield(u, nil) {
					return false
				}
			}
			return true
		})
		if err != nil {
			yield(nil, err)
		}
	}
}

// listPages reads the pages of a listing, calling fn with each, until the
// last page, fn returns false, or a request fails. It pages by cursor
// (RFC 9865) when the endpoint's /ServiceProviderConfig says it can: each
// user present for the whole listing then comes exactly once, however
// others write meanwhile. Otherwise, or with ListOptions.ByIndex, it pages
// by startIndex, where a concurrent create or delete shifts the pages.
// byCursor tells fn which.
func (c *Client) listPages(ctx context.Context, opts ListOptions, fn func(page *scim.ListResponse, byCursor bool) bool) error {
	size := opts.PageSize
	byCursor := false
	if spc, err := c.ServiceProviderConfig(ctx); err == nil {
		byCursor = spc.Pagination.Cursor && !opts.ByIndex
		if size <= 0 && spc.Filter.MaxResults > 0 {
			size = min(spc.Filter.MaxResults, 1000)
		}
		if byCursor && spc.Pagination.MaxPageSize > 0 {
			size = min(size, spc.Pagination.MaxPageSize)
		}
	}
	if size <= 0 {
		size = 100
	}
	q := url.Values{}
	if opts.Filter != "" {
		q.Set("filter", opts.Filter)
	}
	if len(opts.Attributes) > 0 {
		q.Set("attributes", strings.Join(opts.Attributes, ","))
	}
	if len(opts.ExcludedAttributes) > 0 {
		q.Set("excludedAttributes", strings.Join(opts.ExcludedAttributes, ","))
	}
	q.Set("count", strconv.Itoa(size))
	if byCursor {
		return c.listByCursor(ctx, q, fn)
	}
	for start := 1; ; {
		q.Set("startIndex", strconv.Itoa(start))
		page, res, err := c.listPage(ctx, q)
		if err != nil {
			return err
		}
		if page.StartIndex != 0 && page.StartIndex != start {
			return &RequestError{Method: http.MethodGet, Path: "/Users", Attempts: res.attempts,
				Err: fmt.Errorf("asked for the page at startIndex %d, the endpoint answered the one at %d: it does not page as SCIM says", start, page.StartIndex)}
		}
		if !fn(page, false) {
			return nil
		}
		start += len(page.Resources)
		if len(page.Resources) == 0 || start > page.TotalResults {
			return nil
		}
	}
}

// listByCursor reads a listing by cursor: the first page with an empty
// cursor, then each page's nextCursor, with the same query, until a page
// has none.
func (c *Client) listByCursor(ctx context.Context, q url.Values, fn func(page *scim.ListResponse, byCursor bool) bool) error {
	cursor := ""
	for pages := 0; ; pages++ {
		q.Set("cursor", cursor)
		page, res, err := c.listPage(ctx, q)
		if err != nil {
			return err
		}
		if !fn(page, true) || page.NextCursor == "" {
			return nil
		}
		if page.NextCursor == cursor || len(page.Resources) == 0 {
			return &RequestError{Method: http.MethodGet, Path: "/Users", Attempts: res.attempts,
				Err: fmt.Errorf("page %d by cursor brought no users but another cursor: the endpoint does not page as RFC 9865 says", pages+1)}
		}
		cursor = page.NextCursor
	}
}

// listPage reads one page of a listing.
func (c *Client) listPage(ctx context.Context, q url.Values) (*scim.ListResponse, *response, error) {
	res, err := c.do(ctx, call{method: http.MethodGet, path: "/Users" + query(q), safe: true})
	if err != nil {
		return nil, nil, err
	}
	page := new(scim.ListResponse)
	if err := json.Unmarshal(res.body, page); err != nil {
		return nil, nil, res.decodeError("a SCIM ListResponse", err)
	}
	return page, res, nil
}

// FindByUserName returns the user with the userName (which the endpoint
// compares ignoring case), or nil when there is none.
func (c *Client) FindByUserName(ctx context.Context, userName string) (*scim.User, error) {
	lit, _ := json.Marshal(userName)
	for u, err := range c.List(ctx, ListOptions{Filter: "userName eq " + string(lit), PageSize: 2}) {
		return u, err
	}
	return nil, nil
}

func userPath(id string) string { return "/Users/" + url.PathEscape(id) }

func decodeUser(res *response) (*scim.User, error) {
	u := new(scim.User)
	if err := json.Unmarshal(res.body, u); err != nil {
		return nil, res.decodeError("a SCIM user", err)
	}
	return u, nil
}
