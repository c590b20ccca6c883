package scimtest

import (
	"net/http"
	"strings"
	"testing"
)

func TestWithGroups(t *testing.T) {
	for _, c := range []struct {
		opts []Option
		want int
	}{
		{nil, http.StatusNotImplemented},
		{[]Option{WithGroups()}, http.StatusCreated},
	} {
		s := NewServer(t, c.opts...)
		req, _ := http.NewRequest("POST", s.URL()+"/Groups", strings.NewReader(`{"displayName":"Admins"}`))
		req.Header.Set("Authorization", "Bearer "+s.Token())
		req.Header.Set("Content-Type", "application/scim+json")
		res, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("POST /Groups with %d options = %d, want %d", len(c.opts), res.StatusCode, c.want)
		}
	}
}
