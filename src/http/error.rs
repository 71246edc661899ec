//! The one error type every handler and extractor returns, and the
//! translation of poem's own errors into it.
//!
//! An [`AppError`] says what went wrong in terms a client can act on; the
//! dialect of the route it happened on decides how it is worded on the wire
//! (see [`crate::http::envelope`]).

use poem::http::StatusCode;

use crate::http::negotiate::{SUPPORTED_MEDIA_TYPES, UnsupportedContentType};
use crate::http::routes::{Location, RouteTable};

pub use crate::domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A resource that does not exist, or that belongs to another tenant.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("no route matches this path")]
    RouteNotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    /// Input that parsed but breaks the rules; every violation at once.
    #[error("the request is invalid")]
    Validation(Vec<FieldError>),
    /// Well-formed input that breaks the rules of a form configuration (422).
    #[error("the request is invalid")]
    Unprocessable(Vec<FieldError>),
    /// Input refused with a dialect's own numbered messages (e.g. Segura's
    /// "1001: Parameter 'id' was not informed!"), all of them, first first.
    #[error("{}", messages.join(" "))]
    Rejected { code: u32, messages: Vec<String> },
    /// Input that could not be parsed at all.
    #[error("{0}")]
    BadRequest(String),
    #[error("none of the media types in Accept can be produced; supported: {SUPPORTED_MEDIA_TYPES}")]
    NotAcceptable,
    /// With the media types the operation reads (its 415 `Accept` header).
    #[error("{0}; supported: {1}")]
    UnsupportedMediaType(UnsupportedContentType, &'static str),
    #[error("the request body is larger than the limit{}", limit.map(|l| format!(" of {l} bytes")).unwrap_or_default())]
    PayloadTooLarge { limit: Option<u64> },
    /// The request (its head, or the rest of its body) did not arrive in time:
    /// it stopped, or came too slowly.
    #[error("the request was not received in time")]
    RequestTimeout,
    /// Too many failed client authentications from one address or for one
    /// client id (the token endpoint); retry after that many seconds.
    #[error(
        "too many failed client authentications from this address or for this client; retry in {retry_after} seconds"
    )]
    TooManyRequests { retry_after: u64 },
    #[error("the resource has changed since the ETag in If-Match was issued")]
    PreconditionFailed,
    #[error("{0}")]
    Conflict(String),
    /// No credential, or one that is not valid (any more).
    #[error("{}", .0.message())]
    Unauthenticated(AuthFailure),
    /// A valid credential without the scope the operation needs.
    #[error("the access token lacks the scope {scope}")]
    Forbidden { scope: String },
    /// An error of the token endpoint (RFC 6749 section 5.2).
    #[error("{description}")]
    OAuth { code: OAuthCode, description: String },
    #[error("{0}")]
    Unavailable(&'static str),
    /// Anything unexpected. Logged in full, answered with a generic message.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) | Self::RouteNotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Validation(_) | Self::BadRequest(_) | Self::Rejected { .. } => StatusCode::BAD_REQUEST,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::UnsupportedMediaType(..) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::OAuth {
                code: OAuthCode::InvalidClient,
                ..
            } => StatusCode::UNAUTHORIZED,
            Self::OAuth { .. } => StatusCode::BAD_REQUEST,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The text a client may see: never internals.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "An unexpected error occurred.".to_string(),
            other => other.to_string(),
        }
    }

    /// Turns any error that reached the HTTP layer into an `AppError`:
    /// ours come back as they were; poem's and poem-openapi's own (unknown
    /// route, wrong method, unparsable parameter or body) get their meaning,
    /// worded in the client's terms (see `parameter_error`): their own
    /// text names internals (`param0`, `optional_integer(uint64)`) and is
    /// only logged.
    pub fn from_poem(err: poem::Error, routes: &RouteTable, method: &str, uri: &poem::http::Uri) -> Self {
        use poem::error::{MethodNotAllowedError, NotFoundError, ReadBodyError};
        use poem_openapi::error::{ContentTypeError, ParseParamError, ParsePathError};

        let path = uri.path();
        if err.is::<AppError>() {
            return match err.downcast::<AppError>() {
                Ok(app) => app,
                Err(err) => Self::Internal(anyhow::anyhow!("{err}")),
            };
        }
        if err.is::<NotFoundError>() {
            return Self::RouteNotFound;
        }
        if err.is::<MethodNotAllowedError>() {
            return Self::MethodNotAllowed {
                allow: routes.allowed_methods(path),
            };
        }
        if let Some(read) = err.downcast_ref::<ReadBodyError>() {
            return match read {
                ReadBodyError::PayloadTooLarge => Self::PayloadTooLarge { limit: None },
                ReadBodyError::Io(io) => {
                    if let Some(too_large) = find_cause::<BodyTooLarge>(io) {
                        Self::PayloadTooLarge {
                            limit: Some(too_large.0),
                        }
                    } else if find_cause::<BodyTimedOut>(io).is_some() {
                        Self::RequestTimeout
                    } else {
                        Self::BadRequest("the request body could not be read".into())
                    }
                }
                ReadBodyError::Utf8(_) => Self::BadRequest("the request body is not valid UTF-8".into()),
                ReadBodyError::BodyHasBeenTaken => Self::Internal(anyhow::anyhow!("{read}")),
            };
        }
        if let Some(ct) = err.downcast_ref::<ContentTypeError>() {
            let reason = match ct {
                ContentTypeError::ExpectContentType => UnsupportedContentType::Missing,
                ContentTypeError::NotSupported { content_type } => {
                    UnsupportedContentType::Unsupported(content_type.clone())
                }
            };
            return Self::UnsupportedMediaType(reason, SUPPORTED_MEDIA_TYPES);
        }
        let request = Parsed { routes, method, uri };
        if err.is::<ParsePathError>() {
            // The framework names path parameters its own way (`param0`):
            // the one refused is the one whose value its schema does not take.
            let schemas = routes.schemas();
            let declared = routes.parameters(method, path);
            for (name, raw) in routes.path_parameters(path) {
                let value = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
                let schema = declared.iter().find(|p| p.name == name).map(|p| &p.schema);
                if schema.is_some_and(|schema| !schemas.takes_text(&value, schema)) {
                    return parameter_error(&request, name);
                }
            }
        }
        if let Some(e) = err.downcast_ref::<ParseParamError>() {
            tracing::debug!(parameter = e.name, reason = e.reason, "a parameter could not be parsed");
            return parameter_error(&request, e.name);
        }
        let status = err.status();
        tracing::debug!(error = %err, "request refused by the framework");
        if status.is_client_error() {
            return Self::BadRequest("the request could not be read".into());
        }
        Self::Internal(anyhow::anyhow!("{err}"))
    }
}

/// What is known of a request whose parameter could not be parsed.
struct Parsed<'a> {
    routes: &'a RouteTable,
    method: &'a str,
    uri: &'a poem::http::Uri,
}

/// The parameter `name` could not be parsed: say so by its name as sent and
/// by what its schema takes ("must be an integer from 1 to 200"), or that it
/// is missing ("is required"; a required header is refused as missing
/// before the handler runs, so a header here is malformed).
fn parameter_error(request: &Parsed<'_>, name: &str) -> AppError {
    let path = request.uri.path();
    let declared = request
        .routes
        .parameters(request.method, path)
        .iter()
        .find(|p| p.name == name);
    let Some(declared) = declared else {
        return AppError::Validation(vec![FieldError::new(name, "is not valid")]);
    };
    let missing = match declared.location {
        Location::Query => !form_urlencoded::parse(request.uri.query().unwrap_or_default().as_bytes())
            .any(|(key, _)| key == name || key.strip_prefix(name).is_some_and(|rest| rest.starts_with('['))),
        Location::Path | Location::Header | Location::Cookie => false,
    };
    let message = if missing {
        "is required".to_string()
    } else {
        format!("must be {}", request.routes.schemas().describe(&declared.schema))
    };
    AppError::Validation(vec![FieldError::new(name, message)])
}

impl From<sqlx::Error> for AppError {
    /// A database that cannot be reached makes the service unavailable (503,
    /// worth a retry); every other database error is internal.
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::error!(error = %err, "the database is unreachable");
                Self::Unavailable("the database is unreachable")
            }
            other => Self::Internal(other.into()),
        }
    }
}

impl From<AppError> for poem::Error {
    fn from(err: AppError) -> Self {
        let status = err.status();
        poem::Error::new(err, status)
    }
}

/// Why a request is not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` header.
    Missing,
    /// A credential that is malformed, forged, revoked or of a disabled client.
    Invalid,
    /// A token past its expiry.
    Expired,
    /// A well-formed token whose signature does not verify (forged, or
    /// signed with another key).
    BadSignature,
}

impl AuthFailure {
    pub fn message(self) -> &'static str {
        match self {
            Self::Missing => "authentication is required: send Authorization: Bearer <access token>",
            Self::Invalid => "the credential is not valid",
            Self::Expired => "the access token has expired",
            Self::BadSignature => "the access token's signature does not verify",
        }
    }
}

/// RFC 6749 section 5.2 error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthCode {
    InvalidRequest,
    InvalidClient,
    InvalidScope,
    UnsupportedGrantType,
}

impl OAuthCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidScope => "invalid_scope",
            Self::UnsupportedGrantType => "unsupported_grant_type",
        }
    }
}

/// The marker inside the I/O error a capped request body yields once it
/// passes the limit; carries the limit.
#[derive(Debug, thiserror::Error)]
#[error("the request body is larger than {0} bytes")]
pub struct BodyTooLarge(pub u64);

/// The marker inside the I/O error a request body yields when nothing of it
/// arrived for the body timeout.
#[derive(Debug, thiserror::Error)]
#[error("no part of the request body arrived for {0:?}")]
pub struct BodyTimedOut(pub std::time::Duration);

/// The marker `M` that caused `err`, however deeply the body stack wrapped it.
fn find_cause<M: std::error::Error + 'static>(err: &std::io::Error) -> Option<&M> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = err.get_ref().map(|e| e as _);
    while let Some(e) = current {
        if let Some(marker) = e.downcast_ref::<M>() {
            return Some(marker);
        }
        current = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|e| e as _),
            None => e.source(),
        };
    }
    None
}

impl From<crate::store::WriteError> for AppError {
    /// The meaning of a failed write.
    fn from(err: crate::store::WriteError) -> Self {
        use crate::store::WriteError;
        match err {
            WriteError::Conflict(what) => Self::Conflict(what),
            WriteError::Database(e) => e.into(),
        }
    }
}
