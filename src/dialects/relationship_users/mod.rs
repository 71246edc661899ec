//! Relationship users: `/api/user/relationship_users`, faithful to the
//! platform's document (seeds/000) for PUT, with create, delete and reads.
//!
//! Every write names a form configuration, which lists the fields a caller
//! may set and validates them. Processing follows the platform's order:
//! authenticate; find the configuration (missing name 422, unknown 404);
//! find the row (404) and check its owner (404); validate every field
//! (422, all failures at once); persist in one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::{Principal, Scope};
use crate::context::ApiContext;
use crate::dialects::ApiTag;
use crate::domain::form::{FormConfiguration, RELATIONSHIP_USER, ResourceOwner, is_snake_case, validate_value};
use crate::domain::{FieldError, Page};
use crate::http::auth::BearerOrApiKey;
use crate::http::envelope::IfMatch;
use crate::http::etag::etag;
use crate::http::{AppError, Body, MaybeBody, Negotiated};
use crate::store::records::{Col, Stored};
use crate::store::relationship_users::{NewRelationshipUser, RelationshipUserRecord};
use crate::store::{WriteError, WriteTx};
use crate::write::{self, Change};

pub mod envelope;

use envelope::FormApiError;

/// Where the dialect lives.
pub const PREFIX: &str = "/api/user/relationship_users";

/// The `form` of a create: the relationship user's fields, as the form
/// configuration allows.
#[derive(Object, Debug, Clone, Default)]
pub struct RelationshipUserForm {
    /// On create: the relationship's entityId or number (`R00001`).
    #[oai(skip_serializing_if_is_none)]
    pub relationship_id: Option<String>,
    /// On create: the user's integer id or entityId.
    #[oai(skip_serializing_if_is_none)]
    pub user_id: Option<String>,
    /// Free properties, string values. On update they are merged key by
    /// key; a key sent as JSON `null` (XML `xsi:nil="true"`) is removed.
    #[oai(skip_serializing_if_is_none)]
    pub properties: Option<BTreeMap<String, String>>,
}

/// The body of `POST /api/user/relationship_users`.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct RelationshipUserCreate {
    /// Name of the form configuration.
    pub form_configuration_name: String,
    /// The relationship user type: its integer id or its name (e.g. `team_members`).
    pub parent_resource_id: String,
    // The form's fields are described on `RelationshipUserForm` (a doc
    // comment here would wrap the reference in `allOf`).
    pub form: RelationshipUserForm,
}

impl Example for RelationshipUserCreate {
    fn example() -> Self {
        Self {
            form_configuration_name: "reference_rest_api_relationship_user_create".into(),
            parent_resource_id: "team_members".into(),
            form: RelationshipUserForm {
                relationship_id: Some("d32a9192-353c-45fe-bbd4-b88702800467".into()),
                user_id: Some("3".into()),
                properties: Some(BTreeMap::from([("status".to_string(), "not_verified".to_string())])),
            },
        }
    }
}

/// The `form` of an update: attributes for the user, matching the form
/// configuration (properties only).
#[derive(Object, Debug, Clone, Default)]
pub struct RelationshipUserUpdateForm {
    /// Merged key by key into the stored properties; a key sent as JSON
    /// `null` (XML `xsi:nil="true"`) is removed.
    #[oai(skip_serializing_if_is_none)]
    pub properties: Option<BTreeMap<String, String>>,
}

/// The body of `PUT /api/user/relationship_users/{relationship_user_id}`.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct RelationshipUserUpdate {
    /// Name of the defined FormConfiguration.
    pub form_configuration_name: String,
    // Described on `RelationshipUserUpdateForm` (see above).
    pub form: RelationshipUserUpdateForm,
}

impl Example for RelationshipUserUpdate {
    fn example() -> Self {
        Self {
            form_configuration_name: "reference_rest_api_relationship_update".into(),
            form: RelationshipUserUpdateForm {
                properties: Some(BTreeMap::from([("status".to_string(), "not_verified".to_string())])),
            },
        }
    }
}

/// The body of a `DELETE` (when the name is not in the query string).
#[derive(Object, Debug, Clone)]
pub struct RelationshipUserDelete {
    pub form_configuration_name: Option<String>,
}

/// How a create body is read: the documented fields, each optional, and the
/// form as free data, so that every problem is reported at once.
#[derive(Object, Debug, Clone)]
#[oai(deny_unknown_fields)]
pub struct RelationshipUserCreateDraft {
    pub form_configuration_name: Option<String>,
    pub parent_resource_id: Option<String>,
    pub form: Option<Value>,
}

/// How an update body is read.
#[derive(Object, Debug, Clone)]
#[oai(deny_unknown_fields)]
pub struct RelationshipUserUpdateDraft {
    pub form_configuration_name: Option<String>,
    pub form: Option<Value>,
}

/// A relationship user as stored.
#[derive(Object, Debug, Clone)]
pub struct RelationshipUser {
    pub id: i64,
    /// The relationship's entityId.
    pub relationship_id: Uuid,
    pub relationship_number: String,
    /// The user's integer id.
    pub user_id: i64,
    pub user_entity_id: Uuid,
    pub username: String,
    /// The relationship user type's integer id.
    pub type_id: i64,
    pub type_name: String,
    pub properties: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<RelationshipUserRecord> for RelationshipUser {
    fn from(r: RelationshipUserRecord) -> Self {
        Self {
            id: r.id,
            relationship_id: r.relationship_id,
            relationship_number: r.relationship_number,
            user_id: r.user_id,
            user_entity_id: r.user_entity_id,
            username: r.username,
            type_id: r.type_id,
            type_name: r.type_name,
            properties: r.properties,
            created_at: r.created_at,
            updated_at: r.modified_at,
        }
    }
}

/// A page of a relationship's users.
#[derive(Object, Debug, Clone)]
pub struct RelationshipUserList {
    pub relationship_users: Vec<RelationshipUser>,
    pub total_count: i64,
    pub limit: u32,
    pub offset: u64,
}

/// What a create answers.
#[derive(Object, Debug, Clone)]
pub struct RelationshipUserCreated {
    /// The new relationship user's id.
    pub id: i64,
    /// Always `{}`.
    pub errors: BTreeMap<String, Vec<String>>,
}

#[derive(ApiResponse)]
pub enum Created {
    /// Created.
    #[oai(status = 201)]
    Created(Negotiated<RelationshipUserCreated>),
}

#[derive(ApiResponse)]
pub enum NoContent {
    /// Done; no body (the platform's status table).
    #[oai(status = 204)]
    NoContent,
}

#[derive(ApiResponse)]
pub enum Updated {
    /// Updated; no body (the platform's status table). `ETag` is the new version.
    #[oai(status = 204)]
    NoContent(#[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum Fetched {
    /// The relationship user; `ETag` is its version.
    #[oai(status = 200)]
    Ok(Negotiated<RelationshipUser>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum Listed {
    /// A page of the relationship's users, by id.
    #[oai(status = 200)]
    Ok(Negotiated<RelationshipUserList>),
}

/// A form as sent: the values given and every field named.
#[derive(Debug, Default)]
struct FormInput {
    relationship_id: Option<String>,
    user_id: Option<String>,
    /// `None` values remove a property.
    properties: BTreeMap<String, Option<String>>,
    /// Every field the form names (`relationship_id`, `properties.status`, ...).
    named: Vec<String>,
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a form (JSON object, or what XML made of one), every problem at once.
fn read_form(form: Option<Value>, errors: &mut Vec<FieldError>) -> FormInput {
    let mut input = FormInput::default();
    let map = match form {
        None | Some(Value::Null) => return input,
        Some(Value::String(s)) if s.trim().is_empty() => return input,
        Some(Value::Object(map)) => map,
        Some(_) => {
            errors.push(FieldError::new("form", "is invalid"));
            return input;
        }
    };
    for (key, value) in map {
        match key.as_str() {
            "relationship_id" | "user_id" => {
                let text = scalar(&value);
                if text.is_none() && !value.is_null() {
                    errors.push(FieldError::new(&key, "is invalid"));
                }
                input.named.push(key.clone());
                if key == "relationship_id" {
                    input.relationship_id = text;
                } else {
                    input.user_id = text;
                }
            }
            "properties" => {
                let properties = match value {
                    Value::Object(map) => map,
                    Value::Null => continue,
                    Value::String(s) if s.trim().is_empty() => continue,
                    _ => {
                        errors.push(FieldError::new("properties", "is invalid"));
                        continue;
                    }
                };
                for (name, value) in properties {
                    if !is_snake_case(&name) {
                        errors.push(FieldError::new(
                            "properties",
                            format!("has an invalid key {name:?} (use snake_case)"),
                        ));
                        continue;
                    }
                    let field = format!("properties.{name}");
                    match (&value, scalar(&value)) {
                        (Value::Null, _) => {
                            input.properties.insert(name, None);
                        }
                        (_, Some(text)) => {
                            input.properties.insert(name, Some(text));
                        }
                        _ => errors.push(FieldError::new(&field, "is invalid")),
                    }
                    input.named.push(field);
                }
            }
            _ if crate::domain::text::is_xml_name(&key) => errors.push(FieldError::new(&key, "is not allowed")),
            _ => errors.push(FieldError::new("form", format!("has an unknown field {key:?}"))),
        }
    }
    input
}

/// Refuses fields the configuration does not list, then applies every
/// configured validation to the value the row would have.
fn validate(
    config: &FormConfiguration,
    input: &FormInput,
    value_of: impl Fn(&str) -> Option<String>,
    errors: &mut Vec<FieldError>,
) {
    for field in &input.named {
        if !config.fields.contains_key(field) {
            errors.push(FieldError::new(field, "is not allowed"));
        }
    }
    for (field, rules) in &config.fields {
        for message in validate_value(rules, value_of(field).as_deref()) {
            errors.push(FieldError::new(field, message));
        }
    }
}

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
    tx.record_find::<FormConfiguration>("name", Col::Text(name.to_string()))
        .await?
        .map(|c: Stored<FormConfiguration>| c.data)
        .filter(|c| c.resource == RELATIONSHIP_USER)
        .ok_or(AppError::NotFound("Form configuration"))
}

/// Step 3: whether `actor` may change `row` through `config`: a row created
/// through a `creator` configuration, or changed through one, is its
/// creator's alone; to anyone else it does not exist.
fn may_change(config: &FormConfiguration, row: &RelationshipUserRecord, actor: &str) -> bool {
    let anyone = config.resource_owner == ResourceOwner::Anyone && row.owner_policy == ResourceOwner::Anyone;
    anyone || row.created_by == actor
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
        may_change(&self.config, row, &self.actor)
    }

    async fn apply(self, _tx: &mut WriteTx, row: &RelationshipUserRecord) -> Result<Self::Output, AppError> {
        let mut errors = Vec::new();
        let input = read_form(self.form, &mut errors);
        for field in ["relationship_id", "user_id"] {
            if input.named.iter().any(|n| n == field) && !errors.iter().any(|e| e.field == field) {
                errors.push(FieldError::new(field, "cannot change once created"));
            }
        }
        let mut merged = row.properties.clone();
        for (name, value) in &input.properties {
            match value {
                Some(v) => merged.insert(name.clone(), v.clone()),
                None => merged.remove(name),
            };
        }
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
        may_change(&self.config, row, &self.actor)
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
    #[oai(path = "/", method = "post", operation_id = "createRelationshipUser")]
    async fn relationship_users_create(
        &self,
        #[oai(scope = "Scope::RelationshipUsersWrite")] auth: BearerOrApiKey,
        body: Body<RelationshipUserCreateDraft, crate::http::body::JsonOrXml, RelationshipUserCreate>,
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
    /// `form: {properties: {...}}`. The properties are merged key by key into
    /// the stored ones (`null` removes a key); the configuration must list
    /// every property sent (`properties.<name>`), else 422 `is not allowed`,
    /// and its validations apply to the merged result. Success is 204 No
    /// Content (the document's example shows `{}`; the platform's status
    /// table says 204 for updates, and no body is what clients expect from
    /// it). Errors: 401, 422 missing `form_configuration_name`, 404 unknown
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
        relationship_user_id: Path<i64>,
        /// An ETag from an earlier GET or PUT: update only if it is still current.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<RelationshipUserUpdateDraft, crate::http::body::JsonOrXml, RelationshipUserUpdate>,
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
        Ok(Updated::NoContent(etag(updated.version)))
    }

    /// Delete a relationship user
    ///
    /// Takes the relationship user off the team. `form_configuration_name`
    /// comes in the query string or in the body. 204 No Content. Errors: 422
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
        relationship_user_id: Path<i64>,
        /// Name of the form configuration (or send it in the body).
        form_configuration_name: Query<Option<String>>,
        body: MaybeBody<RelationshipUserDelete>,
    ) -> Result<NoContent, FormApiError> {
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
        Ok(NoContent::NoContent)
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
        relationship_user_id: Path<i64>,
    ) -> Result<Fetched, FormApiError> {
        let row = self
            .ctx
            .store
            .relationship_user_get(auth.0.tenant, relationship_user_id.0)
            .await?
            .ok_or(AppError::NotFound("Relationship user"))?;
        let tag = etag(row.version);
        Ok(Fetched::Ok(Negotiated(row.into()), tag))
    }

    /// List a relationship's users
    ///
    /// Beyond the document: the users of one relationship (`relationship_id`:
    /// its entityId or number), by id, paged.
    #[oai(path = "/", method = "get", operation_id = "listRelationshipUsers")]
    async fn relationship_users_list(
        &self,
        #[oai(scope = "Scope::RelationshipUsersWrite")] auth: BearerOrApiKey,
        /// The relationship's entityId or number.
        relationship_id: Query<String>,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip (default 0).
        offset: Query<Option<u64>>,
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
            offset: offset.0.unwrap_or(0),
        };
        let (rows, total_count) = self
            .ctx
            .store
            .relationship_user_list(tenant, relationship, page)
            .await?;
        Ok(Listed::Ok(Negotiated(RelationshipUserList {
            relationship_users: rows.into_iter().map(RelationshipUser::from).collect(),
            total_count,
            limit: page.limit,
            offset: page.offset,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::body::property_names;

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

    #[test]
    fn forms_are_read_with_every_problem() {
        let mut errors = Vec::new();
        let form = serde_json::json!({"relationship_id": "R00001", "owner": "me", "properties": {"status": "x", "gone": null, "Bad Key": "y", "nested": {"a": 1}}});
        let input = read_form(Some(form), &mut errors);
        assert_eq!(input.relationship_id.as_deref(), Some("R00001"));
        assert_eq!(input.properties.get("gone"), Some(&None));
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["owner", "properties", "properties.nested"]);
    }
}
