package scim

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestModelsFromAuth: a Handler whose Auth is also a ModelSource (as
// Companies is) uses it when Models is nil, instead of telling clients that
// the company's custom attributes are not defined.
func TestModelsFromAuth(t *testing.T) {
	e := newPeakonEnv(t, func(h *Handler) { h.Models = nil })
	_, a := e.company("A", []CustomAttribute{{Name: "Department", Type: CustomOption}})
	e.must(http.StatusCreated, a, http.MethodPost, "/Users", `{"userName":"a@x.test","emails":[{"value":"a@x.test"}],
		"urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Department":"Sales"}}`)
}

func TestModelSourceFunc(t *testing.T) {
	calls := 0
	e := newPeakonEnv(t, func(h *Handler) {
		h.Models = ModelSourceFunc(func(ctx context.Context, tenant string) (*Model, error) {
			calls++
			return defaultModel, nil
		})
	})
	_, a := e.company("A", nil)
	e.must(http.StatusOK, a, http.MethodGet, "/Users", "")
	if calls == 0 {
		t.Fatal("the ModelSourceFunc was not called")
	}
}

// TestDiscoveryText: /ServiceProviderConfig describes the product that
// embeds the handler, not Peakon, unless told to.
func TestDiscoveryText(t *testing.T) {
	scheme := func(e *peakonEnv, token string) (map[string]any, any) {
		spc := e.must(http.StatusOK, token, http.MethodGet, "/ServiceProviderConfig", "").body
		return spc["authenticationSchemes"].([]any)[0].(map[string]any), spc["documentationUri"]
	}
	e := newPeakonEnv(t)
	_, a := e.company("A", nil)
	got, doc := scheme(e, a)
	if doc != nil || strings.Contains(got["description"].(string), "Peakon") || got["name"] != "OAuth Bearer Token" {
		t.Errorf("zero Handler: documentationUri %v, scheme %v", doc, got)
	}

	e = newPeakonEnv(t, func(h *Handler) {
		h.DocumentationURI = "https://hr.example.com/docs/scim"
		h.AuthScheme = AuthScheme{Name: "HR token", Description: "Settings > SCIM", SpecURI: "https://www.rfc-editor.org/rfc/rfc6750", DocumentationURI: "https://hr.example.com/docs/tokens"}
	})
	_, a = e.company("A", nil)
	got, doc = scheme(e, a)
	want := map[string]any{"type": "oauthbearertoken", "name": "HR token", "description": "Settings > SCIM", "primary": true,
		"specUri": "https://www.rfc-editor.org/rfc/rfc6750", "documentationUri": "https://hr.example.com/docs/tokens"}
	if diff := cmp.Diff(want, got); diff != "" || doc != "https://hr.example.com/docs/scim" {
		t.Errorf("configured: documentationUri %v; scheme (-want +got):\n%s", doc, diff)
	}
}
