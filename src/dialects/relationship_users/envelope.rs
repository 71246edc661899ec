//! The Relationship users error envelope: `{"errors": {"field": ["message", ...]}}`.

use poem::http::StatusCode;
use poem_openapi::Object;

use crate::api::envelope::{ApiError, ErrorDialect};
use crate::error::AppError;

/// The Relationship users error envelope: messages by field (`base` for the
/// request as a whole), in the platform's Rails style.
#[derive(Object, Debug, Clone, PartialEq)]
pub struct FormErrors {
    /// Field name (`base`, `form_configuration_name`, `relationship_id`,
    /// `user_id`, `properties.<name>`) to its messages; `{}` on success.
    pub errors: std::collections::BTreeMap<String, Vec<String>>,
}

impl From<&AppError> for FormErrors {
    fn from(err: &AppError) -> Self {
        let mut errors: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
        match err {
            AppError::Validation(fields) | AppError::Unprocessable(fields) => {
                for f in fields {
                    errors.entry(f.field.clone()).or_default().push(f.message.clone());
                }
            }
            other => {
                let message = match other {
                    AppError::Unauthenticated(_) => "Unauthorized".to_string(),
                    AppError::Forbidden { .. } => "Forbidden".to_string(),
                    AppError::NotFound(_) | AppError::RouteNotFound => "Can't find given resource".to_string(),
                    other => other.public_message(),
                };
                errors.insert("base".into(), vec![message]);
            }
        }
        Self { errors }
    }
}

/// Relationship users errors, as the spec documents them.
pub struct FormDialect;

impl ErrorDialect for FormDialect {
    const PREFIX: &'static str = crate::dialects::relationship_users::PREFIX;
    // Relationship users also take the dialect's own API key (RFC 7235: one challenge per scheme).
    const CHALLENGES: &'static [&'static str] = &[r#"Token realm="liaison""#];
    const STATUSES: &'static [(StatusCode, &'static str)] = &[
        (
            StatusCode::BAD_REQUEST,
            "The body is malformed: `{\"errors\": {\"base\": [...]}}`.",
        ),
        (
            StatusCode::UNAUTHORIZED,
            "`{\"errors\": {\"base\": [\"Unauthorized\"]}}`: no valid token or API key \
             (`WWW-Authenticate: Bearer` and `Token`, one challenge each).",
        ),
        (
            StatusCode::FORBIDDEN,
            "`{\"errors\": {\"base\": [\"Forbidden\"]}}`: the token lacks `relationship_users.write`.",
        ),
        (
            StatusCode::NOT_FOUND,
            "`{\"errors\": {\"base\": [\"Can't find given resource\"]}}`: unknown form configuration (or one for \
             another resource), unknown relationship user (or another tenant's, or not yours under `resource_owner: creator`).",
        ),
        (
            StatusCode::NOT_ACCEPTABLE,
            "Accept names no media type liaison produces.",
        ),
        (
            StatusCode::REQUEST_TIMEOUT,
            "`{\"errors\": {\"base\": [\"the request was not received in time\"]}}`: the headers or body did not arrive in time.",
        ),
        (
            StatusCode::PRECONDITION_FAILED,
            "`{\"errors\": {\"base\": [...]}}`: If-Match names a version that is no longer current; nothing changed.",
        ),
        (StatusCode::PAYLOAD_TOO_LARGE, "The body exceeds the configured limit."),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The body is not JSON or XML in UTF-8.",
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "The form breaks its configuration: every failing field at once, e.g. \
             `{\"errors\": {\"properties.status\": [\"can't be blank\"]}}`; also a missing `form_configuration_name`.",
        ),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "An unexpected error; logged with the correlation id.",
        ),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "The database cannot be reached, or its storage is full or read-only (then with \
             `Retry-After`; reads still work).",
        ),
    ];

    type Envelope = FormErrors;
}

/// The error type of every Relationship users operation.
pub type FormApiError<O = ()> = ApiError<FormDialect, O>;
