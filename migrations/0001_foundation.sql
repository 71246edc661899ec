-- Portable SQL: the same file runs on SQLite and PostgreSQL.
-- UUIDs are stored as canonical lower-case text, timestamps as RFC 3339 UTC
-- text of fixed width (so text order is time order), flags as BIGINT 0/1 (sqlx's Any driver
-- cannot read SQLite's BOOLEAN).

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE organizations (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    entity_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    active       BIGINT NOT NULL CHECK (active IN (0, 1)),
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_id)
);

CREATE INDEX organizations_by_created_at ON organizations (tenant_id, created_at, entity_id);
