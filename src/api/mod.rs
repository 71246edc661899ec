//! What every operation shares: the error envelopes' mechanism (each
//! dialect's envelope, RFC 9457 problem details for the rest), the
//! authentication extractors, query parameters and links.

pub mod auth;
pub mod cursor;
pub mod envelope;
pub mod links;
pub mod params;
pub mod problem;

pub use envelope::ApiError;
pub use problem::ProblemError;
