//! Webhook subscriptions, their deliveries and the attempts' log
//! (`migrations/0009_webhooks.sql`). A subscription is a setup [`Record`]
//! (its secret and the dispatcher's state hidden from the history); the
//! rest is the dispatcher's: claim what is due (from the change history,
//! and the deliveries to try again), settle what was sent (see
//! `crate::webhooks`).

use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use sqlx::Row as _;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::domain::webhook::{Events, Webhook};
use crate::domain::{Page, TenantId};
use crate::store::changes::{COLUMNS, ChangeRecord, record_from_row};
use crate::store::setup::flag;
use crate::store::setup::records::{Col, Record, Stored, select_list, stored_from_row};
use crate::store::{Engine, Removable, Store, WriteError, WriteTx, bind_all, from_db_time, from_db_uuid, to_db_time};
use crate::wire::Timestamp;

impl Record for Webhook {
    const TABLE: &'static str = "webhooks";
    const NAME: &'static str = "Webhook";
    const COLUMNS: &'static [&'static str] = &["url", "events", "description", "active", "queued_through"];
    const FIXED_COLUMNS: &'static [&'static str] = &["secret"];
    const HIDDEN: &'static [&'static str] = &["secret", "queued_through"];

    fn columns(&self) -> Vec<Col> {
        vec![
            Col::Text(self.url.clone()),
            Col::Text(self.events.stored()),
            Col::OptText(self.description.clone()),
            Col::Flag(self.active),
            Col::Int(self.queued_through),
        ]
    }

    fn fixed_columns(&self) -> Vec<Col> {
        vec![Col::Text(self.secret.clone())]
    }

    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            url: row.try_get("url")?,
            events: Events::from_stored(&row.try_get::<String, _>("events")?),
            description: row.try_get("description")?,
            active: flag(row, "active")?,
            secret: row.try_get("secret")?,
            queued_through: row.try_get("queued_through")?,
        })
    }
}

impl Removable for Stored<Webhook> {
    /// Deletes the subscription with its deliveries and their log.
    async fn remove(&self, tx: &mut WriteTx) -> Result<(), WriteError> {
        let (tenant, id) = (tx.tenant().to_string(), self.entity_id.to_string());
        for sql in [
            "DELETE FROM webhook_attempts WHERE tenant_id = $1 AND webhook_id = $2",
            "DELETE FROM webhook_deliveries WHERE tenant_id = $1 AND webhook_id = $2",
            "DELETE FROM webhooks WHERE tenant_id = $1 AND entity_id = $2",
        ] {
            sqlx::query(sql).bind(&tenant).bind(&id).execute(tx.conn()).await?;
        }
        Ok(())
    }
}

crate::wire! {
    /// Where a delivery stands.
    #[oai(rename = "DeliveryState")]
    pub enum DeliveryState {
        /// Not delivered yet: its next attempt is due at `nextAttemptAt`.
        Pending = "pending",
        /// A receiver answered 2xx.
        Delivered = "delivered",
        /// Every attempt of the retry schedule failed.
        Failed = "failed",
    }
}

crate::wire! {
    /// How one attempt ended.
    #[oai(rename = "DeliveryOutcome")]
    pub enum Outcome {
        /// The receiver answered 2xx.
        Delivered = "delivered",
        /// It failed; another attempt is scheduled.
        Retrying = "retrying",
        /// It failed, and no attempt follows (the schedule is spent, or it
        /// was a redelivery).
        Failed = "failed",
    }
}

crate::wire! {
    /// One attempt to deliver a change to a subscription.
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct DeliveryAttempt {
        /// The delivery: the `webhook-id` header of each of its attempts.
        pub delivery_id: Uuid,
        /// The change delivered (its `seq` in the change history).
        pub seq: i64,
        /// 1 for the first attempt of the delivery, 2 for the next, …
        pub attempt: i64,
        pub at: Timestamp,
        /// The receiver's HTTP status (none when it gave no answer).
        #[skip_none]
        pub status: Option<i64>,
        pub duration_ms: i64,
        /// What went wrong (none when delivered).
        #[skip_none]
        pub error: Option<String>,
        pub outcome: Outcome,
    }
}

crate::wire! {
    /// One change to deliver to one subscription, and where it stands.
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct Delivery {
        /// The `webhook-id` header of each of its attempts.
        pub delivery_id: Uuid,
        pub seq: i64,
        pub state: DeliveryState,
        /// Attempts made so far.
        pub attempts: i64,
        /// When the next attempt is due (none when none is scheduled).
        #[skip_none]
        pub next_attempt_at: Option<Timestamp>,
    }
}

/// A delivery the dispatcher claimed, to send now.
#[derive(Debug, Clone)]
pub struct Due {
    /// The delivery's id (its `webhook-id`), one per webhook and change.
    pub id: Uuid,
    pub seq: i64,
    pub change_at: DateTime<Utc>,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: i64,
    pub state: DeliveryState,
    /// Whether the delivery has its row yet (its first attempt has none).
    pub stored: bool,
}

/// What the dispatcher claimed of one subscription.
#[derive(Debug, Clone)]
pub struct Claim {
    pub webhook: Stored<Webhook>,
    /// Deliveries due again, then first attempts, each in change order.
    pub due: Vec<Due>,
    /// The last change `seq` this claim read of the history: once the
    /// claim is settled, the subscription has been served up to it.
    pub through: i64,
}

/// What a claim reads, on a connection of either kind.
struct ClaimRead {
    tenant: String,
    id: Uuid,
    now: String,
    batch: i64,
}

impl ClaimRead {
    /// The subscription (`None` when it is gone) and what is due of it.
    async fn run(&self, conn: &mut sqlx::AnyConnection) -> Result<Option<Claim>, sqlx::Error> {
        let sql = format!(
            "SELECT {} FROM webhooks WHERE tenant_id = $1 AND entity_id = $2",
            select_list::<Webhook>()
        );
        let id_text = self.id.to_string();
        let row = sqlx::query(&sql)
            .bind(&self.tenant)
            .bind(&id_text)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(webhook) = row.as_ref().map(stored_from_row::<Webhook>).transpose()? else {
            return Ok(None);
        };
        let active = webhook.data.active;
        let mut due = Vec::new();
        if active {
            let rows = sqlx::query(
                "SELECT d.id AS delivery, d.state, d.attempts, c.* FROM webhook_deliveries d JOIN changes c ON c.tenant_id = d.tenant_id AND c.seq = d.seq \
                 WHERE d.tenant_id = $1 AND d.webhook_id = $2 AND d.next_attempt_at <= $3 ORDER BY d.seq LIMIT $4",
            )
            .bind(&self.tenant)
            .bind(&id_text)
            .bind(&self.now)
            .bind(self.batch)
            .fetch_all(&mut *conn)
            .await?;
            for row in &rows {
                let change = record_from_row(row)?;
                due.push(Due {
                    id: from_db_uuid(&row.try_get::<String, _>("delivery")?)?,
                    seq: change.seq,
                    change_at: change.at.0,
                    body: serde_json::to_string(&change).map_err(|e| sqlx::Error::Encode(e.into()))?,
                    attempts: row.try_get("attempts")?,
                    state: state_of(&row.try_get::<String, _>("state")?)?,
                    stored: true,
                });
            }
        }
        let changes: Vec<ChangeRecord> = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM changes WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        ))
        .bind(&self.tenant)
        .bind(webhook.data.queued_through)
        .bind(self.batch)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(record_from_row)
        .collect::<Result<_, _>>()?;
        let mut through = webhook.data.queued_through;
        for change in &changes {
            if active && webhook.data.events.matches(&change.resource, change.operation.as_str()) {
                if due.len() >= usize::try_from(self.batch).unwrap_or(usize::MAX) {
                    break;
                }
                due.push(Due {
                    id: delivery_id(self.id, change.seq),
                    seq: change.seq,
                    change_at: change.at.0,
                    body: serde_json::to_string(change).map_err(|e| sqlx::Error::Encode(e.into()))?,
                    attempts: 0,
                    state: DeliveryState::Pending,
                    stored: false,
                });
            }
            through = change.seq;
        }
        Ok(Some(Claim { webhook, due, through }))
    }
}

/// How an attempt ended, for the store to write.
#[derive(Debug, Clone)]
pub struct Settled {
    pub due: Due,
    pub attempt: DeliveryAttempt,
    pub state: DeliveryState,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Webhook delivery attempts this process made, by [`Outcome`] (in declared order).
#[derive(Debug, Default)]
pub(crate) struct Attempts([std::sync::atomic::AtomicU64; Outcome::ALL.len()]);

/// The id of the delivery of change `seq` to subscription `webhook` (the
/// `webhook-id` of each of its attempts): a version 8 UUID whose first half
/// is the subscription's (a hash of its id) and whose second is `seq`. So it
/// is the same whenever it is worked out (a first attempt sent again after a
/// crash carries the same id), a subscription's ids sort in change order,
/// and an id names its change without a lookup ([`delivery_seq`]).
pub fn delivery_id(webhook: Uuid, seq: i64) -> Uuid {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&Uuid::new_v5(&webhook, b"deliveries").as_bytes()[..8]);
    bytes[8..].copy_from_slice(&seq.to_be_bytes());
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// The change that `delivery`, an id of subscription `webhook`'s
/// deliveries, delivers; `None` when it is no id of that subscription.
pub fn delivery_seq(webhook: Uuid, delivery: Uuid) -> Option<i64> {
    let half: [u8; 8] = delivery.as_bytes()[8..].try_into().ok()?;
    // The two bits of the UUID's variant take the place of seq's highest two.
    let seq = i64::from_be_bytes(half) & (i64::MAX >> 1);
    (delivery_id(webhook, seq) == delivery).then_some(seq)
}

/// What pruning deletes of the webhooks' tables: the attempts and
/// deliveries made before `$1` (their changes go too, and the longest retry
/// schedule is far shorter), `$2` rows a statement.
pub(super) const PRUNE: [&str; 2] = [
    "DELETE FROM webhook_attempts WHERE (tenant_id, webhook_id, seq, attempt) IN \
     (SELECT tenant_id, webhook_id, seq, attempt FROM webhook_attempts WHERE at < $1 LIMIT $2)",
    "DELETE FROM webhook_deliveries WHERE (tenant_id, id) IN \
     (SELECT tenant_id, id FROM webhook_deliveries WHERE created_at < $1 LIMIT $2)",
];

const DELIVERY_COLUMNS: &str = "id, seq, state, attempts, next_attempt_at";

fn state_of(text: &str) -> Result<DeliveryState, sqlx::Error> {
    DeliveryState::named(text).ok_or_else(|| sqlx::Error::Decode(format!("unexpected delivery state {text:?}").into()))
}

fn delivery_from_row(row: &AnyRow) -> Result<Delivery, sqlx::Error> {
    let next: Option<String> = row.try_get("next_attempt_at")?;
    Ok(Delivery {
        delivery_id: from_db_uuid(&row.try_get::<String, _>("id")?)?,
        seq: row.try_get("seq")?,
        state: state_of(&row.try_get::<String, _>("state")?)?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: next.map(|t| from_db_time(&t)).transpose()?.map(Timestamp),
    })
}

impl Store {
    /// Releases every subscription's claim: for an SQLite database, which
    /// one process serves, when that process starts (a claim left by one
    /// that died need not wait for its lease).
    pub async fn webhooks_release_all(&self) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write(TenantId(Uuid::nil())).await?;
        sqlx::query("UPDATE webhooks SET leased_until = NULL WHERE leased_until IS NOT NULL")
            .execute(tx.conn())
            .await?;
        tx.commit().await
    }

    /// Counts the attempts `settled` made, by outcome (for the metrics).
    pub fn count_attempts(&self, settled: &[Settled]) {
        for s in settled {
            let i = Outcome::ALL.iter().position(|o| *o == s.attempt.outcome).unwrap_or(0);
            self.attempts.0[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The attempts this process made, by outcome.
    pub fn attempts_counted(&self) -> Vec<(Outcome, u64)> {
        Outcome::ALL
            .iter()
            .zip(&self.attempts.0)
            .map(|(o, n)| (*o, n.load(Ordering::Relaxed)))
            .collect()
    }

    /// The active subscriptions the dispatcher has work for at `now`:
    /// changes not yet served, or deliveries due, and no other sender
    /// holding them. (An inactive one is left alone: made active again, it
    /// starts from the newest change then.)
    pub async fn webhooks_due(&self, now: DateTime<Utc>) -> Result<Vec<(TenantId, Uuid)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT w.tenant_id, w.entity_id FROM webhooks w \
             WHERE w.active = 1 AND (w.leased_until IS NULL OR w.leased_until < $1) AND (\
               EXISTS (SELECT 1 FROM changes c WHERE c.tenant_id = w.tenant_id AND c.seq > w.queued_through) \
               OR EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.tenant_id = w.tenant_id \
                   AND d.webhook_id = w.entity_id AND d.next_attempt_at <= $1))",
        )
        .bind(to_db_time(now))
        .fetch_all(&mut *self.reader().await?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    TenantId(from_db_uuid(&row.try_get::<String, _>(0)?)?),
                    from_db_uuid(&row.try_get::<String, _>(1)?)?,
                ))
            })
            .collect()
    }

    /// Claims the subscription `id` until `lease` for this sender: up to
    /// `batch` deliveries due again, then the first attempts of the changes
    /// after `queued_through` that it asks for (an inactive one: none, and
    /// it skips the changes). Until the claim is settled, no other sender
    /// claims it: on PostgreSQL, it is leased (what a sender that died did
    /// not settle is claimed again after the lease, with the same delivery
    /// ids); on SQLite, which one process serves, its one dispatcher claims
    /// each subscription once at a time, so the claim only reads (and takes
    /// no turn of the writer). `None` when another sender holds it (or it is gone).
    pub async fn webhook_claim(
        &self,
        tenant: TenantId,
        id: Uuid,
        now: DateTime<Utc>,
        batch: i64,
        lease: DateTime<Utc>,
    ) -> Result<Option<Claim>, sqlx::Error> {
        let read = ClaimRead {
            tenant: tenant.to_string(),
            id,
            now: to_db_time(now),
            batch,
        };
        if self.engine() == Engine::Postgres {
            // The lease, taken by one statement: of two senders, the second
            // finds it taken (PostgreSQL evaluates the condition again on
            // the row the first updated) and claims nothing.
            let mut tx = self.begin_write(tenant).await?;
            let leased = sqlx::query(
                "UPDATE webhooks SET leased_until = $4 WHERE tenant_id = $1 AND entity_id = $2 \
                 AND (leased_until IS NULL OR leased_until < $3) RETURNING entity_id",
            )
            .bind(&read.tenant)
            .bind(id.to_string())
            .bind(&read.now)
            .bind(to_db_time(lease))
            .fetch_optional(tx.conn())
            .await?;
            tx.commit().await?;
            if leased.is_none() {
                return Ok(None);
            }
        }
        let claim = read.run(&mut *self.reader().await?).await?;
        if let Some(claim) = claim.as_ref().filter(|c| c.due.is_empty()) {
            // Nothing to send: released, and on past the changes it does not ask for.
            self.webhook_settle(tenant, id, &[], claim.through, now).await?;
        }
        Ok(claim)
    }

    /// Writes how the claimed deliveries of subscription `id` went, notes
    /// that it has been served up to `through` and releases it; when it has
    /// failed every delivery since, that time.
    pub async fn webhook_settle(
        &self,
        tenant: TenantId,
        id: Uuid,
        settled: &[Settled],
        through: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        let mut tx = self.begin_write(tenant).await?;
        let (tenant_text, id_text, now_text) = (tenant.to_string(), id.to_string(), to_db_time(now));
        // A delivery's row is its schedule: one delivered at its first
        // attempt needs none (its attempt says all), until redelivered.
        // Rows to write here follow failures, so they are few: a statement each.
        for s in settled {
            if s.due.stored {
                sqlx::query(
                    "UPDATE webhook_deliveries SET attempts = $4, state = $5, next_attempt_at = $6 \
                     WHERE tenant_id = $1 AND webhook_id = $2 AND id = $3",
                )
                .bind(&tenant_text)
                .bind(&id_text)
                .bind(s.due.id.to_string())
                .bind(s.attempt.attempt)
                .bind(s.state.as_str())
                .bind(s.next_attempt_at.map(to_db_time))
                .execute(tx.conn())
                .await?;
            } else if s.state != DeliveryState::Delivered {
                sqlx::query(
                    "INSERT INTO webhook_deliveries (tenant_id, webhook_id, id, attempts, state, next_attempt_at, \
                     seq, change_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&tenant_text)
                .bind(&id_text)
                .bind(s.due.id.to_string())
                .bind(s.attempt.attempt)
                .bind(s.state.as_str())
                .bind(s.next_attempt_at.map(to_db_time))
                .bind(s.due.seq)
                .bind(to_db_time(s.due.change_at))
                .bind(&now_text)
                .execute(tx.conn())
                .await?;
            }
        }
        // The attempts (one per delivery) in one statement of one text,
        // whatever their count: the writer is held for one round trip, not
        // one per attempt.
        if !settled.is_empty() {
            // Each attempt a JSON array (serde writes a tuple as one), in the statement's order.
            let attempts: Vec<_> = settled
                .iter()
                .map(|s| {
                    let a = &s.attempt;
                    (
                        a.delivery_id,
                        a.attempt,
                        a.seq,
                        to_db_time(a.at.0),
                        a.status,
                        a.duration_ms,
                        &a.error,
                        a.outcome,
                    )
                })
                .collect();
            sqlx::query(&format!(
                "INSERT INTO webhook_attempts (tenant_id, webhook_id, delivery_id, attempt, seq, at, status, \
                 duration_ms, error, outcome) SELECT $1, $2, value ->> 0, CAST(value ->> 1 AS BIGINT), \
                 CAST(value ->> 2 AS BIGINT), value ->> 3, CAST(value ->> 4 AS BIGINT), CAST(value ->> 5 AS BIGINT), \
                 value ->> 6, value ->> 7 FROM {}",
                self.engine().json_elements("$3")
            ))
            .bind(&tenant_text)
            .bind(&id_text)
            .bind(serde_json::to_string(&attempts).map_err(|e| sqlx::Error::Encode(e.into()))?)
            .execute(tx.conn())
            .await?;
        }
        // Any delivery ends the failing, as does being inactive; a failure
        // alone starts it (or lets it go on).
        let delivered = settled.iter().any(|s| s.attempt.outcome == Outcome::Delivered);
        let failed = settled.iter().any(|s| s.attempt.outcome != Outcome::Delivered);
        let row = sqlx::query(
            "UPDATE webhooks SET leased_until = NULL, \
             queued_through = CASE WHEN queued_through < $6 THEN $6 ELSE queued_through END, \
             failing_since = CASE WHEN active = 0 OR $4 = 1 THEN NULL WHEN $5 = 1 THEN COALESCE(failing_since, $3) \
             ELSE failing_since END WHERE tenant_id = $1 AND entity_id = $2 RETURNING failing_since",
        )
        .bind(&tenant_text)
        .bind(&id_text)
        .bind(&now_text)
        .bind(i64::from(delivered))
        .bind(i64::from(failed))
        .bind(through)
        .fetch_optional(tx.conn())
        .await?;
        tx.commit().await?;
        let since: Option<String> = match row {
            Some(row) => row.try_get(0)?,
            None => None,
        };
        since.map(|t| from_db_time(&t)).transpose()
    }

    /// The attempts made for subscription `id`, newest first.
    pub async fn webhook_attempts(
        &self,
        tenant: TenantId,
        id: Uuid,
        page: Page,
    ) -> Result<(Vec<DeliveryAttempt>, i64), sqlx::Error> {
        let mut reader = self.reader().await?;
        let rows = sqlx::query(
            "SELECT delivery_id, seq, attempt, at, status, duration_ms, error, outcome FROM webhook_attempts \
             WHERE tenant_id = $1 AND webhook_id = $2 ORDER BY at DESC, delivery_id, attempt DESC LIMIT $3 OFFSET $4",
        )
        .bind(tenant.to_string())
        .bind(id.to_string())
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
        .fetch_all(&mut *reader)
        .await?;
        let total: i64 = sqlx::query("SELECT COUNT(*) FROM webhook_attempts WHERE tenant_id = $1 AND webhook_id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_one(&mut *reader)
            .await?
            .try_get(0)?;
        let attempts = rows
            .iter()
            .map(|row| {
                let outcome: String = row.try_get("outcome")?;
                Ok(DeliveryAttempt {
                    delivery_id: from_db_uuid(&row.try_get::<String, _>("delivery_id")?)?,
                    seq: row.try_get("seq")?,
                    attempt: row.try_get("attempt")?,
                    at: Timestamp(from_db_time(&row.try_get::<String, _>("at")?)?),
                    status: row.try_get("status")?,
                    duration_ms: row.try_get("duration_ms")?,
                    error: row.try_get("error")?,
                    outcome: Outcome::named(&outcome)
                        .ok_or_else(|| sqlx::Error::Decode(format!("unexpected outcome {outcome:?}").into()))?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok((attempts, total))
    }

    /// Makes the delivery `delivery` of subscription `id` due now (one more
    /// attempt, with the same `webhook-id`); `None` when there is none.
    pub async fn webhook_redeliver(
        &self,
        tenant: TenantId,
        id: Uuid,
        delivery: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<Delivery>, sqlx::Error> {
        let Some(seq) = delivery_seq(id, delivery) else {
            return Ok(None);
        };
        let mut tx = self.begin_write(tenant).await?;
        let ids = [
            tenant.to_string(),
            id.to_string(),
            delivery.to_string(),
            to_db_time(now),
        ];
        // Delivered at its first attempt, it has no row yet: one from its log.
        bind_all(
            sqlx::query(
                "INSERT INTO webhook_deliveries (tenant_id, webhook_id, id, seq, change_at, state, attempts, \
                 next_attempt_at, created_at) \
                 SELECT a.tenant_id, a.webhook_id, $3, a.seq, c.at, 'delivered', MAX(a.attempt), $4, $4 \
                 FROM webhook_attempts a JOIN changes c ON c.tenant_id = a.tenant_id AND c.seq = a.seq \
                 WHERE a.tenant_id = $1 AND a.webhook_id = $2 AND a.seq = $5 \
                 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.tenant_id = $1 AND d.id = $3) \
                 GROUP BY a.tenant_id, a.webhook_id, a.seq, c.at",
            ),
            &ids,
        )
        .bind(seq)
        .execute(tx.conn())
        .await?;
        let row = bind_all(
            sqlx::query(&format!(
                "UPDATE webhook_deliveries SET next_attempt_at = $4 WHERE tenant_id = $1 AND webhook_id = $2 \
                 AND id = $3 RETURNING {DELIVERY_COLUMNS}"
            )),
            &ids,
        )
        .fetch_optional(tx.conn())
        .await?;
        tx.commit().await?;
        row.as_ref().map(delivery_from_row).transpose()
    }

    /// Per subscription with changes waiting, the time of the oldest
    /// change not delivered yet (queued or not).
    pub async fn webhook_backlog(&self) -> Result<Vec<(String, DateTime<Utc>)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT webhook, MIN(at) FROM (\
               SELECT w.entity_id AS webhook, d.change_at AS at FROM webhooks w JOIN webhook_deliveries d \
                 ON d.tenant_id = w.tenant_id AND d.webhook_id = w.entity_id AND d.state = 'pending' \
               WHERE w.active = 1 \
               UNION ALL \
               SELECT w.entity_id, c.at FROM webhooks w JOIN changes c \
                 ON c.tenant_id = w.tenant_id AND c.seq > w.queued_through \
               WHERE w.active = 1) AS waiting GROUP BY webhook",
        )
        .fetch_all(&mut *self.reader().await?)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, from_db_time(&row.try_get::<String, _>(1)?)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_id_names_its_change_and_belongs_to_its_subscription() {
        let (webhook, other) = (Uuid::new_v4(), Uuid::new_v4());
        for seq in [1, 2, 255, 256, 1 << 40, (1 << 62) - 1] {
            let id = delivery_id(webhook, seq);
            assert_eq!(id, delivery_id(webhook, seq), "worked out again, the same");
            assert_eq!(id.get_version_num(), 8);
            assert_eq!(delivery_seq(webhook, id), Some(seq));
            assert_eq!(delivery_seq(other, id), None, "another subscription's id names nothing");
        }
        assert!(
            delivery_id(webhook, 9) < delivery_id(webhook, 10),
            "ids sort in change order"
        );
        assert_eq!(delivery_seq(webhook, Uuid::new_v4()), None);
        assert_eq!(delivery_seq(webhook, Uuid::new_v5(&webhook, &7i64.to_be_bytes())), None);
    }
}
