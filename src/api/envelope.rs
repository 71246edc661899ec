//! How errors are worded on the wire, without knowing any wording.
//!
//! Each family of routes (a vendor dialect, the token endpoint, the rest)
//! answers errors in its own envelope: an [`ErrorDialect`] says where it
//! lives, which statuses it documents and how it words an [`AppError`].
//! The application registers its dialects once ([`Dialects`]); the front
//! line renders every error through that registration, so errors raised
//! before any handler runs (unknown route, 406, 408, 413, 415) look like
//! the handlers' own.

use std::marker::PhantomData;

use poem::http::StatusCode;
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::{ToJSON, Type};
use poem_openapi::{ApiResponse, ResponseContent};

use crate::codec::rendered::Rendered;
use crate::error::AppError;

/// A family of routes and its error envelope, as served and as the spec
/// documents it.
pub trait ErrorDialect: Send + Sync + 'static {
    /// The path prefix its operations live under (`/` for the fallback).
    const PREFIX: &'static str;
    /// The error statuses its operations answer, with their meaning.
    const STATUSES: &'static [(StatusCode, &'static str)];
    /// `WWW-Authenticate` challenges a 401 offers besides `Bearer`.
    const CHALLENGES: &'static [&'static str] = &[];
    /// The error body.
    type Envelope: for<'a> From<&'a AppError> + ToJSON;

    /// The error body's media types, each with the envelope's schema.
    fn media_types() -> Vec<MetaMediaType> {
        crate::codec::Negotiated::<Self::Envelope>::media_types()
    }

    fn register(registry: &mut Registry) {
        Self::Envelope::register(registry);
    }

    /// The error body for `err`.
    fn render(err: &AppError) -> Rendered {
        Rendered::of(&Self::Envelope::from(err))
    }

    /// The error this dialect answers for `err`, where its document says
    /// otherwise than HTTP would (e.g. a wrong method under its path is
    /// "not found" to a vendor whose document knows no 405).
    fn refine(err: AppError) -> AppError {
        err
    }
}

/// What the front line knows of a dialect: where it lives and how it words errors.
#[derive(Clone, Copy)]
pub struct Registration {
    pub prefix: &'static str,
    pub render: fn(&AppError) -> Rendered,
    pub refine: fn(AppError) -> AppError,
    pub challenges: &'static [&'static str],
}

impl Registration {
    pub const fn of<D: ErrorDialect>() -> Self {
        Self {
            prefix: D::PREFIX,
            render: D::render,
            refine: D::refine,
            challenges: D::CHALLENGES,
        }
    }

    /// Whether `path` is this dialect's prefix or below it.
    fn owns(&self, path: &str) -> bool {
        path.strip_prefix(self.prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }
}

/// The application's dialects, and the one answering paths under none of them.
#[derive(Clone, Copy)]
pub struct Dialects {
    registered: &'static [Registration],
    fallback: Registration,
}

impl Dialects {
    pub const fn new(registered: &'static [Registration], fallback: Registration) -> Self {
        Self { registered, fallback }
    }

    /// The dialect owning `path`.
    pub fn for_path(&self, path: &str) -> Registration {
        self.registered
            .iter()
            .find(|d| d.owns(path))
            .copied()
            .unwrap_or(self.fallback)
    }
}

/// The statuses only some operations answer. Each dialect describes them
/// in its [`ErrorDialect::STATUSES`]; an operation's error type lists the
/// ones it can answer ([`Outcomes`]), so the spec declares them there only.
const OCCASIONAL: [StatusCode; 3] = [StatusCode::CONFLICT, StatusCode::PRECONDITION_FAILED, StatusCode::GONE];

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

/// 410: the operation reads something that is kept for a time only (a change-feed cursor).
pub struct Expires;

impl Outcomes for Expires {
    fn statuses() -> Vec<StatusCode> {
        vec![StatusCode::GONE]
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
/// The envelope itself is written by the front line from the route's
/// registered dialect, so that errors raised outside handlers look the same.
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
                        StatusCode::TOO_MANY_REQUESTS => vec![retry_after(true)],
                        StatusCode::SERVICE_UNAVAILABLE => vec![retry_after(false)],
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

/// The `Retry-After` header: always on a 429; on a 503 when waiting helps
/// (storage full or read-only).
fn retry_after(required: bool) -> MetaHeader {
    MetaHeader {
        name: "Retry-After".into(),
        description: Some("Seconds to wait before trying again.".into()),
        required,
        deprecated: false,
        schema: <u64 as Type>::schema_ref(),
    }
}
