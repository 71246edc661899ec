-- Related users (Segura): alias names bound to existing users.
CREATE TABLE related_users (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    id           BIGINT NOT NULL,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    active       BIGINT NOT NULL CHECK (active IN (0, 1)),
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    modified_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, entity_id)
);

CREATE INDEX related_users_by_user ON related_users (tenant_id, user_id);
