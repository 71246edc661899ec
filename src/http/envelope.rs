//! How errors are worded on the wire.
//!
//! Each dialect answers in its own documented envelope; everything outside
//! the three dialects answers RFC 9457 problem details. The dialect is a
//! property of the route, so errors raised before any handler runs (unknown
//! route, 406, 413, 415) are worded the same way as the handler's own.

use std::borrow::Cow;
use std::marker::PhantomData;

use poem::http::StatusCode;
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::{ToJSON, Type};
use poem_openapi::{ApiResponse, Object, ResponseContent};

use crate::http::error::AppError;

/// A response body waiting for the negotiation layer to encode it as JSON or
/// XML: the JSON value plus what XML needs (root element, namespace).
#[derive(Debug, Clone)]
pub struct Rendered {
    pub value: serde_json::Value,
    pub root: Cow<'static, str>,
    pub kind: BodyKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json` or `application/xml`.
    Plain,
    /// `application/problem+json` or `application/problem+xml` (namespace
    /// `urn:ietf:rfc:7807`, root element `problem`).
    Problem,
}

impl Rendered {
    pub fn of<T: ToJSON>(value: &T) -> Self {
        Self {
            value: value.to_json().unwrap_or_default(),
            root: T::name(),
            kind: BodyKind::Plain,
        }
    }
}

/// The family of routes a request belongs to, which fixes its error envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Everything outside the three vendor dialects: RFC 9457 problem details.
    Problem,
    /// The token endpoint: RFC 6749 section 5.2 `{error, error_description}`.
    OAuth,
    /// Risk relationships: `{success: false, result: null, errors: [{message, errorCode}]}`.
    Risk,
    /// Related users (Segura): `{code, response: {...}, exception: {...}}`.
    Related,
    /// Relationship users: `{"errors": {"field": ["message", ...]}}`.
    RelationshipUsers,
}

impl Dialect {
    pub fn for_path(path: &str) -> Self {
        let under = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/oauth2") {
            Dialect::OAuth
        } else if under("/api/relationships") {
            Dialect::Risk
        } else if under("/api/user/related") {
            Dialect::Related
        } else if under("/api/user/relationship_users") {
            Dialect::RelationshipUsers
        } else {
            Dialect::Problem
        }
    }

    /// The error body of this dialect for `err`.
    pub fn render(self, err: &AppError) -> Rendered {
        match self {
            Dialect::Problem => {
                let problem = Problem::from(err);
                Rendered {
                    value: problem.to_json().unwrap_or_default(),
                    root: "problem".into(),
                    kind: BodyKind::Problem,
                }
            }
            Dialect::OAuth => Rendered::of(&OAuthError::from(err)),
            Dialect::Risk => Rendered::of(&RiskErrorEnvelope::from(err)),
            Dialect::Related => Rendered::of(&RelatedErrorEnvelope::from(err)),
            Dialect::RelationshipUsers => Rendered::of(&FormErrors::from(err)),
        }
    }
}

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
            AppError::Internal(_) | AppError::Unavailable(_) => "server_error",
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

/// RFC 9457 problem details.
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

/// What the spec says about a dialect's error responses.
pub trait ErrorDialect: Send + Sync + 'static {
    /// The error statuses its operations answer, with their meaning.
    const STATUSES: &'static [(StatusCode, &'static str)];
    /// The error body's media types, each with the envelope's schema.
    fn media_types() -> Vec<MetaMediaType>;
    fn register(registry: &mut Registry);
}

/// Problem details, as the spec documents them.
pub struct ProblemDialect;

impl ErrorDialect for ProblemDialect {
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
            "A uniqueness rule would break (a name or value already taken).",
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
            "The database cannot be reached; retry later.",
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

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

/// The closed set of Risk relationships error codes.
#[derive(poem_openapi::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "PascalCase")]
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

/// One error of a Risk relationships response.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct RiskError {
    pub message: String,
    pub error_code: RiskErrorCode,
}

/// The Risk relationships error envelope, exactly as the vendor documents it.
#[derive(Object, Debug, Clone, PartialEq)]
pub struct RiskErrorEnvelope {
    /// Always `false`.
    pub success: bool,
    /// Always `null`.
    #[oai(nullable)]
    pub result: Option<String>,
    pub errors: Vec<RiskError>,
}

impl From<&AppError> for RiskErrorEnvelope {
    fn from(err: &AppError) -> Self {
        let error_code = match err {
            AppError::NotFound(_) | AppError::RouteNotFound => RiskErrorCode::DataNotFound,
            AppError::Validation(_)
            | AppError::Unprocessable(_)
            | AppError::BadRequest(_)
            | AppError::OAuth { .. }
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
            AppError::Unavailable(_) | AppError::TooManyRequests { .. } => RiskErrorCode::ServiceUnavailable,
            AppError::Internal(_) => RiskErrorCode::InternalError,
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

/// The status block of every Related users response.
#[derive(Object, Debug, Clone, PartialEq)]
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
        use crate::http::error::AuthFailure;
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
        (StatusCode::SERVICE_UNAVAILABLE, "The database cannot be reached."),
    ];

    fn media_types() -> Vec<MetaMediaType> {
        crate::http::Negotiated::<FormErrors>::media_types()
    }

    fn register(registry: &mut Registry) {
        FormErrors::register(registry);
    }
}

/// Related users errors, as the spec documents them.
pub struct RelatedDialect;

impl ErrorDialect for RelatedDialect {
    const STATUSES: &'static [(StatusCode, &'static str)] = &[
        (
            StatusCode::BAD_REQUEST,
            "\"1001: Parameter 'id' was not informed!\" (likewise 'username', 'name': the first in `message`, \
             all in `response.detail`), or \"1005: User does not exist\" (unknown username, or unknown related user id).",
        ),
        (
            StatusCode::UNAUTHORIZED,
            "\"No route matched with those values.\" (no Authorization header) or \"Client authentication failed.\" \
             (bad or expired token).",
        ),
        (
            StatusCode::FORBIDDEN,
            "\"You are not authorized to access this resource.\" (the token lacks the scope; the vendor files this \
             under 500, liaison answers 403 as RFC 6750 asks, so clients can tell it from a server fault).",
        ),
        (
            StatusCode::NOT_FOUND,
            "\"Resource sub not found\": no such path below /api/user/related.",
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
            "\"Unexpected error.\": the database cannot be reached.",
        ),
    ];

    fn media_types() -> Vec<MetaMediaType> {
        crate::http::Negotiated::<RelatedErrorEnvelope>::media_types()
    }

    fn register(registry: &mut Registry) {
        RelatedErrorEnvelope::register(registry);
    }
}

/// Risk relationships errors, as the spec documents them.
pub struct RiskDialect;

impl ErrorDialect for RiskDialect {
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
            "`ServiceUnavailable`: the database cannot be reached.",
        ),
    ];

    fn media_types() -> Vec<MetaMediaType> {
        crate::http::Negotiated::<RiskErrorEnvelope>::media_types()
    }

    fn register(registry: &mut Registry) {
        RiskErrorEnvelope::register(registry);
    }
}

/// The token endpoint's errors, as the spec documents them.
pub struct OAuthDialect;

impl ErrorDialect for OAuthDialect {
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
             from this address, or for this client id, within the configured window. Nothing is checked until \
             `Retry-After` seconds have passed.",
        ),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "`server_error`; logged with the correlation id.",
        ),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "`server_error`: the database cannot be reached.",
        ),
    ];

    fn media_types() -> Vec<MetaMediaType> {
        crate::http::Negotiated::<OAuthError>::media_types()
    }

    fn register(registry: &mut Registry) {
        OAuthError::register(registry);
    }
}

/// The statuses only some operations answer. Each dialect describes them
/// in its [`ErrorDialect::STATUSES`]; an operation's error type lists the
/// ones it can answer ([`Outcomes`]), so the spec declares them there only.
const OCCASIONAL: [StatusCode; 2] = [StatusCode::CONFLICT, StatusCode::PRECONDITION_FAILED];

/// The occasional statuses an operation answers.
pub trait Outcomes: Send + Sync + 'static {
    fn statuses() -> Vec<StatusCode>;
}

/// None: the operation neither reads `If-Match` nor writes a unique value.
impl Outcomes for () {
    fn statuses() -> Vec<StatusCode> {
        Vec::new()
    }
}

/// 412: the operation reads `If-Match`.
pub struct IfMatch;

impl Outcomes for IfMatch {
    fn statuses() -> Vec<StatusCode> {
        vec![StatusCode::PRECONDITION_FAILED]
    }
}

/// 409: the operation writes a value that must be unique in the tenant.
pub struct Unique;

impl Outcomes for Unique {
    fn statuses() -> Vec<StatusCode> {
        vec![StatusCode::CONFLICT]
    }
}

impl<A: Outcomes, B: Outcomes> Outcomes for (A, B) {
    fn statuses() -> Vec<StatusCode> {
        let mut statuses = A::statuses();
        statuses.extend(B::statuses());
        statuses
    }
}

/// A handler's error: an [`AppError`] documented in dialect `D`'s envelope,
/// with the occasional statuses `O`.
///
/// The envelope itself is written by the negotiation layer from the route's
/// dialect, so that errors raised outside handlers look the same.
pub struct ApiError<D, O = ()>(pub AppError, PhantomData<(D, O)>);

impl<D, O> From<AppError> for ApiError<D, O> {
    fn from(err: AppError) -> Self {
        Self(err, PhantomData)
    }
}

impl<D, O> From<sqlx::Error> for ApiError<D, O> {
    fn from(err: sqlx::Error) -> Self {
        Self(err.into(), PhantomData)
    }
}

impl<D, O> From<ApiError<D, O>> for poem::Error {
    fn from(err: ApiError<D, O>) -> Self {
        err.0.into()
    }
}

impl<D: ErrorDialect, O: Outcomes> ApiResponse for ApiError<D, O> {
    fn meta() -> MetaResponses {
        let answered = O::statuses();
        MetaResponses {
            responses: D::STATUSES
                .iter()
                .filter(|(status, _)| !OCCASIONAL.contains(status) || answered.contains(status))
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(status.as_u16()),
                    status_range: None,
                    content: D::media_types(),
                    headers: match *status {
                        StatusCode::TOO_MANY_REQUESTS => vec![retry_after()],
                        _ => vec![],
                    },
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        D::register(registry);
    }
}

/// The `Retry-After` header of a 429.
fn retry_after() -> MetaHeader {
    MetaHeader {
        name: "Retry-After".into(),
        description: Some("Seconds to wait before trying again.".into()),
        required: true,
        deprecated: false,
        schema: <u64 as Type>::schema_ref(),
    }
}

/// The error type of every problem-details operation.
pub type ProblemError<O = ()> = ApiError<ProblemDialect, O>;

/// The error type of every Risk relationships operation.
pub type RiskApiError<O = ()> = ApiError<RiskDialect, O>;

/// The error type of every Related users operation.
pub type RelatedApiError<O = ()> = ApiError<RelatedDialect, O>;

/// The error type of every Relationship users operation.
pub type FormApiError<O = ()> = ApiError<FormDialect, O>;

/// The error type of the token endpoint.
pub type OAuthApiError = ApiError<OAuthDialect>;
