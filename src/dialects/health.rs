//! Liveness and readiness.

use poem_openapi::{ApiResponse, OpenApi};

use crate::api::ProblemError;
use crate::codec::Negotiated;
use crate::context::ApiContext;
use crate::dialects::ApiTag;
use crate::error::AppError;

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
    /// Answers 200 when the database answers a query, else 503 problem details.
    #[oai(path = "/readyz", method = "get", operation_id = "getReadiness")]
    async fn readiness_get(&self) -> Result<HealthResponse, ProblemError> {
        let waited = self.ctx.store.ping().await.map_err(|err| {
            tracing::warn!(error = %err, "readiness check failed");
            AppError::Unavailable("the database is unreachable")
        })?;
        self.ctx.metrics.observe_acquire(waited);
        Ok(HealthResponse::Ok(Negotiated(Health { status: "ready".into() })))
    }
}
