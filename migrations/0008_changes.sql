-- The change history: one record per create, update and delete of a
-- resource, written in the write's own transaction (src/store/changes.rs).
-- seq: the tenant's counter 'changes', taken by the last statement before
-- COMMIT and locked until it, so numbers become visible in order.
-- fields: JSON, {"name": {"before": ..., "after": ...}, ...}.
CREATE TABLE changes (
    tenant_id      TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    resource       TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    version        BIGINT NOT NULL,
    operation      TEXT NOT NULL,
    actor          TEXT NOT NULL,
    at             TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    fields         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

CREATE INDEX changes_by_resource ON changes (tenant_id, resource, resource_id, seq);
CREATE INDEX changes_by_age ON changes (at);
