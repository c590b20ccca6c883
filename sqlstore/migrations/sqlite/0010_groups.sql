-- Groups (issue 16): a row per group, a row per membership, so that adding
-- or removing one member touches one row whatever the group's size.
CREATE TABLE scim_groups (
    company       TEXT NOT NULL,
    id            TEXT NOT NULL,
    external_id   TEXT NOT NULL DEFAULT '',
    display_name  TEXT NOT NULL,
    display_f     TEXT NOT NULL,
    created       TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    version       TEXT NOT NULL,
    PRIMARY KEY (company, id)
);
CREATE INDEX scim_groups_display ON scim_groups (company, display_f);
CREATE INDEX scim_groups_external_id ON scim_groups (company, external_id);
CREATE TABLE group_members (
    company  TEXT NOT NULL,
    group_id TEXT NOT NULL,
    value    TEXT NOT NULL,
    type     TEXT NOT NULL,
    display  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (company, group_id, value)
);
CREATE INDEX group_members_value ON group_members (company, value);
