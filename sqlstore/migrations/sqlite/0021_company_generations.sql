-- What the instances' caches of tokens and companies check
-- (scim.CompanyChangeStore): one generation for the database, bumped last
-- in the transaction of every change of a company or of its tokens (one
-- writer: generations commit in order); and each company's last
-- generation, kept after the company is erased. A process reads the
-- companies changed since its last check, once per TTL for all of them.
CREATE TABLE cache_generation (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	generation INTEGER NOT NULL
);
-- 1, not 0: a reader that knows generation 0 knows nothing yet and drops
-- all it caches at each check.
INSERT INTO cache_generation (id, generation) VALUES (1, 1);
CREATE TABLE company_generations (
	company    TEXT PRIMARY KEY,
	generation INTEGER NOT NULL
);
CREATE INDEX company_generations_generation_ix ON company_generations (generation);
