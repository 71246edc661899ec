//! `/api/setup/classifications`: the values a relationship's `classification` may take.

use poem_openapi::Object;
use poem_openapi::types::Example;
use uuid::Uuid;

use super::{Input, Meta, Resource, WriteContext, setup_api};
use crate::codec::text::Text;
use crate::domain::FieldError;
use crate::domain::setup as domain;
use crate::domain::setup::NAME_MAX;
use crate::domain::text::Line;
use crate::store::setup::records::Stored;

crate::wire! {
    /// A classification value; only active ones are accepted on relationships.
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct Classification {
        pub entity_id: Uuid,
        /// Unique in the tenant, 1-200 characters, matched exactly.
        pub value: String,
        pub active: bool,
        #[flatten]
        pub meta: Meta,
    }
}

impl Resource for Classification {
    type Data = domain::Classification;

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            meta: (&s).into(),
            entity_id: s.entity_id,
            value: s.data.value,
            active: s.data.active,
        }
    }
}

/// What a client sends to create or replace a classification.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct ClassificationInput {
    /// 1-200 characters on one line (no control characters), not blank;
    /// stored trimmed.
    pub value: Text<Line<NAME_MAX>>,
    /// Defaults to `true` (absent or `null`); `false` deactivates.
    #[oai(nullable)]
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

impl Input for ClassificationInput {
    type Data = domain::Classification;

    fn into_data(self, _: &WriteContext<'_, Self::Data>) -> Result<Self::Data, Vec<FieldError>> {
        domain::Classification::parse(&self.value, self.active)
    }
}

setup_api! {
    ClassificationsApi, "/api/setup/classifications", "/", "/:entityId", Classification, ClassificationInput,
    list: "listClassifications", "List classifications",
    create: "createClassification", "Create a classification",
    get: "getClassification", "Get a classification",
    update: "updateClassification", "Update a classification",
    example: "crate::demo::examples::classification",
    unique: "the value",
}
