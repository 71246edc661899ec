//! `/api/setup/users`: the people relationships point at (managers, team
//! members, related-user owners).

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

const COLLECTION: &str = "/api/setup/users";

/// A user of the tenant.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct User {
    pub entity_id: Uuid,
    /// The per-tenant integer id (1, 2, ...), assigned at creation.
    pub id: i64,
    /// Unique in the tenant: 1-100 of letters, digits and `._@-`.
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl Resource for User {
    type Data = domain::User;
    const NAME: &'static str = "User";

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            entity_id: s.entity_id,
            id: s.data.number,
            username: s.data.username,
            first_name: s.data.first_name,
            last_name: s.data.last_name,
            email: s.data.email,
            active: s.data.active,
            version: s.version.0,
            created_at: s.created_at,
            modified_at: s.modified_at,
        }
    }
}

/// What a client sends to create or replace a user.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct UserInput {
    #[oai(validator(max_length = 100))]
    pub username: String,
    #[oai(validator(max_length = 100))]
    pub first_name: String,
    #[oai(validator(max_length = 100))]
    pub last_name: String,
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// Defaults to `true`; `false` deactivates.
    pub active: Option<bool>,
}

impl Example for UserInput {
    fn example() -> Self {
        Self {
            username: "dleite".into(),
            first_name: "Debora".into(),
            last_name: "Leite".into(),
            email: "dleite@example.com".into(),
            active: Some(true),
        }
    }
}

impl UserInput {
    fn parse(self, number: i64) -> Result<domain::User, AppError> {
        domain::User::parse(
            number,
            &self.username,
            &self.first_name,
            &self.last_name,
            &self.email,
            self.active,
        )
        .map_err(invalid)
    }
}

pub struct UsersApi {
    ctx: ApiContext,
}

impl UsersApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }
}

#[OpenApi(prefix_path = "/api/setup/users", tag = "ApiTag::Setup")]
impl UsersApi {
    /// List users
    ///
    /// Pages through users of the caller's tenant, oldest first (`limit` 1-200, default 50; `offset`).
    #[oai(path = "/", method = "get", operation_id = "listUsers")]
    async fn users_list(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip (default 0).
        offset: Query<Option<u64>>,
    ) -> Result<Listed<User>, ProblemError> {
        super::list(&self.ctx.store, auth.0.tenant, None, page(limit.0, offset.0)).await
    }

    /// Create a user
    ///
    /// The integer `id` is assigned by the server (the tenant's next number).
    /// A username already taken in the tenant: 409.
    #[oai(path = "/", method = "post", operation_id = "createUser")]
    async fn users_create(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        body: Body<UserInput>,
    ) -> Result<Created<User>, ProblemError> {
        let tenant = auth.0.tenant;
        // Validate first, so that a refused body does not use up a number.
        body.0.clone().parse(0)?;
        let number = self.ctx.store.next_number(tenant, "users").await?;
        super::create(&self.ctx.store, tenant, None, COLLECTION, body.0.parse(number)?).await
    }

    /// Get a user
    ///
    /// One of the caller's tenant, with its `ETag`; another tenant's is 404.
    #[oai(path = "/:entityId", method = "get", operation_id = "getUser")]
    async fn users_get(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "entityId")] entity_id: Path<Uuid>,
    ) -> Result<Fetched<User>, ProblemError> {
        super::get(&self.ctx.store, auth.0.tenant, None, entity_id.0).await
    }

    /// Update a user
    ///
    /// Replaces every field but the integer `id`. With `If-Match`, only while
    /// the ETag is still current (else 412).
    #[oai(path = "/:entityId", method = "put", operation_id = "updateUser")]
    async fn users_update(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "entityId")] entity_id: Path<Uuid>,
        /// An ETag from an earlier GET or PUT.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<UserInput>,
    ) -> Result<Fetched<User>, ProblemError> {
        let tenant = auth.0.tenant;
        let current = self
            .ctx
            .store
            .record_get::<domain::User>(tenant, None, entity_id.0)
            .await?
            .ok_or(AppError::NotFound(User::NAME))?;
        let data = body.0.parse(current.data.number)?;
        super::update(&self.ctx.store, tenant, None, entity_id.0, if_match.0.as_deref(), data).await
    }
}
