//! `/api/setup/form_configurations`: what a Relationship users write may
//! set, and how each field is validated. Changes apply to the next request.

use poem_openapi::Object;
use poem_openapi::types::Example;
use uuid::Uuid;

use super::{Input, Meta, Resource, WriteContext, setup_api};
use crate::codec::text::Text;
use crate::domain::FieldError;
use crate::domain::form::{self as domain, FormOwner, FormResource, LengthRule, Validations};
use crate::domain::text::SnakeCaseName;
use crate::store::setup::records::Stored;
use crate::wire::Timestamp;
use std::collections::BTreeMap;

crate::wire! {
    /// `length` validation: the value's length in characters.
    #[derive(Debug, Clone, PartialEq)]
    #[oai(deny_unknown_fields)]
    pub struct LengthValidation {
        #[nullable]
        #[skip_none]
        pub minimum: Option<u32>,
        #[nullable]
        #[skip_none]
        pub maximum: Option<u32>,
    }
}

crate::wire! {
    /// `inclusion` validation: the value must be one of these.
    #[derive(Debug, Clone, PartialEq)]
    #[oai(deny_unknown_fields)]
    pub struct InclusionValidation {
        #[rename = "in"]
        pub values: Vec<String>,
    }
}

crate::wire! {
    /// `format` validation: the value must match this regular expression
    /// (anywhere, as in Rails; anchor it with `^...$` to match the whole value).
    #[derive(Debug, Clone, PartialEq)]
    #[oai(deny_unknown_fields)]
    pub struct FormatValidation {
        pub with: String,
    }
}

crate::wire! {
    /// A field's validations; any other name is refused when the configuration is saved.
    #[derive(Debug, Clone, PartialEq, Default)]
    #[oai(deny_unknown_fields)]
    pub struct FieldValidations {
        /// The value must be present and not blank.
        #[nullable]
        #[skip_none]
        pub presence: Option<bool>,
        #[skip_none]
        pub length: Option<LengthValidation>,
        #[skip_none]
        pub inclusion: Option<InclusionValidation>,
        #[skip_none]
        pub format: Option<FormatValidation>,
    }
}

crate::wire! {
    /// One writable field.
    #[derive(Debug, Clone, PartialEq, Default)]
    #[oai(deny_unknown_fields)]
    pub struct FieldConfiguration {
        #[skip_none]
        pub validations: Option<FieldValidations>,
    }
}

impl From<FieldConfiguration> for Validations {
    fn from(f: FieldConfiguration) -> Self {
        let v = f.validations.unwrap_or_default();
        Validations {
            presence: v.presence.unwrap_or(false),
            length: v.length.map(|l| LengthRule {
                minimum: l.minimum,
                maximum: l.maximum,
            }),
            inclusion: v.inclusion.map(|i| i.values),
            format: v.format.map(|f| f.with),
        }
    }
}

impl From<Validations> for FieldConfiguration {
    fn from(v: Validations) -> Self {
        let empty = v == Validations::default();
        FieldConfiguration {
            validations: (!empty).then(|| FieldValidations {
                presence: v.presence.then_some(true),
                length: v.length.map(|l| LengthValidation {
                    minimum: l.minimum,
                    maximum: l.maximum,
                }),
                inclusion: v.inclusion.map(|values| InclusionValidation { values }),
                format: v.format.map(|with| FormatValidation { with }),
            }),
        }
    }
}

crate::wire! {
    /// A form configuration.
    #[derive(Debug, Clone, PartialEq)]
    pub struct FormConfiguration {
        pub entity_id: Uuid,
        /// snake_case, unique in the tenant.
        pub name: String,
        /// `RelationshipUser`.
        pub resource: String,
        /// `anyone`, or `creator`: only the API client or key that created a row may change it.
        pub resource_owner: String,
        /// The writable fields (`relationship_id`, `user_id`, `properties.<name>`) and their validations.
        pub fields: BTreeMap<String, FieldConfiguration>,
        // The members of `Meta`, spelled as this resource spells its own.
        pub version: i64,
        pub created_at: Timestamp,
        pub modified_at: Timestamp,
    }
}

impl Resource for FormConfiguration {
    type Data = domain::FormConfiguration;

    fn from_stored(s: Stored<Self::Data>) -> Self {
        let Meta {
            version,
            created_at,
            modified_at,
        } = (&s).into();
        Self {
            entity_id: s.entity_id,
            name: s.data.name,
            resource: s.data.resource,
            resource_owner: s.data.resource_owner.as_str().into(),
            fields: s.data.fields.into_iter().map(|(k, v)| (k, v.into())).collect(),
            version,
            created_at,
            modified_at,
        }
    }
}

/// What a client sends to create or replace a form configuration.
#[derive(Object, Debug, Clone)]
#[oai(deny_unknown_fields, example)]
pub struct FormConfigurationInput {
    /// `snake_case` (a lower-case letter, then `a-z`, `0-9`, `_`), at most
    /// 100 characters; unique in the tenant.
    pub name: Text<SnakeCaseName>,
    /// `RelationshipUser`: what the form writes.
    pub resource: Text<FormResource>,
    /// Who may change what the form wrote: `anyone` (default, also for
    /// `null`) or `creator`.
    #[oai(nullable, skip_serializing_if_is_none)]
    pub resource_owner: Option<Text<FormOwner>>,
    pub fields: BTreeMap<String, FieldConfiguration>,
}

impl Example for FormConfigurationInput {
    fn example() -> Self {
        // The demo's configuration at the path parameter's example id, so
        // that "Try it out" on PUT changes nothing it should not.
        Self {
            name: "reference_rest_api_relationship_update".into(),
            resource: "RelationshipUser".into(),
            resource_owner: Some("anyone".into()),
            fields: BTreeMap::from([(
                "properties.status".to_string(),
                FieldConfiguration {
                    validations: Some(FieldValidations {
                        presence: Some(true),
                        inclusion: Some(InclusionValidation {
                            values: ["verified", "not_verified", "pending"].map(String::from).to_vec(),
                        }),
                        ..FieldValidations::default()
                    }),
                },
            )]),
        }
    }
}

impl Input for FormConfigurationInput {
    type Data = domain::FormConfiguration;

    /// Checked when saved (unknown validations, bad regular expressions,
    /// fields a relationship user does not have), never when used; it
    /// applies to the very next Relationship users request.
    fn into_data(self, write: &WriteContext<'_, Self::Data>) -> Result<Self::Data, Vec<FieldError>> {
        let fields = self.fields.into_iter().map(|(k, v)| (k, v.into())).collect();
        let owner = self.resource_owner.as_deref().unwrap_or("anyone");
        let created_by = write
            .current
            .map_or_else(|| write.actor.to_string(), |c| c.created_by.clone());
        domain::FormConfiguration::parse(&self.name, &self.resource, owner, fields, created_by)
    }
}

setup_api! {
    FormConfigurationsApi, "/api/setup/form_configurations", "/", "/:entityId", FormConfiguration, FormConfigurationInput,
    list: "listFormConfigurations", "List form configurations",
    create: "createFormConfiguration", "Create a form configuration",
    get: "getFormConfiguration", "Get a form configuration",
    update: "updateFormConfiguration", "Update a form configuration",
    example: "crate::demo::examples::form_configuration",
    unique: "the name",
}
