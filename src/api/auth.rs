//! Authentication extractors: who is calling, and may they call this?
//!
//! The scopes an operation needs are declared once, on its handler
//! (`#[oai(scopes(...))]`), and so appear in the spec. The front line reads
//! them from the route table (built from the same metadata as the spec) for
//! the matched route and leaves them on the request; the extractors here
//! enforce them. The server enforces exactly what the spec documents.

use std::sync::Arc;

use poem::http::header;
use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaOAuthFlow, MetaOAuthFlows, MetaSecurityScheme, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, OAuthScopes};

use crate::auth::keys::Keyring;
use crate::auth::secret::{LegacyVerifier, hash_api_key};
use crate::auth::standing::Standings;
use crate::auth::throttle::FailureThrottle;
use crate::auth::{Credential, Principal, Scope};
use crate::error::{AppError, AuthFailure, FieldError};
use crate::store::admission::{self, Caller};
use crate::store::idempotency::Claimed;
use crate::store::{Store, changes};

/// The security scheme names in the spec.
pub const OAUTH2: &str = "oauth2";
pub const API_KEY: &str = "relationshipUsersToken";

/// What the extractors need, shared by every request.
#[derive(Clone)]
pub struct AuthState {
    pub store: Store,
    pub key: Keyring,
    /// Access-token lifetime in seconds.
    pub token_ttl: i64,
    /// Clients' standing, read at most once per time to live.
    pub standings: Arc<Standings>,
    /// Checks client secrets still stored as Argon2id, a bounded few at once.
    pub legacy: LegacyVerifier,
    /// Slows down repeated failed client authentications.
    pub throttle: Arc<FailureThrottle>,
}

/// The scopes the matched operation declares, left on the request by the
/// front line when a handler declares the operation; its absence denies.
#[derive(Debug, Clone)]
pub struct RequiredScopes(pub Vec<String>);

/// A caller with a valid OAuth 2.0 bearer token carrying the operation's scopes.
pub struct Bearer(pub Principal);

/// A caller with a bearer token, or with the Relationship users dialect's
/// `Authorization: Token token=<API key>`.
pub struct BearerOrApiKey(pub Principal);

fn oauth2_scheme() -> MetaSecurityScheme {
    MetaSecurityScheme {
        ty: "oauth2",
        description: Some(
            "OAuth 2.0 client credentials (RFC 6749 section 4.4). Get a token from `/oauth2/token`, \
             send it as `Authorization: Bearer <token>`. Tokens expire (default 1 hour).",
        ),
        name: None,
        key_in: None,
        scheme: None,
        bearer_format: None,
        flows: Some(MetaOAuthFlows {
            implicit: None,
            password: None,
            client_credentials: Some(MetaOAuthFlow {
                authorization_url: None,
                token_url: Some("/oauth2/token"),
                refresh_url: None,
                scopes: <Scope as OAuthScopes>::meta(),
            }),
            authorization_code: None,
        }),
        openid_connect_url: None,
    }
}

fn api_key_scheme() -> MetaSecurityScheme {
    MetaSecurityScheme {
        ty: "apiKey",
        description: Some(
            "The Relationship users dialect's own header: `Authorization: Token token=<API key>`, \
             with a key from `liaison apikeys create`. It grants `relationship_users.write`. \
             In a generated client, the API key to configure is the whole value, `Token token=<API key>` \
             (a bare key is refused with 401 saying so).",
        ),
        name: Some("Authorization"),
        key_in: Some("header"),
        scheme: None,
        bearer_format: None,
        flows: None,
        openid_connect_url: None,
    }
}

impl<'a> ApiExtractor<'a> for Bearer {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(OAUTH2, oauth2_scheme());
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![OAUTH2]
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        Ok(Self(authenticate(request, false).await?))
    }
}

impl<'a> ApiExtractor<'a> for BearerOrApiKey {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(OAUTH2, oauth2_scheme());
        registry.create_security_scheme(API_KEY, api_key_scheme());
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![OAUTH2, API_KEY]
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        Ok(Self(authenticate(request, true).await?))
    }
}

/// Checks the request's credential, its standing, and the operation's scopes.
async fn authenticate(request: &Request, allow_api_key: bool) -> Result<Principal, AppError> {
    let state = request
        .data::<Arc<AuthState>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("AuthState is not installed")))?;
    let value = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(AppError::Unauthenticated(AuthFailure::Missing))?
        .to_str()
        .map_err(|_| AppError::Unauthenticated(AuthFailure::Invalid))?;
    let principal = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => bearer_principal(state, token.trim()).await?,
        Some((scheme, rest)) if allow_api_key && scheme.eq_ignore_ascii_case("token") => {
            let key = rest
                .trim()
                .strip_prefix("token=")
                .map(|k| k.trim_matches('"'))
                .ok_or(AppError::Unauthenticated(AuthFailure::Invalid))?;
            let (key_id, tenant) = state
                .store
                .api_key_tenant(&hash_api_key(key))
                .await?
                .ok_or(AppError::Unauthenticated(AuthFailure::Invalid))?;
            Principal {
                tenant,
                credential: Credential::ApiKey(key_id),
                scopes: vec!["relationship_users.write".to_string()],
            }
        }
        // A value in neither form, where a key is taken: say what is.
        _ if allow_api_key => return Err(AppError::Unauthenticated(AuthFailure::NotAKeyOrToken)),
        _ => return Err(AppError::Unauthenticated(AuthFailure::Invalid)),
    };
    check_scopes(request.extensions().get::<RequiredScopes>(), &principal)?;
    let credential = match &principal.credential {
        Credential::Client(id) | Credential::ApiKey(id) => id,
    };
    admission::admit_as(Caller::new(principal.tenant, credential));
    changes::act_as(principal.actor());
    match state.store.idempotency_claim(principal.tenant, credential).await? {
        None | Some(Claimed::New) => Ok(principal),
        Some(Claimed::Answered(answer)) => Err(AppError::Replay(answer)),
        Some(Claimed::InProgress) => Err(AppError::Conflict(
            "a request with this Idempotency-Key is in progress; retry once it is answered".into(),
        )),
        Some(Claimed::OtherRequest) => Err(AppError::Unprocessable(vec![FieldError::new(
            "Idempotency-Key",
            "was used for another request (keys are kept 24 hours)",
        )])),
    }
}

/// Whether `principal` holds every scope the operation declares. Without a
/// declaration (the front line found no declared operation for this
/// request) nothing is known to be allowed, so the request is refused.
fn check_scopes(required: Option<&RequiredScopes>, principal: &Principal) -> Result<(), AppError> {
    let required = required.ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "no operation in the spec matches this request, so its scopes are unknown: refused"
        ))
    })?;
    match required.0.iter().find(|s| !principal.has_scope(s)) {
        Some(missing) => Err(AppError::Forbidden { scope: missing.clone() }),
        None => Ok(()),
    }
}

async fn bearer_principal(state: &AuthState, token: &str) -> Result<Principal, AppError> {
    let now = chrono::Utc::now().timestamp();
    let claims = state.key.verify(token, now).map_err(|e| {
        tracing::debug!(error = %e, "bearer token refused");
        match e {
            crate::auth::token::TokenError::Expired => AppError::Unauthenticated(AuthFailure::Expired),
            crate::auth::token::TokenError::BadSignature => AppError::Unauthenticated(AuthFailure::BadSignature),
            crate::auth::token::TokenError::Malformed => AppError::Unauthenticated(AuthFailure::Invalid),
        }
    })?;
    // A disabled client's tokens stop working within the standing cache's time to live.
    let tenant = state
        .standings
        .tenant_of(&state.store, &claims.sub)
        .await?
        .filter(|tenant| tenant.to_string() == claims.tid)
        .ok_or(AppError::Unauthenticated(AuthFailure::Invalid))?;
    Ok(Principal {
        tenant,
        credential: Credential::Client(claims.sub),
        scopes: claims
            .scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(scopes: &[&str]) -> Principal {
        Principal {
            tenant: crate::domain::TenantId(uuid::Uuid::nil()),
            credential: Credential::Client("c".into()),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn scopes_fail_closed() {
        let reader = principal(&["setup.read"]);
        let declared = |scopes: &[&str]| RequiredScopes(scopes.iter().map(|s| s.to_string()).collect());
        assert!(check_scopes(Some(&declared(&["setup.read"])), &reader).is_ok());
        assert!(check_scopes(Some(&declared(&[])), &reader).is_ok());
        assert!(matches!(
            check_scopes(Some(&declared(&["setup.write"])), &reader),
            Err(AppError::Forbidden { scope }) if scope == "setup.write"
        ));
        let everything = principal(&crate::auth::Scope::all_names());
        assert!(
            check_scopes(None, &everything).is_err(),
            "an operation the spec does not declare is refused, whatever the token holds"
        );
    }
}
