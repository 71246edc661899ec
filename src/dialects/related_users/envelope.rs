//! The Related users (Segura) envelope: `{code, response: {...}, exception: {...}}`,
//! with the vendor's messages.

use poem::http::StatusCode;
use poem_openapi::Object;

use crate::api::envelope::{ApiError, ErrorDialect};
use crate::error::AppError;

crate::wire! {
    /// The status block of every Related users response.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RelatedStatus {
        /// The HTTP status meant (200 on success, even where the HTTP status is 201).
        pub status: u16,
        pub message: String,
        pub error: bool,
        /// 0 on success, 1 on error.
        pub error_code: i64,
        /// `""` on success; on a 400, every problem found (the first is `message`).
        pub detail: String,
        /// `message` in Portuguese; the same text where the vendor documents none.
        pub mensagem: String,
        /// Same as `error`.
        pub erro: bool,
        /// Same as `error_code`.
        pub cod_erro: i64,
    }
}

impl RelatedStatus {
    pub fn success(message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            status: 200,
            mensagem: message.clone(),
            message,
            error: false,
            error_code: 0,
            detail: String::new(),
            erro: false,
            cod_erro: 0,
        }
    }
}

/// What went wrong, in the vendor's `exception` block.
#[derive(Object, Debug, Clone, PartialEq)]
pub struct RelatedException {
    /// The message's number (`1001`, `1005`) where it has one, else the HTTP status.
    pub code: i64,
    pub message: String,
    /// Always `null`.
    #[oai(nullable)]
    pub detail: Option<String>,
}

/// The Related users error envelope.
#[derive(Object, Debug, Clone, PartialEq)]
pub struct RelatedErrorEnvelope {
    /// The HTTP status.
    pub code: u16,
    pub response: RelatedStatus,
    pub exception: RelatedException,
}

impl From<&AppError> for RelatedErrorEnvelope {
    fn from(err: &AppError) -> Self {
        use crate::error::AuthFailure;
        let status = err.status().as_u16();
        let (code, messages): (i64, Vec<String>) = match err {
            AppError::Rejected { code, messages } => (i64::from(*code), messages.clone()),
            AppError::Validation(fields) => (
                i64::from(status),
                fields
                    .iter()
                    .map(|f| format!("Parameter '{}' {}", f.field, f.message))
                    .collect(),
            ),
            AppError::Unauthenticated(AuthFailure::Missing) => {
                (i64::from(status), vec!["No route matched with those values.".into()])
            }
            AppError::Unauthenticated(AuthFailure::BadSignature) => {
                (i64::from(status), vec!["Invalid signature".into()])
            }
            AppError::Unauthenticated(_) => (i64::from(status), vec!["Client authentication failed.".into()]),
            AppError::Forbidden { .. } => (
                i64::from(status),
                vec!["You are not authorized to access this resource.".into()],
            ),
            AppError::RouteNotFound | AppError::NotFound(_) => {
                (i64::from(status), vec!["Resource sub not found".into()])
            }
            AppError::Internal(_) | AppError::Unavailable(_) => (i64::from(status), vec!["Unexpected error.".into()]),
            AppError::RequestTimeout => (i64::from(status), vec!["Request timed out.".into()]),
            other => (i64::from(status), vec![other.public_message()]),
        };
        let message = messages.first().cloned().unwrap_or_default();
        let detail = if messages.len() > 1 {
            messages.join(" ")
        } else {
            String::new()
        };
        Self {
            code: status,
            response: RelatedStatus {
                status,
                mensagem: message.clone(),
                message: message.clone(),
                error: true,
                error_code: 1,
                detail,
                erro: true,
                cod_erro: 1,
            },
            exception: RelatedException {
                code,
                message,
                detail: None,
            },
        }
    }
}

/// Related users errors, as the spec documents them.
pub struct RelatedDialect;

impl ErrorDialect for RelatedDialect {
    const PREFIX: &'static str = crate::dialects::related_users::PREFIX;
    const STATUSES: &'static [(StatusCode, &'static str)] = &[
        (
            StatusCode::BAD_REQUEST,
            "\"1001: Parameter 'id' was not informed!\" (likewise 'username', 'name': the first in `message`, \
             all in `response.detail`), or \"1005: User does not exist\" (unknown username, or unknown related user id).",
        ),
        (
            StatusCode::UNAUTHORIZED,
            "\"No route matched with those values.\" (no Authorization header), \"Invalid signature\" (a token \
             whose signature does not verify) or \"Client authentication failed.\" (a malformed, expired or \
             revoked token).",
        ),
        (
            StatusCode::FORBIDDEN,
            "\"You are not authorized to access this resource.\" (the token lacks the scope; the vendor files this \
             under 500, liaison answers 403 as RFC 6750 asks, so clients can tell it from a server fault).",
        ),
        (
            StatusCode::NOT_FOUND,
            "\"Resource sub not found\": no such path below /api/user/related, a method the path does not take \
             (the document knows no 405), or an id that is not a number.",
        ),
        (
            StatusCode::NOT_ACCEPTABLE,
            "Accept names no media type liaison produces.",
        ),
        (
            StatusCode::REQUEST_TIMEOUT,
            "\"Request timed out.\": the request's headers or body did not arrive in time.",
        ),
        (
            StatusCode::PRECONDITION_FAILED,
            "If-Match names a version that is no longer current; nothing changed.",
        ),
        (StatusCode::PAYLOAD_TOO_LARGE, "The body exceeds the configured limit."),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The body is not JSON, XML or a form in UTF-8.",
        ),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "\"Unexpected error.\" (logged with the correlation id).",
        ),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "\"Unexpected error.\": the database cannot be reached; or, with `Retry-After`, a message \
             saying that storage is full or read-only (reads still work).",
        ),
    ];

    type Envelope = RelatedErrorEnvelope;

    /// The document's only answer for a URL it does not serve is 404.
    fn refine(err: AppError) -> AppError {
        match err {
            AppError::MethodNotAllowed { .. } => AppError::RouteNotFound,
            other => other,
        }
    }
}

/// The error type of every Related users operation.
pub type RelatedApiError<O = ()> = ApiError<RelatedDialect, O>;
