package scim

import "time"

// DefaultModelCacheTTL is how long Companies uses a company's model before
// reading its definitions again, unless ModelCacheTTL says otherwise: the
// longest a change of custom attributes through another instance goes
// unseen, as DefaultTokenCacheTTL is for a revoked token.
const DefaultModelCacheTTL = 5 * time.Second

// cachedModel is a company's model and when its definitions were read.
type cachedModel struct {
	model *Model
	read  time.Time
}

// fresh reports whether the model was read less than ttl before now.
func (e cachedModel) fresh(now time.Time, ttl time.Duration) bool {
	return e.model != nil && ttl > 0 && now.Sub(e.read) < ttl && !now.Before(e.read)
}

func (cs *Companies) modelTTL() time.Duration {
	return cacheTTL(cs.ModelCacheTTL, DefaultModelCacheTTL)
}
