//! RFC 9457 problem details: the error envelope of everything outside the
//! vendor dialects (the setup API, the probes, unknown paths).

use poem::http::StatusCode;
use poem_openapi::Object;
use poem_openapi::registry::MetaMediaType;
use poem_openapi::types::{ToJSON, Type};

use crate::api::envelope::{ApiError, ErrorDialect};
use crate::codec::rendered::{BodyKind, Rendered};
use crate::document::Root;
use crate::error::AppError;

/// RFC 9457 problem details.
/// The XML form of a problem (RFC 7807, appendix A): `<problem xmlns="urn:ietf:rfc:7807">`.
pub const XML_ROOT: Root = Root {
    schema: "Problem",
    element: "problem",
    namespace: Some("urn:ietf:rfc:7807"),
};

#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct Problem {
    /// A URI reference naming the problem type; `about:blank` when the
    /// status code says it all.
    #[oai(rename = "type")]
    pub problem_type: String,
    /// The status code's reason phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for a human.
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
    /// One entry per invalid field, for validation problems.
    #[oai(skip_serializing_if_is_none)]
    pub errors: Option<Vec<ProblemFieldError>>,
}

/// One invalid field of a validation problem.
#[derive(Object, Debug, Clone, PartialEq)]
pub struct ProblemFieldError {
    /// The field, as a JSON pointer-like path (`name`, `items.0.value`).
    pub field: String,
    pub message: String,
}

impl From<&AppError> for Problem {
    fn from(err: &AppError) -> Self {
        let status = err.status();
        let (problem_type, errors) = match err {
            AppError::Gone(field) => (
                "urn:liaison:problem:gone",
                Some(vec![ProblemFieldError {
                    field: field.field.clone(),
                    message: field.message.clone(),
                }]),
            ),
            AppError::Validation(fields) | AppError::Unprocessable(fields) => (
                "urn:liaison:problem:validation",
                Some(
                    fields
                        .iter()
                        .map(|f| ProblemFieldError {
                            field: f.field.clone(),
                            message: f.message.clone(),
                        })
                        .collect(),
                ),
            ),
            _ => ("about:blank", None),
        };
        Problem {
            problem_type: problem_type.into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: Some(err.public_message()),
            errors,
        }
    }
}

/// Problem details, as the spec documents them.
pub struct ProblemDialect;

impl ErrorDialect for ProblemDialect {
    /// The fallback: every path no dialect registered.
    const PREFIX: &'static str = "/";
    type Envelope = Problem;

    const STATUSES: &'static [(StatusCode, &'static str)] = &[
        (
            StatusCode::BAD_REQUEST,
            "The request is malformed or breaks a validation rule.",
        ),
        (
            StatusCode::UNAUTHORIZED,
            "No valid access token (`WWW-Authenticate: Bearer`).",
        ),
        (
            StatusCode::FORBIDDEN,
            "The token lacks the operation's scope (`error=\"insufficient_scope\"`).",
        ),
        (
            StatusCode::NOT_FOUND,
            "The resource does not exist (or belongs to another tenant).",
        ),
        (
            StatusCode::NOT_ACCEPTABLE,
            "Accept names no media type liaison produces.",
        ),
        (
            StatusCode::CONFLICT,
            "The resource's state does not allow it: a name or value is already taken, or (a redelivery) the webhook is inactive.",
        ),
        (
            StatusCode::REQUEST_TIMEOUT,
            "The request's headers or body did not arrive in time.",
        ),
        (
            StatusCode::PRECONDITION_FAILED,
            "If-Match names a version that is no longer current.",
        ),
        (
            StatusCode::GONE,
            "What the request names is no longer kept; `errors` says what to send instead.",
        ),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body exceeds the configured limit.",
        ),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The body's Content-Type is not JSON or XML in UTF-8.",
        ),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "An unexpected error; logged with the correlation id.",
        ),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "The database cannot be reached, or its storage is full or read-only (then with \
             `Retry-After`; reads still work); retry later.",
        ),
    ];

    fn media_types() -> Vec<MetaMediaType> {
        ["application/problem+json", "application/problem+xml"]
            .into_iter()
            .map(|content_type| MetaMediaType {
                content_type,
                schema: Problem::schema_ref(),
            })
            .collect()
    }

    fn render(err: &AppError) -> Rendered {
        Rendered::from_value(
            Problem::from(err).to_json().unwrap_or_default(),
            XML_ROOT.element.into(),
            BodyKind::Problem,
        )
    }
}

/// The error type of every problem-details operation.
pub type ProblemError<O = ()> = ApiError<ProblemDialect, O>;
