//! The front line every request passes: correlation id and request log,
//! the body cap and the body's deadlines, content negotiation, and the
//! conversion of every error into its dialect's envelope.

use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use poem::http::header::{self, HeaderValue};
use poem::{Endpoint, IntoResponse, Request, Response};
use tracing::Instrument;

use crate::api::auth::RequiredScopes;
use crate::api::envelope::{Dialects, Registration};
use crate::api::problem;
use crate::codec::negotiate::{Format, choose_format};
use crate::codec::rendered::{BodyKind, Rendered};
use crate::document::routes::{Location, RouteTable};
use crate::domain::{FieldError, text};
use crate::edge::conditional::{self, Conditions};
use crate::edge::correlation::{self, CORRELATION_ID};
use crate::edge::encoding::{self, Decoded};
use crate::edge::framework::{self, BodyTimedOut, BodyTooLarge};
use crate::edge::idempotent;
use crate::error::{AppError, AuthFailure, OAuthCode, UnsupportedContentType};
use crate::metrics::Metrics;
use crate::store::idempotency;
use crate::store::{Store, admission, changes};

/// Wraps the application's routes.
pub struct Frontline<E> {
    inner: E,
    body_limit: u64,
    body_timeout: Duration,
    routes: Arc<RouteTable>,
    dialects: Dialects,
    metrics: Option<Arc<Metrics>>,
    /// Where answers to `Idempotency-Key` requests are kept (none: keys are ignored).
    store: Option<Store>,
}

impl<E> Frontline<E> {
    /// Bodies are capped at `body_limit` bytes, and fail with 408 when
    /// nothing of them arrives for `body_timeout`, or when they take longer
    /// than that and average under [`BODY_MIN_RATE`]. Errors are worded by
    /// the dialect owning the path.
    pub fn new(inner: E, body_limit: u64, body_timeout: Duration, routes: RouteTable, dialects: Dialects) -> Self {
        Self {
            inner,
            body_limit,
            body_timeout,
            routes: Arc::new(routes),
            dialects,
            metrics: None,
            store: None,
        }
    }

    /// Keeps the answers of POSTs sent with `Idempotency-Key` in `store`.
    pub fn with_idempotency(mut self, store: Store) -> Self {
        self.store = Some(store);
        self
    }

    /// Counts and times every request in `metrics`, by operationId and status.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }
}

impl<E: Endpoint> Endpoint for Frontline<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let correlation_id = correlation::of(&req);
        let span = tracing::info_span!(
            "request",
            correlation_id = %correlation_id,
            method = %req.method(),
            path = %req.uri().path(),
        );
        async move {
            let started = Instant::now();
            // What the answer is spared (304) and compressed by.
            let conditions = Conditions::of(req.method(), req.headers());
            let (method, coding) = (
                req.method().clone(),
                encoding::preferred(req.headers().get(header::ACCEPT_ENCODING)),
            );
            // Metrics hook: in flight until answered, then counted and timed.
            let timer = self.metrics.as_deref().map(|m| m.start(&self.routes, &req));
            // Room for the caller authentication names, whose share of the
            // database connections the request's work is admitted under.
            // And for the correlation id and actor of the changes it records.
            let serving = admission::serving(self.negotiate(req));
            let response = changes::serving(correlation_id.clone(), serving).await;
            let response = conditions.answer(response).await;
            if let Some(timer) = timer {
                timer.finish(response.status());
            }
            let mut response = encoding::encode_response(&method, response, coding).await;
            if let Ok(value) = HeaderValue::from_str(&correlation_id) {
                response.headers_mut().insert(CORRELATION_ID, value);
            }
            tracing::info!(
                status = response.status().as_u16(),
                elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
                "request finished"
            );
            Ok(response)
        }
        .instrument(span)
        .await
    }
}

impl<E: Endpoint> Frontline<E> {
    async fn negotiate(&self, mut req: Request) -> Response {
        without_trailing_slash(&mut req, &self.routes);
        let path = req.uri().path().to_string();
        let dialect = self.dialects.for_path(&path);
        let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
        let format = match choose_format(accept) {
            Ok(format) => format,
            // The documentation pages, the spec and the metrics are not negotiated.
            Err(_) if is_documentation(&path) || path == crate::metrics::PATH => Format::Json,
            Err(_) => return error_response(dialect, AppError::NotAcceptable, Format::Json),
        };
        if let Err(err) = cap_body(&mut req, self.body_limit, self.body_timeout) {
            return error_response(dialect, err, format);
        }
        if let Err(err) = screen_parameters(&req, &self.routes, &path) {
            return error_response(dialect, err, format);
        }
        if self.routes.names_no_resource(&path) {
            return error_response(dialect, AppError::RouteNotFound, format);
        }
        if let Some(scopes) = self.routes.required_scopes(req.method().as_str(), &path) {
            req.extensions_mut().insert(RequiredScopes(scopes));
        }
        let (method, uri) = (req.method().clone(), req.uri().clone());
        let refused = |err| {
            error_response(
                dialect,
                framework::app_error(err, &self.routes, method.as_str(), &uri),
                format,
            )
        };
        let slot = match idempotent::read(&mut req).await {
            Ok(slot) => slot,
            Err(err) => return refused(err),
        };
        let response = match idempotency::serving(slot.clone(), self.inner.call(req)).await {
            Ok(output) => {
                let mut response = output.into_response();
                if let Some(rendered) = response.extensions_mut().remove::<Rendered>() {
                    encode(&mut response, &rendered, format);
                }
                response
            }
            Err(err) => refused(err),
        };
        // Refused or answered, the answer is kept for the key the request claimed.
        match &self.store {
            Some(store) => idempotent::keep(store, &slot, response).await,
            None => response,
        }
    }
}

/// `/api/relationships/` reaches `/api/relationships`: a path of the spec
/// with trailing slashes is served as if sent without them.
fn without_trailing_slash(req: &mut Request, routes: &RouteTable) {
    let path = req.uri().path();
    let trimmed = path.trim_end_matches('/');
    if trimmed.len() == path.len() || trimmed.is_empty() || !routes.knows(trimmed) {
        return;
    }
    let target = match req.uri().query() {
        Some(query) => format!("{trimmed}?{query}"),
        None => trimmed.to_string(),
    };
    if let Ok(uri) = target.parse::<poem::http::Uri>() {
        *req.uri_mut() = uri;
    }
}

fn is_documentation(path: &str) -> bool {
    path == "/docs"
        || path.starts_with("/docs/")
        || path == "/openapi.json"
        || path == "/openapi.yaml"
        || path.starts_with("/schemas/")
        || path == "/favicon.ico"
}

/// Refuses a declared length over the limit at once, and caps the body
/// stream so that a chunked body fails as soon as it passes the limit; any
/// body is held to `timeout` (see [`BodyDeadline`]).
fn cap_body(req: &mut Request, limit: u64, timeout: Duration) -> Result<(), AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(AppError::PayloadTooLarge { limit: Some(limit) });
    }
    let sent = poem::Body::from_bytes_stream(BodyDeadline::new(capped(req.take_body(), limit), timeout));
    let body = match encoding::decode_request(req.headers(), sent)? {
        // A coded body is held to the limit once more, decoded.
        Decoded::Coded(decoded) => poem::Body::from_bytes_stream(capped(decoded, limit)),
        Decoded::AsSent(sent) => sent,
    };
    req.set_body(body);
    Ok(())
}

/// `body`, failing with [`BodyTooLarge`] once it passes `limit` bytes.
fn capped(body: poem::Body, limit: u64) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let mut seen: u64 = 0;
    body.into_bytes_stream().map(move |chunk| {
        let chunk = chunk?;
        seen += chunk.len() as u64;
        if seen > limit {
            Err(std::io::Error::other(BodyTooLarge(limit)))
        } else {
            Ok(chunk)
        }
    })
}

/// The average rate, in bytes a second, a body must keep up once it has
/// taken longer than the body timeout (as Apache's `mod_reqtimeout` does):
/// without it, a client sending a byte a second never trips the idle
/// deadline and keeps its connection for as long as its body lasts.
pub const BODY_MIN_RATE: u64 = 500;

/// A body stream that fails with [`BodyTimedOut`] when nothing of it has
/// arrived for `timeout`, or when, `timeout` after it was first waited on,
/// it averages under [`BODY_MIN_RATE`]. The clocks run from the handler's
/// first read, so time spent before reading the body does not count.
struct BodyDeadline<S> {
    inner: S,
    timeout: Duration,
    /// When the handler first waited for the body.
    started: Option<tokio::time::Instant>,
    received: u64,
    /// When the current wait began; `None` while data flows.
    waiting_since: Option<tokio::time::Instant>,
    timer: Pin<Box<tokio::time::Sleep>>,
}

impl<S> BodyDeadline<S> {
    fn new(inner: S, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            started: None,
            received: 0,
            waiting_since: None,
            timer: Box::pin(tokio::time::sleep(timeout)),
        }
    }

    /// The earlier of the idle deadline and the rate deadline.
    fn deadline(&self, now: tokio::time::Instant) -> tokio::time::Instant {
        let started = self.started.unwrap_or(now);
        let idle = self.waiting_since.unwrap_or(now) + self.timeout;
        let rate = started + self.timeout + Duration::from_secs(self.received / BODY_MIN_RATE);
        idle.min(rate)
    }

    fn timed_out(&self) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, BodyTimedOut(self.timeout))
    }
}

impl<S: Stream<Item = std::io::Result<Bytes>> + Unpin> Stream for BodyDeadline<S> {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let now = tokio::time::Instant::now();
        this.started.get_or_insert(now);
        match this.inner.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.waiting_since = None;
                this.received += chunk.len() as u64;
                if now >= this.deadline(now) {
                    return Poll::Ready(Some(Err(this.timed_out())));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(other) => Poll::Ready(other),
            Poll::Pending => {
                this.waiting_since.get_or_insert(now);
                let deadline = this.deadline(now);
                if this.timer.deadline() != deadline {
                    this.timer.as_mut().reset(deadline);
                }
                match this.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(this.timed_out()))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

/// The raw HTTP/1.1 response to a request whose head did not arrive in
/// time: a 408 in the envelope of the dialect of `path` (problem details
/// when unknown), as JSON since Accept may not have arrived, closing the
/// connection. See [`crate::edge::connection`].
pub fn timeout_response(dialects: &Dialects, path: Option<&str>) -> Vec<u8> {
    let err = AppError::RequestTimeout;
    let rendered = (dialects.for_path(path.unwrap_or_default()).render)(&err);
    let body = rendered.json();
    let mut response = format!(
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: {}\r\ncontent-length: {}\r\n{CORRELATION_ID}: {}\r\n\
         connection: close\r\n\r\n",
        Format::Json.media_type(rendered.kind == BodyKind::Problem),
        body.len(),
        uuid::Uuid::new_v4(),
    )
    .into_bytes();
    response.extend_from_slice(&body);
    response
}

/// Refuses query and path parameters holding characters no field can store
/// (see [`text::is_storable`]), and declared header parameters that are not
/// text (bytes outside visible ASCII, which the framework would otherwise
/// drop silently, as if the header had not been sent: an `If-Match`
/// ignored), the correlation id excepted, every one at once,
/// named as sent: bodies are screened the same way as they are decoded
/// ([`crate::codec::body::decode`]).
fn screen_parameters(req: &Request, routes: &RouteTable, path: &str) -> Result<(), AppError> {
    let query = req.uri().query().unwrap_or_default();
    let query =
        form_urlencoded::parse(query.as_bytes()).map(|(name, value)| (text::printable_name(&name), name, value));
    let mut errors: Vec<FieldError> = query
        .flat_map(|(field, name, value)| [text::storable(&field, &name), text::storable(&field, &value)])
        .filter_map(Result::err)
        .collect();
    for (name, raw) in routes.path_parameters(path) {
        let value = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
        if let Err(e) = text::storable(name, &value) {
            errors.push(e);
        }
    }
    for parameter in routes.parameters(req.method().as_str(), path) {
        if parameter.location == Location::Header && parameter.required && !req.headers().contains_key(&parameter.name)
        {
            errors.push(FieldError::new(parameter.name.as_str(), "is required"));
        }
        // The correlation id is the front line's own: a malformed one is replaced, never refused.
        if parameter.location == Location::Header
            && !parameter.name.eq_ignore_ascii_case(CORRELATION_ID)
            && req
                .headers()
                .get_all(parameter.name.as_str())
                .iter()
                .any(|v| v.to_str().is_err())
        {
            errors.push(FieldError::new(
                parameter.name.as_str(),
                "must be text (visible ASCII characters and spaces)",
            ));
        }
    }
    if conditional::reads(req.method()) {
        for name in conditional::HEADERS {
            if req.headers().get_all(name).iter().any(|v| v.to_str().is_err()) {
                errors.push(FieldError::new(
                    name,
                    "must be text (visible ASCII characters and spaces)",
                ));
            }
        }
    }
    errors.dedup();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Writes a negotiated body in `format`.
fn encode(response: &mut Response, rendered: &Rendered, format: Format) {
    let is_problem = rendered.kind == BodyKind::Problem;
    let bytes = match format {
        // Forms are only read; `choose_format` never picks one for a response.
        Format::Json | Format::Form | Format::Multipart => rendered.json(),
        Format::Xml => {
            let namespace = if is_problem { problem::XML_ROOT.namespace } else { None };
            rendered.xml(namespace).into_bytes()
        }
    };
    response.set_body(bytes);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.media_type(is_problem)),
    );
    headers.append(header::VARY, HeaderValue::from_static("Accept"));
}

/// The response for `err` in `dialect`'s envelope, encoded in `format`.
fn error_response(dialect: Registration, err: AppError, format: Format) -> Response {
    if let AppError::Replay(answer) = &err {
        return idempotent::replayed(answer);
    }
    let err = (dialect.refine)(err);
    let status = err.status();
    match &err {
        AppError::Internal(source) => tracing::error!(error = format!("{source:#}"), "request failed"),
        other if status.is_server_error() => tracing::warn!(error = %other, "request failed"),
        other => tracing::debug!(error = %other, "request refused"),
    }
    let mut response = Response::builder().status(status).finish();
    match &err {
        AppError::MethodNotAllowed { allow } => {
            if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
                response.headers_mut().insert(header::ALLOW, value);
            }
        }
        AppError::Unauthenticated(failure) => {
            // RFC 6750 section 3: no error code when no credential was sent.
            let challenge = match failure {
                AuthFailure::Missing => r#"Bearer realm="liaison""#.to_string(),
                other => format!(
                    r#"Bearer realm="liaison", error="invalid_token", error_description="{}""#,
                    other.message()
                ),
            };
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
            }
            // Schemes the dialect takes besides Bearer (RFC 7235: one challenge per scheme).
            for challenge in dialect.challenges {
                response
                    .headers_mut()
                    .append(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
            }
        }
        AppError::Forbidden { scope } => {
            let challenge = format!(r#"Bearer realm="liaison", error="insufficient_scope", scope="{scope}""#);
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
            }
        }
        AppError::OAuth {
            code: OAuthCode::InvalidClient,
            ..
        } => {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="liaison""#),
            );
        }
        AppError::UnsupportedMediaType(reason, accepted) => {
            let name = match reason {
                UnsupportedContentType::Encoding(_) => header::ACCEPT_ENCODING,
                _ => header::ACCEPT,
            };
            response.headers_mut().insert(name, HeaderValue::from_static(accepted));
        }
        // The body was not read to its end, so the connection cannot carry
        // another request: say so, or a client may send one on it just as
        // it closes.
        AppError::PayloadTooLarge { .. } | AppError::RequestTimeout => {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        AppError::TooManyRequests { retry_after } => {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        AppError::Unavailable(_) => {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(crate::error::UNAVAILABLE_RETRY_AFTER),
            );
        }
        AppError::Storage(_) => {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(crate::error::STORAGE_RETRY_AFTER),
            );
        }
        _ => {}
    }
    encode(&mut response, &(dialect.render)(&err), format);
    response
}
