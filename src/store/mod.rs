//! Persistence: one query layer over sqlx's `Any` driver, so the same SQL
//! runs on the embedded SQLite file and on PostgreSQL. Queries use `$n`
//! placeholders and portable types only (see `migrations/`).

pub mod admission;
pub mod changes;
pub mod credentials;
pub mod idempotency;
mod readers;
pub mod related_users;
pub mod relationship_users;
pub mod relationships;
pub mod setup;
mod sqlite_file;
pub mod storage;
pub mod tenants;
pub mod users;
pub mod webhooks;
pub use sqlite_file::sqlite_file;
use sqlite_file::{make_private, sqlite_url};
mod write;
mod writer;

pub use write::{Aggregate, Removable, WriteError, WriteTx};
pub use writer::WriterCommits;

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
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

    /// A JSON array of one array of `items` per row, in no particular order
    /// (an ordered aggregate costs a sort per row read; readers sort what
    /// they need, e.g. by a position among the items); `[]` when there are
    /// no rows. A JSON value: [`Engine::json_member`] of a subquery.
    pub(crate) fn json_rows(self, items: &[&str]) -> String {
        let items = items.join(", ");
        match self {
            Engine::Sqlite => format!("json_group_array(json_array({items}))"),
            Engine::Postgres => format!("COALESCE(json_agg(json_build_array({items})), '[]'::json)"),
        }
    }

    /// One JSON array of `items`, a JSON value as [`Engine::json_rows`].
    pub(crate) fn json_array(self, items: &[&str]) -> String {
        let items = items.join(", ");
        match self {
            Engine::Sqlite => format!("json_array({items})"),
            Engine::Postgres => format!("json_build_array({items})"),
        }
    }

    /// The elements of the JSON array bound as `param`, as rows of one
    /// column, `value` (a member is `value ->> N`, as text or NULL): one
    /// statement, of one text, that writes any number of rows.
    pub(crate) fn json_elements(self, param: &str) -> String {
        match self {
            Engine::Sqlite => format!("json_each({param})"),
            Engine::Postgres => format!("jsonb_array_elements(CAST({param} AS JSONB))"),
        }
    }

    /// A select list of `members` (name, SQL expression), as the engine's
    /// rows are read fastest: on SQLite one JSON object (text) named `row`,
    /// since the driver copies each value it hands over and `Any` converts
    /// each once more; on PostgreSQL a column each, since building JSON
    /// costs the server more than sending columns (and the server is what
    /// instances share).
    pub(crate) fn row_of(self, members: &[(&str, String)]) -> String {
        match self {
            Engine::Sqlite => {
                let members: Vec<String> = members.iter().map(|(name, expr)| format!("'{name}', {expr}")).collect();
                format!("json_object({}) AS row", members.join(", "))
            }
            Engine::Postgres => {
                let columns: Vec<String> = members.iter().map(|(name, expr)| format!("{expr} AS {name}")).collect();
                columns.join(", ")
            }
        }
    }

    /// A JSON value (a subquery or a `CASE` of one) as a member of
    /// [`Engine::row_of`]: SQLite marks JSON text by a subtype that such
    /// expressions are not promised to keep (`json()` marks it again); a
    /// PostgreSQL column of JSON is read as text.
    pub(crate) fn json_member(self, expr: &str) -> String {
        match self {
            Engine::Sqlite => format!("json({expr})"),
            Engine::Postgres => format!("CAST({expr} AS TEXT)"),
        }
    }

    /// How many connections the pool keeps by default.
    pub fn default_pool(self) -> u32 {
        match self {
            Engine::Sqlite => 8,
            Engine::Postgres => 16,
        }
    }

    /// What every new connection runs first: on SQLite its pragmas, on
    /// PostgreSQL the statement timeout.
    ///
    /// `synchronous = FULL`: in WAL mode each COMMIT syncs the WAL before it
    /// returns, so a write answered 2xx survives power loss and an OS crash
    /// (`NORMAL` syncs only at checkpoints: consistent, but the last commits
    /// may go). The writer's group commit (`store::writer::Writer`) keeps
    /// the cost to one sync per group of writes that waited for each other.
    fn setup(self) -> Option<&'static str> {
        match self {
            Engine::Sqlite => Some(
                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL;",
            ),
            // No statement holds a connection longer than this; one that
            // would is cancelled (57014: answered 503, see `AppError`).
            Engine::Postgres => Some("SET statement_timeout = 5000"),
        }
    }

    /// Refreshes, within limits, the statistics that let SQLite's planner
    /// pick the list filters' indexes (`optimize`, which runs `ANALYZE`
    /// where a table changed enough). It writes them, so it takes the
    /// database's write lock: it runs where nothing waits for that, at
    /// start-up (after the migrations) and when the writer connection
    /// opens, not on each read connection as it opens (several opening at
    /// once under load, after a table grew, each waited for the others'
    /// `ANALYZE`, and a read waited seconds). Nothing to do on PostgreSQL,
    /// whose autovacuum keeps them.
    async fn refresh_statistics(self, conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
        if self == Engine::Sqlite {
            conn.execute("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")
                .await?;
        }
        Ok(())
    }

    /// Runs [`Engine::setup`] on a new connection.
    async fn set_up(self, conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
        if let Some(setup) = self.setup() {
            conn.execute(setup).await?;
        }
        Ok(())
    }
}

/// A connection pool to either engine. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    connections: Connections,
    options: AnyConnectOptions,
    /// The SQLite file (`None` on PostgreSQL): the token key file's default
    /// place is beside it.
    file: Option<Arc<Path>>,
    /// What the writes met last: storage trouble, or none.
    storage: Arc<storage::StorageHealth>,
    /// Each tenant's and caller's share of the connections.
    admission: Arc<admission::Admission>,
    /// What this process's commits tell of the changes they recorded.
    changed: Arc<changes::Signal>,
    /// Seals what is kept but must not be readable at rest (answers kept
    /// for an `Idempotency-Key`); given once, by the app's context.
    sealer: Arc<std::sync::OnceLock<crate::domain::sealed::Sealer>>,
    /// The webhook delivery attempts this process made (for the metrics).
    attempts: Arc<webhooks::Attempts>,
}

/// Where a store's reads and writes run.
#[derive(Clone, Debug)]
enum Connections {
    Sqlite {
        /// Read connections of their own, a fixed set.
        readers: Arc<readers::Readers>,
        /// SQLite has one writer at a time: in-process writers queue here
        /// (in arrival order) instead of polling SQLite's busy handler, and
        /// take turns on one connection kept for writing (opened when first
        /// needed), sharing transactions under load ([`writer::Writer`]). Its
        /// page cache stays valid from one write to the next, where a pool
        /// connection's would have been invalidated by the writes of the others.
        writer: writer::Turns,
    },
    /// PostgreSQL: one pool for reads and writes, each write a transaction
    /// of its own that locks the rows it reads.
    Postgres(AnyPool),
}

/// A connection of a read's own, for as long as the read holds it, and
/// the share it was admitted with ([`admission`]).
pub(crate) struct Reader {
    conn: ReaderConn,
    _admitted: Option<admission::Admitted>,
}

enum ReaderConn {
    Sqlite(readers::Lease),
    Pooled(sqlx::pool::PoolConnection<sqlx::Any>),
}

impl Deref for Reader {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &sqlx::AnyConnection {
        match &self.conn {
            ReaderConn::Sqlite(lease) => lease,
            ReaderConn::Pooled(conn) => conn,
        }
    }
}

impl DerefMut for Reader {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        match &mut self.conn {
            ReaderConn::Sqlite(lease) => lease,
            ReaderConn::Pooled(conn) => conn,
        }
    }
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

/// How long a request waits for a free connection, on either engine.
pub(crate) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Connects to `url`. A SQLite file (and its folder) is created when
    /// missing, and every SQLite connection runs in WAL mode with foreign
    /// keys on and a busy timeout. A failure names the file or the server,
    /// and the cause.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::connect_with(url, None).await
    }

    /// [`Store::connect`] with a pool of `pool` connections (the engine's
    /// default when `None`: see [`Engine::default_pool`]).
    pub async fn connect_with(url: &str, pool: Option<u32>) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let engine = Engine::of_url(url);
        let options = match engine {
            Engine::Sqlite => AnyConnectOptions::from_str(&sqlite_url(url)?),
            Engine::Postgres => AnyConnectOptions::from_str(url),
        }
        .context("the database URL is malformed")?;
        // What failures name: the file, or the server (never a password).
        let target = match engine {
            Engine::Sqlite => format!("the SQLite database {}", sqlite_file(url).map_err(anyhow::Error::msg)?),
            Engine::Postgres => format!("PostgreSQL at {}", postgres_server(&options)),
        };
        // One plain connection first, set up as the pool's will be: the pool
        // retries a refused connection (or a failing set-up) until its
        // timeout, and then says only "pool timed out".
        let probe = async { sqlx::Connection::close(open(&options, engine).await?).await };
        match tokio::time::timeout(CONNECT_TIMEOUT, probe).await {
            Err(_) => anyhow::bail!("cannot open {target}: no answer within {} s", CONNECT_TIMEOUT.as_secs()),
            Ok(Err(err)) => anyhow::bail!("cannot open {target}: {}", cause(&err)),
            Ok(Ok(())) => {}
        }
        let size = pool.unwrap_or(engine.default_pool());
        if engine == Engine::Sqlite {
            let file: Arc<Path> = Path::new(sqlite_file(url).map_err(anyhow::Error::msg)?).into();
            make_private(&file);
            return Ok(Self {
                file: Some(file),
                ..Self::sqlite(options, size)
            });
        }
        let pool = AnyPoolOptions::new()
            .max_connections(size)
            // A restart or a network can break PostgreSQL's connections: one
            // that sat idle is checked with a round trip before it is used
            // (and replaced if broken); one in steady use is not, as a
            // failure would have shown on its last use moments ago.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= CHECK_AFTER_IDLE {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _meta| Box::pin(engine.set_up(conn)))
            .connect_with(options.clone())
            .await
            .map_err(|err| anyhow::anyhow!("cannot open {target}: {}", cause(&err)))?;
        Ok(Self {
            connections: Connections::Postgres(pool),
            options,
            file: None,
            storage: Arc::default(),
            admission: Arc::new(admission::Admission::new(size)),
            changed: Arc::default(),
            sealer: Arc::default(),
            attempts: Arc::default(),
        })
    }

    /// A SQLite store of `readers` read connections and one writer, each
    /// opened when first needed.
    fn sqlite(options: AnyConnectOptions, readers: u32) -> Self {
        Self {
            connections: Connections::Sqlite {
                readers: readers::Readers::new(options.clone(), readers),
                writer: writer::Turns::new(),
            },
            options,
            file: None,
            storage: Arc::default(),
            admission: Arc::new(admission::Admission::new(readers)),
            changed: Arc::default(),
            sealer: Arc::default(),
            attempts: Arc::default(),
        }
    }

    /// A connection for one read, or one statement of its own (autocommit).
    /// Admitted under the share of the caller being served ([`admission`]).
    pub(crate) async fn reader(&self) -> Result<Reader, sqlx::Error> {
        let admitted = self.admission.admit().await?;
        let conn = match &self.connections {
            Connections::Sqlite { readers, .. } => ReaderConn::Sqlite(readers.acquire().await?),
            Connections::Postgres(pool) => ReaderConn::Pooled(pool.acquire().await?),
        };
        Ok(Reader {
            conn,
            _admitted: admitted,
        })
    }

    /// A new connection outside the pool, set up as the pool's are.
    pub(crate) async fn open_connection(&self) -> Result<sqlx::AnyConnection, sqlx::Error> {
        open(&self.options, self.engine()).await
    }

    /// A store that connects only when first used (never, for the spec writer).
    pub fn detached() -> Self {
        sqlx::any::install_default_drivers();
        let options = AnyConnectOptions::from_str("sqlite::memory:").expect("an in-memory SQLite URL always parses");
        Self::sqlite(options, 1)
    }

    /// Applies the embedded migrations that have not run yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self.reader().await?;
        // A migration may rewrite a large table: no statement timeout for it.
        if self.engine() == Engine::Postgres {
            conn.execute("SET statement_timeout = 0").await?;
        }
        MIGRATOR.run(&mut *conn).await.context("migrations failed")?;
        if let Some(setup) = self.engine().setup() {
            conn.execute(setup).await?;
        }
        self.engine().refresh_statistics(&mut conn).await?;
        drop(conn);
        // Earlier versions kept the demo's credentials in plain text: gone,
        // the demo makes new ones (see `demo::seed`).
        self.forget_settings(&credentials::PLAIN_DEMO_SECRETS).await?;
        Ok(())
    }

    /// Whether the database answers a trivial query; on success, how long
    /// getting a connection from the pool took.
    pub async fn ping(&self) -> Result<Duration, sqlx::Error> {
        let started = Instant::now();
        let mut conn = self.reader().await?;
        let waited = started.elapsed();
        sqlx::query("SELECT 1").execute(&mut *conn).await?;
        Ok(waited)
    }

    /// How long getting a connection from the pool takes now: a probe of
    /// what a query starting at this moment would wait.
    pub async fn acquire_wait(&self) -> Result<Duration, sqlx::Error> {
        let started = Instant::now();
        drop(self.reader().await?);
        Ok(started.elapsed())
    }

    /// What SQLite's writer has committed since start-up (zero on PostgreSQL,
    /// where each write commits its own transaction).
    pub fn writer_commits(&self) -> WriterCommits {
        match &self.connections {
            Connections::Sqlite { writer, .. } => writer.commits(),
            Connections::Postgres(_) => WriterCommits::default(),
        }
    }

    /// Whether writes meet storage trouble (see [`storage::StorageHealth`]).
    pub fn storage(&self) -> &storage::StorageHealth {
        &self.storage
    }

    /// A write that changes nothing but still reaches the disk (one row of
    /// the migrations table, rewritten as it is): whether storage takes
    /// writes again, for readiness while the last write met storage trouble.
    pub async fn probe_write(&self) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write(crate::domain::TenantId(uuid::Uuid::nil())).await?;
        tx.conn()
            .execute(
                "UPDATE _sqlx_migrations SET success = success \
                 WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
            )
            .await?;
        tx.commit().await
    }

    /// The connection pool's current state.
    pub fn pool_status(&self) -> PoolStatus {
        match &self.connections {
            Connections::Sqlite { readers, .. } => readers.status(),
            Connections::Postgres(pool) => PoolStatus {
                open: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            },
        }
    }

    /// How long a request waits for a free connection before it is told the
    /// database is busy.
    pub fn acquire_timeout(&self) -> Duration {
        ACQUIRE_TIMEOUT
    }

    /// Which database this is, for people: "the SQLite database
    /// data/liaison.db", "PostgreSQL at db.example.com:5432/liaison".
    pub fn describe(&self) -> String {
        match &self.file {
            Some(file) => format!("the SQLite database {}", file.display()),
            None => format!(
                "PostgreSQL at {}{}",
                postgres_server(&self.options),
                self.options.database_url.path()
            ),
        }
    }

    /// The SQLite file this store keeps its data in (`None` on PostgreSQL).
    pub fn sqlite_path(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Seals with `sealer` from now on what must not be readable at rest
    /// (a second sealer is ignored: one key per store).
    pub fn seal_with(&self, sealer: crate::domain::sealed::Sealer) {
        let _ = self.sealer.set(sealer);
    }

    /// `text` sealed for `binding` with this store's sealer (`None` before it has one).
    pub fn seal(&self, binding: &str, text: &str) -> Option<String> {
        self.sealer.get().map(|sealer| sealer.seal(binding, text))
    }

    /// The text `sealed` holds, sealed for `binding` by this store's sealer.
    pub fn open_sealed(&self, binding: &str, sealed: &str) -> Option<String> {
        self.sealer.get()?.open(binding, sealed)
    }

    pub(crate) fn engine(&self) -> Engine {
        match self.connections {
            Connections::Sqlite { .. } => Engine::Sqlite,
            Connections::Postgres(_) => Engine::Postgres,
        }
    }

    pub async fn close(&self) {
        match &self.connections {
            Connections::Sqlite { readers, writer } => {
                writer.close().await;
                readers.close().await;
            }
            Connections::Postgres(pool) => pool.close().await,
        }
    }
}

/// A new connection to `options`, set up as every connection of `engine` is.
async fn open(options: &AnyConnectOptions, engine: Engine) -> Result<sqlx::AnyConnection, sqlx::Error> {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect_with(options).await?;
    engine.set_up(&mut conn).await?;
    Ok(conn)
}

/// How long a PostgreSQL connection may sit idle in the pool and still be
/// used without a check (as HikariCP's validation bypass, 500 ms).
const CHECK_AFTER_IDLE: Duration = Duration::from_millis(500);

/// How long the first connection at start-up may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// `host:port` of a PostgreSQL URL (credentials left out).
fn postgres_server(options: &AnyConnectOptions) -> String {
    let url = &options.database_url;
    match url.host_str() {
        Some(host) => format!("{host}:{}", url.port().unwrap_or(5432)),
        None => "the default local socket".to_string(),
    }
}

/// What went wrong, in the words of whatever failed underneath: the
/// operating system's ("Connection refused") or the database's.
fn cause(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::Tls(tls) => format!("TLS: {tls}"),
        other => other.to_string(),
    }
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
/// one statement (which also starts the sequence), so concurrent callers get
/// distinct numbers.
pub(crate) async fn next_number_on<'c>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Any>,
    tenant: crate::domain::TenantId,
    name: &str,
) -> Result<i64, sqlx::Error> {
    next_numbers_on(executor, tenant, name, 1).await
}

/// The first of the next `count` numbers of the tenant's sequence `name`.
pub(crate) async fn next_numbers_on<'c>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Any>,
    tenant: crate::domain::TenantId,
    name: &str,
    count: i64,
) -> Result<i64, sqlx::Error> {
    let last: i64 = sqlx::query_scalar(
        "INSERT INTO counters (tenant_id, name, value) VALUES ($1, $2, $3) \
         ON CONFLICT (tenant_id, name) DO UPDATE SET value = counters.value + excluded.value RETURNING value",
    )
    .bind(tenant.to_string())
    .bind(name)
    .bind(count)
    .fetch_one(executor)
    .await?;
    Ok(last - count + 1)
}

/// A timestamp as stored: RFC 3339, UTC, microseconds, fixed width.
/// `query` with `values` bound in order (a list's conditions).
pub(crate) fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    values: &[String],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for v in values {
        query = query.bind(v.clone());
    }
    query
}

/// The condition that a row comes after `position` in a list sorted by
/// `sort` then `id` (both columns as the query names them), with the two
/// values it binds from `$first`: a row-value comparison, which either
/// engine answers from the list's index, so a page deep in the list costs
/// what the first does.
pub(crate) fn keyset_after(
    position: crate::domain::Position,
    (sort, id): (&str, &str),
    descending: bool,
    first: usize,
) -> (String, [String; 2]) {
    let op = if descending { "<" } else { ">" };
    let condition = format!("({sort}, {id}) {op} (${first}, ${})", first + 1);
    (condition, [to_db_time(position.at), position.id.to_string()])
}

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
