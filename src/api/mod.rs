//! The HTTP API: one module per dialect or area, each one `#[OpenApi]` impl.
//! The annotated handlers are the contract: the OpenAPI document is
//! generated from them.

pub mod health;
pub mod oauth;
pub mod related_users;
pub mod relationship_users;
pub mod relationships;
pub mod setup;

use poem_openapi::{ContactObject, LicenseObject, OpenApiService, ServerObject, Tags};

use std::sync::Arc;

use crate::auth::secret::LegacyVerifier;
use crate::auth::standing::Standings;
use crate::auth::throttle::{FailureThrottle, ThrottlePolicy};
use crate::auth::token::TokenKey;
use crate::http::auth::AuthState;
use crate::metrics::Metrics;
use crate::store::Store;

#[derive(Tags)]
pub enum ApiTag {
    /// Liveness and readiness probes.
    Health,
    /// OAuth 2.0 client-credentials tokens.
    OAuth,
    /// Risk relationships: third-party relationships (vendor document seeds/002).
    #[oai(rename = "Risk relationships")]
    RiskRelationships,
    /// Relationship users: users on a relationship's team, written through
    /// form configurations (vendor document seeds/000).
    #[oai(rename = "Relationship users")]
    RelationshipUsers,
    /// Related users: username aliases (vendor document seeds/003).
    #[oai(rename = "Related users")]
    RelatedUsers,
    /// Tenant setup data that the dialects validate against.
    Setup,
}

/// What every API needs.
#[derive(Clone)]
pub struct ApiContext {
    pub store: Store,
    pub auth: Arc<AuthState>,
    /// Base for absolute links; `None`: the request's scheme and host.
    pub public_url: Option<String>,
    /// What an operator scrapes at `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Whether the app serves `/metrics` itself (not when it has its own address).
    pub metrics_on_main: bool,
}

impl ApiContext {
    /// The context for a store: tokens are signed with `token_key` when
    /// given, else with the key kept in the database.
    pub async fn new(store: Store, settings: &ContextSettings) -> Result<Self, sqlx::Error> {
        let key = match &settings.token_key {
            Some(key) => key.clone(),
            None => store.signing_key().await?,
        };
        Ok(Self {
            auth: Arc::new(AuthState {
                store: store.clone(),
                key: TokenKey::new(key.into_bytes()),
                token_ttl: settings.token_ttl,
                standings: Arc::new(Standings::new(settings.client_cache_ttl)),
                legacy: LegacyVerifier::default(),
                throttle: Arc::new(FailureThrottle::new(ThrottlePolicy::default())),
            }),
            metrics: Arc::new(Metrics::new(store.clone())),
            metrics_on_main: settings.metrics_on_main,
            store,
            public_url: settings.public_url.clone(),
        })
    }

    /// This context with failed client authentications slowed down as
    /// `policy` says (the server's setting; the default otherwise).
    pub fn with_token_throttle(mut self, policy: ThrottlePolicy) -> Self {
        let auth = AuthState {
            throttle: Arc::new(FailureThrottle::new(policy)),
            ..(*self.auth).clone()
        };
        self.auth = Arc::new(auth);
        self
    }

    /// A context that never touches a database: enough to generate the spec.
    pub fn detached() -> Self {
        let store = Store::detached();
        Self {
            auth: Arc::new(AuthState {
                store: store.clone(),
                key: TokenKey::new(Vec::new()),
                token_ttl: 0,
                standings: Arc::new(Standings::new(std::time::Duration::ZERO)),
                legacy: LegacyVerifier::default(),
                throttle: Arc::new(FailureThrottle::new(ThrottlePolicy::default())),
            }),
            metrics: Arc::new(Metrics::new(store.clone())),
            metrics_on_main: true,
            store,
            public_url: None,
        }
    }
}

/// The settings an [`ApiContext`] is made from.
#[derive(Debug, Clone)]
pub struct ContextSettings {
    pub token_key: Option<String>,
    pub token_ttl: i64,
    pub public_url: Option<String>,
    /// Serve `/metrics` on the app's own address (false: it has its own).
    pub metrics_on_main: bool,
    /// How long a client's standing is trusted without reading it again.
    pub client_cache_ttl: std::time::Duration,
}

impl Default for ContextSettings {
    fn default() -> Self {
        Self {
            token_key: None,
            token_ttl: 3600,
            public_url: None,
            metrics_on_main: true,
            client_cache_ttl: std::time::Duration::from_secs(DEFAULT_CLIENT_CACHE_TTL),
        }
    }
}

/// Seconds a client's standing is trusted by default (see `auth::standing`).
pub const DEFAULT_CLIENT_CACHE_TTL: u64 = 5;

pub type Apis = (
    health::HealthApi,
    oauth::OAuthApi,
    relationships::RelationshipsApi,
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
);

pub const TITLE: &str = "liaison";
pub const DESCRIPTION: &str = "A relationship registry served over HTTP. One service speaks three vendor API \
dialects (Risk relationships, Relationship users, Related users) over one tenant-scoped data model.\n\n\
Every operation reads JSON or XML bodies (by `Content-Type`) and answers JSON or XML as `Accept` asks \
(missing or `*/*`: JSON; nothing acceptable: 406). XML follows the OpenAPI default mapping of each schema: \
root element named after the schema, one child element per property, arrays unwrapped (the property's \
element repeated), absent or null values without an element.\n\n\
Text anywhere in a request (body values and keys, query and path parameters) must not contain U+0000 \
to U+001F other than tab, line feed and carriage return, nor U+FFFE or U+FFFF: such a request gets 400 \
naming the field. In JSON, a field whose schema is a string takes only a JSON string (`false` or `12345` \
gets 400 naming the field); a field that takes more says so in its description.\n\n\
Authenticate with OAuth 2.0 client credentials: `POST /oauth2/token`, then `Authorization: Bearer <token>`. Each operation names the scope it needs; a token without it gets 403.\n\n\
Send `X-Correlation-Id` (1-128 of `[A-Za-z0-9._:-]`) to trace a request; it is echoed on every response, \
otherwise a fresh one is issued.";

/// The OpenAPI service over every API: serves the operations and writes the spec.
pub fn service(ctx: ApiContext) -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            health::HealthApi::new(ctx.clone()),
            oauth::OAuthApi::new(ctx.clone()),
            relationships::RelationshipsApi::new(ctx.clone()),
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
                setup::form_configurations::FormConfigurationsApi::new(ctx),
            ),
        ),
        TITLE,
        env!("CARGO_PKG_VERSION"),
    )
    .description(DESCRIPTION)
    .contact(ContactObject::new().name("The liaison team"))
    .license(LicenseObject::new("MIT"))
    .server(
        ServerObject::new("/")
            .description("This liaison instance (paths are relative to where this document is served)"),
    )
}
