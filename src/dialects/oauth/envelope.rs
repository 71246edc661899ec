//! The token endpoint's errors: RFC 6749 section 5.2 `{error, error_description}`.

use poem::http::StatusCode;
use poem_openapi::Object;

use crate::api::envelope::{ApiError, ErrorDialect};
use crate::error::AppError;

/// An error of the token endpoint (RFC 6749 section 5.2).
#[derive(Object, Debug, Clone, PartialEq)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_scope`,
    /// `unsupported_grant_type`, `slow_down` (429), or `server_error`.
    pub error: String,
    /// What went wrong, for a human.
    pub error_description: String,
}

impl From<&AppError> for OAuthError {
    fn from(err: &AppError) -> Self {
        let error = match err {
            AppError::OAuth { code, .. } => code.as_str(),
            // Registered for token responses (RFC 8628 section 3.5): wait, then retry.
            AppError::TooManyRequests { .. } => "slow_down",
            AppError::Internal(_) | AppError::Unavailable(_) | AppError::Storage(_) => "server_error",
            _ => "invalid_request",
        };
        let error_description = match err {
            AppError::Validation(fields) => fields
                .iter()
                .map(|f| format!("{} {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.public_message(),
        };
        Self {
            error: error.into(),
            error_description,
        }
    }
}

/// The token endpoint's errors, as the spec documents them.
pub struct OAuthDialect;

impl ErrorDialect for OAuthDialect {
    const PREFIX: &'static str = crate::dialects::oauth::PREFIX;
    const STATUSES: &'static [(StatusCode, &'static str)] = &[
        (
            StatusCode::BAD_REQUEST,
            "`invalid_request`, `invalid_scope` or `unsupported_grant_type` (RFC 6749 section 5.2).",
        ),
        (
            StatusCode::UNAUTHORIZED,
            "`invalid_client`: unknown client, wrong secret or disabled client (never told apart).",
        ),
        (
            StatusCode::NOT_ACCEPTABLE,
            "Accept names no media type liaison produces.",
        ),
        (
            StatusCode::REQUEST_TIMEOUT,
            "`invalid_request`: the request's headers or body did not arrive in time.",
        ),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body exceeds the configured limit.",
        ),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The body is not a form, JSON or XML in UTF-8.",
        ),
        (
            StatusCode::TOO_MANY_REQUESTS,
            "`slow_down` (registered for token responses by RFC 8628): too many failed client authentications \
             for this client id from this address, or from this address for any client id, within the \
             configured window. Nothing is checked until \
             `Retry-After` seconds have passed.",
        ),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "`server_error`; logged with the correlation id.",
        ),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "`server_error`: the database cannot be reached, or its storage is full or read-only (then \
             with `Retry-After`).",
        ),
    ];

    type Envelope = OAuthError;
}

/// The error type of the token endpoint.
pub type OAuthApiError = ApiError<OAuthDialect>;
