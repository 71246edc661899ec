//! `/api/setup/organizations`: the tenant's organizations.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use crate::api::{ApiContext, ApiTag};
use crate::domain::Page;
use crate::domain::organization::{self as domain, OrganizationChanges, OrganizationName};
use crate::http::etag::{etag, if_match_allows};
use crate::http::{AppError, Body, Negotiated, ProblemError};

pub struct OrganizationsApi {
    ctx: ApiContext,
}

impl OrganizationsApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }
}

/// An organization of the tenant.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct Organization {
    /// The organization's id.
    pub entity_id: Uuid,
    /// Display name, 1-200 characters.
    pub name: String,
    /// Inactive organizations stay readable but are not offered for new relationships.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl From<domain::Organization> for Organization {
    fn from(o: domain::Organization) -> Self {
        Self {
            entity_id: o.entity_id,
            name: o.name,
            active: o.active,
            created_at: o.created_at,
            modified_at: o.modified_at,
        }
    }
}

/// What a client sends to create or replace an organization.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct OrganizationInput {
    /// Display name: 1-200 characters after trimming, no control characters.
    #[oai(validator(max_length = 200))]
    pub name: String,
    /// Defaults to `true`.
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
    fn parse(self) -> Result<OrganizationChanges, AppError> {
        let name = OrganizationName::parse(&self.name).map_err(|e| AppError::Validation(vec![e]))?;
        Ok(OrganizationChanges {
            name,
            active: self.active.unwrap_or(true),
        })
    }
}

/// One page of organizations, oldest first.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct OrganizationList {
    pub items: Vec<Organization>,
    /// How many organizations the tenant has in all.
    pub total_count: i64,
    pub limit: u32,
    pub offset: u64,
}

#[derive(ApiResponse)]
pub enum OrganizationResponse {
    /// The organization.
    #[oai(status = 200)]
    Ok(Negotiated<Organization>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum OrganizationCreated {
    /// Created; `Location` names the new organization.
    #[oai(status = 201)]
    Created(
        Negotiated<Organization>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

#[derive(ApiResponse)]
pub enum OrganizationListResponse {
    /// A page of organizations.
    #[oai(status = 200)]
    Ok(Negotiated<OrganizationList>),
}

#[OpenApi(prefix_path = "/api/setup/organizations", tag = "ApiTag::Setup")]
impl OrganizationsApi {
    /// List organizations
    ///
    /// Pages through the tenant's organizations, oldest first.
    #[oai(path = "/", method = "get", operation_id = "listOrganizations")]
    async fn organizations_list(
        &self,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip (default 0).
        offset: Query<Option<u64>>,
    ) -> Result<OrganizationListResponse, ProblemError> {
        let page = Page {
            limit: limit.0.unwrap_or(50),
            offset: offset.0.unwrap_or(0),
        };
        let (items, total_count) = self.ctx.store.organization_list(self.ctx.tenant, page).await?;
        Ok(OrganizationListResponse::Ok(Negotiated(OrganizationList {
            items: items.into_iter().map(Organization::from).collect(),
            total_count,
            limit: page.limit,
            offset: page.offset,
        })))
    }

    /// Create an organization
    #[oai(path = "/", method = "post", operation_id = "createOrganization")]
    async fn organizations_create(&self, body: Body<OrganizationInput>) -> Result<OrganizationCreated, ProblemError> {
        let changes = body.0.parse()?;
        let created = self.ctx.store.organization_create(self.ctx.tenant, &changes).await?;
        let location = format!("/api/setup/organizations/{}", created.entity_id);
        let tag = etag(created.version);
        Ok(OrganizationCreated::Created(Negotiated(created.into()), location, tag))
    }

    /// Get an organization
    #[oai(path = "/:entityId", method = "get", operation_id = "getOrganization")]
    async fn organizations_get(
        &self,
        /// The organization's id.
        #[oai(name = "entityId")]
        entity_id: Path<Uuid>,
    ) -> Result<OrganizationResponse, ProblemError> {
        let found = self
            .ctx
            .store
            .organization_get(self.ctx.tenant, entity_id.0)
            .await?
            .ok_or(AppError::NotFound("Organization"))?;
        let tag = etag(found.version);
        Ok(OrganizationResponse::Ok(Negotiated(found.into()), tag))
    }

    /// Update an organization
    ///
    /// Replaces the organization's name and active flag. With `If-Match`, the
    /// update happens only while the organization's ETag still matches
    /// (otherwise 412 and nothing changes).
    #[oai(path = "/:entityId", method = "put", operation_id = "updateOrganization")]
    async fn organizations_update(
        &self,
        /// The organization's id.
        #[oai(name = "entityId")]
        entity_id: Path<Uuid>,
        /// An ETag from an earlier GET or PUT: update only if it is still current.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<OrganizationInput>,
    ) -> Result<OrganizationResponse, ProblemError> {
        let changes = body.0.parse()?;
        let updated = self
            .ctx
            .store
            .organization_update(self.ctx.tenant, entity_id.0, &changes, |v| {
                if_match_allows(if_match.0.as_deref(), v)
            })
            .await
            .map_err(|e| AppError::from_write(e, "Organization"))?;
        let tag = etag(updated.version);
        Ok(OrganizationResponse::Ok(Negotiated(updated.into()), tag))
    }
}
