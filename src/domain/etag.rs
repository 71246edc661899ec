//! Validators (RFC 9110 section 8.8): entity tags for optimistic
//! concurrency and conditional GETs, and `Last-Modified` dates.

use chrono::{DateTime, Utc};

use crate::domain::Version;

/// An instant as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`), as
/// `Last-Modified` carries it.
pub fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The strong entity tag of a version: `"7"`.
pub fn etag(version: Version) -> String {
    format!("\"{}\"", version.0)
}

/// Whether an `If-Match` header value admits a write to `version`: absent
/// or `*` always does; otherwise one listed strong tag must equal it (weak
/// tags never match, as RFC 9110 requires for If-Match).
pub fn if_match_allows(header: Option<&str>, version: Version) -> bool {
    let Some(header) = header else {
        return true;
    };
    let current = etag(version);
    header.split(',').map(str::trim).any(|tag| tag == "*" || tag == current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_compares_strongly() {
        let v = Version(3);
        assert!(if_match_allows(None, v));
        assert!(if_match_allows(Some("*"), v));
        assert!(if_match_allows(Some("\"3\""), v));
        assert!(if_match_allows(Some("\"1\", \"3\""), v));
        assert!(!if_match_allows(Some("\"2\""), v));
        assert!(!if_match_allows(Some("W/\"3\""), v));
        assert!(!if_match_allows(Some("3"), v));
    }
}
