package scim

import "context"

// ModelSource returns the attribute model of a tenant.
type ModelSource interface {
	Model(ctx context.Context, tenant string) (*Model, error)
}

// ModelSourceFunc adapts a function to [ModelSource].
type ModelSourceFunc func(ctx context.Context, tenant string) (*Model, error)

// Model implements [ModelSource].
func (f ModelSourceFunc) Model(ctx context.Context, tenant string) (*Model, error) {
	return f(ctx, tenant)
}

func (req *request) loadModel() error {
	if req.h.models == nil {
		req.model = defaultModel
		return nil
	}
	m, err := req.h.models.Model(req.ctx, req.tenant)
	if err != nil {
		return err
	}
	req.model = m
	return nil
}
