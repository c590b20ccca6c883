package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim"
)

// modelPath is an attribute of the model as a filter, sortBy or PATCH
// path names it, and how to read its value from a rendered user.
type modelPath struct {
	path  string
	attr  *scim.Attribute // the leaf
	multi bool            // under a multi-valued attribute
	keys  []string        // into the rendered JSON; "[]" takes the first element
}

// modelPaths walks the model: every leaf attribute (singular, a
// sub-attribute of a complex one, a custom attribute).
func modelPaths(m *scim.Model) []modelPath {
	var out []modelPath
	for _, s := range m.Schemas() {
		for _, a := range s.Attributes {
			var prefix []string
			if s.ID != scim.SchemaUser {
				prefix = []string{s.ID}
			}
			if a.Type != scim.TypeComplex {
				out = append(out, modelPath{a.Path(), a, false, append(prefix, a.Name)})
				continue
			}
			for _, sub := range a.SubAttributes {
				keys := append(slices.Clone(prefix), a.Name)
				if a.MultiValued {
					keys = append(keys, "[]")
				}
				out = append(out, modelPath{sub.Path(), sub, a.MultiValued, append(keys, sub.Name)})
			}
		}
	}
	return out
}

// lookup reads keys from a rendered user.
func lookup(v any, keys []string) (any, bool) {
	for _, k := range keys {
		if k == "[]" {
			a, ok := v.([]any)
			if !ok || len(a) == 0 {
				return nil, false
			}
			v = a[0]
			continue
		}
		o, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = o[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// everyAttributeUser carries a distinct value in every attribute, from n.
func everyAttributeUser(n int) *scim.User {
	u := &scim.User{}
	fill(reflect.ValueOf(u).Elem(), &n)
	adjust(reflect.ValueOf(u).Elem())
	u.Custom = map[string]string{"Unit": fmt.Sprintf("Unit %d", n)}
	u.Meta.Version = fmt.Sprintf("W/\"%d\"", n)
	return u
}

// adjust moves fill's times, distinct in their nanoseconds, to distinct
// whole seconds (SCIM renders milliseconds, and a filter must find the
// value it reads), and capitalises its strings, so that a filter in
// another case tells a folded column from one that is not.
func adjust(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(strings.ToUpper(v.String()[:1]) + v.String()[1:])
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			v.Set(reflect.ValueOf(t.Truncate(time.Second).Add(time.Duration(t.Nanosecond()) * time.Second)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				adjust(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			adjust(v.Index(i))
		}
	}
}

// TestEveryAttribute walks the model and checks that every attribute is
// stored, rendered, filtered, sorted and patched by the SQL stores as by
// the memory store: users carrying a value in every attribute are round-
// tripped, found by a filter on each attribute's value, sorted by each,
// and patched in each. Adding an attribute to the model without storing
// it fails here.
func TestEveryAttribute(t *testing.T) {
	m := scim.NewModel([]scim.CustomAttribute{{Name: "Unit", Type: scim.CustomOption}})
	paths := modelPaths(m)
	users := []*scim.User{everyAttributeUser(0), everyAttributeUser(1000)}
	ctx := context.Background()
	render := func(u *scim.User) map[string]any {
		var v map[string]any
		if err := json.Unmarshal(m.EncodeUser(nil, u, nil), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	equalTimes := cmp.Comparer(func(x, y time.Time) bool { return x.Equal(y) })

	stores := []struct {
		name string
		open func(t *testing.T) scim.Store
	}{
		{"memory", func(*testing.T) scim.Store { return scim.NewMemoryStore() }},
		{"sqlite", func(t *testing.T) scim.Store { return openSQLite(t) }},
		{"postgres", func(t *testing.T) scim.Store { return openPostgres(t) }},
	}
	// results[store][question] is the ids a store answers.
	results := make(map[string]map[string][]string)
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			st := sc.open(t)
			got := make(map[string][]string)
			results[sc.name] = got
			for _, u := range users {
				if err := st.CreateUser(ctx, "acme", u); err != nil {
					t.Fatal(err)
				}
				stored, err := st.GetUser(ctx, "acme", u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(u, stored, equalTimes); d != "" {
					t.Errorf("stored (-want +got):\n%s", d)
				}
				if d := cmp.Diff(render(u), render(stored)); d != "" {
					t.Errorf("rendered (-want +got):\n%s", d)
				}
			}
			list := func(filter, sortBy, order string) []string {
				t.Helper()
				q, err := m.NewQuery(filter, sortBy, order, 1, 10)
				if err != nil {
					t.Fatalf("filter %s, sortBy %s: %v", filter, sortBy, err)
				}
				page, err := st.ListUsers(ctx, "acme", q)
				if err != nil {
					t.Fatalf("filter %s, sortBy %s: %v", filter, sortBy, err)
				}
				var ids []string
				for _, u := range page.Users {
					ids = append(ids, u.ID)
				}
				return ids
			}
			for _, p := range paths {
				v, ok := lookup(render(users[0]), p.keys)
				if !ok {
					if p.attr.Returned != scim.ReturnedNever {
						t.Errorf("%s: no value rendered", p.path)
					}
					continue // password: written, never read
				}
				if str, ok := v.(string); ok && !p.attr.CaseExact && p.attr.Type != scim.TypeDateTime {
					v = strings.ToLower(str)
				}
				lit, _ := json.Marshal(v)
				filter := p.path + " eq " + string(lit)
				ids := list(filter, "", "")
				slices.Sort(ids)
				if !slices.Contains(ids, users[0].ID) {
					t.Errorf("%s finds %q, not %q", filter, ids, users[0].ID)
				}
				got[filter] = ids
				if !p.multi {
					for _, order := range []string{"ascending", "descending"} {
						got[p.path+" "+order] = list("", p.path, order)
					}
				}
			}
			// Patch every writable leaf, then find the user by the new value.
			u := users[0]
			patched := 0
			defer func() { t.Logf("%d attributes patched", patched) }()
			for _, p := range paths {
				if p.attr.Mutability == scim.ReadOnly || p.multi || p.attr.Returned == scim.ReturnedNever {
					continue
				}
				var val any = "Patched " + p.path
				if p.attr.Type == scim.TypeBoolean {
					val = false
				}
				body, _ := json.Marshal(map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": p.path, "value": val}}})
				req, err := scim.ParsePatch(body)
				if err != nil {
					t.Fatalf("%s: %v", p.path, err)
				}
				next, err := m.ApplyPatch(u, req, scim.DecodeOptions{})
				if err != nil {
					t.Fatalf("patch %s: %v", p.path, err)
				}
				next.Meta.Version = u.Meta.Version + "p"
				if err := st.UpdateUser(ctx, "acme", next, u.Meta.Version); err != nil {
					t.Fatalf("patch %s: %v", p.path, err)
				}
				stored, err := st.GetUser(ctx, "acme", u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(render(next), render(stored)); d != "" {
					t.Errorf("patched %s (-want +got):\n%s", p.path, d)
				}
				lit, _ := json.Marshal(val)
				filter := p.path + " eq " + string(lit)
				ids := list(filter, "", "")
				slices.Sort(ids)
				if !slices.Contains(ids, u.ID) {
					t.Errorf("after the patch, %s finds %q", filter, ids)
				}
				got["patched "+filter] = ids
				u = next
				patched++
			}
		})
	}
	for _, name := range []string{"sqlite", "postgres"} {
		if len(results[name]) == 0 {
			continue // skipped
		}
		if d := cmp.Diff(results["memory"], results[name]); d != "" {
			t.Errorf("%s answers otherwise than the memory store (-memory +%s):\n%s", name, name, d)
		}
	}
	if t.Failed() {
		return
	}
	var names []string
	for _, p := range paths {
		names = append(names, p.path)
	}
	t.Logf("%d attributes: %s", len(paths), strings.Join(names, ", "))
}
