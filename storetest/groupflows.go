package storetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

// groupEnv is a scim.Handler with groups on over a store, served by
// httptest.
type groupEnv struct {
	t   *testing.T
	srv *httptest.Server
}

type flowResponse struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func newGroupEnv(t *testing.T, st scim.Store) *groupEnv {
	gs := implemented[scim.GroupStore](t, st)
	h := &scim.Handler{Store: st, Groups: gs, Auth: scim.StaticTokens{"tok-a": "a", "tok-b": "b"}}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &groupEnv{t: t, srv: srv}
}

// do sends a request as a client of tenant a (or the token given first in
// hdr as "Authorization").
func (e *groupEnv) do(method, path, body string, hdr ...string) flowResponse {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+"/scim/v2"+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok-a")
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := flowResponse{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			e.t.Fatalf("%s %s: response is not JSON: %v\n%s", method, path, err, raw)
		}
	}
	return r
}

func (e *groupEnv) must(want int, method, path, body string, hdr ...string) flowResponse {
	e.t.Helper()
	r := e.do(method, path, body, hdr...)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.status, want, r.raw)
	}
	return r
}

func (e *groupEnv) user(userName string) string {
	e.t.Helper()
	r := e.must(201, "POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"emails":[{"value":%q,"primary":true}],"active":true}`, userName, userName))
	return r.body["id"].(string)
}

func (r flowResponse) memberValues() []string {
	out := []string{}
	arr, _ := r.body["members"].([]any)
	for _, m := range arr {
		out = append(out, m.(map[string]any)["value"].(string))
	}
	slices.Sort(out)
	return out
}

func (r flowResponse) total() int {
	n, _ := r.body["totalResults"].(float64)
	return int(n)
}

func sorted(v ...string) []string { slices.Sort(v); return v }

func q(filter string) string { return url.QueryEscape(filter) }

// groupFlows replays, over HTTP against a handler with groups on over the
// store, Okta's Push Groups flow and Entra ID's group provisioning flow:
// lookups, create, member adds and removes as each sends them, rename,
// membership checks, users' groups, delete; and the errors around them.
func groupFlows(t *testing.T, newStore func(t *testing.T) scim.Store) {
	t.Run("Okta", func(t *testing.T) { oktaPushGroups(t, newGroupEnv(t, newStore(t))) })
	t.Run("Entra", func(t *testing.T) { entraGroups(t, newGroupEnv(t, newStore(t))) })
	t.Run("Errors", func(t *testing.T) { groupErrors(t, newGroupEnv(t, newStore(t))) })
	t.Run("Bulk", func(t *testing.T) { groupBulk(t, newGroupEnv(t, newStore(t))) })
}

// groupBulk sends a new group of new users in one bulk request, the group
// first: its members refer to the users by bulkId.
func groupBulk(t *testing.T, e *groupEnv) {
	r := e.must(200, "POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
		{"method":"POST","path":"/Groups","bulkId":"g","data":{"displayName":"New hires","members":[{"value":"bulkId:a"},{"value":"bulkId:b"}]}},
		{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"a@example.com"}},
		{"method":"POST","path":"/Users","bulkId":"b","data":{"userName":"b@example.com"}},
		{"method":"PATCH","path":"/Groups/bulkId:g","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"bulkId:a"}]}]}},
		{"method":"POST","path":"/Groups","bulkId":"bad","data":{"displayName":"Bad","members":[{"value":"nobody"}]}},
		{"method":"POST","path":"/Groups","bulkId":"empty","data":{"displayName":"Empty"}},
		{"method":"DELETE","path":"/Groups/bulkId:empty"}
	]}`)
	ops, _ := r.body["Operations"].([]any)
	statuses := map[string]string{}
	var gid string
	for _, o := range ops {
		m := o.(map[string]any)
		key := fmt.Sprint(m["method"], " ", m["bulkId"])
		statuses[key] = fmt.Sprint(m["status"])
		if m["bulkId"] == "g" && m["method"] == "POST" {
			loc, _ := m["location"].(string)
			gid = loc[strings.LastIndexByte(loc, '/')+1:]
			if !strings.HasSuffix(loc, "/Groups/"+gid) || m["version"] == nil {
				t.Errorf("group POST result: %v", m)
			}
		}
	}
	want := map[string]string{"POST g": "201", "POST a": "201", "POST b": "201", "PATCH <nil>": "200", "POST bad": "400", "POST empty": "201", "DELETE <nil>": "204"}
	if diff := cmp.Diff(want, statuses); diff != "" {
		t.Fatalf("bulk statuses (-want +got):\n%s\n%s", diff, r.raw)
	}
	g := e.must(200, "GET", "/Groups/"+gid, "")
	members, _ := g.body["members"].([]any)
	if len(members) != 1 {
		t.Fatalf("members after the bulk request: %s", g.raw)
	}
	uid := members[0].(map[string]any)["value"].(string)
	if u := e.must(200, "GET", "/Users/"+uid, ""); u.body["userName"] != "b@example.com" {
		t.Errorf("the remaining member is %s", u.raw)
	}
	if r := e.must(200, "GET", "/Groups", ""); r.total() != 1 {
		t.Errorf("groups after the bulk request: %s", r.raw)
	}
}

const patchOp = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[%s]}`

func oktaPushGroups(t *testing.T, e *groupEnv) {
	ua := []string{"User-Agent", "Okta SCIM Client 1.0.0"}
	alice, bob, carol := e.user("alice@example.com"), e.user("bob@example.com"), e.user("carol@example.com")
	// Lookup before push: nothing.
	if r := e.must(200, "GET", "/Groups?filter="+q(`displayName eq "Engineering"`)+"&startIndex=1&count=100", "", ua...); r.total() != 0 {
		t.Fatalf("lookup before create: %s", r.raw)
	}
	r := e.must(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[]}`, ua...)
	gid, _ := r.body["id"].(string)
	if r.header.Get("Location") != e.srv.URL+"/scim/v2/Groups/"+gid || r.header.Get("ETag") == "" {
		t.Errorf("create: Location %q, ETag %q", r.header.Get("Location"), r.header.Get("ETag"))
	}
	if meta, _ := r.body["meta"].(map[string]any); meta["resourceType"] != "Group" || meta["version"] != r.header.Get("ETag") {
		t.Errorf("create: meta %v", meta)
	}
	// Push members: add with display.
	e.must(204, "PATCH", "/Groups/"+gid, fmt.Sprintf(patchOp,
		fmt.Sprintf(`{"op":"add","path":"members","value":[{"value":%q,"display":"alice@example.com"},{"value":%q,"display":"bob@example.com"}]}`, alice, bob)), ua...)
	e.must(204, "PATCH", "/Groups/"+gid, fmt.Sprintf(patchOp, fmt.Sprintf(`{"op":"add","path":"members","value":[{"value":%q}]}`, alice)), ua...)
	r = e.must(200, "GET", "/Groups/"+gid, "", ua...)
	if diff := cmp.Diff(sorted(alice, bob), r.memberValues()); diff != "" {
		t.Errorf("members after adds (-want +got):\n%s", diff)
	}
	for _, m := range r.body["members"].([]any) {
		mm := m.(map[string]any)
		if mm["type"] != "User" || mm["$ref"] != e.srv.URL+"/scim/v2/Users/"+mm["value"].(string) {
			t.Errorf("member rendered as %v", mm)
		}
	}
	// Users carry their groups, read-only.
	u := e.must(200, "GET", "/Users/"+alice, "")
	wantGroups := []any{map[string]any{"value": gid, "$ref": e.srv.URL + "/scim/v2/Groups/" + gid, "display": "Engineering", "type": "direct"}}
	if diff := cmp.Diff(wantGroups, u.body["groups"]); diff != "" {
		t.Errorf("alice's groups (-want +got):\n%s", diff)
	}
	if r := e.must(200, "GET", "/Users?filter="+q(`groups.value eq "`+gid+`"`)+"&sortBy=userName", ""); r.total() != 2 {
		t.Errorf("users filtered by group: %s", r.raw)
	}
	if r := e.must(200, "GET", "/Users?filter="+q(`groups.value eq "`+gid+`" and userName sw "b"`), ""); r.total() != 1 {
		t.Errorf("users filtered by group and userName: %s", r.raw)
	}
	// Okta's PUT of a user with groups: [] does not touch memberships.
	u.body["groups"] = []any{}
	body, _ := json.Marshal(u.body)
	e.must(200, "PUT", "/Users/"+alice, string(body), ua...)
	// Remove by filter, then replace the whole list.
	e.must(204, "PATCH", "/Groups/"+gid, fmt.Sprintf(patchOp, fmt.Sprintf(`{"op":"remove","path":"members[value eq \"%s\"]"}`, bob)), ua...)
	e.must(204, "PATCH", "/Groups/"+gid, fmt.Sprintf(patchOp, fmt.Sprintf(`{"op":"replace","path":"members","value":[{"value":%q},{"value":%q}]}`, bob, carol)), ua...)
	if diff := cmp.Diff(sorted(bob, carol), e.must(200, "GET", "/Groups/"+gid, "").memberValues()); diff != "" {
		t.Errorf("members after replace (-want +got):\n%s", diff)
	}
	if g := e.must(200, "GET", "/Users/"+alice, "").body["groups"]; g != nil {
		t.Errorf("alice's groups after her removal: %v", g)
	}
	// Rename as Okta does: replace without path, then PUT.
	e.must(204, "PATCH", "/Groups/"+gid, fmt.Sprintf(patchOp, fmt.Sprintf(`{"op":"replace","value":{"id":%q,"displayName":"Eng"}}`, gid)), ua...)
	r = e.must(200, "PUT", "/Groups/"+gid, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":%q,"displayName":"Engineering Team"}`, gid), ua...)
	if r.body["displayName"] != "Engineering Team" {
		t.Errorf("PUT rename: %s", r.raw)
	}
	if diff := cmp.Diff(sorted(bob, carol), r.memberValues()); diff != "" {
		t.Errorf("a PUT without members changed them (-want +got):\n%s", diff)
	}
	// Import.
	if r := e.must(200, "GET", "/Groups?startIndex=1&count=100", "", ua...); r.total() != 1 {
		t.Errorf("import: %s", r.raw)
	}
	// Unlink: delete, then 404.
	e.must(204, "DELETE", "/Groups/"+gid, "", ua...)
	e.must(404, "GET", "/Groups/"+gid, "", ua...)
	if g := e.must(200, "GET", "/Users/"+bob, "").body["groups"]; g != nil {
		t.Errorf("bob's groups after the group's deletion: %v", g)
	}
}

func entraGroups(t *testing.T, e *groupEnv) {
	ua := []string{"User-Agent", "Microsoft.AAD.Provisioning"}
	u1, u2 := e.user("one@example.com"), e.user("two@example.com")
	if r := e.must(200, "GET", "/Groups?excludedAttributes=members&filter="+q(`displayName eq "Sales"`), "", ua...); r.total() != 0 {
		t.Fatalf("lookup: %s", r.raw)
	}
	r := e.must(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Sales","members":[]}`, ua...)
	gid := r.body["id"].(string)
	add := func(id string) string {
		return fmt.Sprintf(patchOp, fmt.Sprintf(`{"op":"Add","path":"members","value":[{"value":%q}]}`, id))
	}
	e.must(204, "PATCH", "/Groups/"+gid, add(u1), ua...)
	e.must(204, "PATCH", "/Groups/"+gid, add(u2), ua...)
	member := func(uid string) int {
		return e.must(200, "GET", "/Groups?excludedAttributes=members&filter="+q(`id eq "`+gid+`" and members eq "`+uid+`"`), "", ua...).total()
	}
	if member(u1) != 1 || member(u2) != 1 {
		t.Errorf("membership checks after adds: %d %d", member(u1), member(u2))
	}
	r = e.must(200, "GET", "/Groups?excludedAttributes=members&filter="+q(`externalId eq "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"`), "", ua...)
	res, _ := r.body["Resources"].([]any)
	if r.total() != 1 || len(res) != 1 {
		t.Fatalf("externalId lookup: %s", r.raw)
	}
	if _, ok := res[0].(map[string]any)["members"]; ok {
		t.Errorf("excludedAttributes=members returned members: %s", r.raw)
	}
	if g := e.must(200, "GET", "/Groups/"+gid+"?excludedAttributes=members", "", ua...); g.body["members"] != nil || g.body["displayName"] != "Sales" {
		t.Errorf("GET excludedAttributes=members: %s", g.raw)
	}
	e.must(204, "PATCH", "/Groups/"+gid, fmt.Sprintf(patchOp, fmt.Sprintf(`{"op":"Remove","path":"members","value":[{"value":%q}]}`, u1)), ua...)
	if member(u1) != 0 || member(u2) != 1 {
		t.Errorf("membership checks after remove: %d %d", member(u1), member(u2))
	}
	// Several operations in one PATCH fold into their net effect; asking
	// for attributes gets the group.
	r = e.must(200, "PATCH", "/Groups/"+gid+"?attributes=displayName,members", fmt.Sprintf(patchOp, fmt.Sprintf(
		`{"op":"Replace","path":"displayName","value":"Sales EMEA"},{"op":"Add","path":"members","value":[{"value":%q}]},{"op":"Remove","path":"members[value eq \"%s\"]"},{"op":"Add","path":"members","value":[{"value":%q}]}`,
		u1, u2, u2)), ua...)
	if r.body["displayName"] != "Sales EMEA" || r.body["meta"] != nil {
		t.Errorf("PATCH with attributes: %s", r.raw)
	}
	if diff := cmp.Diff(sorted(u1, u2), r.memberValues()); diff != "" {
		t.Errorf("members after the folded PATCH (-want +got):\n%s", diff)
	}
	// ETags.
	g := e.must(200, "GET", "/Groups/"+gid, "")
	etag := g.header.Get("ETag")
	e.must(304, "GET", "/Groups/"+gid, "", "If-None-Match", etag)
	e.must(412, "PATCH", "/Groups/"+gid, add(u1), "If-Match", `W/"1"`)
	e.must(204, "PATCH", "/Groups/"+gid, add(u1), "If-Match", etag)
	// Deleting a user removes it from the group.
	e.must(204, "DELETE", "/Users/"+u1, "")
	if member(u1) != 0 {
		t.Errorf("a deleted user is still a member")
	}
	if diff := cmp.Diff([]string{u2}, e.must(200, "GET", "/Groups/"+gid, "").memberValues()); diff != "" {
		t.Errorf("members after deleting a user (-want +got):\n%s", diff)
	}
	// Tenancy: tenant b sees nothing.
	e.must(404, "GET", "/Groups/"+gid, "", "Authorization", "Bearer tok-b")
	e.must(404, "PATCH", "/Groups/"+gid, add(u2), "Authorization", "Bearer tok-b")
	if r := e.must(200, "GET", "/Groups", "", "Authorization", "Bearer tok-b"); r.total() != 0 {
		t.Errorf("tenant b lists a's groups: %s", r.raw)
	}
	e.must(204, "DELETE", "/Groups/"+gid, "", ua...)
	e.must(404, "DELETE", "/Groups/"+gid, "", ua...)
}

func groupErrors(t *testing.T, e *groupEnv) {
	u := e.user("one@example.com")
	gid := e.must(201, "POST", "/Groups", fmt.Sprintf(`{"displayName":"G","members":[{"value":%q}]}`, u)).body["id"].(string)
	other := e.must(201, "POST", "/Groups", `{"displayName":"Other"}`, "Authorization", "Bearer tok-b").body["id"].(string)
	for _, c := range []struct {
		method, path, body string
		status             int
		scimType           string
		detail             string // a part of it
	}{
		{"POST", "/Groups", `{"members":[]}`, 400, "invalidValue", "displayName"},
		{"POST", "/Groups", `{"displayName":"X","members":[{"value":"nobody"}]}`, 400, "invalidValue", `"nobody"`},
		{"POST", "/Groups", fmt.Sprintf(`{"displayName":"X","members":[{"value":%q}]}`, other), 400, "invalidValue", other},
		{"POST", "/Groups", `{"displayName":"X","members":"u"}`, 400, "invalidValue", "members"},
		{"POST", "/Groups", `[1]`, 400, "invalidSyntax", ""},
		{"PATCH", "/Groups/" + gid, fmt.Sprintf(patchOp, `{"op":"add","path":"members","value":[{"value":"ghost"}]}`), 400, "invalidValue", `"ghost"`},
		{"PATCH", "/Groups/" + gid, fmt.Sprintf(patchOp, `{"op":"remove","path":"displayName"}`), 400, "invalidValue", "displayName"},
		{"PATCH", "/Groups/" + gid, fmt.Sprintf(patchOp, `{"op":"replace","path":"id","value":"x"}`), 400, "mutability", ""},
		{"PATCH", "/Groups/" + gid, fmt.Sprintf(patchOp, `{"op":"replace","path":"nickName","value":"x"}`), 400, "invalidPath", ""},
		{"PATCH", "/Groups/" + gid, fmt.Sprintf(patchOp, `{"op":"remove"}`), 400, "noTarget", ""},
		{"PATCH", "/Groups/" + gid, fmt.Sprintf(patchOp, `{"op":"remove","path":"members[foo eq \"x\"]"}`), 400, "invalidFilter", ""},
		{"PATCH", "/Groups/nope", fmt.Sprintf(patchOp, `{"op":"add","path":"members","value":[]}`), 404, "", "nope"},
		{"GET", "/Groups?filter=" + q(`nickName eq "x"`), "", 400, "invalidFilter", ""},
		{"GET", "/Groups?filter=" + q(`members co "x"`), "", 400, "invalidFilter", ""},
		{"GET", "/Groups?sortBy=members", "", 400, "invalidValue", ""},
		{"GET", "/Users?filter=" + q(`groups.display eq "G"`), "", 400, "invalidFilter", ""},
		{"PUT", "/Groups/" + gid, `{"displayName":""}`, 400, "invalidValue", "displayName"},
	} {
		r := e.do(c.method, c.path, c.body)
		st, _ := r.body["scimType"].(string)
		detail, _ := r.body["detail"].(string)
		if r.status != c.status || st != c.scimType || !strings.Contains(detail, c.detail) {
			t.Errorf("%s %s %s: %d %s, want %d %s with %q", c.method, c.path, c.body, r.status, r.raw, c.status, c.scimType, c.detail)
		}
	}
	// A refused PATCH changed nothing.
	if diff := cmp.Diff([]string{u}, e.must(200, "GET", "/Groups/"+gid, "").memberValues()); diff != "" {
		t.Errorf("members after refused writes (-want +got):\n%s", diff)
	}
	// Writing groups through a user is ignored (read-only).
	e.must(200, "PUT", "/Users/"+u, fmt.Sprintf(`{"userName":"one@example.com","groups":[{"value":%q}]}`, "someone"))
	if r := e.must(200, "GET", "/Users/"+u, ""); len(r.body["groups"].([]any)) != 1 {
		t.Errorf("groups after a PUT naming others: %s", r.raw)
	}
}
