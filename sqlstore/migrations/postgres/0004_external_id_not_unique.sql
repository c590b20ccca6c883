-- externalId is not unique (RFC 7643 §3.1): several users of a company may
-- share one, as Microsoft's SCIM validator creates them. The index stays,
-- non-unique, so that externalId eq lookups still read it; id last gives
-- a lookup's rows in the order a page wants.
DROP INDEX users_external_id_uq;
CREATE INDEX users_external_id_ix ON users (company, external_id, id);
