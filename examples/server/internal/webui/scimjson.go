package webui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/scimkit/scim"
)

// viewerKey is the context key of the company a page reads a user of
// through the SCIM handler.
type viewerKey struct{}

// newViewer returns a handler serving what h serves, the same way (its
// store, groups, models, base URL and limits), to the web page only: it
// authenticates the signed-in company the page puts in the request's
// context, instead of a bearer token, and reports to no log, metrics or
// rate limit. It is never mounted: the page calls it to show an
// employee's SCIM JSON as GET /Users/{id} answers it, from the handler's
// own rendering (references as the wire has them, groups, meta).
func newViewer(h *scim.Handler, prefix string, cfg *Config) *scim.Handler {
	models := h.Models
	if ms, ok := h.Auth.(scim.ModelSource); ok && models == nil {
		models = ms
	}
	return &scim.Handler{
		Store:  h.Store,
		Groups: h.Groups,
		Auth: scim.AuthenticatorFunc(func(ctx context.Context, _ string) (string, error) {
			if co, ok := ctx.Value(viewerKey{}).(string); ok && co != "" {
				return co, nil
			}
			return "", scim.ErrUnauthorized
		}),
		AuthFailures:            &scim.AuthLimiter{Failures: -1},
		Models:                  models,
		Prefix:                  prefix,
		BaseURL:                 h.BaseURL,
		MaxValues:               h.MaxValues,
		MaxUserBytes:            h.MaxUserBytes,
		MaxListBytes:            h.MaxListBytes,
		IgnoreUnknownAttributes: h.IgnoreUnknownAttributes,
		StrictManager:           h.StrictManager,
		Logger:                  cfg.Logger,
		Now:                     h.Now,
	}
}

// scimJSON returns the employee as GET /Users/{id} answers the company,
// indented: served by the viewer at the URL the page was read from.
func (ui *UI) scimJSON(r *http.Request, co *scim.Company, id string) (string, error) {
	u := url.URL{Scheme: "http", Host: r.Host, Path: ui.cfg.SCIMPath + "/Users/" + id}
	req, err := http.NewRequestWithContext(context.WithValue(r.Context(), viewerKey{}, co.ID), http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer web-page")
	req.Header.Set("Accept", "application/scim+json")
	if ui.secure(r) {
		req.Header.Set("X-Forwarded-Proto", "https")
	}
	var rec recorder
	ui.viewer.ServeHTTP(&rec, req)
	if rec.status != http.StatusOK {
		return "", fmt.Errorf("GET /Users/%s through the handler: %d %s", id, rec.status, rec.body.Bytes())
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, rec.body.Bytes(), "", "  "); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// recorder is the http.ResponseWriter of the viewer's answers.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header {
	if r.header == nil {
		r.header = make(http.Header)
	}
	return r.header
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
