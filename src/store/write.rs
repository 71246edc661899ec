//! A write: one transaction that owns what it reads until it commits, and
//! the contract every aggregate's rows are written under (see [`crate::write`]).

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::pool::PoolConnection;
use sqlx::{Any, Execute as _, Executor as _};
use tokio::sync::OwnedMutexGuard;

use crate::domain::{TenantId, Version};
use crate::store::admission::Admitted;
use crate::store::inline::inline;
use crate::store::storage::StorageHealth;
use crate::store::writer::{Front, Pending, Statements, Writer};
use crate::store::{Connections, Engine, Store, bind_all};

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
                    let conn = self.open_connection().await;
                    turn.connect(conn.inspect_err(|err| self.storage.failed(err))?);
                }
                turn.start();
                Conn::Writer(Some(turn))
            }
            Connections::Postgres(pool) => {
                admitted = self.admission.admit().await?;
                let conn = pool.acquire().await.inspect_err(|err| self.storage.failed(err))?;
                Conn::Pooled(Some(conn), Pending::default())
            }
        };
        Ok(WriteTx {
            conn,
            kept: None,
            keeping: false,
            _admitted: admitted,
            tenant,
            engine: self.engine(),
            storage: Arc::clone(&self.storage),
        })
    }
}

/// A write in progress (see [`Store::begin_write`]). Dropped without
/// [`WriteTx::commit`], it rolls back.
pub struct WriteTx {
    conn: Conn,
    /// Rows read ahead of the row lock ([`WriteTx::keep_reads`]), with
    /// the statement and values that read them.
    kept: Option<(String, Vec<String>, Vec<AnyRow>)>,
    /// Whether reads are kept now.
    keeping: bool,
    /// On PostgreSQL, the share the connection was admitted with (`store::admission`);
    /// SQLite's writes take turns on one connection instead.
    _admitted: Option<Admitted>,
    tenant: TenantId,
    engine: Engine,
    /// Told of storage trouble the write meets, and of its commit.
    storage: Arc<StorageHealth>,
}

/// Where a write's statements run.
enum Conn {
    /// A pool connection (PostgreSQL), in the transaction this write opens
    /// with its first statement (`None` once it is handed back).
    Pooled(Option<PoolConnection<Any>>, Pending),
    /// SQLite's writer, in a write's savepoint, for as long as this
    /// write holds the turn (`None` once it is handed back).
    Writer(Option<OwnedMutexGuard<Writer>>),
}

impl Drop for WriteTx {
    /// A write dropped unfinished keeps the writer's turn (or its pool
    /// connection) until it is undone, so the next writer starts clean.
    fn drop(&mut self) {
        if let Conn::Pooled(conn @ Some(_), pending) = &mut self.conn
            && pending.began()
        {
            let mut conn = conn.take().expect("matched as Some");
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(async move {
                        if conn.execute("ROLLBACK").await.is_err() {
                            conn.close_on_drop();
                        }
                    });
                }
                // No runtime to roll back on: the connection goes, and its transaction with it.
                Err(_) => conn.close_on_drop(),
            }
            return;
        }
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
            Conn::Pooled(conn, pending) => Statements::new(
                conn.as_mut().expect("a write holds its connection until it ends"),
                Front::Postgres(pending),
                &self.storage,
            ),
            Conn::Writer(turn) => turn
                .as_mut()
                .expect("a write holds the writer's turn until it ends")
                .statements(&self.storage),
        }
    }

    pub(crate) fn engine(&self) -> Engine {
        self.engine
    }

    /// Whether this write gains from reading ahead of its row lock what it
    /// can (see [`crate::write::Change::read_ahead`]): on PostgreSQL a row
    /// lock is held from its read to the COMMIT, so every round trip taken
    /// out of that span lets the next writer of the row in sooner; on
    /// SQLite a write holds the whole database from its first statement.
    pub(crate) fn reads_ahead(&self) -> bool {
        self.engine == Engine::Postgres
    }

    /// While `on`, the rows of [`WriteTx::fetch_all_kept`] are kept for the
    /// write's own read of the same later.
    pub(crate) fn keep_reads(&mut self, on: bool) {
        self.keeping = on;
    }

    /// The rows of `sql` with `values` bound in order: the ones kept from
    /// the same statement and values read ahead, if any, else read now.
    /// Only a statement whose rows cannot change until the write ends
    /// (rows it locks `FOR SHARE`, or that the write alone may change) is
    /// to be read this way.
    pub(crate) async fn fetch_all_kept(
        &mut self,
        sql: String,
        values: Vec<String>,
    ) -> Result<Vec<AnyRow>, sqlx::Error> {
        if let Some((kept_sql, kept_values, rows)) = self.kept.take()
            && kept_sql == sql
            && kept_values == values
        {
            return Ok(rows);
        }
        let rows = bind_all(sqlx::query(&sql), &values).fetch_all(self.conn()).await?;
        if self.keeping {
            self.kept = Some((sql, values, rows.clone()));
        }
        Ok(rows)
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
        let storage = Arc::clone(&self.storage);
        let committed = self.end(true).await;
        storage.observe(&committed);
        committed
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.end(false).await
    }

    /// A statement whose answer the write does not need: on PostgreSQL it
    /// goes, arguments written in, with the write's next statement or its
    /// COMMIT (so an `UPDATE` that ends a write costs no round trip of its
    /// own, and a failure of it fails the COMMIT); on SQLite it runs now.
    pub(crate) async fn defer<'q>(
        &mut self,
        mut query: sqlx::query::Query<'q, Any, AnyArguments<'q>>,
    ) -> Result<(), sqlx::Error> {
        match &mut self.conn {
            Conn::Pooled(_, pending) => {
                let arguments = query.take_arguments().map_err(sqlx::Error::Encode)?;
                pending.defer(inline(query.sql(), arguments.as_ref())?);
                Ok(())
            }
            Conn::Writer(_) => query.execute(self.conn()).await.map(drop),
        }
    }

    /// Commits or rolls back. On SQLite a commit waits for its group's
    /// COMMIT (see [`Writer`]); on PostgreSQL the COMMIT goes with what
    /// the write deferred, and a failed one is rolled back.
    async fn end(mut self, commit: bool) -> Result<(), sqlx::Error> {
        match std::mem::replace(&mut self.conn, Conn::Writer(None)) {
            Conn::Pooled(Some(mut conn), mut pending) => {
                let sql = if commit {
                    pending.commit()
                } else {
                    pending.began().then(|| "ROLLBACK".to_string())
                };
                let Some(sql) = sql else { return Ok(()) };
                let ended = conn.execute(sql.as_str()).await.map(drop);
                if ended.is_err() && conn.execute("ROLLBACK").await.is_err() {
                    conn.close_on_drop();
                }
                ended.inspect_err(|err| self.storage.failed(err))
            }
            Conn::Pooled(None, _) => Ok(()),
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

    fn version(&self) -> Version;

    /// The row, locked against other writers until `tx` ends; `None` when
    /// the tenant has no such row.
    fn lock(tx: &mut WriteTx, key: &Self::Key) -> impl Future<Output = Result<Option<Self>, sqlx::Error>> + Send;

    /// The row as it is now, not locked (what a write reads ahead from:
    /// [`crate::write::Change::read_ahead`]); `None` when the tenant has
    /// no such row, or the aggregate reads nothing ahead.
    fn peek(_tx: &mut WriteTx, _key: &Self::Key) -> impl Future<Output = Result<Option<Self>, sqlx::Error>> + Send {
        async { Ok(None) }
    }

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
