package demo

import (
	"net/http/httptest"
	"testing"

	"github.com/scimkit/scim"
)

func TestNewHandler(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"token with a space":  {Tokens: []string{"two words"}},
		"negative rate limit": {Tokens: []string{"token-a"}, RateLimit: -1},
		"bad attribute":       {Attributes: []scim.CustomAttribute{{Name: "Team", Type: "colour"}}},
	} {
		if _, _, err := NewHandler(t.Context(), cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}

	_, d, err := NewHandler(t.Context(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tenants) != 1 || len(d.Tenants[0].Token) < 26 {
		t.Errorf("default company: %+v", d.Tenants)
	}

	h, d, err := NewHandler(t.Context(), Config{Tokens: []string{"token-a", "token-b"}, RateLimit: 3,
		Attributes: []scim.CustomAttribute{{Name: "Department", Type: scim.CustomOption}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tenants) != 2 || d.Tenants[0].ID == d.Tenants[1].ID || d.Tenants[1].Token != "token-b" || d.Tenants[1].Name != "Company 2" {
		t.Errorf("companies: %+v", d.Tenants)
	}
	for _, tc := range []struct {
		path, token string
		want        int
	}{
		{"/scim/v2/Users", "token-a", 200},
		{"/api/scim/v2/Users", "token-b", 200},
		{"/scim/v2/Users", "token-c", 401},
		{"/other/Users", "token-a", 404},
		{"/scim/v2/Schemas", "token-a", 200},
		{"/scim/v2/Users", "token-a", 200},
		{"/scim/v2/Users", "token-a", 429},
		{"/scim/v2/Users", "token-b", 200},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+tc.token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("GET %s with %q: %d, want %d", tc.path, tc.token, rec.Code, tc.want)
		}
	}
	if m, err := d.Companies.Model(t.Context(), d.Tenants[1].ID); err != nil || m.CustomAttribute("department") == nil {
		t.Errorf("model of company 2: %v", err)
	}
}
