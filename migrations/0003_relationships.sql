-- Risk relationships: a tenant's relationships with third parties.

CREATE TABLE relationships (
    tenant_id             TEXT NOT NULL REFERENCES tenants (id),
    entity_id             TEXT NOT NULL,
    relationship_number   TEXT NOT NULL,
    name                  TEXT NOT NULL,
    start_effective_date  TEXT NOT NULL,
    supplier_id           TEXT,
    classification        TEXT NOT NULL,
    category              TEXT NOT NULL,
    sub_category          TEXT,
    parent_id             TEXT,
    internal_manager_id   TEXT NOT NULL,
    external_manager_id   TEXT NOT NULL,
    internal_access       TEXT NOT NULL,
    external_access       TEXT NOT NULL,
    status                TEXT NOT NULL,
    version               BIGINT NOT NULL,
    created_at            TEXT NOT NULL,
    modified_at           TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_id),
    UNIQUE (tenant_id, relationship_number)
);

CREATE INDEX relationships_by_created_at ON relationships (tenant_id, created_at, entity_id);
CREATE INDEX relationships_by_modified_at ON relationships (tenant_id, modified_at, entity_id);
CREATE INDEX relationships_by_parent ON relationships (tenant_id, parent_id);

-- The organizations of a relationship, in the order given.
CREATE TABLE relationship_organizations (
    tenant_id        TEXT NOT NULL,
    relationship_id  TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    position         BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, relationship_id, organization_id),
    FOREIGN KEY (tenant_id, relationship_id) REFERENCES relationships (tenant_id, entity_id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, entity_id)
);

-- Third-party locations: addresses of the relationship's supplier.
CREATE TABLE relationship_locations (
    tenant_id        TEXT NOT NULL,
    relationship_id  TEXT NOT NULL,
    address_id       TEXT NOT NULL,
    position         BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, relationship_id, address_id),
    FOREIGN KEY (tenant_id, relationship_id) REFERENCES relationships (tenant_id, entity_id),
    FOREIGN KEY (tenant_id, address_id) REFERENCES supplier_addresses (tenant_id, entity_id)
);

-- Values of user-defined extension fields.
CREATE TABLE relationship_extension_values (
    tenant_id        TEXT NOT NULL,
    relationship_id  TEXT NOT NULL,
    name             TEXT NOT NULL,
    value            TEXT NOT NULL,
    PRIMARY KEY (tenant_id, relationship_id, name),
    FOREIGN KEY (tenant_id, relationship_id) REFERENCES relationships (tenant_id, entity_id)
);
