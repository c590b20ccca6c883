-- Users: typed, indexed columns for what filters and sorts read, and the
-- whole resource as JSON in doc. *_f columns hold case-folded values
-- (Go's rune-wise folding, computed by the store) so that case-insensitive
-- comparisons are plain binary comparisons that can use an index.
CREATE TABLE users (
	seq               INTEGER PRIMARY KEY,
	company           TEXT NOT NULL,
	id                TEXT NOT NULL,
	user_name_f       TEXT NOT NULL,
	external_id       TEXT,
	display_name_f    TEXT NOT NULL,
	given_name_f      TEXT NOT NULL,
	family_name_f     TEXT NOT NULL,
	formatted_f       TEXT NOT NULL,
	title_f           TEXT NOT NULL,
	employee_number_f TEXT NOT NULL,
	department_f      TEXT NOT NULL,
	manager_id        TEXT NOT NULL,
	nick_name_f TEXT NOT NULL,
	user_type_f TEXT NOT NULL,
	preferred_language_f TEXT NOT NULL,
	locale_f TEXT NOT NULL,
	timezone_f TEXT NOT NULL,
	profile_url_f TEXT NOT NULL,
	middle_name_f TEXT NOT NULL,
	honorific_prefix_f TEXT NOT NULL,
	honorific_suffix_f TEXT NOT NULL,
	cost_center_f TEXT NOT NULL,
	organization_f TEXT NOT NULL,
	division_f TEXT NOT NULL,
	manager_ref_f TEXT NOT NULL,
	manager_name_f TEXT NOT NULL,
	resource_type TEXT NOT NULL,
	location TEXT NOT NULL,
	active            INTEGER NOT NULL,
	created           TEXT,
	last_modified     TEXT,
	version           TEXT NOT NULL,
	doc               TEXT NOT NULL
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

-- Elements of the multi-valued attributes shaped like emails (emails,
-- phoneNumbers, ims, photos, entitlements, roles, x509Certificates).
CREATE TABLE user_values (
	company   TEXT NOT NULL,
	user_id   TEXT NOT NULL,
	attr      TEXT NOT NULL,
	idx       INTEGER NOT NULL,
	value     TEXT NOT NULL,
	value_f   TEXT NOT NULL,
	display_f TEXT NOT NULL,
	type_f    TEXT NOT NULL,
	is_primary INTEGER NOT NULL,
	PRIMARY KEY (company, user_id, attr, idx)
);
CREATE INDEX user_values_value_ix ON user_values (company, attr, value_f);
CREATE INDEX user_values_exact_ix ON user_values (company, attr, value);

-- Peakon custom attribute values, canonical strings; num is the value as a
-- number for Number attributes.
CREATE TABLE user_custom (
	company TEXT NOT NULL,
	user_id TEXT NOT NULL,
	name    TEXT NOT NULL,
	value   TEXT NOT NULL,
	value_f TEXT NOT NULL,
	num     REAL,
	PRIMARY KEY (company, user_id, name)
);
CREATE INDEX user_custom_value_ix ON user_custom (company, name, value_f);
CREATE INDEX user_custom_exact_ix ON user_custom (company, name, value);
CREATE INDEX user_custom_num_ix ON user_custom (company, name, num);

CREATE TABLE user_activations (
	company TEXT NOT NULL,
	user_id TEXT NOT NULL,
	n       INTEGER NOT NULL,
	at      TEXT NOT NULL,
	active  INTEGER NOT NULL,
	PRIMARY KEY (company, user_id, n)
);
CREATE INDEX user_activations_at_ix ON user_activations (company, at);

CREATE TABLE companies (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	attributes TEXT NOT NULL,
	created    TEXT NOT NULL
);

CREATE TABLE tokens (
	id      TEXT PRIMARY KEY,
	company TEXT NOT NULL,
	hash    BLOB NOT NULL UNIQUE,
	label   TEXT NOT NULL,
	created TEXT NOT NULL
);
CREATE INDEX tokens_company_ix ON tokens (company, created, id);
