//! The one error type every handler, extractor and write returns.
//!
//! An [`AppError`] says what went wrong in terms a client can act on; the
//! dialect of the route it happened on decides how it is worded on the wire
//! (see [`crate::api::envelope`]); the front line turns the framework's own
//! errors into one ([`crate::edge::framework`]).

use poem::http::StatusCode;

use std::fmt;

pub use crate::store::storage::StorageTrouble;

/// Seconds a client is asked to wait when storage cannot write: freeing
/// space (or remounting) takes a person, not a moment.
pub const STORAGE_RETRY_AFTER: u64 = 30;

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
    /// Too many failed client authentications from one address, for one
    /// client id or for any (the token endpoint); retry after that many seconds.
    #[error("too many failed client authentications from this address; retry in {retry_after} seconds")]
    TooManyRequests { retry_after: u64 },
    #[error("the resource has changed since the ETag in If-Match was issued")]
    PreconditionFailed,
    /// What a request names is no longer kept (a change-feed cursor older
    /// than the retention): the field, and what to send instead.
    #[error("{}: {}", .0.field, .0.message)]
    Gone(FieldError),
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
    /// The service cannot serve this now: its database is busy or cannot
    /// be reached (503, with `Retry-After`: [`UNAVAILABLE_RETRY_AFTER`]).
    #[error("{0}")]
    Unavailable(&'static str),
    /// The database cannot write: its storage is full or read-only (503,
    /// with `Retry-After`: [`STORAGE_RETRY_AFTER`]). Reads go on.
    #[error("{0}")]
    Storage(StorageTrouble),
    /// A POST whose `Idempotency-Key` was answered before: that answer, again.
    #[error("the answer of an earlier request with this Idempotency-Key")]
    Replay(crate::store::idempotency::KeptAnswer),
    /// Anything unexpected. Logged in full, answered with a generic message.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Replay(answer) => StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK),
            Self::NotFound(_) | Self::RouteNotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Validation(_) | Self::BadRequest(_) | Self::Rejected { .. } => StatusCode::BAD_REQUEST,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::UnsupportedMediaType(..) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::Gone(_) => StatusCode::GONE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::OAuth {
                code: OAuthCode::InvalidClient,
                ..
            } => StatusCode::UNAUTHORIZED,
            Self::OAuth { .. } => StatusCode::BAD_REQUEST,
            Self::Unavailable(_) | Self::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
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
}

/// What a request is told when a statement ran past the statement timeout.
pub const STATEMENT_TIMED_OUT: &str = "the database took too long to answer; retry shortly";
/// What a request is told when every database connection stayed in use.
pub const DATABASE_BUSY: &str = "the database is busy: no connection came free in time; retry shortly";

/// Seconds a client waits before retrying a request the service was too
/// busy for, or could not reach its database for.
pub const UNAVAILABLE_RETRY_AFTER: u64 = 1;

impl From<sqlx::Error> for AppError {
    /// A database that cannot be reached, whose every connection stayed in
    /// use, or whose storage cannot write, makes the service unavailable
    /// (503 with `Retry-After`, worth a retry); every other database error
    /// is internal.
    fn from(err: sqlx::Error) -> Self {
        if let Some(trouble) = StorageTrouble::of(&err) {
            tracing::error!(error = %err, "{trouble}");
            return Self::Storage(trouble);
        }
        match err {
            // Every connection stayed in use: busy, not down.
            sqlx::Error::PoolTimedOut => {
                tracing::warn!(error = %err, "no database connection came free in time");
                Self::Unavailable(DATABASE_BUSY)
            }
            // PostgreSQL cancelled a statement past its statement timeout;
            // SQLite's lock stayed taken (by another program) past the busy timeout.
            sqlx::Error::Database(db) if held_up(db.code().as_deref()) => {
                tracing::warn!(error = %db, "a statement was held up past its time limit");
                Self::Unavailable(STATEMENT_TIMED_OUT)
            }
            sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::error!(error = %err, "the database is unreachable");
                Self::Unavailable("the database is unreachable")
            }
            other => Self::Internal(other.into()),
        }
    }
}

/// Whether a database error code says a statement ran, or waited for a
/// lock, past its time limit: PostgreSQL's `query_canceled` (57014, what
/// `statement_timeout` raises), SQLite's `SQLITE_BUSY` (5, with any
/// extended code).
fn held_up(code: Option<&str>) -> bool {
    match code {
        Some("57014") => true,
        Some(code) => code.parse::<u32>().is_ok_and(|code| code & 0xff == 5),
        None => false,
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
    /// Where an API key is taken, a value in neither form (a bare key, say).
    NotAKeyOrToken,
}

impl AuthFailure {
    pub fn message(self) -> &'static str {
        match self {
            Self::Missing => "authentication is required: send Authorization: Bearer <access token>",
            Self::Invalid => "the credential is not valid",
            Self::Expired => "the access token has expired",
            Self::BadSignature => "the access token's signature does not verify",
            Self::NotAKeyOrToken => {
                "send an API key as Authorization: Token token=<API key>, or an access token as Authorization: Bearer <token>"
            }
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

/// The media types a client may send or ask for, as listed in 406 and 415 answers.
pub const SUPPORTED_MEDIA_TYPES: &str = "application/json, application/xml";

/// Why a request body's `Content-Type` cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnsupportedContentType {
    Missing,
    Unsupported(String),
    Charset(String),
    /// A multipart part that is a file (or not text), by its field name.
    FilePart(String),
    /// A `Content-Encoding` liaison does not read.
    Encoding(String),
}

impl fmt::Display for UnsupportedContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => write!(f, "a request body needs a Content-Type"),
            Self::Unsupported(ct) => write!(f, "Content-Type {ct} is not supported"),
            Self::Charset(cs) => write!(f, "charset {cs} is not supported; send UTF-8"),
            Self::Encoding(coding) => write!(f, "Content-Encoding {coding} is not supported"),
            Self::FilePart(name) => write!(
                f,
                "the multipart part {name} is a file; only fields (no filename; Content-Type text/plain, \
                 application/json or none) are read"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_with_every_connection_in_use_is_busy_not_unreachable() {
        let busy = AppError::from(sqlx::Error::PoolTimedOut);
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(busy.public_message(), DATABASE_BUSY);
        let down = AppError::from(sqlx::Error::Io(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        )));
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(down.public_message(), "the database is unreachable");
    }

    #[test]
    fn held_up_means_a_statement_timeout_or_a_lock_kept_past_the_busy_timeout() {
        for code in ["57014", "5", "517", "773"] {
            assert!(held_up(Some(code)), "{code}");
        }
        for code in ["23505", "6", "19", "2067"] {
            assert!(!held_up(Some(code)), "{code}");
        }
        assert!(!held_up(None));
    }
}
