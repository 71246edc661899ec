//! The change history: one record for every create, update and delete of a
//! resource, written by the write that made it, in its own transaction
//! (`migrations/0008_changes.sql`). A write that rolls back leaves none; a
//! write that commits always has its records.
//!
//! A write says what it did with [`WriteTx::record`]; the records go out
//! with the commit, with who asked ([`act_as`]) and the request's
//! correlation id ([`serving`]). Readers follow them by `seq`
//! ([`Store::changes`]), taken by the last statement before COMMIT: on
//! PostgreSQL from the tenant's counter `changes`, whose row that statement
//! locks until the commit; on SQLite, whose one writer orders the writes
//! anyway, one past the tenant's newest record. So a
//! number is taken only once every write that took a smaller one has
//! committed or rolled back (and a rolled-back one gives its numbers back):
//! the numbers are visible in order, without gaps. A follower that sends
//! the last number it read can therefore not be passed by a transaction
//! that commits late, with any number of instances on one database, and
//! one resource's changes come in the order of its versions. What this
//! costs: a tenant's writes end (record and commit) one at a time, while
//! everything before that runs side by side.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::Row;

use crate::domain::TenantId;
use crate::store::{Engine, Store, WriteTx, from_db_time, now, to_db_time};
use crate::wire::Timestamp;

pub use crate::domain::change::{Operation, ResourceType};

/// A resource's fields as the history shows them: camelCase names, JSON values.
pub type Fields = Map<String, Value>;

/// A column's name as the history shows it: `supplier_id` is `supplierId`.
pub fn camel(column: &str) -> String {
    let mut parts = column.split('_');
    let first = parts.next().unwrap_or_default().to_string();
    parts.fold(first, |mut name, part| {
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            name.extend(c.to_uppercase());
            name.push_str(chars.as_str());
        }
        name
    })
}

crate::wire! {
    /// One field a change set: its value before and after (`null`: none).
    #[derive(Debug, Clone, PartialEq)]
    pub struct FieldChange {
        pub field: String,
        #[nullable]
        pub before: Value,
        #[nullable]
        pub after: Value,
    }
}

/// What a write did to one resource, to be recorded with its commit.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The kind of resource: its table's name (`relationships`, `suppliers`).
    pub resource: &'static str,
    pub id: String,
    /// The version the write left (a delete: one past the last).
    pub version: i64,
    pub operation: Operation,
    pub fields: Vec<FieldChange>,
}

impl Change {
    /// A resource created with `fields`.
    pub fn created(resource: &'static str, id: impl ToString, version: i64, fields: Fields) -> Self {
        Self::new(resource, id, version, Operation::Create, diff(&Fields::new(), fields))
    }

    /// A resource whose `before` fields the write made `after`: the fields
    /// `after` names whose value differs.
    pub fn updated(resource: &'static str, id: impl ToString, version: i64, before: &Fields, after: Fields) -> Self {
        Self::new(resource, id, version, Operation::Update, diff(before, after))
    }

    /// A resource deleted, which held `fields`.
    pub fn deleted(resource: &'static str, id: impl ToString, version: i64, fields: Fields) -> Self {
        let gone = fields.keys().map(|field| (field.clone(), Value::Null)).collect();
        Self::new(resource, id, version, Operation::Delete, diff(&fields, gone))
    }

    fn new(
        resource: &'static str,
        id: impl ToString,
        version: i64,
        operation: Operation,
        fields: Vec<FieldChange>,
    ) -> Self {
        Self {
            resource,
            id: id.to_string(),
            version,
            operation,
            fields,
        }
    }

    fn fields_json(&self) -> String {
        let fields: Map<String, Value> = self
            .fields
            .iter()
            .map(|f| {
                let mut pair = Map::new();
                pair.insert("before".into(), f.before.clone());
                pair.insert("after".into(), f.after.clone());
                (f.field.clone(), Value::Object(pair))
            })
            .collect();
        Value::Object(fields).to_string()
    }
}

/// The fields `after` names whose value differs from `before`'s (absent: null).
fn diff(before: &Fields, after: Fields) -> Vec<FieldChange> {
    after
        .into_iter()
        .filter_map(|(field, after)| {
            let before = before.get(&field).cloned().unwrap_or(Value::Null);
            (before != after).then_some(FieldChange { field, before, after })
        })
        .collect()
}

crate::wire! {
    /// A create, update or delete of one resource, recorded in the
    /// transaction that made it.
    #[derive(Debug, Clone, PartialEq)]
    #[oai(rename = "Change")]
    #[rename_all = "camelCase"]
    pub struct ChangeRecord {
        /// Its place in the feed: each change has a greater one than those
        /// before it, so a receiver can order and deduplicate by it.
        pub seq: i64,
        /// The kind of resource (a `ResourceType`).
        pub resource: String,
        /// The resource's id (an `entityId`, or the dialect's number).
        #[rename = "id"]
        pub resource_id: String,
        /// The resource's version after the change (a delete: one past the
        /// last; clients and API keys, which have none: 0).
        pub version: i64,
        pub operation: Operation,
        /// Who made it: `client:<client id>`, `apikey:<key id>`, or `system`
        /// (start-up, the command line). Never a secret.
        pub actor: String,
        pub at: Timestamp,
        /// The `X-Correlation-Id` of the request that made it (empty outside a request).
        pub correlation_id: String,
        /// The fields it set, with their values before and after; a create
        /// lists every field it set, a delete every field the resource had.
        pub fields: Vec<FieldChange>,
    }
}

/// Who asked for the writes of the request being served, and its correlation id.
struct Context {
    correlation_id: String,
    actor: Mutex<Option<String>>,
}

tokio::task_local! {
    static CONTEXT: Context;
}

/// The actor of writes made outside any request (start-up, the command line).
pub const SYSTEM: &str = "system";

/// Runs `request` with its correlation id, for the changes it records.
pub async fn serving<F: Future>(correlation_id: String, request: F) -> F::Output {
    let context = Context {
        correlation_id,
        actor: Mutex::new(None),
    };
    CONTEXT.scope(context, request).await
}

/// Names who the request being served acts as (`client:<id>`, `apikey:<id>`).
pub fn act_as(actor: String) {
    let _ = CONTEXT.try_with(|context| *context.actor.lock().unwrap_or_else(PoisonError::into_inner) = Some(actor));
}

/// The actor and correlation id of the writes made now.
fn context() -> (String, String) {
    CONTEXT
        .try_with(|context| {
            let actor = context.actor.lock().unwrap_or_else(PoisonError::into_inner).clone();
            (actor.unwrap_or_else(|| SYSTEM.into()), context.correlation_id.clone())
        })
        .unwrap_or_else(|_| (SYSTEM.into(), String::new()))
}

/// What this process's commits tell of the records they wrote, and how
/// long records are kept.
#[derive(Debug)]
pub(crate) struct Signal {
    /// Woken by each commit that wrote records (followers wait on it).
    notify: tokio::sync::Notify,
    /// Records committed by this process.
    recorded: AtomicU64,
    /// Seconds a record is kept.
    retention: AtomicU64,
}

impl Default for Signal {
    fn default() -> Self {
        Self {
            notify: tokio::sync::Notify::default(),
            recorded: AtomicU64::default(),
            retention: AtomicU64::new(DEFAULT_RETENTION.as_secs()),
        }
    }
}

/// How long records are kept unless the operator says otherwise (30 days).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 86_400);
/// Records deleted a statement (each batch a write of its own, so that
/// pruning never holds the writer long).
const PRUNE_BATCH: i64 = 1_000;
/// How often the background pruning runs.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

impl Signal {
    /// Completes at the next commit of this process that wrote records.
    pub(crate) fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.notify.notified()
    }

    pub(super) fn committed(&self, records: u64) {
        if records > 0 {
            self.recorded.fetch_add(records, Ordering::Relaxed);
            self.notify.notify_waiters();
        }
    }
}

/// Which records a reader asks for.
#[derive(Debug, Clone, Default)]
pub struct Follow {
    /// Records after this `seq` (0: from the first kept).
    pub after: i64,
    pub limit: u32,
    /// Only this kind of resource.
    pub resource: Option<String>,
    /// Only resources with this id (of the kind `resource`, if given).
    pub id: Option<String>,
}

pub(super) const COLUMNS: &str =
    "tenant_id, seq, resource, resource_id, version, operation, actor, at, correlation_id, fields";

impl WriteTx {
    /// Records what this write did; written with the commit.
    pub fn record(&mut self, change: Change) {
        self.changes.push(change);
    }

    /// Writes the records of this write, in its transaction, as it commits:
    /// numbered from the tenant's counter `changes`, whose row stays locked
    /// until the commit, so the tenant's records are numbered in commit order.
    pub(super) async fn write_changes(&mut self) -> Result<u64, sqlx::Error> {
        if self.changes.is_empty() {
            return Ok(0);
        }
        let changes = std::mem::take(&mut self.changes);
        let count = i64::try_from(changes.len()).unwrap_or(i64::MAX);
        let (actor, correlation_id) = context();
        // One row per record (as a union: SQLite names no columns of `VALUES`).
        let rows: Vec<String> = (0..changes.len())
            .map(|i| {
                let n = 6 + i * 5;
                format!(
                    "SELECT {i} AS k, ${n} AS resource, ${} AS resource_id, ${} AS version, ${} AS operation, ${} AS fields",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4
                )
            })
            .collect();
        let select = format!(
            "SELECT $1, first.value + r.k, r.resource, r.resource_id, r.version, r.operation, $2, $3, $4, r.fields \
             FROM first, ({}) AS r",
            rows.join(" UNION ALL ")
        );
        // The first number and the records, in one statement. PostgreSQL:
        // the tenant's counter, whose row stays locked until COMMIT. SQLite,
        // whose one writer orders the writes anyway (and which takes no DML
        // in `WITH`): one past the tenant's newest record, which pruning
        // always keeps. `$5` is the count of records.
        let first = match self.engine() {
            Engine::Postgres => format!("taken AS ({COUNT}), first AS (SELECT value - $5 + 1 AS value FROM taken)"),
            Engine::Sqlite => {
                "first AS (SELECT COALESCE(MAX(seq), 0) + 1 AS value FROM changes WHERE tenant_id = $1 AND $5 > 0)"
                    .into()
            }
        };
        let sql = format!("WITH {first} INSERT INTO changes ({COLUMNS}) {select}");
        let mut query = sqlx::query(&sql)
            .bind(self.tenant().to_string())
            .bind(actor)
            .bind(to_db_time(now()))
            .bind(correlation_id)
            .bind(count);
        for change in &changes {
            query = query
                .bind(change.resource)
                .bind(change.id.clone())
                .bind(change.version)
                .bind(change.operation.as_str())
                .bind(change.fields_json());
        }
        query.execute(self.conn()).await?;
        Ok(count.unsigned_abs())
    }
}

/// Takes `$5` numbers of the tenant's counter `changes` (PostgreSQL): the last one taken.
const COUNT: &str = "INSERT INTO counters (tenant_id, name, value) VALUES ($1, 'changes', $5) \
    ON CONFLICT (tenant_id, name) DO UPDATE SET value = counters.value + excluded.value RETURNING value";

impl Store {
    /// The tenant's records that `follow` asks for, by `seq`, as far as no
    /// write still running could commit one before them.
    pub async fn changes(&self, tenant: TenantId, follow: &Follow) -> Result<Vec<ChangeRecord>, sqlx::Error> {
        let mut sql = format!("SELECT {COLUMNS} FROM changes WHERE tenant_id = $1 AND seq > $2");
        let mut values = Vec::new();
        for (column, value) in [("resource", &follow.resource), ("resource_id", &follow.id)] {
            if let Some(value) = value {
                values.push(value.clone());
                sql.push_str(&format!(" AND {column} = ${}", values.len() + 2));
            }
        }
        sql.push_str(&format!(" ORDER BY seq LIMIT ${}", values.len() + 3));
        let mut query = sqlx::query(&sql).bind(tenant.to_string()).bind(follow.after);
        for value in values {
            query = query.bind(value);
        }
        let rows = query
            .bind(i64::from(follow.limit))
            .fetch_all(&mut *self.reader().await?)
            .await?;
        rows.iter().map(record_from_row).collect()
    }
}

impl Store {
    /// [`Store::changes`], waiting up to `wait` for the first one: woken by
    /// this process's commits, and looking again every second for those of
    /// other instances. A wake-up that finds nothing (on PostgreSQL, a
    /// change held back behind an older transaction) looks again soon.
    pub async fn changes_wait(
        &self,
        tenant: TenantId,
        follow: &Follow,
        wait: Duration,
    ) -> Result<Vec<ChangeRecord>, sqlx::Error> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut woken = false;
        loop {
            let notified = self.changed.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let records = self.changes(tenant, follow).await?;
            let now = tokio::time::Instant::now();
            if !records.is_empty() || now >= deadline {
                return Ok(records);
            }
            let nap = Duration::from_millis(if woken { 20 } else { 1_000 });
            woken = tokio::time::timeout(nap.min(deadline - now), notified).await.is_ok();
        }
    }
}

/// What a tenant's history holds: the cursor before its oldest kept record
/// (older cursors are gone) and the last number taken (newer ones were never written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept {
    pub oldest_cursor: i64,
    pub newest: i64,
}

impl Store {
    /// What this process's commits tell (see [`Signal`]).
    pub(crate) fn change_signal(&self) -> std::sync::Arc<Signal> {
        std::sync::Arc::clone(&self.changed)
    }

    /// How many records this process's writes have committed.
    pub fn changes_recorded(&self) -> u64 {
        self.changed.recorded.load(Ordering::Relaxed)
    }

    /// Keeps change records for `retention` (see [`Store::prune_changes`]).
    pub fn keep_changes_for(&self, retention: Duration) {
        self.changed.retention.store(retention.as_secs(), Ordering::Relaxed);
    }

    pub fn changes_retention(&self) -> Duration {
        Duration::from_secs(self.changed.retention.load(Ordering::Relaxed))
    }

    /// What the tenant's history holds (see [`Kept`]).
    pub async fn changes_kept(&self, tenant: TenantId) -> Result<Kept, sqlx::Error> {
        let (oldest, newest): (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT MIN(seq), MAX(seq) FROM changes WHERE tenant_id = $1")
                .bind(tenant.to_string())
                .fetch_one(&mut *self.reader().await?)
                .await?;
        let newest = newest.unwrap_or(0);
        Ok(Kept {
            oldest_cursor: oldest.map_or(newest, |seq| seq - 1),
            newest,
        })
    }

    /// Deletes the records older than the retention, a thousand a
    /// write, but each tenant's newest (the next number follows it), and
    /// the webhook deliveries and attempts as old; how many rows.
    pub async fn prune_changes(&self) -> Result<u64, sqlx::Error> {
        let retention = chrono::Duration::from_std(self.changes_retention()).unwrap_or(chrono::Duration::MAX);
        let cutoff = to_db_time(now().checked_sub_signed(retention).unwrap_or(DateTime::<Utc>::MIN_UTC));
        let changes = "DELETE FROM changes WHERE (tenant_id, seq) IN (SELECT c.tenant_id, c.seq FROM changes c \
             WHERE c.at < $1 AND c.seq < (SELECT MAX(n.seq) FROM changes n WHERE n.tenant_id = c.tenant_id) LIMIT $2)";
        let mut pruned = 0;
        for sql in std::iter::once(changes).chain(super::webhooks::PRUNE) {
            loop {
                let mut tx = self.begin_write(TenantId(uuid::Uuid::nil())).await?;
                let deleted = sqlx::query(sql)
                    .bind(&cutoff)
                    .bind(PRUNE_BATCH)
                    .execute(tx.conn())
                    .await?
                    .rows_affected();
                tx.commit().await?;
                pruned += deleted;
                if deleted < PRUNE_BATCH.unsigned_abs() {
                    break;
                }
            }
        }
        Ok(pruned)
    }

    /// Prunes the change history every ten minutes, until aborted.
    pub fn prune_changes_in_background(&self) -> tokio::task::JoinHandle<()> {
        let store = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(PRUNE_EVERY);
            loop {
                every.tick().await;
                match store.prune_changes().await {
                    Ok(0) => {}
                    Ok(pruned) => tracing::info!(pruned, "change records past their retention deleted"),
                    Err(err) => tracing::warn!(error = %err, "pruning the change history failed"),
                }
            }
        })
    }
}

pub(super) fn record_from_row(row: &sqlx::any::AnyRow) -> Result<ChangeRecord, sqlx::Error> {
    let decode = |what: &str| sqlx::Error::Decode(format!("unexpected change {what}").into());
    let operation: String = row.try_get("operation")?;
    let fields: String = row.try_get("fields")?;
    let fields: Map<String, Value> = serde_json::from_str(&fields).map_err(|_| decode("fields"))?;
    Ok(ChangeRecord {
        seq: row.try_get("seq")?,
        resource: row.try_get("resource")?,
        resource_id: row.try_get("resource_id")?,
        version: row.try_get("version")?,
        operation: Operation::named(&operation).ok_or_else(|| decode("operation"))?,
        actor: row.try_get("actor")?,
        at: from_db_time(&row.try_get::<String, _>("at")?)?.into(),
        correlation_id: row.try_get("correlation_id")?,
        fields: fields
            .into_iter()
            .map(|(field, mut pair)| FieldChange {
                field,
                before: pair.get_mut("before").map(Value::take).unwrap_or_default(),
                after: pair.get_mut("after").map(Value::take).unwrap_or_default(),
            })
            .collect(),
    })
}
