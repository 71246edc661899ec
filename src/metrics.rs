//! What an operator scrapes: `GET /metrics` in the Prometheus text format.
//!
//! Every request is counted and timed by the front line under its
//! operationId (the spec's routes decide it, so the label set is bounded:
//! paths outside the spec are `docs`, `metrics` or `unmatched`, never the raw
//! path). Pool gauges are read when scraped; each scrape and each readiness
//! check also times getting a connection from the pool. Every app has its
//! own registry, so two servers in one process never mix their counts.
//!
//! `/metrics` is outside the OpenAPI service (it is not part of the API) and
//! needs no token. With `--metrics-bind` it is served on its own address
//! instead of the main one.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use poem::http::{Method, StatusCode, header};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, EndpointExt, Request, Response, Route};
use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TEXT_FORMAT, TextEncoder,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::document::routes::RouteTable;
use crate::error::AppError;
use crate::store::Store;
use crate::store::storage::StorageTrouble;
use crate::store::webhooks::Outcome;

/// Where the metrics are served.
pub const PATH: &str = "/metrics";

/// The operationId of the token endpoint, whose outcomes are also counted
/// as token issuances and failures.
const TOKEN_OPERATION: &str = "createToken";

/// Request-duration buckets, in seconds: fine between 0.1 ms and 50 ms,
/// where this service's requests fall, coarser up to the slow tail
/// (token requests hash a secret, tens of milliseconds).
const DURATION_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Pool-acquisition buckets, in seconds: an idle connection is handed out
/// in microseconds; a saturated pool makes callers wait up to its timeout.
const ACQUIRE_BUCKETS: &[f64] = &[
    0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0,
];

/// How long a scrape waits for a pool connection before it reports a failure.
const ACQUIRE_PROBE_LIMIT: Duration = Duration::from_secs(1);

/// Why the token endpoint refused, as RFC 6749 section 5.2 answers it:
/// 401 is `invalid_client`, other 4xx `invalid_request` (also an invalid
/// scope or an unsupported grant type), 503 `unavailable`, other 5xx `server_error`.
const TOKEN_FAILURE_REASONS: &[&str] = &["invalid_client", "invalid_request", "unavailable", "server_error"];

/// The metrics of one app.
pub struct Metrics {
    registry: Registry,
    store: Store,
    requests: IntCounterVec,
    durations: HistogramVec,
    in_flight: IntGauge,
    tokens_issued: IntCounter,
    token_failures: IntCounterVec,
    pool_connections: IntGaugeVec,
    pool_max: IntGauge,
    pool_acquire: Histogram,
    pool_acquire_failures: IntCounter,
    writer_commits: IntCounter,
    writer_writes: IntCounter,
    storage_failures: IntCounterVec,
    changes_recorded: IntCounter,
    webhook_attempts: IntCounterVec,
    webhook_oldest: prometheus::GaugeVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// The metrics of an app over `store`, all registered, counters at zero.
    pub fn new(store: Store) -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "liaison_http_requests_total",
                "HTTP requests answered, by operationId and status code.",
            ),
            &["operation_id", "status"],
        )
        .expect("valid metric");
        let durations = HistogramVec::new(
            HistogramOpts::new(
                "liaison_http_request_duration_seconds",
                "Time from a request's arrival to its response, by operationId and status code.",
            )
            .buckets(DURATION_BUCKETS.to_vec()),
            &["operation_id", "status"],
        )
        .expect("valid metric");
        let in_flight =
            IntGauge::new("liaison_http_requests_in_flight", "Requests being handled now.").expect("valid metric");
        let tokens_issued = IntCounter::new(
            "liaison_tokens_issued_total",
            "Access tokens issued by the token endpoint.",
        )
        .expect("valid metric");
        let token_failures = IntCounterVec::new(
            Opts::new(
                "liaison_token_failures_total",
                "Token requests refused, by reason: invalid_client (401), invalid_request (other 4xx), \
                 unavailable (503), server_error (other 5xx).",
            ),
            &["reason"],
        )
        .expect("valid metric");
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "liaison_db_pool_connections",
                "Open database connections, by state (idle, in_use); read when scraped.",
            ),
            &["state"],
        )
        .expect("valid metric");
        let pool_max = IntGauge::new(
            "liaison_db_pool_max_connections",
            "The most database connections the pool opens.",
        )
        .expect("valid metric");
        let pool_acquire = Histogram::with_opts(
            HistogramOpts::new(
                "liaison_db_pool_acquire_seconds",
                "Time to get a connection from the pool, probed by each scrape and each readiness check.",
            )
            .buckets(ACQUIRE_BUCKETS.to_vec()),
        )
        .expect("valid metric");
        let pool_acquire_failures = IntCounter::new(
            "liaison_db_pool_acquire_failures_total",
            "Probes that got no connection from the pool (the database is unreachable, or the pool \
             stayed exhausted for 1 s).",
        )
        .expect("valid metric");
        let writer_commits = IntCounter::new(
            "liaison_db_writer_commits_total",
            "SQLite: COMMITs of the writer connection; read when scraped.",
        )
        .expect("valid metric");
        let writer_writes = IntCounter::new(
            "liaison_db_writer_writes_total",
            "SQLite: writes those COMMITs committed (several share one under load); read when scraped.",
        )
        .expect("valid metric");
        let changes_recorded = IntCounter::new(
            "liaison_changes_recorded_total",
            "Change records this process's writes committed (`/api/changes`); read when scraped.",
        )
        .expect("valid metric");
        let webhook_attempts = IntCounterVec::new(
            Opts::new(
                "liaison_webhook_deliveries_total",
                "Webhook delivery attempts this process made, by outcome (delivered, retrying, failed); \
                 read when scraped.",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        for outcome in Outcome::NAMES {
            webhook_attempts.with_label_values(&[*outcome]);
        }
        let webhook_oldest = prometheus::GaugeVec::new(
            Opts::new(
                "liaison_webhook_oldest_undelivered_seconds",
                "Per active webhook (its entityId) with changes not delivered yet, the age of the oldest; \
                 read from the database when scraped.",
            ),
            &["webhook"],
        )
        .expect("valid metric");
        let storage_failures = IntCounterVec::new(
            Opts::new(
                "liaison_storage_failures_total",
                "Writes refused because storage is full, read-only or failing (kind); read when scraped.",
            ),
            &["kind"],
        )
        .expect("valid metric");
        for kind in StorageTrouble::ALL {
            storage_failures.with_label_values(&[kind.label()]);
        }
        let build_info = IntGaugeVec::new(
            Opts::new("liaison_build_info", "Always 1; the running build's version."),
            &["version"],
        )
        .expect("valid metric");
        build_info.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        for reason in TOKEN_FAILURE_REASONS {
            token_failures.with_label_values(&[*reason]);
        }
        let collectors: [Box<dyn prometheus::core::Collector>; 16] = [
            Box::new(requests.clone()),
            Box::new(durations.clone()),
            Box::new(in_flight.clone()),
            Box::new(tokens_issued.clone()),
            Box::new(token_failures.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_max.clone()),
            Box::new(pool_acquire.clone()),
            Box::new(pool_acquire_failures.clone()),
            Box::new(writer_commits.clone()),
            Box::new(writer_writes.clone()),
            Box::new(storage_failures.clone()),
            Box::new(changes_recorded.clone()),
            Box::new(webhook_attempts.clone()),
            Box::new(webhook_oldest.clone()),
            Box::new(build_info),
        ];
        for collector in collectors {
            registry.register(collector).expect("metric names are distinct");
        }
        Self {
            registry,
            store,
            requests,
            durations,
            in_flight,
            tokens_issued,
            token_failures,
            pool_connections,
            pool_max,
            pool_acquire,
            pool_acquire_failures,
            writer_commits,
            writer_writes,
            storage_failures,
            changes_recorded,
            webhook_attempts,
            webhook_oldest,
        }
    }

    /// Starts timing `req`; the request counts as in flight until the timer
    /// is finished or dropped.
    pub fn start(&self, routes: &RouteTable, req: &Request) -> RequestTimer<'_> {
        self.in_flight.inc();
        RequestTimer {
            metrics: self,
            operation: operation_label(routes, req.method(), req.uri().path()),
            started: Instant::now(),
        }
    }

    /// Records how long a pool acquisition took (a readiness check's, say).
    pub fn observe_acquire(&self, waited: Duration) {
        self.pool_acquire.observe(waited.as_secs_f64());
    }

    /// Every metric in the Prometheus text format, pool state read now.
    pub async fn render(&self) -> String {
        let pool = self.store.pool_status();
        self.pool_connections
            .with_label_values(&["idle"])
            .set(i64::from(pool.idle));
        self.pool_connections
            .with_label_values(&["in_use"])
            .set(i64::from(pool.open.saturating_sub(pool.idle)));
        self.pool_max.set(i64::from(pool.max));
        let committed = self.store.writer_commits();
        for (counter, now) in [
            (&self.writer_commits, committed.commits),
            (&self.writer_writes, committed.writes),
            (&self.changes_recorded, self.store.changes_recorded()),
        ] {
            counter.inc_by(now.saturating_sub(counter.get()));
        }
        for (outcome, now) in self.store.attempts_counted() {
            let counter = self.webhook_attempts.with_label_values(&[outcome.as_str()]);
            counter.inc_by(now.saturating_sub(counter.get()));
        }
        self.webhook_oldest.reset();
        match self.store.webhook_backlog().await {
            Ok(backlog) => {
                let now = crate::store::now();
                for (webhook, oldest) in backlog {
                    let age = (now - oldest).num_milliseconds().max(0) as f64 / 1000.0;
                    self.webhook_oldest.with_label_values(&[&webhook]).set(age);
                }
            }
            Err(err) => tracing::warn!(error = %err, "metrics: the webhook backlog cannot be read"),
        }
        for (kind, now) in self.store.storage().failures() {
            let counter = self.storage_failures.with_label_values(&[kind.label()]);
            counter.inc_by(now.saturating_sub(counter.get()));
        }
        match tokio::time::timeout(ACQUIRE_PROBE_LIMIT, self.store.acquire_wait()).await {
            Ok(Ok(waited)) => self.observe_acquire(waited),
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "metrics: no database connection");
                self.pool_acquire_failures.inc();
            }
            Err(_) => self.pool_acquire_failures.inc(),
        }
        TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_else(|err| {
                tracing::error!(error = %err, "metrics: encoding failed");
                String::new()
            })
    }

    fn finish(&self, operation: &str, status: StatusCode, elapsed: Duration) {
        let status_label = status.as_str();
        self.requests.with_label_values(&[operation, status_label]).inc();
        self.durations
            .with_label_values(&[operation, status_label])
            .observe(elapsed.as_secs_f64());
        if operation == TOKEN_OPERATION {
            match status.as_u16() {
                200 => self.tokens_issued.inc(),
                401 => self.token_failures.with_label_values(&["invalid_client"]).inc(),
                503 => self.token_failures.with_label_values(&["unavailable"]).inc(),
                code if code >= 500 => self.token_failures.with_label_values(&["server_error"]).inc(),
                code if code >= 400 => self.token_failures.with_label_values(&["invalid_request"]).inc(),
                _ => {}
            }
        }
    }
}

/// A request being timed (see [`Metrics::start`]).
pub struct RequestTimer<'a> {
    metrics: &'a Metrics,
    operation: String,
    started: Instant,
}

impl RequestTimer<'_> {
    /// Counts the request under its operation and `status`.
    pub fn finish(self, status: StatusCode) {
        self.metrics.finish(&self.operation, status, self.started.elapsed());
    }
}

impl Drop for RequestTimer<'_> {
    fn drop(&mut self) {
        self.metrics.in_flight.dec();
    }
}

/// The `operation_id` label of a request: the spec's operationId, or one
/// of a fixed few for everything else.
fn operation_label(routes: &RouteTable, method: &Method, path: &str) -> String {
    if let Some(id) = routes.operation_id(method.as_str(), path) {
        return id.to_string();
    }
    let label = if path == PATH {
        "metrics"
    } else if path == "/docs"
        || path.starts_with("/docs/")
        || path == "/openapi.json"
        || path == "/openapi.yaml"
        || path.starts_with("/schemas/")
    {
        "docs"
    } else {
        "unmatched"
    };
    label.to_string()
}

/// `GET /metrics` (and `HEAD`): the exposition, no token needed.
pub fn endpoint(metrics: Arc<Metrics>) -> impl Endpoint<Output = Response> + 'static {
    poem::endpoint::make(move |req: Request| {
        let metrics = metrics.clone();
        async move {
            if req.method() != Method::GET && req.method() != Method::HEAD {
                return Err(AppError::MethodNotAllowed {
                    allow: vec!["GET".into(), "HEAD".into()],
                }
                .into());
            }
            Ok::<_, poem::Error>(
                Response::builder()
                    .header(header::CONTENT_TYPE, TEXT_FORMAT)
                    .header(header::CACHE_CONTROL, "no-store")
                    .body(metrics.render().await),
            )
        }
    })
    .map_to_response()
}

/// `/metrics` served on its own address (`--metrics-bind`).
pub struct MetricsServer {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Binds `bind` and serves only `/metrics` there, until stopped.
pub async fn serve(metrics: Arc<Metrics>, bind: SocketAddr) -> anyhow::Result<MetricsServer> {
    let acceptor = TcpListener::bind(bind.to_string())
        .into_acceptor()
        .await
        .with_context(|| format!("cannot listen on {bind} for metrics"))?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .context("the metrics listener has no socket address")?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = Route::new().at(PATH, endpoint(metrics));
    let server = poem::Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(
        app,
        async move {
            let _ = stopped.await;
        },
        Some(Duration::from_secs(5)),
    );
    Ok(MetricsServer {
        addr,
        stop,
        task: tokio::spawn(server),
    })
}

impl MetricsServer {
    /// Stops the metrics listener and waits for it.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await.context("the metrics server task panicked")??;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_spec_get_fixed_labels() {
        let routes = RouteTable::of::<crate::dialects::Apis>().expect("a table");
        let label = |method: Method, path: &str| operation_label(&routes, &method, path);
        assert_eq!(label(Method::GET, "/healthz"), "getHealth");
        assert_eq!(label(Method::HEAD, "/healthz"), "getHealth");
        assert_eq!(label(Method::DELETE, "/healthz"), "unmatched");
        assert_eq!(label(Method::GET, "/metrics"), "metrics");
        assert_eq!(label(Method::GET, "/docs/index.css"), "docs");
        assert_eq!(label(Method::GET, "/openapi.json"), "docs");
        assert_eq!(label(Method::GET, "/schemas/liaison.xsd"), "docs");
        assert_eq!(label(Method::GET, "/no/such/path/4711"), "unmatched");
    }
}
