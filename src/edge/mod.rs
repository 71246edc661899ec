//! The server's edge: what every request passes before and after its
//! handler. Connection deadlines and limits, the front line (negotiation,
//! the body cap, parameter screening, scopes, errors in the route's
//! dialect, metrics), correlation ids, and the framework's own errors in
//! the project's terms.

pub mod conditional;
pub mod connection;
pub mod correlation;
pub mod cors;
pub mod encoding;
pub mod framework;
pub mod frontline;
pub mod idempotent;
