//! Domain types and their rules: no HTTP, no SQL. Values are parsed into
//! these types once, at the edge, and trusted afterwards.

pub mod change;
pub mod etag;
pub mod form;
pub mod relationship;
pub mod relationship_user;
pub mod sealed;
pub mod setup;
pub mod text;
pub mod webhook;

use std::fmt;

/// The tenant every row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TenantId(pub uuid::Uuid);

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A window of a list: `limit` rows from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub offset: u64,
}

impl Page {
    /// The rows to skip a query parameter asks for: absent is 0, and the
    /// parameter's documented `minimum: 0` keeps it from being negative.
    pub fn offset(offset: Option<i64>) -> u64 {
        offset.and_then(|o| u64::try_from(o).ok()).unwrap_or(0)
    }
}

/// A row's place in a list ordered by an instant, then by id: where the
/// next page starts (see `api::cursor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub at: chrono::DateTime<chrono::Utc>,
    pub id: uuid::Uuid,
}

/// A row's version for optimistic concurrency; starts at 1, grows by one per change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub i64);

/// One invalid input: where (a body field, a parameter) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects every violation of a validation, so a client learns all at once.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    /// The value when `result` is valid; otherwise records why and gives `None`.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }

    pub fn add(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_errors(self) -> Vec<FieldError> {
        self.0
    }
}
