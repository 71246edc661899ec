-- Webhook subscriptions and their deliveries (src/webhooks/, src/store/webhooks.rs).
-- The change history (0008) is the outbox: every write's change record is
-- written in its own transaction, and a subscription is served from it in
-- `seq` order, which is commit order; `queued_through` is how far.

-- A subscription: the setup bookkeeping columns, what it asks for, its
-- signing secret (sealed: never stored in plain text), and the dispatcher's
-- state (never part of the resource or of its history).
CREATE TABLE webhooks (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    entity_id       TEXT NOT NULL,
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,
    description     TEXT,
    active          BIGINT NOT NULL CHECK (active IN (0, 1)),
    secret          TEXT NOT NULL,
    queued_through  BIGINT NOT NULL,
    leased_until    TEXT,
    failing_since   TEXT,
    version         BIGINT NOT NULL,
    created_at      TEXT NOT NULL,
    modified_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_id)
);

-- One change's delivery to one subscription, written when it must be
-- scheduled: its first attempt failed, or it is redelivered (one delivered at
-- its first attempt has its attempt only).
-- Its id (derived from the subscription and `seq`, so unique per pair) is the
-- `webhook-id` every attempt sends; its body is the change record (`seq`), kept
-- as long, so every attempt sends the same bytes.
-- state: pending (due again at next_attempt_at), delivered, failed.
CREATE TABLE webhook_deliveries (
    tenant_id        TEXT NOT NULL,
    id               TEXT NOT NULL,
    webhook_id       TEXT NOT NULL,
    seq              BIGINT NOT NULL,
    change_at        TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    next_attempt_at  TEXT,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (tenant_id, webhook_id, next_attempt_at);

-- Every attempt of a delivery: the log a subscriber reads.
CREATE TABLE webhook_attempts (
    tenant_id    TEXT NOT NULL,
    delivery_id  TEXT NOT NULL,
    attempt      BIGINT NOT NULL,
    webhook_id   TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    at           TEXT NOT NULL,
    status       BIGINT,
    duration_ms  BIGINT NOT NULL,
    error        TEXT,
    outcome      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, delivery_id, attempt)
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (tenant_id, webhook_id, at);
-- No index by age: pruning deletes the oldest, which a scan in insertion
-- order meets first, and each write of an attempt maintains one index less.
