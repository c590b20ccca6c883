-- A change counter per company, bumped in the same transaction as every
-- write of the company's users, and the change feed it numbers
-- (scim.ChangeFeed). See the PostgreSQL migration.
CREATE TABLE company_versions (
	company TEXT PRIMARY KEY,
	version INTEGER NOT NULL
);
CREATE TABLE user_changes (
	company TEXT NOT NULL,
	seq     INTEGER NOT NULL,
	kind    TEXT NOT NULL,
	user_id TEXT NOT NULL,
	at      TEXT NOT NULL,
	PRIMARY KEY (company, seq)
) WITHOUT ROWID;
