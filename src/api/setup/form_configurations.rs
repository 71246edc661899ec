//! `/api/setup/form_configurations`: what a Relationship users write may
//! set, and how each field is validated. Changes apply to the next request.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use super::{Created, Fetched, Listed, Resource, invalid, page};
use crate::api::{ApiContext, ApiTag};
use crate::auth::Scope;
use crate::domain::form::{self as domain, LengthRule, Validations};
use crate::http::auth::Bearer;
use crate::http::{AppError, Body, ProblemError};
use crate::store::records::Stored;

const COLLECTION: &str = "/api/setup/form_configurations";

/// `length` validation: the value's length in characters.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(deny_unknown_fields)]
pub struct LengthValidation {
    #[oai(skip_serializing_if_is_none)]
    pub minimum: Option<u32>,
    #[oai(skip_serializing_if_is_none)]
    pub maximum: Option<u32>,
}

/// `inclusion` validation: the value must be one of these.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(deny_unknown_fields)]
pub struct InclusionValidation {
    #[oai(rename = "in")]
    pub values: Vec<String>,
}

/// `format` validation: the value must match this regular expression
/// (anywhere, as in Rails; anchor it with `^...$` to match the whole value).
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(deny_unknown_fields)]
pub struct FormatValidation {
    pub with: String,
}

/// A field's validations; any other name is refused when the configuration is saved.
#[derive(Object, Debug, Clone, PartialEq, Default)]
#[oai(deny_unknown_fields)]
pub struct FieldValidations {
    /// The value must be present and not blank.
    #[oai(skip_serializing_if_is_none)]
    pub presence: Option<bool>,
    #[oai(skip_serializing_if_is_none)]
    pub length: Option<LengthValidation>,
    #[oai(skip_serializing_if_is_none)]
    pub inclusion: Option<InclusionValidation>,
    #[oai(skip_serializing_if_is_none)]
    pub format: Option<FormatValidation>,
}

/// One writable field.
#[derive(Object, Debug, Clone, PartialEq, Default)]
#[oai(deny_unknown_fields)]
pub struct FieldConfiguration {
    #[oai(skip_serializing_if_is_none)]
    pub validations: Option<FieldValidations>,
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

/// A form configuration.
#[derive(Object, Debug, Clone, PartialEq)]
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
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl Resource for FormConfiguration {
    type Data = domain::FormConfiguration;
    const NAME: &'static str = "Form configuration";

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            entity_id: s.entity_id,
            name: s.data.name,
            resource: s.data.resource,
            resource_owner: s.data.resource_owner.as_str().into(),
            fields: s.data.fields.into_iter().map(|(k, v)| (k, v.into())).collect(),
            version: s.version.0,
            created_at: s.created_at,
            modified_at: s.modified_at,
        }
    }
}

/// What a client sends to create or replace a form configuration.
#[derive(Object, Debug, Clone)]
#[oai(deny_unknown_fields, example)]
pub struct FormConfigurationInput {
    pub name: String,
    /// `RelationshipUser`.
    pub resource: String,
    /// `anyone` (default) or `creator`.
    #[oai(skip_serializing_if_is_none)]
    pub resource_owner: Option<String>,
    pub fields: BTreeMap<String, FieldConfiguration>,
}

impl Example for FormConfigurationInput {
    fn example() -> Self {
        Self {
            name: "reference_rest_api_relationship_user_update".into(),
            resource: "RelationshipUser".into(),
            resource_owner: Some("anyone".into()),
            fields: BTreeMap::from([(
                "properties.status".to_string(),
                FieldConfiguration {
                    validations: Some(FieldValidations {
                        presence: Some(true),
                        ..FieldValidations::default()
                    }),
                },
            )]),
        }
    }
}

impl FormConfigurationInput {
    fn parse(self, created_by: String) -> Result<domain::FormConfiguration, AppError> {
        let fields = self.fields.into_iter().map(|(k, v)| (k, v.into())).collect();
        let owner = self.resource_owner.as_deref().unwrap_or("anyone");
        domain::FormConfiguration::parse(&self.name, &self.resource, owner, fields, created_by).map_err(invalid)
    }
}

pub struct FormConfigurationsApi {
    ctx: ApiContext,
}

impl FormConfigurationsApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }
}

#[OpenApi(prefix_path = "/api/setup/form_configurations", tag = "ApiTag::Setup")]
impl FormConfigurationsApi {
    /// List form configurations
    ///
    /// Pages through form configurations of the caller's tenant, oldest first (`limit` 1-200, default 50; `offset`).
    #[oai(path = "/", method = "get", operation_id = "listFormConfigurations")]
    async fn form_configurations_list(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip (default 0).
        offset: Query<Option<u64>>,
    ) -> Result<Listed<FormConfiguration>, ProblemError> {
        super::list(&self.ctx.store, auth.0.tenant, None, page(limit.0, offset.0)).await
    }

    /// Create a form configuration
    ///
    /// Refused when it is saved, not when it is used: an unknown validation,
    /// a bad regular expression, a field a relationship user does not have,
    /// a name that is not snake_case (400); a name already taken (409).
    #[oai(path = "/", method = "post", operation_id = "createFormConfiguration")]
    async fn form_configurations_create(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        body: Body<FormConfigurationInput>,
    ) -> Result<Created<FormConfiguration>, ProblemError> {
        let principal = auth.0;
        let data = body.0.parse(principal.actor())?;
        super::create(&self.ctx.store, principal.tenant, None, COLLECTION, data).await
    }

    /// Get a form configuration
    ///
    /// One of the caller's tenant, with its `ETag`; another tenant's is 404.
    #[oai(path = "/:entityId", method = "get", operation_id = "getFormConfiguration")]
    async fn form_configurations_get(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "entityId")] entity_id: Path<Uuid>,
    ) -> Result<Fetched<FormConfiguration>, ProblemError> {
        super::get(&self.ctx.store, auth.0.tenant, None, entity_id.0).await
    }

    /// Update a form configuration
    ///
    /// Replaces the configuration; the next Relationship users request is
    /// checked against the new one (no restart, no cache).
    #[oai(path = "/:entityId", method = "put", operation_id = "updateFormConfiguration")]
    async fn form_configurations_update(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "entityId")] entity_id: Path<Uuid>,
        /// An ETag from an earlier GET or PUT.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<FormConfigurationInput>,
    ) -> Result<Fetched<FormConfiguration>, ProblemError> {
        let tenant = auth.0.tenant;
        let current = self
            .ctx
            .store
            .record_get::<domain::FormConfiguration>(tenant, None, entity_id.0)
            .await?
            .ok_or(AppError::NotFound(FormConfiguration::NAME))?;
        let data = body.0.parse(current.data.created_by)?;
        super::update(&self.ctx.store, tenant, None, entity_id.0, if_match.0.as_deref(), data).await
    }
}
