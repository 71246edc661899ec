//! Cross-cutting HTTP: negotiation, the XML codec, bodies, the body cap,
//! correlation ids and error envelopes. Nothing here knows a resource.

pub mod auth;
pub mod body;
pub mod connection;
pub mod envelope;
pub mod error;
pub mod etag;
pub mod links;
pub mod middleware;
pub mod negotiate;
pub mod routes;
pub mod xml;

pub use body::{Body, JsonXmlOrForm, MaybeBody, Negotiated};
pub use envelope::{ApiError, FormApiError, OAuthApiError, ProblemError, RelatedApiError, RiskApiError};
pub use error::{AppError, FieldError};
