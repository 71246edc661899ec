//! Relationship users: `/api/user/relationship_users`, faithful to the
//! platform's document (seeds/000) for PUT, with create, delete and reads.
//!
//! Every write names a form configuration, which lists the fields a caller
//! may set and validates them. Processing follows the platform's order:
//! authenticate; find the configuration (missing name 422, unknown 404);
//! find the row (404) and check its owner (404); validate every field
//! (422, all failures at once); persist in one transaction.

use std::collections::BTreeMap;

use poem::Request;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use serde_json::Value;
use uuid::Uuid;

use crate::api::auth::BearerOrApiKey;
use crate::api::cursor;
use crate::api::envelope::IfMatch;
use crate::api::params::RequiredText;
use crate::auth::{Principal, Scope};
use crate::codec::{Body, JsonXmlOrForm, MaybeBody, Negotiated};
use crate::context::ApiContext;
use crate::dialects::ApiTag;
use crate::domain::etag::{etag, http_date};
use crate::domain::form::{FormConfiguration, RELATIONSHIP_USER};
use crate::domain::relationship_user::{may_change, merge, read_form, validate};
use crate::domain::{FieldError, Page};
use crate::error::AppError;
use crate::store::relationship_users::{NewRelationshipUser, RelationshipUserRecord};
use crate::store::{WriteError, WriteTx};
use crate::write::{self, Change};

pub mod envelope;
pub mod schema;

use schema::*;

use envelope::FormApiError;

/// Where the dialect lives.
pub const PREFIX: &str = "/api/user/relationship_users";

fn unprocessable(errors: Vec<FieldError>) -> Result<(), AppError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Unprocessable(errors))
    }
}

pub struct RelationshipUsersApi {
    ctx: ApiContext,
}

impl RelationshipUsersApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }
}

/// Step 2: the named configuration, for relationship users.
async fn configuration(tx: &mut WriteTx, name: Option<&str>) -> Result<FormConfiguration, AppError> {
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| AppError::Unprocessable(vec![FieldError::new("form_configuration_name", "can't be blank")]))?;
    tx.form_configuration(name)
        .await?
        .filter(|c| c.resource == RELATIONSHIP_USER)
        .ok_or(AppError::NotFound("Form configuration"))
}

/// A PUT's form, merged into the stored properties and validated.
struct Merge {
    config: FormConfiguration,
    actor: String,
    form: Option<Value>,
}

impl Change<RelationshipUserRecord> for Merge {
    type Output = BTreeMap<String, String>;

    fn admits(&self, row: &RelationshipUserRecord) -> bool {
        may_change(&self.config, row.owner_policy, &row.created_by, &self.actor)
    }

    async fn apply(self, _tx: &mut WriteTx, row: &RelationshipUserRecord) -> Result<Self::Output, AppError> {
        let mut errors = Vec::new();
        if matches!(self.form, None | Some(Value::Null)) {
            errors.push(FieldError::new("form", "can't be blank"));
        }
        let input = read_form(self.form, &mut errors);
        for field in ["relationship_id", "user_id"] {
            if input.named.iter().any(|n| n == field) && !errors.iter().any(|e| e.field == field) {
                errors.push(FieldError::new(field, "cannot change once created"));
            }
        }
        let merged = merge(&row.properties, &input.properties);
        validate(
            &self.config,
            &input,
            |field| match field {
                "relationship_id" => Some(row.relationship_id.to_string()),
                "user_id" => Some(row.user_id.to_string()),
                other => other
                    .strip_prefix("properties.")
                    .and_then(|name| merged.get(name).cloned()),
            },
            &mut errors,
        );
        unprocessable(errors)?;
        Ok(merged)
    }
}

/// A DELETE: allowed where the configuration lets the caller change the row.
struct Delete {
    config: FormConfiguration,
    actor: String,
}

impl Change<RelationshipUserRecord> for Delete {
    type Output = ();

    fn admits(&self, row: &RelationshipUserRecord) -> bool {
        may_change(&self.config, row.owner_policy, &row.created_by, &self.actor)
    }

    async fn apply(self, _tx: &mut WriteTx, _row: &RelationshipUserRecord) -> Result<(), AppError> {
        Ok(())
    }
}

/// A create: every id resolved and every field validated on `tx`.
async fn create(tx: &mut WriteTx, principal: &Principal, draft: RelationshipUserCreateDraft) -> Result<i64, AppError> {
    let config = configuration(tx, draft.form_configuration_name.as_deref()).await?;
    let mut errors = Vec::new();
    let type_id = match draft
        .parent_resource_id
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => {
            errors.push(FieldError::new("parent_resource_id", "can't be blank"));
            None
        }
        Some(text) => {
            let found = tx.relationship_user_type(text).await?;
            if found.is_none() {
                errors.push(FieldError::new("parent_resource_id", "must exist"));
            }
            found
        }
    };
    let input = read_form(draft.form, &mut errors);
    validate(
        &config,
        &input,
        |field| match field {
            "relationship_id" => input.relationship_id.clone(),
            "user_id" => input.user_id.clone(),
            other => other
                .strip_prefix("properties.")
                .and_then(|name| input.properties.get(name).cloned().flatten()),
        },
        &mut errors,
    );
    let mut resolve = async |field: &str, given: &Option<String>| -> Result<Option<Uuid>, AppError> {
        let Some(text) = given.as_deref().filter(|t| !t.trim().is_empty()) else {
            if !errors.iter().any(|e| e.field == field) {
                errors.push(FieldError::new(field, "can't be blank"));
            }
            return Ok(None);
        };
        let found = match field {
            "relationship_id" => tx.relationship_by_id_or_number(text).await?,
            _ => tx.user_by_id_or_entity(text).await?,
        };
        if found.is_none() {
            errors.push(FieldError::new(field, "must exist"));
        }
        Ok(found)
    };
    let relationship_id = resolve("relationship_id", &input.relationship_id).await?;
    let user_id = resolve("user_id", &input.user_id).await?;
    unprocessable(errors)?;
    let (Some(relationship_id), Some(user_id), Some(type_id)) = (relationship_id, user_id, type_id) else {
        return Err(AppError::Internal(anyhow::anyhow!("validated ids are missing")));
    };
    let new = NewRelationshipUser {
        relationship_id,
        user_id,
        type_id,
        properties: input
            .properties
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect(),
        created_by: principal.actor(),
        owner_policy: config.resource_owner,
    };
    tx.relationship_user_insert(&new).await.map_err(|e| match e {
        WriteError::Conflict(_) => AppError::Unprocessable(vec![FieldError::new("user_id", "has already been taken")]),
        other => other.into(),
    })
}

#[OpenApi(prefix_path = PREFIX, tag = "ApiTag::RelationshipUsers")]
impl RelationshipUsersApi {
    /// Create a relationship user
    ///
    /// Puts a user on a relationship's team as a type (`parent_resource_id`:
    /// the type's integer id or name), through a form configuration that
    /// must list every field sent (`relationship_id`, `user_id`,
    /// `properties.<name>`). A user is on a relationship once per type (else
    /// 422 `has already been taken`). 201 `{"id": <int>, "errors": {}}`.
    /// Rails clients may send the body as a form, urlencoded or multipart,
    /// with Rack's nested names (`form[properties][status]=verified`); it is
    /// read as the same JSON and validated the same way.
    #[oai(path = "/", method = "post", operation_id = "createRelationshipUser")]
    async fn relationship_users_create(
        &self,
        #[oai(scope = "Scope::RelationshipUsersWrite")] auth: BearerOrApiKey,
        body: Body<RelationshipUserCreateDraft, JsonXmlOrForm, RelationshipUserCreate>,
    ) -> Result<Created, FormApiError> {
        let mut tx = self.ctx.store.begin_write(auth.0.tenant).await?;
        let result = create(&mut tx, &auth.0, body.0).await;
        let id = write::finish(tx, result).await?;
        Ok(Created::Created(Negotiated(RelationshipUserCreated {
            id,
            errors: BTreeMap::new(),
        })))
    }

    /// Update a relationship user
    ///
    /// As the platform documents it: `form_configuration_name` and
    /// `form: {properties: {...}}`, in JSON, XML, or a form (urlencoded or
    /// multipart) with Rack's nested names: `form_configuration_name=...&form[properties][status]=verified`
    /// (a urlencoded name without `=` is null). The properties are merged key by key into
    /// the stored ones (`null` removes a key); the configuration must list
    /// every property sent (`properties.<name>`), else 422 `is not allowed`,
    /// and its validations apply to the merged result. Success is 200 with
    /// the document's example response, `{}` (the status table the document
    /// refers to is not part of it; a client parsing the example's JSON must
    /// get JSON). `form` is required: missing or `null`, 422 `{"errors":
    /// {"form": ["can't be blank"]}}`; `{}` changes nothing. Errors: 401,
    /// 422 missing `form_configuration_name`, 404 unknown
    /// configuration, 404 unknown relationship user (or not the caller's
    /// under `resource_owner: creator`), 422 with every failing field. With
    /// `If-Match`, only while the ETag is current (else 412, nothing changes);
    /// without it, the update waits for any write in progress and is then
    /// applied to the properties that write left.
    #[oai(
        path = "/:relationship_user_id",
        method = "put",
        operation_id = "updateRelationshipUser"
    )]
    async fn relationship_users_update(
        &self,
        #[oai(scope = "Scope::RelationshipUsersWrite")] auth: BearerOrApiKey,
        /// The relationship user's id.
        #[oai(example = "crate::demo::examples::relationship_user")]
        relationship_user_id: Path<i64>,
        /// An ETag from an earlier GET or PUT: update only if it is still current.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<RelationshipUserUpdateDraft, JsonXmlOrForm, RelationshipUserUpdate>,
    ) -> Result<Updated, FormApiError<IfMatch>> {
        let principal = auth.0;
        let draft = body.0;
        let mut tx = self.ctx.store.begin_write(principal.tenant).await?;
        // Dropped on a refusal, the write rolls back.
        let config = configuration(&mut tx, draft.form_configuration_name.as_deref()).await?;
        let change = Merge {
            config,
            actor: principal.actor(),
            form: draft.form,
        };
        let updated = write::update(tx, &relationship_user_id.0, if_match.0.as_deref(), change).await?;
        Ok(Updated::Ok(Negotiated(RelationshipUserDone {}), etag(updated.version)))
    }

    /// Delete a relationship user
    ///
    /// Takes the relationship user off the team. `form_configuration_name`
    /// comes in the query string (a body holding it, in JSON, XML or a form,
    /// is still read when the query has none: DELETE bodies are not
    /// documented, as many HTTP clients cannot send one). Success is 200 `{}`, like
    /// an update (the document shows no delete; its update answers `{}`). Errors: 422
    /// without a configuration name, 404 unknown configuration, 404 unknown
    /// relationship user (or not the caller's under `resource_owner: creator`).
    #[oai(
        path = "/:relationship_user_id",
        method = "delete",
        operation_id = "deleteRelationshipUser"
    )]
    async fn relationship_users_delete(
        &self,
        #[oai(scope = "Scope::RelationshipUsersWrite")] auth: BearerOrApiKey,
        /// The relationship user's id.
        #[oai(example = "crate::demo::examples::relationship_user")]
        relationship_user_id: Path<i64>,
        /// Name of the form configuration.
        form_configuration_name: RequiredText,
        body: MaybeBody<RelationshipUserDelete, JsonXmlOrForm, false>,
    ) -> Result<Deleted, FormApiError> {
        let principal = auth.0;
        let name = form_configuration_name
            .0
            .or_else(|| body.0.and_then(|b| b.form_configuration_name));
        let mut tx = self.ctx.store.begin_write(principal.tenant).await?;
        let config = configuration(&mut tx, name.as_deref()).await?;
        let change = Delete {
            config,
            actor: principal.actor(),
        };
        write::remove::<RelationshipUserRecord, _>(tx, &relationship_user_id.0, None, change).await?;
        Ok(Deleted::Ok(Negotiated(RelationshipUserDone {})))
    }

    /// Get a relationship user
    ///
    /// Beyond the document, so that callers can read what they wrote. Unknown
    /// or another tenant's: 404.
    #[oai(
        path = "/:relationship_user_id",
        method = "get",
        operation_id = "getRelationshipUser"
    )]
    async fn relationship_users_get(
        &self,
        #[oai(scope = "Scope::RelationshipUsersWrite")] auth: BearerOrApiKey,
        /// The relationship user's id.
        #[oai(example = "crate::demo::examples::relationship_user")]
        relationship_user_id: Path<i64>,
    ) -> Result<Fetched, FormApiError> {
        let row = self
            .ctx
            .store
            .relationship_user_get(auth.0.tenant, relationship_user_id.0)
            .await?
            .ok_or(AppError::NotFound("Relationship user"))?;
        let (tag, modified) = (etag(row.version), http_date(row.modified_at));
        Ok(Fetched::Ok(Negotiated(row.into()), tag, modified))
    }

    /// List a relationship's users
    ///
    /// Beyond the document: the users of one relationship (`relationship_id`:
    /// its entityId or number), by id, paged: `limit` 1-200 (default 50),
    /// after the id `after` (when sent), skipping `offset` (up to 10,000). A full
    /// page carries `Link: <…&after=ID>; rel="next"`, which pages on at the
    /// cost of a first page however deep.
    #[oai(path = "/", method = "get", operation_id = "listRelationshipUsers")]
    async fn relationship_users_list(
        &self,
        #[oai(scope = "Scope::RelationshipUsersWrite")] auth: BearerOrApiKey,
        /// The relationship's entityId or number.
        relationship_id: Query<String>,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip, 0-10000 (default 0).
        #[oai(validator(minimum(value = "0"), maximum(value = "10000")))]
        offset: Query<Option<i64>>,
        /// The last id of the previous page: this page starts after it.
        #[oai(validator(minimum(value = "0")))]
        after: Query<Option<i64>>,
        request: &Request,
    ) -> Result<Listed, FormApiError> {
        let tenant = auth.0.tenant;
        let relationship = self
            .ctx
            .store
            .relationship_by_id_or_number(tenant, &relationship_id.0)
            .await?
            .ok_or(AppError::NotFound("Relationship"))?;
        let page = Page {
            limit: limit.0.unwrap_or(50),
            offset: Page::offset(offset.0),
        };
        let (rows, total_count) = self
            .ctx
            .store
            .relationship_user_list(tenant, relationship, page, after.0)
            .await?;
        let next = match rows.last() {
            Some(last) if rows.len() == page.limit as usize => {
                let query = request.uri().query().unwrap_or_default();
                Some(cursor::next_link(request.uri().path(), query, &last.id.to_string()))
            }
            _ => None,
        };
        let list = RelationshipUserList {
            relationship_users: rows.into_iter().map(RelationshipUser::from).collect(),
            total_count,
            limit: page.limit,
            offset: page.offset,
        };
        Ok(Listed::Ok(Negotiated(list), next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::body::property_names;

    #[test]
    fn the_readers_know_exactly_the_documented_fields() {
        assert_eq!(
            property_names::<RelationshipUserCreateDraft>(),
            property_names::<RelationshipUserCreate>()
        );
        assert_eq!(
            property_names::<RelationshipUserUpdateDraft>(),
            property_names::<RelationshipUserUpdate>()
        );
    }
}
