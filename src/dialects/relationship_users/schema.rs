//! The Relationship users wire: request and response bodies as the
//! platform's document shows them, and the statuses each operation answers.

use std::collections::BTreeMap;

use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object};
use serde_json::Value;
use uuid::Uuid;

use crate::wire::Timestamp;

use crate::codec::Negotiated;
use crate::store::relationship_users::RelationshipUserRecord;

/// The `form` of a create: the relationship user's fields, as the form
/// configuration allows.
#[derive(Object, Debug, Clone, Default)]
pub struct RelationshipUserForm {
    /// On create: the relationship's entityId or number (`R00001`).
    #[oai(nullable, skip_serializing_if_is_none)]
    pub relationship_id: Option<String>,
    /// On create: the user's integer id or entityId.
    #[oai(nullable, skip_serializing_if_is_none)]
    pub user_id: Option<String>,
    /// Free properties, string values. On update they are merged key by
    /// key; a key sent as JSON `null` (XML `xsi:nil="true"`) is removed.
    #[oai(nullable, skip_serializing_if_is_none)]
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
    #[oai(nullable, skip_serializing_if_is_none)]
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

crate::wire! {
    /// A relationship user as stored.
    #[derive(Debug, Clone)]
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
        pub created_at: Timestamp,
        pub updated_at: Timestamp,
    }
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
            created_at: r.created_at.into(),
            updated_at: r.modified_at.into(),
        }
    }
}

crate::wire! {
    /// A page of a relationship's users.
    #[derive(Debug, Clone)]
    pub struct RelationshipUserList {
        pub relationship_users: Vec<RelationshipUser>,
        pub total_count: i64,
        pub limit: u32,
        pub offset: u64,
    }
}

crate::wire! {
    /// What a create answers.
    #[derive(Debug, Clone)]
    pub struct RelationshipUserCreated {
        /// The new relationship user's id.
        pub id: i64,
        /// Always `{}`.
        pub errors: BTreeMap<String, Vec<String>>,
    }
}

#[derive(ApiResponse)]
pub enum Created {
    /// Created.
    #[oai(status = 201)]
    Created(Negotiated<RelationshipUserCreated>),
}

crate::wire! {
    /// What an update or a delete answers: the document's example response,
    /// `{}` (in XML, `<RelationshipUserDone></RelationshipUserDone>`).
    #[derive(Debug, Clone, Default)]
    pub struct RelationshipUserDone {}
}

#[derive(ApiResponse)]
pub enum Deleted {
    /// Deleted: `{}`, as the document's example response.
    #[oai(status = 200)]
    Ok(Negotiated<RelationshipUserDone>),
}

#[derive(ApiResponse)]
pub enum Updated {
    /// Updated: `{}`, as the document's example response. `ETag` is the new version.
    #[oai(status = 200)]
    Ok(Negotiated<RelationshipUserDone>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum Fetched {
    /// The relationship user; `ETag` is its version, `Last-Modified` when it last changed.
    #[oai(status = 200)]
    Ok(
        Negotiated<RelationshipUser>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Last-Modified")] String,
    ),
}

#[derive(ApiResponse)]
pub enum Listed {
    /// A page of the relationship's users, by id; `Link` names the next
    /// page when this one is full.
    #[oai(status = 200)]
    Ok(Negotiated<RelationshipUserList>, #[oai(header = "Link")] Option<String>),
}
