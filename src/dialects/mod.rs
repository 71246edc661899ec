//! The HTTP API: one module per dialect or area, each one `#[OpenApi]` impl.
//! The annotated handlers are the contract: the OpenAPI document is
//! generated from them.

pub mod changes;
pub mod health;
pub mod oauth;
pub mod related_users;
pub mod relationship_users;
pub mod risk;
pub mod setup;
pub mod webhooks;

use crate::api::envelope::{Dialects, Registration};
use crate::api::problem::{self, ProblemDialect};
use crate::context::ApiContext;
use crate::document::{Document, Finish};
use crate::edge::correlation::{self, CorrelationId};
use poem_openapi::{
    ContactObject, ExternalDocumentObject, ExtraHeader, LicenseObject, OpenApiService, ServerObject, Tags,
};

#[derive(Tags)]
pub enum ApiTag {
    /// Liveness and readiness probes.
    Health,
    /// OAuth 2.0 client-credentials tokens.
    OAuth,
    /// Risk relationships: a tenant's third-party relationships, as the
    /// risk-assessment vendor's API documents them.
    #[oai(rename = "Risk relationships")]
    RiskRelationships,
    /// Relationship users: users on a relationship's team, written through
    /// form configurations, as the platform's REST API documents them.
    #[oai(rename = "Relationship users")]
    RelationshipUsers,
    /// Related users: username aliases, as Segura's API documents them.
    #[oai(rename = "Related users")]
    RelatedUsers,
    /// Tenant setup data that the dialects validate against.
    Setup,
    /// liaison's own: the change history of every resource, to audit and to follow.
    Changes,
    /// liaison's own: the changes a subscriber asks for, POSTed to its URL
    /// as they happen, signed as Standard Webhooks says, with a delivery log.
    Webhooks,
}

/// Each dialect's path prefix and error envelope, registered once for the
/// front line; paths under none of them answer RFC 9457 problem details.
pub static DIALECTS: Dialects = Dialects::new(
    &[
        Registration::of::<oauth::envelope::OAuthDialect>(),
        Registration::of::<risk::envelope::RiskDialect>(),
        Registration::of::<related_users::envelope::RelatedDialect>(),
        Registration::of::<relationship_users::envelope::FormDialect>(),
    ],
    Registration::of::<ProblemDialect>(),
);

pub type Apis = (
    health::HealthApi,
    oauth::OAuthApi,
    risk::RelationshipsApi,
    related_users::RelatedUsersApi,
    relationship_users::RelationshipUsersApi,
    (
        setup::organizations::OrganizationsApi,
        setup::users::UsersApi,
        setup::suppliers::SuppliersApi,
        setup::suppliers::SupplierAddressesApi,
        setup::classifications::ClassificationsApi,
        setup::categories::CategoriesApi,
        setup::categories::SubCategoriesApi,
        setup::extension_fields::ExtensionFieldsApi,
        setup::relationship_user_types::RelationshipUserTypesApi,
        setup::form_configurations::FormConfigurationsApi,
    ),
    changes::ChangesApi,
    webhooks::WebhooksApi,
);

pub const TITLE: &str = "liaison";
pub const DESCRIPTION: &str = "A relationship registry served over HTTP. One service speaks three vendor API \
dialects (Risk relationships, Relationship users, Related users) over one tenant-scoped data model, in JSON \
or XML as `Content-Type` and `Accept` say. Authenticate with OAuth 2.0 client credentials \
(`POST /oauth2/token`, then `Authorization: Bearer <token>`). The rules every operation follows on the wire \
(XML mapping, forms, text, errors, correlation ids) are on the page linked below.";

/// What every operation does on the wire, served at `/docs/rules` and
/// linked from the document.
pub const WIRE_RULES: &str = "Every operation reads JSON or XML bodies (by `Content-Type`) and answers JSON or XML as `Accept` asks \
(missing or `*/*`: JSON; nothing acceptable: 406). A UTF-8 byte-order mark before a JSON or XML body is \
ignored. XML follows the OpenAPI default mapping of each schema: root element named after the schema, one \
child element per property, arrays unwrapped (the property's element repeated), absent or null values \
without an element. Wrapped arrays are read too: where an array's items are strings, numbers or booleans, \
an element of the array's name holding child elements is a wrapper whose children, whatever their names \
(`<organizations><guid>...</guid><guid>...</guid></organizations>`), are the items; arrays of objects are \
read unwrapped only.\n\n\
Where an operation lists `application/x-www-form-urlencoded` and `multipart/form-data` (text and JSON \
parts; a file part gets 415; a JSON part, OpenAPI's default encoding of an object property, is read as the \
fields it holds), form field names nest the Rails (Rack) way: `form[properties][status]=verified` \
is `{\"form\": {\"properties\": {\"status\": \"verified\"}}}`, `a[]=1&a[]=2` is a list, and a urlencoded \
name without `=` is null. Forms go through the same schema and validation as JSON.\n\n\
A value that cannot be read is answered with 400 in the operation's error envelope, naming the parameter \
or field as sent (`organizations.0`, `form.properties.status`) and what it must be.\n\n\
Text anywhere in a request (body values and keys, query and path parameters) must not contain U+0000 \
to U+001F other than tab, line feed and carriage return, nor U+FFFE or U+FFFF: such a request gets 400 \
naming the field. In JSON, a field whose schema is a string takes only a JSON string (`false` or `12345` \
gets 400 naming the field); a field that takes more says so in its description. An optional field marked \
`nullable` reads `null` as absent.\n\n\
Authenticate with OAuth 2.0 client credentials: `POST /oauth2/token`, then `Authorization: Bearer <token>`. Each operation names the scope it needs; a token without it gets 403.\n\n\
Send `X-Correlation-Id` (1-128 of `[A-Za-z0-9._:-]`) to trace a request; it is echoed on every response, \
otherwise a fresh one is issued.";

/// What the generated document cannot say (see [`crate::document`]).
pub const FINISH: Finish<'static> = Finish {
    rules: WIRE_RULES,
    open: oauth::OPEN_BODIES,
    roots: &[problem::XML_ROOT],
    parameters: &[("listRelationships", risk::filters::parameters)],
};

/// The OpenAPI document as served and committed.
pub fn document(service: &OpenApiService<Apis, ()>) -> anyhow::Result<Document> {
    Document::finish(&service.spec(), &FINISH)
}

/// The OpenAPI service over every API: serves the operations and writes the spec.
pub fn service(ctx: ApiContext) -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            health::HealthApi::new(ctx.clone()),
            oauth::OAuthApi::new(ctx.clone()),
            risk::RelationshipsApi::new(ctx.clone()),
            related_users::RelatedUsersApi::new(ctx.clone()),
            relationship_users::RelationshipUsersApi::new(ctx.clone()),
            (
                setup::organizations::OrganizationsApi::new(ctx.clone()),
                setup::users::UsersApi::new(ctx.clone()),
                setup::suppliers::SuppliersApi::new(ctx.clone()),
                setup::suppliers::SupplierAddressesApi::new(ctx.clone()),
                setup::classifications::ClassificationsApi::new(ctx.clone()),
                setup::categories::CategoriesApi::new(ctx.clone()),
                setup::categories::SubCategoriesApi::new(ctx.clone()),
                setup::extension_fields::ExtensionFieldsApi::new(ctx.clone()),
                setup::relationship_user_types::RelationshipUserTypesApi::new(ctx.clone()),
                setup::form_configurations::FormConfigurationsApi::new(ctx.clone()),
            ),
            changes::ChangesApi::new(ctx.clone()),
            webhooks::WebhooksApi::new(ctx),
        ),
        TITLE,
        env!("CARGO_PKG_VERSION"),
    )
    .description(DESCRIPTION)
    .external_document(
        ExternalDocumentObject::new(crate::document::RULES_PATH)
            .description("The wire rules: XML mapping, forms, text, errors, correlation ids"),
    )
    .extra_request_header::<Option<String>, _>(
        ExtraHeader::new("X-Correlation-Id").description(correlation::REQUEST_DESCRIPTION),
    )
    .extra_response_header::<CorrelationId, _>(
        ExtraHeader::new("X-Correlation-Id").description(correlation::RESPONSE_DESCRIPTION),
    )
    .contact(ContactObject::new().name("The liaison team"))
    .license(LicenseObject::new("MIT"))
    .server(
        ServerObject::new("/")
            .description("This liaison instance (paths are relative to where this document is served)"),
    )
}

#[cfg(test)]
mod tests;
