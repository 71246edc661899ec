//! liaison: a relationship registry served over HTTP.
//!
//! [`app`] builds the whole service (routes, docs, the front-line
//! middleware) for `main`, the tests and the spec writer alike.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod http;
pub mod metrics;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod write;

use poem::{Endpoint, EndpointExt, Route};

use crate::api::ApiContext;
use crate::http::middleware::Frontline;
use crate::http::routes::RouteTable;

/// The OpenAPI document as JSON and YAML, exactly as served.
pub fn spec(ctx: ApiContext) -> (String, String) {
    let service = api::service(ctx);
    (service.spec(), service.spec_yaml())
}

/// The whole HTTP application.
pub fn app(ctx: ApiContext, body_limit: u64) -> impl Endpoint + 'static {
    let auth = ctx.auth.clone();
    let (metrics, metrics_on_main) = (ctx.metrics.clone(), ctx.metrics_on_main);
    let service = api::service(ctx);
    let spec = service.spec();
    let routes = serde_json::from_str(&spec)
        .map(|s| RouteTable::from_spec(&s))
        .unwrap_or_default();
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
    Frontline::new(route.data(auth).map_to_response(), body_limit, routes).with_metrics(metrics)
}
