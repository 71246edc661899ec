//! `/api/setup/extension_fields`: user-defined fields on relationships.

use poem_openapi::Object;
use poem_openapi::types::Example;
use uuid::Uuid;

use super::{Input, Meta, Resource, WriteContext, setup_api};
use crate::codec::text::Text;
use crate::domain::FieldError;
use crate::domain::setup as domain;
use crate::domain::text::ElementName;
use crate::store::setup::records::Stored;

crate::wire! {
    /// The definition of a user-defined field on relationships (`extensionFields`).
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct ExtensionField {
        pub entity_id: Uuid,
        /// The key in `extensionFields`, and so also an XML element name.
        pub name: String,
        /// The longest value accepted, in characters.
        pub max_length: i64,
        /// Whether every relationship must carry a value.
        pub required: bool,
        pub active: bool,
        #[flatten]
        pub meta: Meta,
    }
}

impl Resource for ExtensionField {
    type Data = domain::ExtensionField;

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            meta: (&s).into(),
            entity_id: s.entity_id,
            name: s.data.name,
            max_length: s.data.max_length,
            required: s.data.required,
            active: s.data.active,
        }
    }
}

/// What a client sends to define or redefine an extension field.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct ExtensionFieldInput {
    /// Also the field's XML element name: 1-100 ASCII characters, a letter
    /// or `_` first, then letters, digits, `-`, `.`, `_`; not starting with
    /// `xml` in any case. Unique in the tenant.
    pub name: Text<ElementName>,
    /// The longest value the field takes, in characters: 1-4000.
    #[oai(validator(minimum(value = "1"), maximum(value = "4000")))]
    pub max_length: i64,
    /// Defaults to `false` (absent or `null`).
    #[oai(nullable)]
    pub required: Option<bool>,
    /// Defaults to `true` (absent or `null`); `false` deactivates.
    #[oai(nullable)]
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

impl Input for ExtensionFieldInput {
    type Data = domain::ExtensionField;

    fn into_data(self, _: &WriteContext<'_, Self::Data>) -> Result<Self::Data, Vec<FieldError>> {
        domain::ExtensionField::parse(&self.name, self.max_length, self.required, self.active)
    }
}

setup_api! {
    ExtensionFieldsApi, "/api/setup/extension_fields", "/", "/:entityId", ExtensionField, ExtensionFieldInput,
    list: "listExtensionFields", "List extension fields",
    create: "createExtensionField", "Define an extension field",
    get: "getExtensionField", "Get an extension field",
    update: "updateExtensionField", "Update an extension field",
    example: "crate::demo::examples::extension_field",
    unique: "the name",
}
