//! A write: one transaction that owns what it reads until it commits, and
//! the contract every aggregate's rows are written under (see [`crate::write`]).

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};
use tokio::sync::OwnedMutexGuard;

use crate::domain::{TenantId, Version};
use crate::store::admission::Admitted;
use crate::store::changes::{Change, Fields, Signal};
use crate::store::storage::StorageHealth;
use crate::store::writer::{Statements, Writer};
use crate::store::{Connections, Engine, Store};

impl Store {
    /// Starts a write of `tenant`'s rows: a transaction that owns what it
    /// reads until it commits. On SQLite it holds the database's write lock
    /// from its first statement (on the writer connection, once this
    /// process's writers before it are done: see `store::writer::Writer`); on
    /// PostgreSQL rows are locked as they are read (`WriteTx::for_update`,
    /// `WriteTx::for_share`).
    pub async fn begin_write(&self, tenant: TenantId) -> Result<WriteTx, sqlx::Error> {
        let mut admitted = None;
        let conn = match &self.connections {
            Connections::Sqlite { writer, .. } => {
                let mut turn = writer.turn().await;
                if !turn.is_connected() {
                    let conn = async {
                        let mut conn = self.open_connection().await?;
                        self.engine().refresh_statistics(&mut conn).await?;
                        Ok(conn)
                    };
                    turn.connect(conn.await.inspect_err(|err| self.storage.failed(err))?);
                }
                turn.start();
                Conn::Writer(Some(turn))
            }
            Connections::Postgres(pool) => {
                admitted = self.admission.admit().await?;
                Conn::Pooled(pool.begin().await.inspect_err(|err| self.storage.failed(err))?)
            }
        };
        Ok(WriteTx {
            conn,
            _admitted: admitted,
            tenant,
            engine: self.engine(),
            storage: Arc::clone(&self.storage),
            changes: Vec::new(),
            changed: Arc::clone(&self.changed),
        })
    }
}

/// A write in progress (see [`Store::begin_write`]). Dropped without
/// [`WriteTx::commit`], it rolls back.
pub struct WriteTx {
    conn: Conn,
    /// On PostgreSQL, the share the connection was admitted with (`store::admission`);
    /// SQLite's writes take turns on one connection instead.
    _admitted: Option<Admitted>,
    tenant: TenantId,
    engine: Engine,
    /// Told of storage trouble the write meets, and of its commit.
    storage: Arc<StorageHealth>,
    /// What the write did, recorded with its commit (`store::changes`).
    pub(super) changes: Vec<Change>,
    /// Told of the records this write commits.
    changed: Arc<Signal>,
}

/// Where a write's statements run.
enum Conn {
    /// A transaction on a pool connection (PostgreSQL).
    Pooled(Transaction<'static, Any>),
    /// SQLite's writer, in a write's savepoint, for as long as this
    /// write holds the turn (`None` once it is handed back).
    Writer(Option<OwnedMutexGuard<Writer>>),
}

impl Drop for WriteTx {
    /// A write dropped unfinished keeps the writer's turn until it is
    /// undone, so the next writer starts clean.
    fn drop(&mut self) {
        let Conn::Writer(Some(mut turn)) = std::mem::replace(&mut self.conn, Conn::Writer(None)) else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    // A failure is logged and handled by `abandon`.
                    let _ = turn.undo().await;
                });
            }
            // No runtime to roll back on: the connection goes, and its transaction with it.
            Err(_) => {
                turn.abandon(sqlx::Error::WorkerCrashed);
            }
        }
    }
}

impl WriteTx {
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// Where the write's next statement runs.
    pub(crate) fn conn(&mut self) -> Statements<'_> {
        match &mut self.conn {
            Conn::Pooled(tx) => Statements::on(tx, &self.storage),
            Conn::Writer(turn) => turn
                .as_mut()
                .expect("a write holds the writer's turn until it ends")
                .statements(&self.storage),
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

    /// Commits; storage that takes the commit writes again.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        self.mark_claim_written().await?;
        let recorded = self.write_changes().await?;
        let (storage, changed) = (Arc::clone(&self.storage), Arc::clone(&self.changed));
        let committed = self.end(true).await;
        storage.observe(&committed);
        if committed.is_ok() {
            changed.committed(recorded);
        }
        committed
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.end(false).await
    }

    /// Commits or rolls back. On SQLite a commit waits for its group's
    /// COMMIT (see [`Writer`]).
    async fn end(mut self, commit: bool) -> Result<(), sqlx::Error> {
        match std::mem::replace(&mut self.conn, Conn::Writer(None)) {
            Conn::Pooled(tx) if commit => tx.commit().await,
            Conn::Pooled(tx) => tx.rollback().await,
            Conn::Writer(Some(turn)) if commit => Writer::commit_in_group(turn).await,
            Conn::Writer(Some(mut turn)) => turn.undo().await,
            Conn::Writer(None) => Ok(()),
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
    /// The change history's name of this kind of resource: its table's.
    const RESOURCE: &'static str;

    fn version(&self) -> Version;

    /// The row's id, as the change history names it.
    fn id(&self) -> String;

    /// The row's fields, as the change history shows them.
    fn fields(&self) -> Fields;

    /// The fields an update to `next` writes (a part of [`Aggregate::fields`]).
    fn next_fields(next: &Self::Next) -> Fields;

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
