-- Tenancy, API credentials, and the setup data every dialect validates against.

-- Instance-wide values shared by every liaison on this database (the token
-- signing key when none is configured).
CREATE TABLE settings (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- OAuth 2.0 clients; the secret is kept only as an Argon2id hash.
CREATE TABLE api_clients (
    client_id    TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    active       BIGINT NOT NULL CHECK (active IN (0, 1)),
    created_at   TEXT NOT NULL
);

-- Relationship-users API keys (`Authorization: Token token=...`), as SHA-256.
CREATE TABLE api_keys (
    key_id      TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    key_hash    TEXT NOT NULL UNIQUE,
    active      BIGINT NOT NULL CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL
);

-- Per-tenant sequences (user ids, relationship numbers, ...).
CREATE TABLE counters (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    value      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE users (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    entity_id    TEXT NOT NULL,
    id           BIGINT NOT NULL,
    username     TEXT NOT NULL,
    first_name   TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    email        TEXT NOT NULL,
    active       BIGINT NOT NULL CHECK (active IN (0, 1)),
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_id),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, username)
);

CREATE TABLE suppliers (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    entity_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    active       BIGINT NOT NULL CHECK (active IN (0, 1)),
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_id)
);

CREATE TABLE supplier_addresses (
    tenant_id    TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    supplier_id  TEXT NOT NULL,
    line1        TEXT NOT NULL,
    line2        TEXT,
    city         TEXT NOT NULL,
    postal_code  TEXT,
    country      TEXT NOT NULL,
    active       BIGINT NOT NULL CHECK (active IN (0, 1)),
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_id),
    FOREIGN KEY (tenant_id, supplier_id) REFERENCES suppliers (tenant_id, entity_id)
);

CREATE TABLE classifications (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    entity_id    TEXT NOT NULL,
    value        TEXT NOT NULL,
    active       BIGINT NOT NULL CHECK (active IN (0, 1)),
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_id),
    UNIQUE (tenant_id, value)
);

CREATE TABLE categories (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    entity_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    active       BIGINT NOT NULL CHECK (active IN (0, 1)),
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE sub_categories (
    tenant_id    TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    category_id  TEXT NOT NULL,
    name         TEXT NOT NULL,
    active       BIGINT NOT NULL CHECK (active IN (0, 1)),
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_id),
    UNIQUE (tenant_id, category_id, name),
    FOREIGN KEY (tenant_id, category_id) REFERENCES categories (tenant_id, entity_id)
);

CREATE TABLE extension_fields (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    entity_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    max_length   BIGINT NOT NULL,
    required     BIGINT NOT NULL CHECK (required IN (0, 1)),
    active       BIGINT NOT NULL CHECK (active IN (0, 1)),
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_id),
    UNIQUE (tenant_id, name)
);

CREATE INDEX users_by_created_at ON users (tenant_id, created_at, entity_id);
CREATE INDEX suppliers_by_created_at ON suppliers (tenant_id, created_at, entity_id);
CREATE INDEX supplier_addresses_by_supplier ON supplier_addresses (tenant_id, supplier_id, created_at);
CREATE INDEX classifications_by_created_at ON classifications (tenant_id, created_at, entity_id);
CREATE INDEX categories_by_created_at ON categories (tenant_id, created_at, entity_id);
CREATE INDEX sub_categories_by_category ON sub_categories (tenant_id, category_id, created_at);
CREATE INDEX extension_fields_by_created_at ON extension_fields (tenant_id, created_at, entity_id);
