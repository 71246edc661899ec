//! `/api/setup/organizations`: the tenant's organizations.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use poem_openapi::types::Example;
use uuid::Uuid;

use super::{Input, Resource, WriteContext, setup_api};
use crate::domain::FieldError;
use crate::domain::setup as domain;
use crate::store::records::Stored;

/// An organization of the tenant: relationships belong to one or more.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct Organization {
    pub entity_id: Uuid,
    /// Display name, 1-200 characters.
    pub name: String,
    /// Inactive organizations stay readable but cannot be chosen for relationships.
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl Resource for Organization {
    type Data = domain::Organization;
    const NAME: &'static str = "Organization";

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            entity_id: s.entity_id,
            name: s.data.name,
            active: s.data.active,
            version: s.version.0,
            created_at: s.created_at,
            modified_at: s.modified_at,
        }
    }
}

/// What a client sends to create or replace an organization.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct OrganizationInput {
    /// 1-200 characters after trimming, no control characters.
    #[oai(validator(max_length = 200))]
    pub name: String,
    /// Defaults to `true`; `false` deactivates.
    pub active: Option<bool>,
}

impl Example for OrganizationInput {
    fn example() -> Self {
        Self {
            name: "Procurement".into(),
            active: Some(true),
        }
    }
}

impl Input for OrganizationInput {
    type Data = domain::Organization;

    fn into_data(self, _: &WriteContext<'_, Self::Data>) -> Result<Self::Data, Vec<FieldError>> {
        domain::Organization::parse(&self.name, self.active)
    }
}

setup_api! {
    OrganizationsApi, "/api/setup/organizations", "/", "/:entityId", Organization, OrganizationInput,
    list: "listOrganizations", "List organizations",
    create: "createOrganization", "Create an organization",
    get: "getOrganization", "Get an organization",
    update: "updateOrganization", "Update an organization",
}
