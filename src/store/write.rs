//! A write: one transaction that owns what it reads until it commits, and
//! the contract every aggregate's rows are written under (see [`crate::write`]).

use std::future::Future;

use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::OwnedMutexGuard;

use crate::domain::{TenantId, Version};
use crate::store::{Engine, Store};

impl Store {
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
