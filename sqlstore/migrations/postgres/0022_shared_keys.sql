-- Keys every process on the database shares (scim.KeyStore): the one
-- that signs cursors, so that instances, and restarts, accept each
-- other's. Made by the first process that asks.
CREATE TABLE shared_keys (
	name   TEXT COLLATE "C" PRIMARY KEY,
	secret BYTEA NOT NULL
);
