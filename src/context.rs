//! What every handler is given: the store, the auth state, the metrics and
//! the public URL, made once at start-up from [`ContextSettings`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::api::auth::AuthState;
use crate::auth::keys::{self, Keyring};
use crate::auth::secret::LegacyVerifier;
use crate::auth::standing::Standings;
use crate::auth::throttle::{FailureThrottle, ThrottlePolicy};
use crate::auth::token::TokenKey;
use crate::domain::sealed::Sealer;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::store::credentials::SIGNING_KEY;
use crate::webhooks::WebhookSettings;
use anyhow::Context as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What every API needs.
#[derive(Clone)]
pub struct ApiContext {
    pub store: Store,
    pub auth: Arc<AuthState>,
    /// Base for absolute links; `None`: the request's scheme and host.
    pub public_url: Option<String>,
    /// How webhooks are delivered (their secrets are sealed by the store).
    pub webhooks: Arc<WebhookSettings>,
    /// What an operator scrapes at `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Whether the app serves `/metrics` itself (not when it has its own address).
    pub metrics_on_main: bool,
}

impl ApiContext {
    /// The context for a store: tokens are signed with the keys
    /// [`token_keys`] finds.
    pub async fn new(store: Store, settings: &ContextSettings) -> anyhow::Result<Self> {
        let (key, sealing) = token_keys(&store, settings).await?;
        store.seal_with(Sealer::new(&sealing));
        Ok(Self {
            webhooks: Arc::new(settings.webhooks.clone()),
            auth: Arc::new(AuthState {
                store: store.clone(),
                key,
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
            webhooks: Arc::default(),
            auth: Arc::new(AuthState {
                store: store.clone(),
                key: Keyring::fixed(TokenKey::new(Vec::new())),
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
    /// A key that signs tokens, given in the configuration.
    pub token_key: Option<String>,
    /// The key file (see `auth::keys`); by default beside the SQLite file.
    pub token_key_file: Option<PathBuf>,
    pub token_ttl: i64,
    pub public_url: Option<String>,
    /// Serve `/metrics` on the app's own address (false: it has its own).
    pub metrics_on_main: bool,
    /// How long a client's standing is trusted without reading it again.
    pub client_cache_ttl: std::time::Duration,
    /// How webhooks are delivered.
    pub webhooks: WebhookSettings,
}

impl Default for ContextSettings {
    fn default() -> Self {
        Self {
            token_key: None,
            token_key_file: None,
            token_ttl: 3600,
            public_url: None,
            metrics_on_main: true,
            client_cache_ttl: std::time::Duration::from_secs(DEFAULT_CLIENT_CACHE_TTL),
            webhooks: WebhookSettings::default(),
        }
    }
}

/// Seconds a client's standing is trusted by default (see `auth::standing`).
pub const DEFAULT_CLIENT_CACHE_TTL: u64 = 5;

/// What a PostgreSQL deployment without a configured key is told.
pub const NO_SHARED_KEY: &str = "PostgreSQL deployments need one token signing key that every instance shares: \
     give a key file with --token-key-file PATH (LIAISON_TOKEN_KEY_FILE; created when missing, rotated with \
     `liaison keys rotate`) or a key with --token-key (LIAISON_TOKEN_KEY)";

/// Where an instance's token keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// One key given in the configuration (`--token-key`).
    Given(String),
    /// A key file (see `auth::keys`).
    File(PathBuf),
}

impl ContextSettings {
    /// Where the token keys come from: the configured key, else the
    /// configured key file, else a key file beside the SQLite file (`sqlite`)
    /// named as it with the extension `.key` (`data/liaison.key` beside
    /// `data/liaison.db`). PostgreSQL has no such place: instances must share
    /// one key, so a key or a key file must be configured.
    pub fn key_source(&self, sqlite: Option<&Path>) -> anyhow::Result<KeySource> {
        match (&self.token_key, &self.token_key_file, sqlite) {
            (Some(key), _, _) => Ok(KeySource::Given(key.clone())),
            (None, Some(file), _) => Ok(KeySource::File(file.clone())),
            (None, None, Some(db)) => Ok(KeySource::File(default_key_file(db))),
            (None, None, None) => anyhow::bail!(NO_SHARED_KEY),
        }
    }
}

/// The key file's default place: beside the SQLite file `db`.
pub fn default_key_file(db: &Path) -> PathBuf {
    if db.extension().is_some_and(|e| e == "key") {
        let mut name = db.as_os_str().to_owned();
        name.push(".key");
        return name.into();
    }
    db.with_extension("key")
}

/// The token keys of an instance on `store`, and the key that seals
/// webhook secrets: the key file's own (never rotated), or with a
/// configured token key, one derived from it. A key that earlier versions
/// kept in the database is moved into the key file (its current key when
/// the file is new, else a retired one, so that the tokens it signed live
/// out their time) and removed from the database; with a configured key it
/// is only removed.
pub async fn token_keys(store: &Store, settings: &ContextSettings) -> anyhow::Result<(Keyring, [u8; 32])> {
    let source = settings.key_source(store.sqlite_path())?;
    let legacy = store.plain_signing_key().await?;
    let (ring, sealing) = match &source {
        KeySource::Given(key) => {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
            mac.update(b"liaison: the key that seals webhook signing secrets");
            (
                Keyring::fixed(TokenKey::new(key.as_bytes())),
                mac.finalize().into_bytes().into(),
            )
        }
        KeySource::File(path) => {
            let file = keys::ensure(path, legacy.clone())?;
            let sealing = file.sealing_key().context("the key file holds no sealing key")?;
            (Keyring::from_file(path.clone(), &file, settings.token_ttl), sealing)
        }
    };
    if legacy.is_some() && store.forget_settings(&[SIGNING_KEY]).await? {
        match &source {
            KeySource::File(path) => tracing::info!(
                path = %path.display(),
                "the token signing key kept in the database moved to the key file"
            ),
            KeySource::Given(_) => {
                tracing::info!("the token signing key kept in the database removed: --token-key signs instead")
            }
        }
    }
    Ok((ring, sealing))
}
