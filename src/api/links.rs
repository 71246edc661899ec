//! Absolute links in responses.

use poem::Request;

/// The base of absolute links: the configured public URL, else the
/// request's scheme and `Host` (a host with unexpected characters is not
/// trusted and becomes `localhost`).
pub fn base_url(request: &Request, public_url: Option<&str>) -> String {
    if let Some(base) = public_url {
        return base.trim_end_matches('/').to_string();
    }
    let host = request
        .headers()
        .get(poem::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
        })
        .unwrap_or("localhost");
    format!("{}://{host}", request.scheme())
}
