//! Conditional GETs (RFC 9110 13): an answer the client already holds is
//! 304 Not Modified, with its validators and no body.
//!
//! A single resource's answer carries its version as a strong `ETag` and
//! its `modifiedAt` as `Last-Modified` (set by its handler); any other 200
//! to a GET (a list page, say) gets a weak `ETag` of its content here.
//! `If-None-Match` is compared weakly (`*` matches any); `If-Modified-Since`
//! counts only without `If-None-Match`, to the second.

use chrono::{DateTime, Utc};
use poem::http::header::{self, HeaderMap, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Body, Response};
use sha2::{Digest, Sha256};

use crate::domain::text;

/// The request headers this reads (the front line refuses them when they
/// are not text, as it does every declared header).
pub const HEADERS: [&str; 2] = ["If-None-Match", "If-Modified-Since"];

/// Whether `method` reads [`HEADERS`].
pub fn reads(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

/// What a request asks to be spared.
#[derive(Debug, Default)]
pub struct Conditions {
    /// A GET or HEAD: its answer carries validators, and may be spared.
    read: bool,
    if_none_match: Option<String>,
    if_modified_since: Option<DateTime<Utc>>,
}

impl Conditions {
    /// The conditions of a GET or HEAD (none for other methods).
    pub fn of(method: &Method, headers: &HeaderMap) -> Self {
        if !reads(method) {
            return Self::default();
        }
        let text = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
        Self {
            read: true,
            if_none_match: text(header::IF_NONE_MATCH).map(str::to_string),
            if_modified_since: text(header::IF_MODIFIED_SINCE)
                .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
                .map(|d| d.with_timezone(&Utc)),
        }
    }

    /// `response` with its validators, or 304 in its place when the client
    /// holds it already.
    pub async fn answer(self, response: Response) -> Response {
        if !self.read || response.status() != StatusCode::OK {
            return response;
        }
        let (mut parts, body) = response.into_parts();
        let body = if parts.headers.contains_key(header::ETAG) {
            body
        } else {
            // A list page (or any answer without a version): a weak tag of its content.
            let Ok(bytes) = body.into_bytes().await else {
                return Response::from_parts(parts, Body::empty());
            };
            if let Ok(tag) = HeaderValue::from_str(&weak_etag(&bytes)) {
                parts.headers.insert(header::ETAG, tag);
            }
            Body::from(bytes)
        };
        let etag = parts.headers.get(header::ETAG).and_then(|v| v.to_str().ok());
        let last_modified = parts
            .headers
            .get(header::LAST_MODIFIED)
            .and_then(|v| v.to_str().ok())
            .and_then(|d| DateTime::parse_from_rfc2822(d).ok());
        let unchanged = match (&self.if_none_match, self.if_modified_since) {
            (Some(tags), _) => etag.is_some_and(|etag| matches(tags, etag)),
            (None, Some(since)) => last_modified.is_some_and(|modified| modified.timestamp() <= since.timestamp()),
            (None, None) => false,
        };
        if !unchanged {
            return Response::from_parts(parts, body);
        }
        parts.status = StatusCode::NOT_MODIFIED;
        for gone in [header::CONTENT_TYPE, header::CONTENT_LENGTH] {
            parts.headers.remove(gone);
        }
        Response::from_parts(parts, Body::empty())
    }
}

/// `W/"…"`: the first 16 bytes of the content's SHA-256, in hex.
pub fn weak_etag(content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    format!("W/\"{}\"", text::hex(&digest[..16]))
}

/// Whether an `If-None-Match` list names `etag`, compared weakly (RFC 9110 8.8.3.2).
fn matches(if_none_match: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    if_none_match.trim() == "*" || if_none_match.split(',').any(|tag| opaque(tag) == opaque(etag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_compared_weakly_and_star_matches_any() {
        assert!(matches("\"3\"", "\"3\""));
        assert!(matches("W/\"3\"", "\"3\""));
        assert!(matches("\"1\", \"3\"", "W/\"3\""));
        assert!(matches("*", "\"9\""));
        assert!(!matches("\"4\"", "\"3\""));
        assert!(!matches("\"33\"", "\"3\""));
    }

    #[test]
    fn http_dates_read_back() {
        use crate::domain::etag::http_date;
        let at = DateTime::parse_from_rfc3339("1994-11-06T08:49:37Z")
            .expect("instant")
            .with_timezone(&Utc);
        assert_eq!(http_date(at), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(DateTime::parse_from_rfc2822(&http_date(at)).expect("parses"), at);
    }
}
