//! `POST /oauth2/token`: OAuth 2.0 client credentials (RFC 6749 section 4.4).

use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use poem::Request;
use poem::http::header;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use crate::auth::parse_scopes;
use crate::auth::secret::{LegacyError, decoy_hash, hash_secret, is_legacy, verify_sha256};
use crate::auth::token::{Claims, ISSUER};
use crate::codec::{Body, JsonXmlOrForm, Negotiated};
use crate::context::ApiContext;
use crate::dialects::ApiTag;
use crate::domain::text::storable;
use crate::error::AppError;
use crate::error::OAuthCode;

pub mod envelope;

use envelope::OAuthApiError;

/// Where the token endpoint lives.
pub const PREFIX: &str = "/oauth2";

/// Request bodies that take parameters they do not declare: RFC 6749 (3.2)
/// says a token endpoint ignores the ones it does not know.
pub const OPEN_BODIES: &[&str] = &["TokenRequest"];

/// A token request. Parameters the RFC does not define are ignored, as it requires.
#[derive(Object, Debug, Clone)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    pub grant_type: Option<String>,
    /// Space-separated scopes, a subset of the client's; all of them when absent.
    pub scope: Option<String>,
    /// The client id, when not sent with HTTP Basic authentication.
    pub client_id: Option<String>,
    /// The client secret, when not sent with HTTP Basic authentication.
    pub client_secret: Option<String>,
}

crate::wire! {
    /// An access token (RFC 6749 section 5.1).
    #[derive(Debug, Clone)]
    pub struct TokenResponse {
        /// A signed token; send it as `Authorization: Bearer <access_token>`.
        pub access_token: String,
        /// Always `Bearer`.
        pub token_type: String,
        /// Seconds until the token expires.
        pub expires_in: i64,
        /// The scopes granted, space-separated.
        pub scope: String,
    }
}

#[derive(ApiResponse)]
pub enum TokenIssued {
    /// A token was issued. `Cache-Control: no-store`, as RFC 6749 requires.
    #[oai(status = 200)]
    Ok(
        Negotiated<TokenResponse>,
        #[oai(header = "Cache-Control")] String,
        #[oai(header = "Pragma")] String,
    ),
}

pub struct OAuthApi {
    ctx: ApiContext,
}

impl OAuthApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }
}

fn oauth_error(code: OAuthCode, description: impl Into<String>) -> AppError {
    AppError::OAuth {
        code,
        description: description.into(),
    }
}

/// Client credentials from `Authorization: Basic` (RFC 6749 section 2.3.1:
/// each part form-urlencoded before base64).
fn basic_credentials(request: &Request) -> Result<Option<(String, String)>, AppError> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || oauth_error(OAuthCode::InvalidClient, "client authentication failed");
    let value = value.to_str().map_err(|_| bad())?;
    let (scheme, encoded) = value.split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let unescape = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|_| bad())
    };
    let (id, secret) = (unescape(id)?, unescape(secret)?);
    let refused: Vec<_> = [storable("client_id", &id), storable("client_secret", &secret)]
        .into_iter()
        .filter_map(Result::err)
        .collect();
    if !refused.is_empty() {
        return Err(AppError::Validation(refused));
    }
    Ok(Some((id, secret)))
}

impl OAuthApi {
    /// Rewrites a legacy Argon2id hash as SHA-256 once its secret was
    /// presented; a failure only leaves the slow check for next time.
    async fn upgrade_legacy_hash(&self, client_id: &str, old: &str, secret: &str) {
        let Ok(new) = hash_secret(secret);
        match self.ctx.store.client_secret_upgrade(client_id, old, &new).await {
            Ok(_) => tracing::info!(client_id, "client secret hash upgraded from Argon2id to SHA-256"),
            Err(err) => tracing::warn!(client_id, error = %err, "could not upgrade a client secret hash"),
        }
    }
}

#[OpenApi(prefix_path = PREFIX, tag = "ApiTag::OAuth")]
impl OAuthApi {
    /// Get an access token
    ///
    /// OAuth 2.0 client credentials grant (RFC 6749 section 4.4). Send
    /// `grant_type=client_credentials` as a form, urlencoded or multipart
    /// (JSON and XML bodies are read too), with the client's credentials either as HTTP Basic
    /// (`Authorization: Basic base64(client_id:client_secret)`) or as
    /// `client_id` and `client_secret` in the body, not both. `scope` narrows
    /// the token to a subset of the client's scopes; without it the token
    /// carries all of them. Errors follow RFC 6749 section 5.2 and never tell
    /// an unknown client from a wrong secret.
    ///
    /// Failed authentications are slowed down where they come from, never
    /// for a client's owner elsewhere: after 10 failures of one client id
    /// from one address (an IPv4 address or an IPv6 /64) within 60 seconds,
    /// that client id is answered 429 `slow_down` with `Retry-After` from
    /// that address until the window ends; after 100 failures from one
    /// address, whatever the client ids, that address is answered so for
    /// every client id. The same client id from an address without recent
    /// failures is checked as usual. (Defaults; see `--token-failure-limit`,
    /// `--token-address-failure-limit` and `--token-failure-window`.)
    #[oai(path = "/token", method = "post", operation_id = "createToken")]
    async fn token_create(
        &self,
        request: &Request,
        body: Body<TokenRequest, JsonXmlOrForm>,
    ) -> Result<TokenIssued, OAuthApiError> {
        let form = body.0;
        let (client_id, secret) = match (basic_credentials(request)?, form.client_id, form.client_secret) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(oauth_error(
                    OAuthCode::InvalidRequest,
                    "send client credentials either with HTTP Basic or in the body, not both",
                )
                .into());
            }
            (Some(basic), None, None) => basic,
            (None, Some(id), Some(secret)) => (id, secret),
            (None, _, _) => {
                return Err(oauth_error(OAuthCode::InvalidClient, "client authentication failed").into());
            }
        };
        match form.grant_type.as_deref() {
            Some("client_credentials") => {}
            Some(other) => {
                return Err(oauth_error(
                    OAuthCode::UnsupportedGrantType,
                    format!("grant_type {other:?} is not supported; use client_credentials"),
                )
                .into());
            }
            None => return Err(oauth_error(OAuthCode::InvalidRequest, "grant_type is required").into()),
        }

        let address = request.remote_addr().as_socket_addr().map(|a| a.ip());
        let throttle = &self.ctx.auth.throttle;
        if let Some(wait) = throttle.retry_after(&client_id, address, Instant::now()) {
            return Err(AppError::TooManyRequests {
                retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
            .into());
        }
        let client = self.ctx.store.client_secret(&client_id).await?;
        let matches = match client.as_ref().map(|c| c.secret_hash.as_str()) {
            Some(hash) if is_legacy(hash) => {
                let matches = self
                    .ctx
                    .auth
                    .legacy
                    .verify(secret.clone(), hash.to_string())
                    .await
                    .map_err(|e| match e {
                        LegacyError::Busy => AppError::Unavailable("too many token requests at once; retry shortly"),
                        LegacyError::Failed(e) => AppError::Internal(anyhow::anyhow!(e)),
                    })?;
                if matches {
                    self.upgrade_legacy_hash(&client_id, hash, &secret).await;
                }
                matches
            }
            // An unknown client is checked against a decoy, so both cost the same.
            hash => verify_sha256(&secret, hash.unwrap_or_else(|| decoy_hash())),
        };
        let client = match client {
            Some(client) if matches && client.active => client,
            other => {
                if other.is_some_and(|c| matches && !c.active) {
                    // This instance now knows the client is disabled: its tokens stop here at once.
                    self.ctx.auth.standings.forget(&client_id);
                }
                throttle.failed(&client_id, address, Instant::now());
                return Err(oauth_error(OAuthCode::InvalidClient, "client authentication failed").into());
            }
        };
        throttle.succeeded(&client_id, address);

        let granted = match form.scope.as_deref() {
            None => client.scopes.clone(),
            Some(requested) => {
                let requested = parse_scopes(requested).map_err(|e| oauth_error(OAuthCode::InvalidScope, e))?;
                if let Some(extra) = requested.iter().find(|s| !client.scopes.contains(s)) {
                    return Err(oauth_error(
                        OAuthCode::InvalidScope,
                        format!("scope {extra:?} is not granted to this client"),
                    )
                    .into());
                }
                if requested.is_empty() {
                    client.scopes.clone()
                } else {
                    requested
                }
            }
        };
        let now = chrono::Utc::now().timestamp();
        let ttl = self.ctx.auth.token_ttl;
        let claims = Claims {
            iss: ISSUER.into(),
            sub: client_id,
            tid: client.tenant.to_string(),
            scope: granted.join(" "),
            iat: now,
            exp: now + ttl,
            jti: Uuid::new_v4().to_string(),
        };
        let token = TokenResponse {
            access_token: self.ctx.auth.key.sign(&claims),
            token_type: "Bearer".into(),
            expires_in: ttl,
            scope: claims.scope,
        };
        Ok(TokenIssued::Ok(Negotiated(token), "no-store".into(), "no-cache".into()))
    }
}
