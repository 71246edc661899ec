//! Liveness and readiness.

use poem_openapi::{ApiResponse, OpenApi};

use crate::api::ProblemError;
use crate::codec::Negotiated;
use crate::context::ApiContext;
use crate::dialects::ApiTag;
use crate::error::{AppError, StorageTrouble};

pub struct HealthApi {
    ctx: ApiContext,
}

impl HealthApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }
}

crate::wire! {
    /// The state of a probe.
    #[derive(Debug)]
    pub struct Health {
        /// `ok` for liveness, `ready` for readiness.
        pub status: String,
    }
}

#[derive(ApiResponse)]
pub enum HealthResponse {
    /// The service is up.
    #[oai(status = 200)]
    Ok(Negotiated<Health>),
}

#[OpenApi(tag = "ApiTag::Health")]
impl HealthApi {
    /// Liveness
    ///
    /// Answers 200 while the process serves requests; checks nothing else.
    #[oai(path = "/healthz", method = "get", operation_id = "getHealth")]
    async fn health_get(&self) -> HealthResponse {
        HealthResponse::Ok(Negotiated(Health { status: "ok".into() }))
    }

    /// Readiness
    ///
    /// Answers 200 when the database answers a query and takes writes, else
    /// 503 problem details. A database whose every connection is in use is
    /// busy, not down: still ready (the wait shows in
    /// `liaison_db_pool_acquire_seconds`). While the last write failed because storage is
    /// full or read-only, each check first tries a write that changes
    /// nothing: not ready (503 naming the trouble, with `Retry-After`) until
    /// that write, or any other, succeeds.
    #[oai(path = "/readyz", method = "get", operation_id = "getReadiness")]
    async fn readiness_get(&self) -> Result<HealthResponse, ProblemError> {
        let store = &self.ctx.store;
        let waited = match store.ping().await {
            Ok(waited) => waited,
            // Every connection in use while some are open: saturated, not
            // unreachable. The wait is in the acquire histogram for operators.
            Err(sqlx::Error::PoolTimedOut) if store.pool_status().open > 0 => store.acquire_timeout(),
            Err(err) => {
                tracing::warn!(error = %err, "readiness check failed");
                return Err(AppError::Unavailable("the database is unreachable").into());
            }
        };
        self.ctx.metrics.observe_acquire(waited);
        if let Some(trouble) = store.storage().trouble() {
            if let Err(err) = store.probe_write().await {
                tracing::warn!(error = %err, "readiness: the probe write failed");
                return Err(AppError::Storage(StorageTrouble::of(&err).unwrap_or(trouble)).into());
            }
        }
        Ok(HealthResponse::Ok(Negotiated(Health { status: "ready".into() })))
    }
}
