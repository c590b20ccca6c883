package scimtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/scimkit/scim/scimtest"
)

// hrSync is the code under test: a job that provisions an HR system's
// employees into Peakon and deactivates leavers, as Peakon recommends
// instead of deleting them.
type hrSync struct {
	baseURL string       // e.g. https://api.peakon.com/scim/v2
	client  *http.Client // sends the company's bearer token
}

func (h *hrSync) send(method, path string, body any) (*http.Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(method, h.baseURL+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/scim+json")
	return h.client.Do(req)
}

// Provision creates an employee and returns their Peakon id.
func (h *hrSync) Provision(email, given, family string) (string, error) {
	res, err := h.send("POST", "/Users", map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": email,
		"name":     map[string]string{"givenName": given, "familyName": family},
		"emails":   []map[string]any{{"value": email, "type": "work", "primary": true}},
		"active":   true,
	})
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("provisioning %s: %s", email, res.Status)
	}
	var created struct{ ID string }
	err = json.NewDecoder(res.Body).Decode(&created)
	return created.ID, err
}

// Deactivate marks a leaver inactive, keeping their history.
func (h *hrSync) Deactivate(id string) error {
	res, err := h.send("PATCH", "/Users/"+id, map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []map[string]any{{"op": "replace", "value": map[string]any{"active": false}}},
	})
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("deactivating %s: %s", id, res.Status)
	}
	return nil
}

// The code under test provisions three employees and deactivates one; the
// test then checks what the fake Peakon holds and the PATCH it received.
// In a test, create the server with scimtest.NewServer(t, ...), which
// closes it when the test ends, and fail with s.AssertRequested(t, ...).
func Example() {
	s, err := scimtest.Start(scimtest.WithSequentialIDs())
	if err != nil {
		panic(err)
	}
	defer s.Close()

	sync := &hrSync{baseURL: s.URL(), client: s.Client()}
	var ids []string
	for _, e := range [][3]string{
		{"ada@example.com", "Ada", "Lovelace"},
		{"alan@example.com", "Alan", "Turing"},
		{"grace@example.com", "Grace", "Hopper"},
	} {
		id, err := sync.Provision(e[0], e[1], e[2])
		if err != nil {
			panic(err)
		}
		ids = append(ids, id)
	}
	if err := sync.Deactivate(ids[1]); err != nil {
		panic(err)
	}

	// The fake's state, read without HTTP.
	for _, u := range s.Users() {
		fmt.Println(u.ID, u.UserName, u.Name.GivenName, "active:", u.Active)
	}
	// The PATCH the code sent.
	for _, r := range s.RequestsMatching("PATCH", "/Users/{id}") {
		fmt.Println(r)
		fmt.Println(string(r.Body))
	}
	// Output:
	// 00000000-0000-4000-8000-000000000001 ada@example.com Ada active: true
	// 00000000-0000-4000-8000-000000000002 alan@example.com Alan active: false
	// 00000000-0000-4000-8000-000000000003 grace@example.com Grace active: true
	// #4 PATCH /scim/v2/Users/00000000-0000-4000-8000-000000000002 → 200
	// {"Operations":[{"op":"replace","value":{"active":false}}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}
}
