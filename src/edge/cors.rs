//! Cross-origin requests (the Fetch standard's CORS protocol), for the
//! origins the operator names (`--cors-origin`); none by default.
//!
//! A preflight (`OPTIONS` with `Access-Control-Request-Method`) from an
//! allowed origin is answered here, 204, with the methods and request
//! headers the API takes. Every other request goes on as usual; its answer
//! to an allowed origin says so and exposes the headers a client reads. A
//! request from any other origin is served as if it had none: no CORS
//! header, so a browser keeps the answer from the page that asked.

use std::sync::Arc;

use poem::http::header::{self, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};

/// The methods the API's operations use.
const METHODS: &str = "GET, HEAD, POST, PUT, DELETE";
/// The request headers a cross-origin caller may send.
const REQUEST_HEADERS: &str =
    "Authorization, Content-Type, Accept, If-Match, If-None-Match, X-Correlation-Id, Idempotency-Key";
/// The answer headers a cross-origin caller may read.
const EXPOSED_HEADERS: &str = "ETag, Location, Link, Retry-After, X-Correlation-Id";
/// Seconds a browser may reuse a preflight's answer.
const MAX_AGE: &str = "600";

/// Wraps the application with CORS for `origins` (exact
/// `scheme://host[:port]` values); with none, requests pass untouched.
pub struct Cors<E> {
    inner: E,
    origins: Arc<[HeaderValue]>,
}

impl<E> Cors<E> {
    pub fn new(inner: E, origins: &[String]) -> anyhow::Result<Self> {
        let origins = origins
            .iter()
            .map(|o| HeaderValue::from_str(o.trim_end_matches('/')))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            inner,
            origins: origins.into(),
        })
    }
}

impl<E: Endpoint> Endpoint for Cors<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if self.origins.is_empty() {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        }
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .filter(|origin| self.origins.contains(origin))
            .cloned();
        let preflight =
            req.method() == Method::OPTIONS && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        let mut response = match (&origin, preflight) {
            (Some(_), true) => {
                let mut response = StatusCode::NO_CONTENT.into_response();
                let headers = response.headers_mut();
                headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(METHODS));
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static(REQUEST_HEADERS),
                );
                headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
                response
            }
            _ => self.inner.get_response(req).await,
        };
        let headers = response.headers_mut();
        // The answer depends on the origin: caches keep one per origin.
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(origin) = origin {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            if !preflight {
                headers.insert(
                    header::ACCESS_CONTROL_EXPOSE_HEADERS,
                    HeaderValue::from_static(EXPOSED_HEADERS),
                );
            }
        }
        Ok(response)
    }
}
