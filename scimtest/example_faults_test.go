package scimtest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimtest"
)

// Faults test a client's retries: here the first two attempts to create an
// employee are rate limited, and the client retries until one succeeds.
func ExampleServer_FailMatching() {
	s, err := scimtest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	s.FailMatching("POST", "/Users", 2, scimtest.RateLimited(30*time.Second))

	for attempt := 1; ; attempt++ {
		res, err := s.Client().Post(s.URL()+"/Users", "application/scim+json",
			strings.NewReader(`{"userName":"ada@example.com","active":true}`))
		if err != nil {
			panic(err)
		}
		res.Body.Close()
		fmt.Printf("attempt %d: %s (Retry-After %q)\n", attempt, res.Status, res.Header.Get("Retry-After"))
		if res.StatusCode != http.StatusTooManyRequests {
			break
		}
		// A real client would wait Retry-After seconds here.
	}
	for _, r := range s.Requests() {
		fmt.Println(r)
	}
	// Output:
	// attempt 1: 429 Too Many Requests (Retry-After "30")
	// attempt 2: 429 Too Many Requests (Retry-After "30")
	// attempt 3: 201 Created (Retry-After "")
	// #1 POST /scim/v2/Users → 429 (fault: status 429, Retry-After 30)
	// #2 POST /scim/v2/Users → 429 (fault: status 429, Retry-After 30)
	// #3 POST /scim/v2/Users → 201
}

// Seeded employees and custom attributes set the scene for code that reads
// from Peakon or updates existing employees.
func ExampleWithUsers() {
	s, err := scimtest.Start(
		scimtest.WithAttributes(scim.CustomAttribute{Name: "Employed Since", Type: scim.CustomDate, Aliases: []string{"Employed_Since"}}),
		scimtest.WithUsers(&scim.User{
			ID: "ada", UserName: "ada@example.com", Active: true,
			Custom: map[string]string{"Employed Since": "2019-04-01T09:00:00Z"},
		}),
	)
	if err != nil {
		panic(err)
	}
	defer s.Close()

	res, err := s.Client().Get(s.URL() + `/Users?filter=userName+eq+"ADA@example.com"&attributes=userName,urn:ietf:params:scim:schemas:extension:peakon:2.0:User`)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.Status)
	fmt.Println(string(body))
	fmt.Println(s.User("ada").Custom["Employed Since"])
	// Output:
	// 200 OK
	// {"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"itemsPerPage":1,"startIndex":1,"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:peakon:2.0:User"],"id":"ada","userName":"ada@example.com","urn:ietf:params:scim:schemas:extension:peakon:2.0:User":{"Employed Since":"2019-04-01"}}]}
	// 2019-04-01
}
