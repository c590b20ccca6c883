// Command elimity is loadcompare's comparison server: the same users,
// served by github.com/elimity-com/scim (the most used Go SCIM library)
// over an in-memory ResourceHandler written as that library's examples
// write one. It is a module of its own so that elimity-com/scim never
// enters the scimkit module's graph (it requires this checkout's scimkit
// module, the other way round, for loadcompare's package protocol);
// build it, then name it to loadcompare:
//
//	(cd bench/loadcompare/elimity && GOWORK=off go build -o /tmp/elimity .)
//	go run ./bench/loadcompare -run get,eq,patch -servers demo,memory,elimity@/tmp/elimity
//
// It speaks loadcompare's server protocol, with loadcompare's own code
// for it: -serve elimity -users N loads users 0..N-1 (the bodies and ids
// loadcompare's own servers load), prints "listening ADDR" and serves
// until its stdin is closed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/elimity-com/scim"
	"github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	"github.com/scimkit/scim/bench/loadcompare/internal/protocol"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "elimity:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("elimity", flag.ContinueOnError)
	fs.String("serve", "elimity", "server kind (only elimity)")
	users := fs.Int("users", 0, "users to load")
	fs.String("db", "", "ignored: the users are kept in memory")
	cpuprofile := fs.String("cpuprofile", "", "CPU profile of the serving to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h := &userStore{byID: map[string]*entry{}}
	now := time.Now().UTC()
	for i := range *users {
		var attrs scim.ResourceAttributes
		if err := json.Unmarshal(protocol.UserBody(i), &attrs); err != nil {
			return err
		}
		delete(attrs, "schemas")
		id := protocol.UserID(i)
		h.byID[id] = &entry{attrs: attrs, created: now, modified: now, version: 1}
		h.order = append(h.order, id)
	}
	srv, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{},
		ResourceTypes: []scim.ResourceType{{
			ID:               optional.NewString("User"),
			Name:             "User",
			Endpoint:         "/Users",
			Description:      optional.NewString("User Account"),
			Schema:           schema.CoreUserSchema(),
			SchemaExtensions: []scim.SchemaExtension{{Schema: schema.ExtensionEnterpriseUser()}},
			Handler:          h,
		}},
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim", bearer(srv)))
	return protocol.Serve(mux, *cpuprofile)
}

// bearer checks the token, as every server of the comparison does
// (elimity-com/scim leaves authentication to its user).
func bearer(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+protocol.Token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

type entry struct {
	attrs             scim.ResourceAttributes
	created, modified time.Time
	version           int
}

// userStore is an in-memory ResourceHandler: a map by id and the creation
// order for lists; writers install a new attribute map.
type userStore struct {
	mu    sync.RWMutex
	byID  map[string]*entry
	order []string
	next  int
}

func (h *userStore) resource(id string, e *entry) scim.Resource {
	r := scim.Resource{ID: id, Attributes: e.attrs, Meta: scim.Meta{Created: &e.created, LastModified: &e.modified, Version: fmt.Sprintf(`W/"%d"`, e.version)}}
	if x, ok := e.attrs["externalId"].(string); ok {
		r.ExternalID = optional.NewString(x)
	}
	return r
}

func (h *userStore) Create(_ *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next++
	id := fmt.Sprintf("new-%d", h.next)
	now := time.Now().UTC()
	e := &entry{attrs: attrs, created: now, modified: now, version: 1}
	h.byID[id] = e
	h.order = append(h.order, id)
	return h.resource(id, e), nil
}

func (h *userStore) Get(_ *http.Request, id string) (scim.Resource, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	e, ok := h.byID[id]
	if !ok {
		return scim.Resource{}, errors.ScimErrorResourceNotFound(id)
	}
	return h.resource(id, e), nil
}

func (h *userStore) GetAll(_ *http.Request, p scim.ListRequestParams) (scim.Page, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	page := scim.Page{Resources: []scim.Resource{}}
	for _, id := range h.order {
		e := h.byID[id]
		if p.FilterValidator != nil && p.FilterValidator.PassesFilter(e.attrs) != nil {
			continue
		}
		page.TotalResults++
		if page.TotalResults >= p.StartIndex && len(page.Resources) < p.Count {
			page.Resources = append(page.Resources, h.resource(id, e))
		}
	}
	return page, nil
}

func (h *userStore) Replace(_ *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	old, ok := h.byID[id]
	if !ok {
		return scim.Resource{}, errors.ScimErrorResourceNotFound(id)
	}
	e := &entry{attrs: attrs, created: old.created, modified: time.Now().UTC(), version: old.version + 1}
	h.byID[id] = e
	return h.resource(id, e), nil
}

func (h *userStore) Delete(_ *http.Request, id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.byID[id]; !ok {
		return errors.ScimErrorResourceNotFound(id)
	}
	delete(h.byID, id)
	return nil
}

// Patch applies add and replace of top-level paths and values, and
// remove of top-level paths, as the library's examples do.
func (h *userStore) Patch(_ *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	old, ok := h.byID[id]
	if !ok {
		return scim.Resource{}, errors.ScimErrorResourceNotFound(id)
	}
	attrs := make(scim.ResourceAttributes, len(old.attrs))
	for k, v := range old.attrs {
		attrs[k] = v
	}
	for _, op := range ops {
		switch {
		case op.Op == scim.PatchOperationRemove && op.Path != nil:
			delete(attrs, op.Path.String())
		case op.Path != nil:
			attrs[op.Path.String()] = op.Value
		default:
			if m, ok := op.Value.(map[string]any); ok {
				for k, v := range m {
					attrs[k] = v
				}
			}
		}
	}
	e := &entry{attrs: attrs, created: old.created, modified: time.Now().UTC(), version: old.version + 1}
	h.byID[id] = e
	return h.resource(id, e), nil
}
