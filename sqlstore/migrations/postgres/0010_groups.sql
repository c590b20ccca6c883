-- See the SQLite migration. Text columns use COLLATE "C" so that members
-- come in byte order, as Go compares them, straight from the primary key.
CREATE TABLE scim_groups (
    company       TEXT COLLATE "C" NOT NULL,
    id            TEXT COLLATE "C" NOT NULL,
    external_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
    display_name  TEXT COLLATE "C" NOT NULL,
    display_f     TEXT COLLATE "C" NOT NULL,
    created       TEXT COLLATE "C" NOT NULL,
    last_modified TEXT COLLATE "C" NOT NULL,
    version       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (company, id)
);
CREATE INDEX scim_groups_display ON scim_groups (company, display_f);
CREATE INDEX scim_groups_external_id ON scim_groups (company, external_id);
CREATE TABLE group_members (
    company  TEXT COLLATE "C" NOT NULL,
    group_id TEXT COLLATE "C" NOT NULL,
    value    TEXT COLLATE "C" NOT NULL,
    type     TEXT COLLATE "C" NOT NULL,
    display  TEXT COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (company, group_id, value)
);
CREATE INDEX group_members_value ON group_members (company, value);
