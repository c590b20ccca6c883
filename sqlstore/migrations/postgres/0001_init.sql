-- See the SQLite migration for the layout. Text columns use COLLATE "C" so
-- that ordering is by code point (as Go compares strings) and prefix ranges
-- (sw) can use the btree indexes.
CREATE TABLE users (
	seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	company           TEXT COLLATE "C" NOT NULL,
	id                TEXT COLLATE "C" NOT NULL,
	user_name_f       TEXT COLLATE "C" NOT NULL,
	external_id       TEXT COLLATE "C",
	display_name_f    TEXT COLLATE "C" NOT NULL,
	given_name_f      TEXT COLLATE "C" NOT NULL,
	family_name_f     TEXT COLLATE "C" NOT NULL,
	formatted_f       TEXT COLLATE "C" NOT NULL,
	title_f           TEXT COLLATE "C" NOT NULL,
	employee_number_f TEXT COLLATE "C" NOT NULL,
	department_f      TEXT COLLATE "C" NOT NULL,
	manager_id        TEXT COLLATE "C" NOT NULL,
	nick_name_f TEXT COLLATE "C" NOT NULL,
	user_type_f TEXT COLLATE "C" NOT NULL,
	preferred_language_f TEXT COLLATE "C" NOT NULL,
	locale_f TEXT COLLATE "C" NOT NULL,
	timezone_f TEXT COLLATE "C" NOT NULL,
	profile_url_f TEXT COLLATE "C" NOT NULL,
	middle_name_f TEXT COLLATE "C" NOT NULL,
	honorific_prefix_f TEXT COLLATE "C" NOT NULL,
	honorific_suffix_f TEXT COLLATE "C" NOT NULL,
	cost_center_f TEXT COLLATE "C" NOT NULL,
	organization_f TEXT COLLATE "C" NOT NULL,
	division_f TEXT COLLATE "C" NOT NULL,
	manager_ref_f TEXT COLLATE "C" NOT NULL,
	manager_name_f TEXT COLLATE "C" NOT NULL,
	resource_type TEXT COLLATE "C" NOT NULL,
	location TEXT COLLATE "C" NOT NULL,
	active            INTEGER NOT NULL,
	created           TEXT COLLATE "C",
	last_modified     TEXT COLLATE "C",
	version           TEXT COLLATE "C" NOT NULL,
	doc               JSONB NOT NULL
);
CREATE UNIQUE INDEX users_id_uq ON users (company, id);
CREATE UNIQUE INDEX users_user_name_uq ON users (company, user_name_f);
CREATE UNIQUE INDEX users_external_id_uq ON users (company, external_id);
CREATE INDEX users_family_name_ix ON users (company, family_name_f, id);
CREATE INDEX users_given_name_ix ON users (company, given_name_f, id);
CREATE INDEX users_display_name_ix ON users (company, display_name_f, id);
CREATE INDEX users_employee_number_ix ON users (company, employee_number_f, id);
CREATE INDEX users_manager_ix ON users (company, manager_id, id);
CREATE INDEX users_created_ix ON users (company, created, id);
CREATE INDEX users_last_modified_ix ON users (company, last_modified, id);

CREATE TABLE user_values (
	company    TEXT COLLATE "C" NOT NULL,
	user_id    TEXT COLLATE "C" NOT NULL,
	attr       TEXT COLLATE "C" NOT NULL,
	idx        INTEGER NOT NULL,
	value      TEXT COLLATE "C" NOT NULL,
	value_f    TEXT COLLATE "C" NOT NULL,
	display_f  TEXT COLLATE "C" NOT NULL,
	type_f     TEXT COLLATE "C" NOT NULL,
	is_primary INTEGER NOT NULL,
	PRIMARY KEY (company, user_id, attr, idx)
);
CREATE INDEX user_values_value_ix ON user_values (company, attr, value_f);
CREATE INDEX user_values_exact_ix ON user_values (company, attr, value);

CREATE TABLE user_custom (
	company TEXT COLLATE "C" NOT NULL,
	user_id TEXT COLLATE "C" NOT NULL,
	name    TEXT COLLATE "C" NOT NULL,
	value   TEXT COLLATE "C" NOT NULL,
	value_f TEXT COLLATE "C" NOT NULL,
	num     DOUBLE PRECISION,
	PRIMARY KEY (company, user_id, name)
);
CREATE INDEX user_custom_value_ix ON user_custom (company, name, value_f);
CREATE INDEX user_custom_exact_ix ON user_custom (company, name, value);
CREATE INDEX user_custom_num_ix ON user_custom (company, name, num);

CREATE TABLE user_activations (
	company TEXT COLLATE "C" NOT NULL,
	user_id TEXT COLLATE "C" NOT NULL,
	n       INTEGER NOT NULL,
	at      TEXT COLLATE "C" NOT NULL,
	active  INTEGER NOT NULL,
	PRIMARY KEY (company, user_id, n)
);
CREATE INDEX user_activations_at_ix ON user_activations (company, at);

CREATE TABLE companies (
	id         TEXT COLLATE "C" PRIMARY KEY,
	name       TEXT NOT NULL,
	attributes JSONB NOT NULL,
	created    TEXT COLLATE "C" NOT NULL
);

CREATE TABLE tokens (
	id      TEXT COLLATE "C" PRIMARY KEY,
	company TEXT COLLATE "C" NOT NULL,
	hash    BYTEA NOT NULL UNIQUE,
	label   TEXT NOT NULL,
	created TEXT COLLATE "C" NOT NULL
);
CREATE INDEX tokens_company_ix ON tokens (company, created, id);
