//! The Risk relationships error envelope:
//! `{success: false, result: null, errors: [{message, errorCode}]}`.

use poem::http::StatusCode;

use crate::api::envelope::{ApiError, ErrorDialect};
use crate::error::AppError;

crate::wire! {
    /// The closed set of Risk relationships error codes.
    pub enum RiskErrorCode {
        /// The relationship (or route) does not exist for this tenant.
        DataNotFound,
        /// A field breaks a rule; one entry per violation.
        ValidationError,
        /// No valid access token.
        Unauthorized,
        /// The token lacks the operation's scope.
        Forbidden,
        /// If-Match names a version that is no longer current.
        PreconditionFailed,
        /// The request's headers or body did not arrive in time.
        RequestTimeout,
        /// Accept names no media type liaison produces.
        NotAcceptable,
        /// The body is not JSON or XML in UTF-8.
        UnsupportedMediaType,
        /// The body exceeds the configured limit.
        PayloadTooLarge,
        /// The path does not take this method.
        MethodNotAllowed,
        /// A uniqueness rule would break.
        Conflict,
        /// The database cannot be reached.
        ServiceUnavailable,
        /// Anything unexpected; logged with the correlation id.
        InternalError,
    }
}

crate::wire! {
    /// One error of a Risk relationships response.
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct RiskError {
        pub message: String,
        pub error_code: RiskErrorCode,
    }
}

crate::wire! {
    /// The Risk relationships error envelope, exactly as the vendor documents it.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RiskErrorEnvelope {
        /// Always `false`.
        pub success: bool,
        /// Always `null`.
        #[nullable]
        pub result: Option<String>,
        pub errors: Vec<RiskError>,
    }
}

impl From<&AppError> for RiskErrorEnvelope {
    fn from(err: &AppError) -> Self {
        let error_code = match err {
            AppError::NotFound(_) | AppError::RouteNotFound => RiskErrorCode::DataNotFound,
            AppError::Validation(_)
            | AppError::Unprocessable(_)
            | AppError::BadRequest(_)
            | AppError::OAuth { .. }
            | AppError::Gone(_)
            | AppError::Rejected { .. } => RiskErrorCode::ValidationError,
            AppError::Unauthenticated(_) => RiskErrorCode::Unauthorized,
            AppError::Forbidden { .. } => RiskErrorCode::Forbidden,
            AppError::PreconditionFailed => RiskErrorCode::PreconditionFailed,
            AppError::RequestTimeout => RiskErrorCode::RequestTimeout,
            AppError::NotAcceptable => RiskErrorCode::NotAcceptable,
            AppError::UnsupportedMediaType(..) => RiskErrorCode::UnsupportedMediaType,
            AppError::PayloadTooLarge { .. } => RiskErrorCode::PayloadTooLarge,
            AppError::MethodNotAllowed { .. } => RiskErrorCode::MethodNotAllowed,
            AppError::Conflict(_) => RiskErrorCode::Conflict,
            // Only the token endpoint throttles; were it ever here, it too means "retry later".
            AppError::Unavailable(_) | AppError::Storage(_) | AppError::TooManyRequests { .. } => {
                RiskErrorCode::ServiceUnavailable
            }
            // A replay is answered by the edge with the kept answer, never in an envelope.
            AppError::Internal(_) | AppError::Replay(_) => RiskErrorCode::InternalError,
        };
        let errors = match err {
            AppError::Validation(fields) | AppError::Unprocessable(fields) => fields
                .iter()
                .map(|f| RiskError {
                    message: format!("{} {}", f.field, f.message),
                    error_code,
                })
                .collect(),
            other => vec![RiskError {
                message: other.public_message(),
                error_code,
            }],
        };
        Self {
            success: false,
            result: None,
            errors,
        }
    }
}

/// Risk relationships errors, as the spec documents them.
pub struct RiskDialect;

impl ErrorDialect for RiskDialect {
    const PREFIX: &'static str = crate::dialects::risk::PREFIX;
    const STATUSES: &'static [(StatusCode, &'static str)] = &[
        (
            StatusCode::BAD_REQUEST,
            "`ValidationError`: one entry per violated rule, all reported together.",
        ),
        (
            StatusCode::UNAUTHORIZED,
            "`Unauthorized`: no valid access token (`WWW-Authenticate: Bearer`).",
        ),
        (
            StatusCode::FORBIDDEN,
            "`Forbidden`: the token lacks the operation's scope.",
        ),
        (
            StatusCode::NOT_FOUND,
            "`DataNotFound`: \"Relationship not found\" (also for another tenant's).",
        ),
        (
            StatusCode::NOT_ACCEPTABLE,
            "`NotAcceptable`: Accept names no media type liaison produces.",
        ),
        (
            StatusCode::REQUEST_TIMEOUT,
            "`RequestTimeout`: the request's headers or body did not arrive in time.",
        ),
        (
            StatusCode::PRECONDITION_FAILED,
            "`PreconditionFailed`: If-Match names an old version; nothing changed.",
        ),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "`PayloadTooLarge`: the body exceeds the configured limit.",
        ),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "`UnsupportedMediaType`: the body is not JSON or XML in UTF-8.",
        ),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "`InternalError`: logged with the correlation id.",
        ),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "`ServiceUnavailable`: the database cannot be reached, or its storage is full or read-only \
             (then with `Retry-After`; reads still work).",
        ),
    ];

    type Envelope = RiskErrorEnvelope;
}

/// The error type of every Risk relationships operation.
pub type RiskApiError<O = ()> = ApiError<RiskDialect, O>;
