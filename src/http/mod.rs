//! Cross-cutting HTTP: negotiation, the XML codec, bodies, the body cap,
//! correlation ids and the error envelopes' mechanism. Nothing here knows
//! a resource or a vendor's wording.

pub mod auth;
pub mod body;
pub mod connection;
pub mod correlation;
pub mod document;
pub mod envelope;
pub mod error;
pub mod etag;
pub mod expected;
pub mod form;
pub mod links;
pub mod middleware;
pub mod negotiate;
pub mod params;
pub mod problem;
pub mod routes;
pub mod text;
pub mod xml;

pub use body::{Body, BodyObject, JsonXmlOrForm, MaybeBody, Negotiated, rfc3339};
pub use envelope::ApiError;
pub use error::{AppError, FieldError};
pub use problem::ProblemError;
