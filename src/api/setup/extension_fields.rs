//! `/api/setup/extension_fields`: user-defined fields on relationships.

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

const COLLECTION: &str = "/api/setup/extension_fields";

/// The definition of a user-defined field on relationships (`extensionFields`).
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct ExtensionField {
    pub entity_id: Uuid,
    /// The key in `extensionFields`, and so also an XML element name.
    pub name: String,
    /// The longest value accepted, in characters.
    pub max_length: i64,
    /// Whether every relationship must carry a value.
    pub required: bool,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl Resource for ExtensionField {
    type Data = domain::ExtensionField;
    const NAME: &'static str = "Extension field";

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            entity_id: s.entity_id,
            name: s.data.name,
            max_length: s.data.max_length,
            required: s.data.required,
            active: s.data.active,
            version: s.version.0,
            created_at: s.created_at,
            modified_at: s.modified_at,
        }
    }
}

/// What a client sends to define or redefine an extension field.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct ExtensionFieldInput {
    /// A valid XML element name, at most 100 characters, unique in the tenant.
    #[oai(validator(max_length = 100))]
    pub name: String,
    /// 1-4000.
    pub max_length: i64,
    /// Defaults to `false`.
    pub required: Option<bool>,
    /// Defaults to `true`; `false` deactivates.
    pub active: Option<bool>,
}

impl Example for ExtensionFieldInput {
    fn example() -> Self {
        Self {
            name: "riskScore".into(),
            max_length: 50,
            required: Some(false),
            active: Some(true),
        }
    }
}

impl ExtensionFieldInput {
    fn parse(self) -> Result<domain::ExtensionField, ProblemError> {
        Ok(domain::ExtensionField::parse(&self.name, self.max_length, self.required, self.active).map_err(invalid)?)
    }
}

pub struct ExtensionFieldsApi {
    ctx: ApiContext,
}

impl ExtensionFieldsApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }
}

#[OpenApi(prefix_path = "/api/setup/extension_fields", tag = "ApiTag::Setup")]
impl ExtensionFieldsApi {
    /// List extension fields
    ///
    /// Pages through extension fields of the caller's tenant, oldest first (`limit` 1-200, default 50; `offset`).
    #[oai(path = "/", method = "get", operation_id = "listExtensionFields")]
    async fn extension_fields_list(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip (default 0).
        offset: Query<Option<u64>>,
    ) -> Result<Listed<ExtensionField>, ProblemError> {
        super::list(&self.ctx.store, auth.0.tenant, None, page(limit.0, offset.0)).await
    }

    /// Define an extension field
    ///
    /// A name already defined in the tenant: 409.
    #[oai(path = "/", method = "post", operation_id = "createExtensionField")]
    async fn extension_fields_create(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        body: Body<ExtensionFieldInput>,
    ) -> Result<Created<ExtensionField>, ProblemError> {
        super::create(&self.ctx.store, auth.0.tenant, None, COLLECTION, body.0.parse()?).await
    }

    /// Get an extension field
    ///
    /// One of the caller's tenant, with its `ETag`; another tenant's is 404.
    #[oai(path = "/:entityId", method = "get", operation_id = "getExtensionField")]
    async fn extension_fields_get(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "entityId")] entity_id: Path<Uuid>,
    ) -> Result<Fetched<ExtensionField>, ProblemError> {
        super::get(&self.ctx.store, auth.0.tenant, None, entity_id.0).await
    }

    /// Update an extension field
    ///
    /// Replaces it. With `If-Match`, only while the ETag is current (else 412 and nothing changes). Deactivate with `active: false` rather than deleting.
    #[oai(path = "/:entityId", method = "put", operation_id = "updateExtensionField")]
    async fn extension_fields_update(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "entityId")] entity_id: Path<Uuid>,
        /// An ETag from an earlier GET or PUT.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<ExtensionFieldInput>,
    ) -> Result<Fetched<ExtensionField>, ProblemError> {
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
