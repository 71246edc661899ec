-- Idempotency keys: a POST sent with `Idempotency-Key` is done once per
-- (tenant, caller, key); its answer is kept to be given again (24 hours).
-- state: 'started' (claimed, nothing written yet), 'written' (its write
-- committed, in the write's own transaction), 'answered' (answer kept).
CREATE TABLE idempotency_keys (
    tenant_id     TEXT NOT NULL,
    caller        TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    state         TEXT NOT NULL,
    status        BIGINT,
    headers       TEXT,
    body          TEXT,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, caller, idem_key)
);

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
