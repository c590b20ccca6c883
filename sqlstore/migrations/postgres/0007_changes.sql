-- A change counter per company, bumped in the same transaction as every
-- write of the company's users. Caches of list totals and page positions
-- validate against it, in every instance; and since the bump locks the
-- company's row until commit, numbers are handed out in commit order, so
-- the change feed below can be read from a cursor without missing a
-- change that committed late. The row outlives a deleted company, so that
-- a number never comes back.
CREATE TABLE company_versions (
	company TEXT COLLATE "C" PRIMARY KEY,
	version BIGINT NOT NULL
);
-- The change feed (scim.ChangeFeed): one row per write of a user, numbered
-- by the company's counter.
CREATE TABLE user_changes (
	company TEXT COLLATE "C" NOT NULL,
	seq     BIGINT NOT NULL,
	kind    TEXT COLLATE "C" NOT NULL,
	user_id TEXT COLLATE "C" NOT NULL,
	at      TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (company, seq)
);
