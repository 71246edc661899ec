-- Relationship users: users on a relationship's team, written through form configurations.

CREATE TABLE relationship_user_types (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    entity_id    TEXT NOT NULL,
    id           BIGINT NOT NULL,
    name         TEXT NOT NULL,
    active       BIGINT NOT NULL CHECK (active IN (0, 1)),
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_id),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE form_configurations (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    entity_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    resource        TEXT NOT NULL,
    resource_owner  TEXT NOT NULL,
    -- The writable fields and their validations, as JSON.
    fields          TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    version         BIGINT NOT NULL,
    created_at      TEXT NOT NULL,
    modified_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE relationship_users (
    tenant_id        TEXT NOT NULL,
    id               BIGINT NOT NULL,
    relationship_id  TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    type_id          BIGINT NOT NULL,
    -- Free properties as a JSON object of strings.
    properties       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    -- The resource_owner of the configuration the row was created through:
    -- `creator` rows stay the creator's whatever configuration later names.
    owner_policy     TEXT NOT NULL CHECK (owner_policy IN ('anyone', 'creator')),
    version          BIGINT NOT NULL,
    created_at       TEXT NOT NULL,
    modified_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, relationship_id, user_id, type_id),
    FOREIGN KEY (tenant_id, relationship_id) REFERENCES relationships (tenant_id, entity_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, entity_id),
    FOREIGN KEY (tenant_id, type_id) REFERENCES relationship_user_types (tenant_id, id)
);

CREATE INDEX relationship_users_by_relationship ON relationship_users (tenant_id, relationship_id, id);
