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
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

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
}

/// The state of a [`Store`]'s connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections open, idle or in use.
    pub open: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max: u32,
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
        Ok(Self { pool })
    }

    /// A store that connects only when first used (never, for the spec writer).
    pub fn detached() -> Self {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .connect_lazy("sqlite::memory:")
            .expect("an in-memory SQLite URL always parses");
        Self { pool }
    }

    /// Applies the embedded migrations that have not run yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR.run(&self.pool).await.context("migrations failed")?;
        Ok(())
    }

    /// Whether the database answers a trivial query; on success, how long
    /// getting a connection from the pool took.
    pub async fn ping(&self) -> Result<Duration, sqlx::Error> {
        let started = Instant::now();
        let mut conn = self.pool.acquire().await?;
        let waited = started.elapsed();
        sqlx::query("SELECT 1").execute(&mut *conn).await?;
        Ok(waited)
    }

    /// How long getting a connection from the pool takes now: a probe of
    /// what a query starting at this moment would wait.
    pub async fn acquire_wait(&self) -> Result<Duration, sqlx::Error> {
        let started = Instant::now();
        drop(self.pool.acquire().await?);
        Ok(started.elapsed())
    }

    /// The connection pool's current state.
    pub fn pool_status(&self) -> PoolStatus {
        PoolStatus {
            open: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
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
