package scimclient

import (
	"encoding/json"

	"github.com/scimkit/scim"
)

// Patch builds a PatchOp request (RFC 7644 §3.5.2) for Client.Patch:
//
//	p := scimclient.NewPatch().
//		Replace("name.givenName", "Ada").
//		Remove("title").
//		IfMatch(u.Meta.Version)
//
// Paths are SCIM paths as scim.ParsePatchPath reads them; values are anything
// encoding/json renders.
type Patch struct {
	Operations []scim.PatchOperation
	// Version, when set, is sent as If-Match.
	Version string
}

// NewPatch returns an empty patch.
func NewPatch() *Patch { return new(Patch) }

// Add appends an add operation.
func (p *Patch) Add(path string, value any) *Patch {
	p.Operations = append(p.Operations, scim.PatchOperation{Op: "add", Path: path, Value: value})
	return p
}

// Replace appends a replace operation.
func (p *Patch) Replace(path string, value any) *Patch {
	p.Operations = append(p.Operations, scim.PatchOperation{Op: "replace", Path: path, Value: value})
	return p
}

// Remove appends a remove operation.
func (p *Patch) Remove(path string) *Patch {
	p.Operations = append(p.Operations, scim.PatchOperation{Op: "remove", Path: path})
	return p
}

// IfMatch makes the patch conditional on the user's version.
func (p *Patch) IfMatch(version string) *Patch {
	p.Version = version
	return p
}

// MarshalJSON renders the PatchOp request body.
func (p *Patch) MarshalJSON() ([]byte, error) {
	type op struct {
		Op    string `json:"op"`
		Path  string `json:"path,omitempty"`
		Value any    `json:"value,omitempty"`
	}
	ops := make([]op, len(p.Operations))
	for i, o := range p.Operations {
		ops[i] = op{o.Op, o.Path, o.Value}
	}
	return json.Marshal(struct {
		Schemas    []string `json:"schemas"`
		Operations []op     `json:"Operations"`
	}{[]string{scim.MessagePatchOp}, ops})
}
