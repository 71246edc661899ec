//! Domain types and their rules: no HTTP, no SQL. Values are parsed into
//! these types once, at the edge, and trusted afterwards.

pub mod organization;
pub mod text;

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

/// A row's version for optimistic concurrency; starts at 1, grows by one per change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub i64);
