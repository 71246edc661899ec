//! The HTTP API: one module per dialect or area, each one `#[OpenApi]` impl.
//! The annotated handlers are the contract: the OpenAPI document is
//! generated from them.

pub mod health;
pub mod organizations;

use poem_openapi::{OpenApiService, Tags};

use crate::domain::TenantId;
use crate::store::Store;

#[derive(Tags)]
pub enum ApiTag {
    /// Liveness and readiness probes.
    Health,
    /// Tenant setup data that the dialects validate against.
    Setup,
}

/// What every API needs: the store, and (until authentication decides it
/// per request) the tenant requests act for.
#[derive(Clone)]
pub struct ApiContext {
    pub store: Store,
    pub tenant: TenantId,
}

impl ApiContext {
    /// The context for a store, acting for the built-in `default` tenant.
    pub async fn new(store: Store) -> Result<Self, sqlx::Error> {
        let tenant = store.ensure_tenant("default").await?;
        Ok(Self { store, tenant })
    }

    /// A context that never touches a database: enough to generate the spec.
    pub fn detached() -> Self {
        Self {
            store: Store::detached(),
            tenant: TenantId(uuid::Uuid::nil()),
        }
    }
}

pub type Apis = (health::HealthApi, organizations::OrganizationsApi);

pub const TITLE: &str = "liaison";
pub const DESCRIPTION: &str = "A relationship registry served over HTTP. One service speaks three vendor API \
dialects (Risk relationships, Relationship users, Related users) over one tenant-scoped data model.\n\n\
Every operation reads JSON or XML bodies (by `Content-Type`) and answers JSON or XML as `Accept` asks \
(missing or `*/*`: JSON; nothing acceptable: 406). XML follows the OpenAPI default mapping of each schema: \
root element named after the schema, one child element per property, arrays unwrapped (the property's \
element repeated), absent or null values without an element.\n\n\
Send `X-Correlation-Id` (1-128 of `[A-Za-z0-9._:-]`) to trace a request; it is echoed on every response, \
otherwise a fresh one is issued.";

/// The OpenAPI service over every API: serves the operations and writes the spec.
pub fn service(ctx: ApiContext) -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            health::HealthApi::new(ctx.clone()),
            organizations::OrganizationsApi::new(ctx),
        ),
        TITLE,
        env!("CARGO_PKG_VERSION"),
    )
    .description(DESCRIPTION)
}
