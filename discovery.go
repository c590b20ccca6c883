package scim

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// discoveryMeta is the meta object of discovery resources.
type discoveryMeta struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location"`
}

func (req *request) serveServiceProviderConfig(rest string) {
	if !req.single(rest, http.MethodGet) {
		return
	}
	def, maxSize := req.h.pageSizes(req.base)
	maxOps, maxPayload := req.h.bulkLimits()
	type supported struct {
		Supported bool `json:"supported"`
	}
	scheme := map[string]any{
		"type":        "oauthbearertoken",
		"name":        cmp.Or(req.h.AuthScheme.Name, "OAuth Bearer Token"),
		"description": cmp.Or(req.h.AuthScheme.Description, "Authentication with a bearer token (RFC 6750) issued by the service provider."),
		"primary":     true,
	}
	if u := req.h.AuthScheme.SpecURI; u != "" {
		scheme["specUri"] = u
	}
	if u := req.h.AuthScheme.DocumentationURI; u != "" {
		scheme["documentationUri"] = u
	}
	doc := map[string]any{
		"schemas":               []string{SchemaServiceProviderConfig},
		"patch":                 supported{true},
		"bulk":                  map[string]any{"supported": true, "maxOperations": maxOps, "maxPayloadSize": maxPayload},
		"filter":                map[string]any{"supported": true, "maxResults": maxSize},
		"changePassword":        supported{false},
		"sort":                  supported{true},
		"etag":                  supported{true},
		"authenticationSchemes": []map[string]any{scheme},
		// RFC 9865 §4: both methods; index stays the default, as Okta
		// and Entra ID page by index and send no pagination parameter.
		"pagination": map[string]any{
			"cursor": true, "index": true, "defaultPaginationMethod": "index",
			"defaultPageSize": def, "maxPageSize": maxSize,
			"cursorTimeout": int64(req.h.cursorTimeout() / time.Second),
		},
		"meta": discoveryMeta{"ServiceProviderConfig", req.base + "/ServiceProviderConfig"},
	}
	if u := req.h.DocumentationURI; u != "" {
		doc["documentationUri"] = u
	}
	req.writeAny(doc)
}

func (req *request) writeAny(v any) {
	body, err := json.Marshal(v)
	if err != nil {
		req.fail(err)
		return
	}
	req.writeJSON(http.StatusOK, body)
}

type resourceType struct {
	Schemas          []string          `json:"schemas"`
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Endpoint         string            `json:"endpoint"`
	Description      string            `json:"description"`
	Schema           string            `json:"schema"`
	SchemaExtensions []schemaExtension `json:"schemaExtensions"`
	Meta             discoveryMeta     `json:"meta"`
}

type schemaExtension struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

// resourceType describes the resource type name, served at /{name}s with
// the core schema schema and its extensions.
func (req *request) resourceType(name, description, schema string, extensions ...schemaExtension) resourceType {
	if extensions == nil {
		extensions = []schemaExtension{} // "schemaExtensions": [], not null
	}
	return resourceType{
		Schemas:          []string{SchemaResourceType},
		ID:               name,
		Name:             name,
		Endpoint:         "/" + name + "s",
		Description:      description,
		Schema:           schema,
		SchemaExtensions: extensions,
		Meta:             discoveryMeta{"ResourceType", req.base + "/ResourceTypes/" + name},
	}
}

func (req *request) userResourceType() resourceType {
	return req.resourceType("User", "An employee", SchemaUser,
		schemaExtension{Schema: SchemaEnterpriseUser},
		schemaExtension{Schema: SchemaPeakonUser})
}

func (req *request) serveResourceTypes(rest string) {
	if req.r.Method != http.MethodGet {
		req.methodNotAllowed("GET")
		return
	}
	rt := req.userResourceType()
	switch {
	case rest == "" && req.h.Groups != nil:
		req.writeList([]any{rt, req.groupResourceType()})
	case rest == "":
		req.writeList([]any{rt})
	case strings.EqualFold(rest, "User"):
		req.writeAny(rt)
	case strings.EqualFold(rest, "Group") && req.h.Groups != nil:
		req.writeAny(req.groupResourceType())
	default:
		req.fail(Errorf(http.StatusNotFound, "", "resource type %q does not exist; Peakon serves only User", rest))
	}
}

// schemaResource is a [Schema] with its meta, as /Schemas serves it.
type schemaResource struct {
	*Schema
	location string
}

func (s schemaResource) MarshalJSON() ([]byte, error) {
	b, err := s.Schema.MarshalJSON()
	if err != nil {
		return nil, err
	}
	meta, _ := json.Marshal(discoveryMeta{"Schema", s.location})
	return append(append(append(b[:len(b)-1], `,"meta":`...), meta...), '}'), nil
}

func (req *request) serveSchemas(rest string) {
	if req.r.Method != http.MethodGet {
		req.methodNotAllowed("GET")
		return
	}
	res := func(s *Schema) schemaResource {
		return schemaResource{s, req.base + "/Schemas/" + s.ID}
	}
	if rest == "" {
		var all []any
		for _, s := range req.model.Schemas() {
			all = append(all, res(s))
		}
		if req.h.Groups != nil {
			all = append(all, res(groupSchema))
		}
		req.writeList(all)
		return
	}
	id, err := url.PathUnescape(rest)
	if err != nil {
		id = rest
	}
	s := req.model.schemaByURN(id)
	if s == nil && req.h.Groups != nil && strings.EqualFold(id, SchemaGroup) {
		s = groupSchema
	}
	if s == nil {
		req.fail(Errorf(http.StatusNotFound, "", "schema %q does not exist", id))
		return
	}
	req.writeAny(res(s))
}

// writeList writes a [ListResponse] of discovery resources.
func (req *request) writeList(items []any) {
	req.writeAny(map[string]any{
		"schemas":      []string{MessageListResponse},
		"totalResults": len(items),
		"itemsPerPage": len(items),
		"startIndex":   1,
		"Resources":    items,
	})
}

// groupResourceType is the Group resource type, published when groups are
// on (Handler.Groups).
func (req *request) groupResourceType() resourceType {
	return req.resourceType("Group", "A group of users (and groups)", SchemaGroup)
}
