//! `/api/setup/classifications`: the values a relationship's `classification` may take.

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

const COLLECTION: &str = "/api/setup/classifications";

/// A classification value; only active ones are accepted on relationships.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct Classification {
    pub entity_id: Uuid,
    /// Unique in the tenant, 1-200 characters, matched exactly.
    pub value: String,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl Resource for Classification {
    type Data = domain::Classification;
    const NAME: &'static str = "Classification";

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            entity_id: s.entity_id,
            value: s.data.value,
            active: s.data.active,
            version: s.version.0,
            created_at: s.created_at,
            modified_at: s.modified_at,
        }
    }
}

/// What a client sends to create or replace a classification.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct ClassificationInput {
    #[oai(validator(max_length = 200))]
    pub value: String,
    /// Defaults to `true`; `false` deactivates.
    pub active: Option<bool>,
}

impl Example for ClassificationInput {
    fn example() -> Self {
        Self {
            value: "classification1".into(),
            active: Some(true),
        }
    }
}

impl ClassificationInput {
    fn parse(self) -> Result<domain::Classification, ProblemError> {
        Ok(domain::Classification::parse(&self.value, self.active).map_err(invalid)?)
    }
}

pub struct ClassificationsApi {
    ctx: ApiContext,
}

impl ClassificationsApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }
}

#[OpenApi(prefix_path = "/api/setup/classifications", tag = "ApiTag::Setup")]
impl ClassificationsApi {
    /// List classifications
    ///
    /// Pages through classifications of the caller's tenant, oldest first (`limit` 1-200, default 50; `offset`).
    #[oai(path = "/", method = "get", operation_id = "listClassifications")]
    async fn classifications_list(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip (default 0).
        offset: Query<Option<u64>>,
    ) -> Result<Listed<Classification>, ProblemError> {
        super::list(&self.ctx.store, auth.0.tenant, None, page(limit.0, offset.0)).await
    }

    /// Create a classification
    ///
    /// A value already present in the tenant: 409.
    #[oai(path = "/", method = "post", operation_id = "createClassification")]
    async fn classifications_create(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        body: Body<ClassificationInput>,
    ) -> Result<Created<Classification>, ProblemError> {
        super::create(&self.ctx.store, auth.0.tenant, None, COLLECTION, body.0.parse()?).await
    }

    /// Get a classification
    ///
    /// One of the caller's tenant, with its `ETag`; another tenant's is 404.
    #[oai(path = "/:entityId", method = "get", operation_id = "getClassification")]
    async fn classifications_get(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "entityId")] entity_id: Path<Uuid>,
    ) -> Result<Fetched<Classification>, ProblemError> {
        super::get(&self.ctx.store, auth.0.tenant, None, entity_id.0).await
    }

    /// Update a classification
    ///
    /// Replaces it. With `If-Match`, only while the ETag is current (else 412 and nothing changes). Deactivate with `active: false` rather than deleting.
    #[oai(path = "/:entityId", method = "put", operation_id = "updateClassification")]
    async fn classifications_update(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "entityId")] entity_id: Path<Uuid>,
        /// An ETag from an earlier GET or PUT.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<ClassificationInput>,
    ) -> Result<Fetched<Classification>, ProblemError> {
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
