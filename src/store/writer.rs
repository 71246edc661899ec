//! SQLite's writer: the one connection this process's writes take turns on,
//! the transaction they share under load, and how a write's statements reach it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream};
use futures_util::{FutureExt as _, StreamExt as _, TryFutureExt as _, TryStreamExt as _};
use sqlx::any::{AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::{Any, AnyConnection, Describe, Either, Execute, Executor};

use crate::store::storage::{GroupFailure, StorageHealth, StorageTrouble};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

/// SQLite's writing connection, which this process's writes take turns on
/// (in arrival order: a FIFO mutex), and the transaction they share.
///
/// Group commit: a write that succeeds while other writers wait does not
/// commit on its own. It leaves the transaction open for the writers queued
/// behind it, each of which runs in its own savepoint (so a refused one
/// undoes only itself), and waits for one COMMIT of them all, made by a task
/// that queued for the turn behind them when the first of them finished
/// (or by the write that fills the group, [`GROUP_LIMIT`]). A write is
/// answered only once that COMMIT is done; if it fails, every write of the
/// group gets the error. A write that no writer waits behind commits at
/// once, as alone it always did; under load, one COMMIT (and one WAL append
/// of each page changed) serves every writer that was waiting, where each
/// paid a BEGIN and a COMMIT before.
///
/// A write's opening statements (`BEGIN IMMEDIATE; SAVEPOINT write`, or
/// `RELEASE write; SAVEPOINT write` to join) are not a round trip of their
/// own: they go with its first statement ([`Statements`]). The writer
/// connection is what writes queue for, so each round trip it saves is
/// throughput.
#[derive(Debug, Default)]
pub(super) struct Writer {
    conn: Option<AnyConnection>,
    /// How many writers wait for the turn.
    queued: Arc<AtomicUsize>,
    committed: Arc<Committed>,
    state: TxState,
    /// The writes of the open transaction that are done and wait for its COMMIT.
    done: Vec<oneshot::Sender<Result<(), GroupFailure>>>,
}

/// Where the writer connection is in its transaction.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum TxState {
    /// No transaction.
    #[default]
    Closed,
    /// A write has started and has not sent a statement yet: its opening
    /// statements wait to go with its first one. `joins` when a
    /// transaction is open (with the savepoint of the last done write).
    Starting { joins: bool },
    /// In a transaction, in the savepoint of the write in progress (or of
    /// the last done write).
    Open,
}

impl TxState {
    /// The statements that open a write, when they are still to be sent.
    fn opening(self) -> Option<&'static str> {
        match self {
            Self::Starting { joins: false } => Some("BEGIN IMMEDIATE; SAVEPOINT write"),
            Self::Starting { joins: true } => Some("RELEASE write; SAVEPOINT write"),
            Self::Closed | Self::Open => None,
        }
    }

    /// How many statements [`TxState::opening`] holds.
    const OPENING_STATEMENTS: usize = 2;
}

/// What the [`Writer`] has committed since start-up.
#[derive(Debug, Default)]
struct Committed {
    commits: AtomicU64,
    writes: AtomicU64,
}

/// The SQLite writer's COMMITs since start-up and the writes they
/// committed: writes ÷ commits is how many writes a commit served.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriterCommits {
    pub commits: u64,
    pub writes: u64,
}

/// The [`Writer`] and how many writers wait for it.
#[derive(Debug, Clone)]
pub(super) struct Turns {
    writer: Arc<Mutex<Writer>>,
    queued: Arc<AtomicUsize>,
    committed: Arc<Committed>,
}

impl Turns {
    pub(super) fn new() -> Self {
        let (queued, committed) = (Arc::default(), Arc::<Committed>::default());
        let writer = Writer {
            queued: Arc::clone(&queued),
            committed: Arc::clone(&committed),
            ..Writer::default()
        };
        Self {
            writer: Arc::new(Mutex::new(writer)),
            queued,
            committed,
        }
    }

    pub(super) fn commits(&self) -> WriterCommits {
        WriterCommits {
            commits: self.committed.commits.load(Ordering::Relaxed),
            writes: self.committed.writes.load(Ordering::Relaxed),
        }
    }

    /// Waits for the turn, counted in `queued` while waiting.
    pub(super) async fn turn(&self) -> OwnedMutexGuard<Writer> {
        /// Counts one waiting writer until dropped, even if its wait is cancelled.
        struct Queued<'a>(&'a AtomicUsize);
        impl Drop for Queued<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        self.queued.fetch_add(1, Ordering::Relaxed);
        let _queued = Queued(&self.queued);
        self.writer.clone().lock_owned().await
    }

    /// Commits what is done and closes the connection.
    pub(super) async fn close(&self) {
        self.writer.lock().await.close().await;
    }
}

/// The most writes one transaction holds: the one that fills it commits it.
const GROUP_LIMIT: usize = 64;

impl Writer {
    fn conn(&mut self) -> Result<&mut AnyConnection, sqlx::Error> {
        self.conn.as_mut().ok_or(sqlx::Error::PoolClosed)
    }

    pub(super) fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// Gives the writer a connection (the first, or one after [`Writer::abandon`]).
    pub(super) fn connect(&mut self, conn: AnyConnection) {
        self.conn = Some(conn);
        self.state = TxState::Closed;
    }

    /// Where the write holding the turn sends its statements.
    pub(super) fn statements<'a>(&'a mut self, storage: &'a StorageHealth) -> Statements<'a> {
        Statements {
            conn: self
                .conn
                .as_mut()
                .expect("a write holds an open writer connection until it ends"),
            state: Some(&mut self.state),
            storage,
        }
    }

    /// Starts a write: the transaction if none is open, and the write's
    /// savepoint, both sent with its first statement.
    pub(super) fn start(&mut self) {
        self.state = TxState::Starting {
            joins: self.state == TxState::Open,
        };
    }

    /// Ends a write that sent no statement, so has nothing to undo or
    /// commit; `true` if that is this one.
    fn end_unsent(&mut self) -> bool {
        match self.state {
            TxState::Starting { joins } => {
                self.state = if joins { TxState::Open } else { TxState::Closed };
                true
            }
            TxState::Closed | TxState::Open => false,
        }
    }

    /// Undoes the write in progress: back to its savepoint, or the whole
    /// transaction when no done write shares it.
    pub(super) async fn undo(&mut self) -> Result<(), sqlx::Error> {
        if self.end_unsent() {
            return Ok(());
        }
        let alone = self.done.is_empty();
        let statement = if alone { "ROLLBACK" } else { "ROLLBACK TO write" };
        match self.conn()?.execute(statement).await {
            Ok(_) => {
                self.state = if alone { TxState::Closed } else { TxState::Open };
                Ok(())
            }
            Err(err) => Err(self.abandon(err)),
        }
    }

    /// Ends the write holding `turn` as done: it commits at once when no
    /// writer waits (or it fills the group), else it joins the transaction
    /// the writers waiting now will share, whose COMMIT it waits for.
    pub(super) async fn commit_in_group(mut turn: OwnedMutexGuard<Writer>) -> Result<(), sqlx::Error> {
        if turn.end_unsent() {
            return Ok(());
        }
        let (done, committed) = oneshot::channel();
        turn.done.push(done);
        if turn.done.len() >= GROUP_LIMIT || turn.queued.load(Ordering::Relaxed) == 0 {
            turn.commit().await;
        } else if turn.done.len() == 1 {
            // The first done write of this transaction: the commit
            // queues behind the writers waiting now, who join it.
            let writer = OwnedMutexGuard::mutex(&turn).clone();
            tokio::spawn(async move { writer.lock().await.commit().await });
        }
        drop(turn);
        match committed.await {
            Ok(result) => result.map_err(|failure| sqlx::Error::Database(Box::new(failure))),
            Err(_) => Err(sqlx::Error::WorkerCrashed),
        }
    }

    /// Commits the open transaction and tells its done writes.
    async fn commit(&mut self) {
        if self.done.is_empty() {
            return;
        }
        let committed = match self.conn() {
            Ok(conn) => conn.execute("COMMIT").await.map(drop),
            Err(err) => Err(err),
        };
        match committed {
            Ok(()) => {
                self.state = TxState::Closed;
                self.committed.commits.fetch_add(1, Ordering::Relaxed);
                let writes = u64::try_from(self.done.len()).unwrap_or(u64::MAX);
                self.committed.writes.fetch_add(writes, Ordering::Relaxed);
                for write in self.done.drain(..) {
                    // A writer whose client left no longer listens: nothing to tell.
                    let _ = write.send(Ok(()));
                }
            }
            Err(err) => {
                self.abandon(err);
            }
        }
    }

    /// A statement failed: the connection goes (and its transaction with
    /// it, rolled back), the done writes it held get the error, and the
    /// next writer starts on a new connection.
    pub(super) fn abandon(&mut self, err: sqlx::Error) -> sqlx::Error {
        tracing::warn!(error = %err, "the writer connection failed; its transaction is rolled back");
        self.conn = None;
        self.state = TxState::Closed;
        let trouble = StorageTrouble::of(&err);
        for write in self.done.drain(..) {
            let _ = write.send(Err(GroupFailure {
                message: format!("the transaction this write was part of failed: {err}"),
                trouble,
            }));
        }
        err
    }

    /// Closes the connection once the done writes are committed.
    async fn close(&mut self) {
        self.commit().await;
        if let Some(conn) = self.conn.take()
            && let Err(err) = sqlx::Connection::close(conn).await
        {
            tracing::warn!(error = %err, "closing the writer connection failed");
        }
    }
}

/// Where a write's statements run ([`WriteTx::conn`](crate::store::WriteTx::conn)): its connection, and
/// on SQLite's writer the statements that open the write until they are
/// sent, in front of the first statement (one round trip for both).
#[derive(Debug)]
pub(crate) struct Statements<'a> {
    conn: &'a mut AnyConnection,
    state: Option<&'a mut TxState>,
    /// Told of storage trouble a statement meets.
    storage: &'a StorageHealth,
}

impl<'a> Statements<'a> {
    /// Statements on a connection that is in its transaction already.
    pub(super) fn on(conn: &'a mut AnyConnection, storage: &'a StorageHealth) -> Self {
        Self {
            conn,
            state: None,
            storage,
        }
    }

    /// The opening statements still to be sent.
    fn opening(&self) -> Option<&'static str> {
        self.state.as_deref()?.opening()
    }

    /// [`Statements::opening`], marking them sent.
    fn take_opening(&mut self) -> Option<&'static str> {
        let opening = self.opening()?;
        if let Some(state) = self.state.as_deref_mut() {
            *state = TxState::Open;
        }
        Some(opening)
    }
}

/// `query` with `opening` in front: its SQL and arguments.
fn behind<'q, E: Execute<'q, Any>>(
    opening: &str,
    mut query: E,
) -> Result<(String, Option<sqlx::any::AnyArguments<'q>>), sqlx::Error> {
    let arguments = query.take_arguments().map_err(sqlx::Error::Encode)?;
    Ok((format!("{opening}; {}", query.sql()), arguments))
}

impl<'a> Executor<'a> for Statements<'a> {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        mut self,
        query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'a: 'e,
        E: 'q + Execute<'q, Any>,
    {
        let storage = self.storage;
        let Some(opening) = self.take_opening() else {
            return self
                .conn
                .fetch_many(query)
                .inspect_err(|err| storage.failed(err))
                .boxed();
        };
        let conn = self.conn;
        let results = async move {
            let (sql, arguments) = behind(opening, query)?;
            conn.fetch_many((sql.as_str(), arguments)).try_collect::<Vec<_>>().await
        };
        // The opening statements' own results are not the query's.
        let mut opening_results = TxState::OPENING_STATEMENTS;
        stream::once(results)
            .map_ok(|results| stream::iter(results.into_iter().map(Ok)))
            .try_flatten()
            .try_filter(move |result| {
                let opening = opening_results > 0 && result.is_left();
                opening_results -= usize::from(opening);
                std::future::ready(!opening)
            })
            .inspect_err(|err| storage.failed(err))
            .boxed()
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'a: 'e,
        E: 'q + Execute<'q, Any>,
    {
        if self.opening().is_none() {
            let storage = self.storage;
            return self
                .conn
                .fetch_optional(query)
                .inspect_err(|err| storage.failed(err))
                .boxed();
        }
        // Not the connection's own `fetch_optional`, which stops at the
        // first result, here the opening statements'.
        let mut rows = self
            .fetch_many(query)
            .try_filter_map(|result| std::future::ready(Ok(result.right())));
        Box::pin(async move { rows.try_next().await })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement<'q>, sqlx::Error>>
    where
        'a: 'e,
    {
        self.conn.prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Any>, sqlx::Error>>
    where
        'a: 'e,
    {
        self.conn.describe(sql)
    }
}

#[cfg(test)]
mod tests {
    use sqlx::{Executor as _, Row as _};

    use crate::domain::TenantId;
    use crate::store::Store;

    /// `sql` as the first (and only) statement of a write of its own,
    /// committed or rolled back: the rows affected it reports.
    async fn write(store: &Store, sql: &'static str, commit: bool) -> u64 {
        let mut tx = store.begin_write(TenantId(uuid::Uuid::nil())).await.expect("begin");
        let affected = tx.conn().execute(sql).await.expect(sql).rows_affected();
        if commit {
            tx.commit().await.expect("commit");
        } else {
            tx.rollback().await.expect("rollback");
        }
        affected
    }

    /// A write is answered once its COMMIT is on disk: the writer (and every
    /// connection) syncs the WAL at each COMMIT (`synchronous = FULL`, 2).
    #[tokio::test]
    async fn every_commit_is_synced_before_it_returns() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::connect(&format!("sqlite://{}/w.db", dir.path().display()))
            .await
            .expect("connect");
        let mut tx = store.begin_write(TenantId(uuid::Uuid::nil())).await.expect("begin");
        let writer = tx
            .conn()
            .fetch_one("PRAGMA synchronous")
            .await
            .expect("pragma")
            .get::<i64, _>(0);
        tx.commit().await.expect("commit");
        let reader = sqlx::query("PRAGMA synchronous")
            .fetch_one(&mut *store.reader().await.expect("reader"))
            .await
            .expect("pragma")
            .get::<i64, _>(0);
        assert_eq!((writer, reader), (2, 2));
        store.close().await;
    }

    /// A write's first statement carries the write's opening statements in
    /// front of it: what it answers (rows, rows affected) is its own.
    #[tokio::test]
    async fn a_first_statement_answers_for_itself_not_for_the_opening_in_front_of_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::connect(&format!("sqlite://{}/w.db", dir.path().display()))
            .await
            .expect("connect");
        write(&store, "CREATE TEMP TABLE probe (n INTEGER)", true).await;
        assert_eq!(write(&store, "INSERT INTO probe VALUES (1), (2), (3)", true).await, 3);
        // SQLite reports the last change count for BEGIN and SAVEPOINT too (3, here).
        assert_eq!(write(&store, "UPDATE probe SET n = n + 1 WHERE n < 3", true).await, 2);

        let mut tx = store.begin_write(TenantId(uuid::Uuid::nil())).await.expect("begin");
        let first = tx
            .conn()
            .fetch_optional("SELECT n FROM probe ORDER BY n")
            .await
            .expect("read");
        assert_eq!(first.map(|row| row.get::<i64, _>(0)), Some(2));
        let all = tx
            .conn()
            .fetch_all("SELECT n FROM probe ORDER BY n")
            .await
            .expect("read");
        assert_eq!(
            all.iter().map(|row| row.get::<i64, _>(0)).collect::<Vec<_>>(),
            [2, 3, 3]
        );
        tx.commit().await.expect("commit");

        assert_eq!(write(&store, "DELETE FROM probe", false).await, 3);
        assert_eq!(
            write(&store, "UPDATE probe SET n = n", false).await,
            3,
            "the rolled-back delete undid itself"
        );
        store.close().await;
    }
}
