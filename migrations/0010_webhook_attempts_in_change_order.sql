-- The delivery log, keyed in the order it is written: a subscription's
-- attempts by the change they deliver (`seq`, which grows), so each new
-- attempt goes at the end of its subscription's keys. The key by delivery id
-- (a hash) put every attempt on a page of its own, which the writer then
-- wrote out again at each commit. A delivery id names its change
-- (`store::webhooks::delivery_id`), so nothing needs it as a key.
CREATE TABLE webhook_attempts_by_change (
    tenant_id    TEXT NOT NULL,
    webhook_id   TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    attempt      BIGINT NOT NULL,
    delivery_id  TEXT NOT NULL,
    at           TEXT NOT NULL,
    status       BIGINT,
    duration_ms  BIGINT NOT NULL,
    error        TEXT,
    outcome      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, webhook_id, seq, attempt)
);
INSERT INTO webhook_attempts_by_change
    (tenant_id, webhook_id, seq, attempt, delivery_id, at, status, duration_ms, error, outcome)
    SELECT tenant_id, webhook_id, seq, attempt, delivery_id, at, status, duration_ms, error, outcome
    FROM webhook_attempts;
DROP TABLE webhook_attempts;
ALTER TABLE webhook_attempts_by_change RENAME TO webhook_attempts;
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (tenant_id, webhook_id, at);
