//! A list's cursor: where the next page starts, carried by the
//! `Link: <…>; rel="next"` of a full page and read back from `after`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use crate::domain::{FieldError, Position};

/// The cursor of a row's place, opaque to clients (base64url of
/// `<RFC 3339 instant>,<id>`).
pub fn cursor(position: Position) -> String {
    URL_SAFE_NO_PAD.encode(format!("{},{}", position.at.to_rfc3339(), position.id))
}

/// Reads a cursor that [`cursor`] wrote.
pub fn position(cursor: &str) -> Result<Position, FieldError> {
    let parsed = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            let (at, id) = text.split_once(',')?;
            Some(Position {
                at: DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc),
                id: id.parse().ok()?,
            })
        });
    parsed.ok_or_else(|| FieldError::new("after", "is not a cursor from a `next` link of this list"))
}

/// Where a page starts: after the cursor `after`, if sent (a list's
/// `offset` then counts from there).
pub fn start(after: Option<&str>) -> Result<Option<Position>, FieldError> {
    after.map(position).transpose()
}

/// The next page's link: this request's query without `offset` and
/// `after`, then `after` the last row.
pub fn next_link(path: &str, query: &str, cursor: &str) -> String {
    let mut next = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key != "offset" && key != "after" {
            next.append_pair(&key, &value);
        }
    }
    next.append_pair("after", cursor);
    format!("<{path}?{}>; rel=\"next\"", next.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_the_row_it_was_written_after() {
        let id = uuid::Uuid::new_v4();
        let at = DateTime::parse_from_rfc3339("2026-12-07T09:00:00.123456Z")
            .expect("an instant")
            .with_timezone(&Utc);
        assert_eq!(
            position(&cursor(Position { at, id })).expect("a cursor"),
            Position { at, id }
        );
        assert!(position("not-a-cursor").is_err());
        assert!(position(&URL_SAFE_NO_PAD.encode("2026-12-07,nope")).is_err());
    }

    #[test]
    fn the_next_link_keeps_the_filters_and_drops_the_offset() {
        let link = next_link(
            "/api/relationships",
            "name%5Bcontains%5D=a+b&offset=50&limit=2&after=x",
            "CUR",
        );
        assert_eq!(
            link,
            "</api/relationships?name%5Bcontains%5D=a+b&limit=2&after=CUR>; rel=\"next\""
        );
    }
}
