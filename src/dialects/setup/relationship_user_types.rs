//! `/api/setup/relationship_user_types`: the kinds of relationship users
//! (e.g. `team_members`), with per-tenant integer ids.

use poem_openapi::Object;
use poem_openapi::types::Example;
use uuid::Uuid;

use super::{Input, Meta, Resource, WriteContext, setup_api};
use crate::codec::text::Text;
use crate::domain::FieldError;
use crate::domain::setup as domain;
use crate::domain::text::SnakeCaseName;
use crate::store::setup::records::Stored;

crate::wire! {
    /// A relationship user type.
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct RelationshipUserType {
        pub entity_id: Uuid,
        /// The per-tenant integer id, used as `parent_resource_id`.
        pub id: i64,
        /// snake_case, unique in the tenant; also usable as `parent_resource_id`.
        pub name: String,
        pub active: bool,
        #[flatten]
        pub meta: Meta,
    }
}

impl Resource for RelationshipUserType {
    type Data = domain::RelationshipUserType;

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            meta: (&s).into(),
            entity_id: s.entity_id,
            id: s.data.number,
            name: s.data.name,
            active: s.data.active,
        }
    }
}

/// What a client sends to create or rename a relationship user type.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct RelationshipUserTypeInput {
    /// `snake_case` (a lower-case letter, then `a-z`, `0-9`, `_`), at most
    /// 100 characters, as sent.
    pub name: Text<SnakeCaseName>,
    /// Defaults to `true` (absent or `null`); `false` deactivates.
    #[oai(nullable)]
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

impl Input for RelationshipUserTypeInput {
    type Data = domain::RelationshipUserType;
    const SEQUENCE: Option<&'static str> = Some("relationship_user_types");

    /// The integer id comes from the tenant's sequence on create and never changes.
    fn into_data(self, write: &WriteContext<'_, Self::Data>) -> Result<Self::Data, Vec<FieldError>> {
        let number = write.current.map_or(write.number, |c| c.number);
        domain::RelationshipUserType::parse(number, &self.name, self.active)
    }
}

setup_api! {
    RelationshipUserTypesApi, "/api/setup/relationship_user_types", "/", "/:entityId", RelationshipUserType, RelationshipUserTypeInput,
    list: "listRelationshipUserTypes", "List relationship user types",
    create: "createRelationshipUserType", "Create a relationship user type",
    get: "getRelationshipUserType", "Get a relationship user type",
    update: "updateRelationshipUserType", "Update a relationship user type",
    example: "crate::demo::examples::relationship_user_type",
    unique: "the name",
}
