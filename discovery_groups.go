package scim

// groupResourceType is the Group resource type, published when groups are
// on (Handler.Groups).
func (req *request) groupResourceType() resourceType {
	return resourceType{
		Schemas:          []string{SchemaResourceType},
		ID:               "Group",
		Name:             "Group",
		Endpoint:         "/Groups",
		Description:      "A group of users (and groups)",
		Schema:           SchemaGroup,
		SchemaExtensions: []schemaExtension{},
		Meta:             discoveryMeta{"ResourceType", req.base + "/ResourceTypes/Group"},
	}
}
