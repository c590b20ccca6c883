package scimclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/scimkit/scim"
)

// ServiceProviderConfig is what the client reads of an endpoint's
// /ServiceProviderConfig (RFC 7643 §5): the limits it splits bulk requests
// and list pages to.
type ServiceProviderConfig struct {
	Patch struct {
		Supported bool `json:"supported"`
	} `json:"patch"`
	Bulk struct {
		Supported      bool  `json:"supported"`
		MaxOperations  int   `json:"maxOperations"`
		MaxPayloadSize int64 `json:"maxPayloadSize"`
	} `json:"bulk"`
	Filter struct {
		Supported  bool `json:"supported"`
		MaxResults int  `json:"maxResults"`
	} `json:"filter"`
	ETag struct {
		Supported bool `json:"supported"`
	} `json:"etag"`
	// Pagination is RFC 9865's block: whether the endpoint pages by
	// cursor, by index, and its page sizes. Absent (all zero) at an
	// endpoint that predates it, which pages by index.
	Pagination struct {
		Cursor                  bool   `json:"cursor"`
		Index                   bool   `json:"index"`
		DefaultPaginationMethod string `json:"defaultPaginationMethod"`
		DefaultPageSize         int    `json:"defaultPageSize"`
		MaxPageSize             int    `json:"maxPageSize"`
		CursorTimeout           int    `json:"cursorTimeout"` // seconds
	} `json:"pagination"`
}

// ServiceProviderConfig reads the endpoint's configuration, once: later
// calls return the first answer.
func (c *Client) ServiceProviderConfig(ctx context.Context) (*ServiceProviderConfig, error) {
	return cached(c, &c.spc, func() (*ServiceProviderConfig, error) {
		res, err := c.do(ctx, call{method: http.MethodGet, path: "/ServiceProviderConfig", safe: true})
		if err != nil {
			return nil, err
		}
		spc := new(ServiceProviderConfig)
		if err := json.Unmarshal(res.body, spc); err != nil {
			return nil, res.decodeError("a SCIM ServiceProviderConfig", err)
		}
		return spc, nil
	})
}

// cached returns *field, or, while it is nil, what read returns, which it
// keeps in *field unless read fails. c.mu guards field; read runs without
// it, so two first calls at once may both read.
func cached[T any](c *Client, field **T, read func() (*T, error)) (*T, error) {
	c.mu.Lock()
	v := *field
	c.mu.Unlock()
	if v != nil {
		return v, nil
	}
	v, err := read()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	*field = v
	c.mu.Unlock()
	return v, nil
}

// schemaAttr is an attribute definition as /Schemas serves it.
type schemaAttr struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

// aliasesNote is how scim.Handler's /Schemas lists a custom attribute's
// aliases, which RFC 7643 has no field for.
const aliasesNote = "; also accepted as "

func aliases(description string) []string {
	_, list, ok := strings.Cut(description, aliasesNote)
	if !ok {
		return nil
	}
	return strings.Split(list, ", ")
}

// Model reads the company's attribute model from /Schemas, once: the core
// and Enterprise schemas and the Peakon custom attributes, typed from
// their SCIM types (dateTime is a Date, integer a Number, reference an
// Employee, anything else an Option), with the aliases scim.Handler lists
// in their descriptions. Sync judges differences with it, as
// the server normalises values with it.
func (c *Client) Model(ctx context.Context) (*scim.Model, error) {
	return cached(c, &c.model, func() (*scim.Model, error) {
		res, err := c.do(ctx, call{method: http.MethodGet, path: "/Schemas", safe: true})
		if err != nil {
			return nil, err
		}
		var list struct {
			Resources []struct {
				ID         string       `json:"id"`
				Attributes []schemaAttr `json:"attributes"`
			} `json:"Resources"`
		}
		if err := json.Unmarshal(res.body, &list); err != nil {
			return nil, res.decodeError("a SCIM ListResponse of schemas", err)
		}
		var custom []scim.CustomAttribute
		for _, s := range list.Resources {
			if !strings.EqualFold(s.ID, scim.SchemaPeakonUser) {
				continue
			}
			for _, a := range s.Attributes {
				typ := scim.CustomOption
				switch scim.AttrType(a.Type) {
				case scim.TypeDateTime:
					typ = scim.CustomDate
				case scim.TypeInteger, scim.TypeDecimal:
					typ = scim.CustomNumber
				case scim.TypeReference:
					typ = scim.CustomEmployee
				}
				custom = append(custom, scim.CustomAttribute{Name: a.Name, Type: typ, Aliases: aliases(a.Description)})
			}
		}
		custom, err = scim.ValidateCustomAttributes(custom)
		if err != nil {
			return nil, fmt.Errorf("scimclient: the endpoint's Peakon attributes: %w", err)
		}
		return scim.NewModel(custom), nil
	})
}
