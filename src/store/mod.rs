//! Persistence: one query layer over sqlx's `Any` driver, so the same SQL
//! runs on the embedded SQLite file and on PostgreSQL. Queries use `$n`
//! placeholders and portable types only (see `migrations/`).

pub mod credentials;
pub mod records;
pub mod related_users;
pub mod relationship_users;
pub mod relationships;
pub mod setup;
pub mod tenants;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::domain::{TenantId, Version};

/// Which engine a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres
        } else {
            Engine::Sqlite
        }
    }
}

/// A connection pool to either engine. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    /// SQLite has one writer at a time: in-process writers queue here (in
    /// arrival order) instead of polling SQLite's busy handler.
    writers: Arc<Mutex<()>>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Connects to `url`. A SQLite file (and its folder) is created when
    /// missing, and every SQLite connection runs in WAL mode with foreign
    /// keys on and a busy timeout.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let engine = Engine::of_url(url);
        let url = match engine {
            Engine::Sqlite => sqlite_url(url)?,
            Engine::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url).context("the database URL is malformed")?;
        let pool = AnyPoolOptions::new()
            .max_connections(match engine {
                Engine::Sqlite => 8,
                Engine::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to the {engine:?} database"))?;
        Ok(Self::with_pool(pool, engine))
    }

    fn with_pool(pool: AnyPool, engine: Engine) -> Self {
        Self {
            pool,
            engine,
            writers: Arc::new(Mutex::new(())),
        }
    }

    /// A store that connects only when first used (never, for the spec writer).
    pub fn detached() -> Self {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .connect_lazy("sqlite::memory:")
            .expect("an in-memory SQLite URL always parses");
        Self::with_pool(pool, Engine::Sqlite)
    }

    /// Applies the embedded migrations that have not run yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR.run(&self.pool).await.context("migrations failed")?;
        Ok(())
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write of `tenant`'s rows: a transaction that owns what it
    /// reads until it commits. On SQLite it holds the database's write lock
    /// from its first statement (`BEGIN IMMEDIATE`, after waiting its turn
    /// among this process's writers); on PostgreSQL rows are locked as they
    /// are read ([`WriteTx::for_update`], [`WriteTx::for_share`]).
    pub async fn begin_write(&self, tenant: TenantId) -> Result<WriteTx, sqlx::Error> {
        let (turn, tx) = match self.engine {
            Engine::Sqlite => {
                let turn = self.writers.clone().lock_owned().await;
                (Some(turn), self.pool.begin_with("BEGIN IMMEDIATE").await?)
            }
            Engine::Postgres => (None, self.pool.begin().await?),
        };
        Ok(WriteTx {
            tx,
            tenant,
            engine: self.engine,
            _turn: turn,
        })
    }
}

/// A write in progress (see [`Store::begin_write`]). Dropped without
/// [`WriteTx::commit`], it rolls back.
pub struct WriteTx {
    // Declared before `_turn`: the transaction ends before the next writer's turn.
    tx: Transaction<'static, Any>,
    tenant: TenantId,
    engine: Engine,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// The clause that locks the rows a SELECT reads against other writers
    /// (PostgreSQL; SQLite's write lock already covers the whole database).
    pub(crate) fn for_update(&self) -> &'static str {
        match self.engine {
            Engine::Postgres => " FOR UPDATE",
            Engine::Sqlite => "",
        }
    }

    /// [`WriteTx::for_update`] for the rows of one table (`alias`) of a join.
    pub(crate) fn for_update_of(&self, alias: &str) -> String {
        match self.engine {
            Engine::Postgres => format!(" FOR UPDATE OF {alias}"),
            Engine::Sqlite => String::new(),
        }
    }

    /// The clause that keeps the rows a SELECT reads from changing until
    /// this write ends, without excluding other readers.
    pub(crate) fn for_share(&self) -> &'static str {
        match self.engine {
            Engine::Postgres => " FOR SHARE",
            Engine::Sqlite => "",
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

/// A kind of row that the one write path ([`crate::write`]) updates: found
/// and locked by its key, then saved with a new version. Every
/// implementation answers with the version it wrote.
pub trait Aggregate: Sized + Send + Sync {
    /// How a row is named within its tenant.
    type Key: Send + Sync;
    /// What an update writes.
    type Next: Send + Sync;
    /// The name used in "… not found".
    const NAME: &'static str;

    fn version(&self) -> Version;

    /// The row, locked against other writers until `tx` ends; `None` when
    /// the tenant has no such row.
    fn lock(tx: &mut WriteTx, key: &Self::Key) -> impl Future<Output = Result<Option<Self>, sqlx::Error>> + Send;

    /// Writes `next` over the locked row `self`, modified `at`; the row's new version.
    fn save(
        &self,
        tx: &mut WriteTx,
        next: &Self::Next,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<Version, WriteError>> + Send;
}

/// An [`Aggregate`] whose rows can be deleted.
pub trait Removable: Aggregate {
    /// Deletes the locked row `self`.
    fn remove(&self, tx: &mut WriteTx) -> impl Future<Output = Result<(), WriteError>> + Send;
}

/// Turns `sqlite://PATH` into a URL that creates the file, and creates its folder.
fn sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" {
        if let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder {}", parent.display()))?;
        }
    }
    let mode = if query.contains("mode=") { "" } else { "mode=rwc" };
    let sep = if query.is_empty() || mode.is_empty() { "" } else { "&" };
    Ok(format!("sqlite://{path}?{query}{sep}{mode}"))
}

/// `$first, ..., $(first + count - 1)`: numbered placeholders for a list.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The next number (1, 2, ...) of the tenant's sequence `name`, on `conn`
/// (inside the caller's transaction where there is one). The increment is
/// one statement, so concurrent callers get distinct numbers.
pub(crate) async fn next_number_on(
    conn: &mut sqlx::AnyConnection,
    tenant: crate::domain::TenantId,
    name: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO counters (tenant_id, name, value) VALUES ($1, $2, 0) ON CONFLICT (tenant_id, name) DO NOTHING",
    )
    .bind(tenant.to_string())
    .bind(name)
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar("UPDATE counters SET value = value + 1 WHERE tenant_id = $1 AND name = $2 RETURNING value")
        .bind(tenant.to_string())
        .bind(name)
        .fetch_one(&mut *conn)
        .await
}

/// A timestamp as stored: RFC 3339, UTC, microseconds, fixed width.
pub fn to_db_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn from_db_time(s: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| sqlx::Error::Decode(format!("bad timestamp {s:?}: {e}").into()))
}

pub(crate) fn from_db_uuid(s: &str) -> Result<uuid::Uuid, sqlx::Error> {
    uuid::Uuid::parse_str(s).map_err(|e| sqlx::Error::Decode(format!("bad uuid {s:?}: {e}").into()))
}

/// The current time at the precision stored.
pub(crate) fn now() -> DateTime<Utc> {
    let t = Utc::now();
    from_db_time(&to_db_time(t)).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_their_file() {
        assert_eq!(
            sqlite_url("sqlite://:memory:").ok().as_deref(),
            Some("sqlite://:memory:?mode=rwc")
        );
        let dir = std::env::temp_dir().join(format!("liaison-{}", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}/x.db?cache=shared", dir.display());
        assert_eq!(
            sqlite_url(&url).ok(),
            Some(format!("sqlite://{}/x.db?cache=shared&mode=rwc", dir.display()))
        );
        assert!(dir.is_dir());
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Why a conditional write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("not found")]
    NotFound,
    /// The stored version is not the one the caller expected.
    #[error("precondition failed")]
    PreconditionFailed,
    /// A uniqueness rule would break.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}
