//! A write: one transaction that owns what it reads until it commits, and
//! the contract every aggregate's rows are written under (see [`crate::write`]).

use std::future::Future;

use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection, Executor as _, Transaction};
use tokio::sync::OwnedMutexGuard;

use crate::domain::{TenantId, Version};
use crate::store::{Engine, Store};

impl Store {
    /// Starts a write of `tenant`'s rows: a transaction that owns what it
    /// reads until it commits. On SQLite it holds the database's write lock
    /// from its first statement (`BEGIN IMMEDIATE`, on the writer connection
    /// once this process's writers before it are done); on PostgreSQL rows
    /// are locked as they are read ([`WriteTx::for_update`], [`WriteTx::for_share`]).
    pub async fn begin_write(&self, tenant: TenantId) -> Result<WriteTx, sqlx::Error> {
        let conn = match self.engine {
            Engine::Sqlite => {
                let mut turn = self.writer.clone().lock_owned().await;
                let conn = match turn.as_mut() {
                    Some(conn) => conn,
                    None => turn.insert(self.open_connection().await?),
                };
                if let Err(err) = conn.execute("BEGIN IMMEDIATE").await {
                    // The next writer starts again on a new connection.
                    *turn = None;
                    return Err(err);
                }
                Conn::Writer(Some(turn))
            }
            Engine::Postgres => Conn::Pooled(self.pool.begin().await?),
        };
        Ok(WriteTx {
            conn,
            tenant,
            engine: self.engine,
        })
    }
}

/// A write in progress (see [`Store::begin_write`]). Dropped without
/// [`WriteTx::commit`], it rolls back.
pub struct WriteTx {
    conn: Conn,
    tenant: TenantId,
    engine: Engine,
}

/// Where a write's statements run.
enum Conn {
    /// A transaction on a pool connection (PostgreSQL).
    Pooled(Transaction<'static, Any>),
    /// SQLite's writer connection, in a transaction, for as long as this
    /// write holds the turn (`None` once it is handed back).
    Writer(Option<OwnedMutexGuard<Option<AnyConnection>>>),
}

impl Drop for WriteTx {
    /// A write dropped unfinished keeps the writer's turn until its
    /// transaction is rolled back, so the next writer starts clean.
    fn drop(&mut self) {
        let Conn::Writer(Some(mut turn)) = std::mem::replace(&mut self.conn, Conn::Writer(None)) else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    let Some(conn) = turn.as_mut() else { return };
                    if let Err(err) = conn.execute("ROLLBACK").await {
                        tracing::warn!(error = %err, "rolling back an abandoned write failed");
                        *turn = None;
                    }
                });
            }
            // No runtime to roll back on: the connection goes, and its transaction with it.
            Err(_) => *turn = None,
        }
    }
}

impl WriteTx {
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        match &mut self.conn {
            Conn::Pooled(tx) => tx,
            Conn::Writer(turn) => turn
                .as_mut()
                .and_then(|turn| turn.as_mut())
                .expect("a write holds an open writer connection until it ends"),
        }
    }

    pub(crate) fn engine(&self) -> Engine {
        self.engine
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
        self.end(true).await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.end(false).await
    }

    /// Commits or rolls back; on SQLite an end that fails leaves the
    /// transaction to [`Drop`] to roll back.
    async fn end(mut self, commit: bool) -> Result<(), sqlx::Error> {
        match std::mem::replace(&mut self.conn, Conn::Writer(None)) {
            Conn::Pooled(tx) if commit => tx.commit().await,
            Conn::Pooled(tx) => tx.rollback().await,
            writer => {
                self.conn = writer;
                let statement = if commit { "COMMIT" } else { "ROLLBACK" };
                self.conn().execute(statement).await?;
                // Ended: the turn goes back without Drop's rollback.
                self.conn = Conn::Writer(None);
                Ok(())
            }
        }
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

/// Why a write did not happen (a row that is not there is `None` from
/// [`Aggregate::lock`]; preconditions are checked in [`crate::write`]).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A uniqueness rule would break.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}
