//! `/api/setup/relationship_user_types`: the kinds of relationship users
//! (e.g. `team_members`), with per-tenant integer ids.

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
use crate::http::{AppError, Body, ProblemError};
use crate::store::records::Stored;

const COLLECTION: &str = "/api/setup/relationship_user_types";

/// A relationship user type.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct RelationshipUserType {
    pub entity_id: Uuid,
    /// The per-tenant integer id, used as `parent_resource_id`.
    pub id: i64,
    /// snake_case, unique in the tenant; also usable as `parent_resource_id`.
    pub name: String,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl Resource for RelationshipUserType {
    type Data = domain::RelationshipUserType;
    const NAME: &'static str = "Relationship user type";

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            entity_id: s.entity_id,
            id: s.data.number,
            name: s.data.name,
            active: s.data.active,
            version: s.version.0,
            created_at: s.created_at,
            modified_at: s.modified_at,
        }
    }
}

/// What a client sends to create or rename a relationship user type.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct RelationshipUserTypeInput {
    #[oai(validator(max_length = 100))]
    pub name: String,
    /// Defaults to `true`; `false` deactivates.
    pub active: Option<bool>,
}

impl Example for RelationshipUserTypeInput {
    fn example() -> Self {
        Self {
            name: "team_members".into(),
            active: Some(true),
        }
    }
}

impl RelationshipUserTypeInput {
    fn parse(self, number: i64) -> Result<domain::RelationshipUserType, AppError> {
        domain::RelationshipUserType::parse(number, &self.name, self.active).map_err(invalid)
    }
}

pub struct RelationshipUserTypesApi {
    ctx: ApiContext,
}

impl RelationshipUserTypesApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }
}

#[OpenApi(prefix_path = "/api/setup/relationship_user_types", tag = "ApiTag::Setup")]
impl RelationshipUserTypesApi {
    /// List relationship user types
    ///
    /// Pages through relationship user types of the caller's tenant, oldest first (`limit` 1-200, default 50; `offset`).
    #[oai(path = "/", method = "get", operation_id = "listRelationshipUserTypes")]
    async fn relationship_user_types_list(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip (default 0).
        offset: Query<Option<u64>>,
    ) -> Result<Listed<RelationshipUserType>, ProblemError> {
        super::list(&self.ctx.store, auth.0.tenant, None, page(limit.0, offset.0)).await
    }

    /// Create a relationship user type
    ///
    /// The integer `id` is assigned by the server. A name already taken: 409.
    #[oai(path = "/", method = "post", operation_id = "createRelationshipUserType")]
    async fn relationship_user_types_create(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        body: Body<RelationshipUserTypeInput>,
    ) -> Result<Created<RelationshipUserType>, ProblemError> {
        let tenant = auth.0.tenant;
        body.0.clone().parse(0)?;
        let number = self.ctx.store.next_number(tenant, "relationship_user_types").await?;
        super::create(&self.ctx.store, tenant, None, COLLECTION, body.0.parse(number)?).await
    }

    /// Get a relationship user type
    ///
    /// One of the caller's tenant, with its `ETag`; another tenant's is 404.
    #[oai(path = "/:entityId", method = "get", operation_id = "getRelationshipUserType")]
    async fn relationship_user_types_get(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "entityId")] entity_id: Path<Uuid>,
    ) -> Result<Fetched<RelationshipUserType>, ProblemError> {
        super::get(&self.ctx.store, auth.0.tenant, None, entity_id.0).await
    }

    /// Update a relationship user type
    ///
    /// Replaces it. With `If-Match`, only while the ETag is current (else 412 and nothing changes). Deactivate with `active: false` rather than deleting.
    #[oai(path = "/:entityId", method = "put", operation_id = "updateRelationshipUserType")]
    async fn relationship_user_types_update(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "entityId")] entity_id: Path<Uuid>,
        /// An ETag from an earlier GET or PUT.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<RelationshipUserTypeInput>,
    ) -> Result<Fetched<RelationshipUserType>, ProblemError> {
        let tenant = auth.0.tenant;
        let current = self
            .ctx
            .store
            .record_get::<domain::RelationshipUserType>(tenant, None, entity_id.0)
            .await?
            .ok_or(AppError::NotFound(RelationshipUserType::NAME))?;
        let data = body.0.parse(current.data.number)?;
        super::update(&self.ctx.store, tenant, None, entity_id.0, if_match.0.as_deref(), data).await
    }
}
