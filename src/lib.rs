//! liaison: a relationship registry served over HTTP.
//!
//! [`app`] builds the whole service (routes, docs, the front-line
//! middleware) for `main`, the tests and the spec writer alike.

pub mod auth;
pub mod cli;
pub mod config;
pub mod context;
pub mod demo;
pub mod dialects;
pub mod domain;
pub mod http;
pub mod metrics;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod write;

use anyhow::Context as _;
use poem::{Endpoint, EndpointExt, Route};

use crate::context::ApiContext;
use crate::http::middleware::Frontline;
use crate::http::routes::RouteTable;
use crate::server::ServerSettings;

/// The OpenAPI document as JSON and YAML, exactly as served.
pub fn spec(ctx: ApiContext) -> (String, String) {
    let service = dialects::service(ctx);
    (service.spec(), service.spec_yaml())
}

/// The whole HTTP application. The scopes each operation requires are read
/// back from the generated spec; a spec that cannot be read stops start-up
/// rather than leave operations unguarded.
pub fn app(ctx: ApiContext, settings: &ServerSettings) -> anyhow::Result<impl Endpoint + 'static> {
    let ctx = ctx.with_token_throttle(settings.token_failures);
    let auth = ctx.auth.clone();
    let (metrics, metrics_on_main) = (ctx.metrics.clone(), ctx.metrics_on_main);
    let service = dialects::service(ctx);
    let spec: serde_json::Value =
        serde_json::from_str(&service.spec()).context("the generated OpenAPI document is not JSON")?;
    let routes = RouteTable::from_spec(&spec).context("the generated OpenAPI document gives no route table")?;
    let route = Route::new()
        .at("/openapi.json", service.spec_endpoint())
        .at("/openapi.yaml", service.spec_endpoint_yaml())
        .nest("/docs", service.swagger_ui())
        .nest("/", service);
    let route = if metrics_on_main {
        route.at(metrics::PATH, metrics::endpoint(metrics.clone()))
    } else {
        route
    };
    Ok(Frontline::new(
        route.data(auth).map_to_response(),
        settings.body_limit,
        settings.body_timeout,
        routes,
        dialects::DIALECTS,
    )
    .with_metrics(metrics))
}
