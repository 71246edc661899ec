//! `/api/setup/organizations`: the tenant's organizations.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use super::{Created, Fetched, Listed, Resource, invalid, page};
use crate::api::{ApiContext, ApiTag};
use crate::auth::Scope;
use crate::domain::setup as domain;
use crate::http::auth::Bearer;
use crate::http::{Body, ProblemError};
use crate::store::records::Stored;

const COLLECTION: &str = "/api/setup/organizations";

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

impl OrganizationInput {
    fn parse(self) -> Result<domain::Organization, ProblemError> {
        Ok(domain::Organization::parse(&self.name, self.active).map_err(invalid)?)
    }
}

pub struct OrganizationsApi {
    ctx: ApiContext,
}

impl OrganizationsApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }
}

#[OpenApi(prefix_path = "/api/setup/organizations", tag = "ApiTag::Setup")]
impl OrganizationsApi {
    /// List organizations
    ///
    /// Pages through the tenant's organizations, oldest first.
    #[oai(path = "/", method = "get", operation_id = "listOrganizations")]
    async fn organizations_list(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip (default 0).
        offset: Query<Option<u64>>,
    ) -> Result<Listed<Organization>, ProblemError> {
        super::list(&self.ctx.store, auth.0.tenant, None, page(limit.0, offset.0)).await
    }

    /// Create an organization
    ///
    /// Creates it in the caller's tenant: 201 with `Location` and `ETag`. Fields the schema does not know are refused (400), never stored.
    #[oai(path = "/", method = "post", operation_id = "createOrganization")]
    async fn organizations_create(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        body: Body<OrganizationInput>,
    ) -> Result<Created<Organization>, ProblemError> {
        super::create(&self.ctx.store, auth.0.tenant, None, COLLECTION, body.0.parse()?).await
    }

    /// Get an organization
    ///
    /// One of the caller's tenant, with its `ETag`; another tenant's is 404.
    #[oai(path = "/:entityId", method = "get", operation_id = "getOrganization")]
    async fn organizations_get(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "entityId")] entity_id: Path<Uuid>,
    ) -> Result<Fetched<Organization>, ProblemError> {
        super::get(&self.ctx.store, auth.0.tenant, None, entity_id.0).await
    }

    /// Update an organization
    ///
    /// Replaces the name and the active flag. With `If-Match`, only while the
    /// ETag is still current (else 412 and nothing changes).
    #[oai(path = "/:entityId", method = "put", operation_id = "updateOrganization")]
    async fn organizations_update(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "entityId")] entity_id: Path<Uuid>,
        /// An ETag from an earlier GET or PUT.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<OrganizationInput>,
    ) -> Result<Fetched<Organization>, ProblemError> {
        let data = body.0.parse()?;
        super::update(
            &self.ctx.store,
            auth.0.tenant,
            None,
            entity_id.0,
            if_match.0.as_deref(),
            data,
        )
        .await
    }
}
