-- The change history: one record per create, update and delete of a
-- resource, written in the write's own transaction (src/store/changes.rs).
-- seq: taken by the last statement before COMMIT: on PostgreSQL from the
-- tenant's counter 'changes', locked until the COMMIT; on SQLite (one
-- writer) one past the tenant's newest record. Numbers become visible in order.
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

-- One resource's history, or an id's in any kind: read by the index in seq
-- order, whatever the size of the rest of the history.
CREATE INDEX changes_by_resource_id ON changes (tenant_id, resource_id, seq);
CREATE INDEX changes_by_age ON changes (at);
