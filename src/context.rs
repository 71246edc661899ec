//! What every handler is given: the store, the auth state, the metrics and
//! the public URL, made once at start-up from [`ContextSettings`].

use std::sync::Arc;

use crate::api::auth::AuthState;
use crate::auth::secret::LegacyVerifier;
use crate::auth::secret::random_token;
use crate::auth::standing::Standings;
use crate::auth::throttle::{FailureThrottle, ThrottlePolicy};
use crate::auth::token::TokenKey;
use crate::metrics::Metrics;
use crate::store::Store;

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
            None => store.signing_key(&random_token(32)).await?,
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
