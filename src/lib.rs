//! liaison: a relationship registry served over HTTP.
//!
//! [`app()`] wires the whole service (routes, docs, the front-line
//! middleware) for `main`, the tests and the spec writer alike.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod codec;
pub mod config;
pub mod context;
pub mod demo;
pub mod dialects;
pub mod document;
pub mod domain;
pub mod edge;
pub mod error;
pub mod metrics;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod webhooks;
pub mod wire;
pub mod write;
pub mod xml;

pub use app::{app, spec, xml_schemas};
