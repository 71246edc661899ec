//! Organizations: the tenant's own business units that relationships belong to.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::Version;
use crate::domain::text::required_text;
use crate::http::FieldError;

pub const NAME_MAX: usize = 200;

/// A valid organization name: trimmed, 1..=200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationName(String);

impl OrganizationName {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        required_text("name", value, NAME_MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a create or an update sets.
#[derive(Debug, Clone)]
pub struct OrganizationChanges {
    pub name: OrganizationName,
    pub active: bool,
}

/// A stored organization.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub entity_id: Uuid,
    pub name: String,
    pub active: bool,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}
