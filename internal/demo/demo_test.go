package demo

import (
	"net/http/httptest"
	"testing"
)

func TestNewHandler(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"no token":            {},
		"empty token":         {Tokens: []string{""}},
		"negative rate limit": {Tokens: []string{"t"}, RateLimit: -1},
	} {
		if _, _, err := NewHandler(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	h, d, err := NewHandler(Config{Tokens: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Company != "demo" || d.Store == nil || d.SCIM == nil {
		t.Errorf("demo %+v", d)
	}
	for _, tc := range []struct {
		path, token string
		want        int
	}{
		{"/scim/v2/Users", "a", 200},
		{"/api/scim/v2/Users", "b", 200},
		{"/scim/v2/Users", "c", 401},
		{"/other/Users", "a", 404},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+tc.token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("GET %s with %q: %d, want %d", tc.path, tc.token, rec.Code, tc.want)
		}
	}
	if _, err := d.SCIM.Models.Model(t.Context(), "other"); err == nil {
		t.Error("a model for another company")
	}
}
