//! Content negotiation: which encoding a response takes (`Accept`, RFC 9110
//! section 12.5.1) and which encoding a request body is in (`Content-Type`).
//!
//! liaison speaks two encodings of the same data, JSON and XML. Everything
//! here is pure: header text in, a decision out.

use std::fmt;

use crate::error::UnsupportedContentType;

/// The two encodings every operation reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Xml,
    /// `application/x-www-form-urlencoded`: read in requests where an
    /// operation allows it, never written.
    Form,
    /// `multipart/form-data` with text parts: read where forms are, never written.
    Multipart,
}

impl Format {
    /// Response formats in server preference order: on a tie, JSON wins.
    pub const ALL: [Format; 2] = [Format::Json, Format::Xml];

    /// The media type written on responses of this format.
    pub fn media_type(self, problem: bool) -> &'static str {
        match (self, problem) {
            (Format::Json, false) => "application/json",
            (Format::Xml, false) => "application/xml",
            (Format::Json, true) => "application/problem+json",
            (Format::Xml, true) => "application/problem+xml",
            (Format::Form, _) => "application/x-www-form-urlencoded",
            (Format::Multipart, _) => "multipart/form-data",
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
            Format::Form => "x-www-form-urlencoded",
            Format::Multipart => "form-data",
        }
    }

    /// Whether the concrete media type `type/subtype` is an encoding of this format.
    fn is_encoded_by(self, ty: &str, subtype: &str) -> bool {
        let suffix = self.suffix();
        let exact = match self {
            Format::Json => ty == "application" && subtype == "json",
            Format::Xml => (ty == "application" || ty == "text") && subtype == "xml",
            Format::Form => return ty == "application" && subtype == "x-www-form-urlencoded",
            Format::Multipart => return ty == "multipart" && subtype == "form-data",
        };
        exact || subtype.rsplit_once('+').is_some_and(|(_, s)| s == suffix)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.media_type(false))
    }
}

/// One media range of an `Accept` header.
#[derive(Debug, PartialEq)]
struct MediaRange<'a> {
    ty: &'a str,
    subtype: &'a str,
    /// Quality in thousandths (0..=1000), so comparisons are exact.
    q: u16,
}

impl MediaRange<'_> {
    /// How specifically this range names `format`, or `None` when it does not
    /// cover it. Higher is more specific: exact type > suffix or `type/*` > `*/*`.
    fn specificity_for(&self, format: Format) -> Option<u8> {
        let suffix = format.suffix();
        match (self.ty, self.subtype) {
            ("*", "*") => Some(1),
            (_, "*") => (self.ty == "application" || (format == Format::Xml && self.ty == "text")).then_some(2),
            ("*", sub) => sub.strip_prefix("*+").is_some_and(|s| s == suffix).then_some(2),
            (ty, sub) if sub.starts_with("*+") => {
                (sub[2..] == *suffix && (ty == "application" || ty == "text")).then_some(2)
            }
            (ty, sub) => format.is_encoded_by(ty, sub).then_some(3),
        }
    }
}

/// Parses one media range (`type/subtype;param=value;q=0.5`); `None` when malformed.
fn parse_range(text: &str) -> Option<MediaRange<'_>> {
    let mut parts = text.split(';');
    let (ty, subtype) = parts.next()?.trim().split_once('/')?;
    if !is_token(ty) || !is_token(subtype) || (ty == "*" && subtype != "*" && !subtype.starts_with("*+")) {
        return None;
    }
    let mut q = 1000;
    for param in parts {
        let (name, value) = param.trim().split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            q = parse_qvalue(value.trim())?;
        }
    }
    Some(MediaRange { ty, subtype, q })
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// RFC 9110 `qvalue`: `0[.ddd]` or `1[.000]`, as thousandths.
fn parse_qvalue(s: &str) -> Option<u16> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

/// Chooses the response format for an `Accept` header value.
///
/// `None` header, an empty header, or one in which no range parses means
/// "anything", which is JSON. Each format takes the quality of the most
/// specific range that covers it; the highest quality wins, JSON on a tie;
/// `Err(NotAcceptable)` when every format has quality 0.
pub fn choose_format(accept: Option<&str>) -> Result<Format, NotAcceptable> {
    // Media types are case-insensitive (RFC 9110 section 8.3.1).
    let accept = accept.map(str::to_ascii_lowercase);
    let ranges: Vec<MediaRange<'_>> = accept
        .iter()
        .flat_map(|h| h.split(','))
        .filter(|r| !r.trim().is_empty())
        .filter_map(parse_range)
        .collect();
    if ranges.is_empty() {
        return Ok(Format::Json);
    }
    let quality = |format: Format| {
        ranges
            .iter()
            .filter_map(|r| r.specificity_for(format).map(|s| (s, r.q)))
            // Most specific first; among equally specific ranges, the highest q.
            .max()
            .map_or(0, |(_, q)| q)
    };
    let mut best: Option<(Format, u16)> = None;
    for format in Format::ALL {
        let q = quality(format);
        if q > 0 && best.is_none_or(|(_, bq)| q > bq) {
            best = Some((format, q));
        }
    }
    best.map(|(f, _)| f).ok_or(NotAcceptable)
}

/// No format the client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAcceptable;

/// Decides how a request body is encoded from its `Content-Type`, among
/// the `allowed` formats.
///
/// JSON: `application/json` and any `+json` type. XML: `application/xml`,
/// `text/xml` and any `+xml` type. Form: `application/x-www-form-urlencoded`.
/// Multipart: `multipart/form-data` (its `boundary` parameter is read later).
/// A `charset` parameter, when present, must be UTF-8.
pub fn body_format(content_type: Option<&str>, allowed: &[Format]) -> Result<Format, UnsupportedContentType> {
    let raw = content_type.ok_or(UnsupportedContentType::Missing)?;
    let mut parts = raw.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let unsupported = || UnsupportedContentType::Unsupported(raw.to_string());
    let (ty, subtype) = essence.split_once('/').ok_or_else(unsupported)?;
    let format = allowed
        .iter()
        .copied()
        .find(|f| f.is_encoded_by(ty, subtype))
        .ok_or_else(unsupported)?;
    for param in parts {
        let Some((name, value)) = param.trim().split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("charset") {
            let charset = value.trim().trim_matches('"');
            if !charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("utf8") {
                return Err(UnsupportedContentType::Charset(charset.to_string()));
            }
        }
    }
    Ok(format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_choose_the_documented_format() {
        use Format::*;
        let cases: &[(Option<&str>, Result<Format, NotAcceptable>)] = &[
            (None, Ok(Json)),
            (Some(""), Ok(Json)),
            (Some("*/*"), Ok(Json)),
            (Some("application/*"), Ok(Json)),
            (Some("application/json"), Ok(Json)),
            (Some("application/xml"), Ok(Xml)),
            (Some("text/xml"), Ok(Xml)),
            (Some("text/*"), Ok(Xml)),
            (Some("*/*+xml"), Ok(Xml)),
            (Some("*/*+json"), Ok(Json)),
            (Some("application/problem+xml"), Ok(Xml)),
            (Some("application/vnd.example+json"), Ok(Json)),
            (Some("application/xml;q=0.9, application/json"), Ok(Json)),
            (Some("application/json;q=0, application/xml"), Ok(Xml)),
            (Some("application/json;q=0, */*"), Ok(Xml)),
            (Some("application/xml, application/json;q=0.5"), Ok(Xml)),
            (Some("text/html, */*;q=0.1"), Ok(Json)),
            (Some("*/*;q=0.5, application/xml;q=0.6"), Ok(Xml)),
            (Some("application/*;q=0, text/xml"), Ok(Xml)),
            (Some("text/html"), Err(NotAcceptable)),
            (Some("application/json;q=0, application/xml;q=0"), Err(NotAcceptable)),
            (Some("*/*;q=0"), Err(NotAcceptable)),
            (Some("not a media type"), Ok(Json)),
            (Some(";;;,,/"), Ok(Json)),
            (Some("application/xml;q=2"), Ok(Json)),
            (Some("APPLICATION/XML"), Ok(Xml)),
        ];
        for (header, expected) in cases {
            assert_eq!(choose_format(*header), *expected, "Accept: {header:?}");
        }
    }

    #[test]
    fn content_types_select_the_body_decoder() {
        use Format::*;
        let cases: &[(Option<&str>, Result<Format, ()>)] = &[
            (Some("application/json"), Ok(Json)),
            (Some("application/json; charset=UTF-8"), Ok(Json)),
            (Some("application/json;charset=\"utf-8\""), Ok(Json)),
            (Some("Application/JSON"), Ok(Json)),
            (Some("application/vnd.example+json"), Ok(Json)),
            (Some("application/xml"), Ok(Xml)),
            (Some("text/xml"), Ok(Xml)),
            (Some("application/atom+xml"), Ok(Xml)),
            (Some("text/plain"), Err(())),
            (Some("application/json; charset=iso-8859-1"), Err(())),
            (Some("text/xml; charset=latin1"), Err(())),
            (Some("garbage"), Err(())),
            (None, Err(())),
            (Some("application/x-www-form-urlencoded"), Err(())),
        ];
        for (header, expected) in cases {
            assert_eq!(
                body_format(*header, &Format::ALL).map_err(|_| ()),
                *expected,
                "Content-Type: {header:?}"
            );
        }
    }

    #[test]
    fn forms_are_read_only_where_allowed() {
        let form = Some("application/x-www-form-urlencoded");
        assert_eq!(body_format(form, &[Format::Json, Format::Form]), Ok(Format::Form));
        assert!(body_format(form, &Format::ALL).is_err());
        let multipart = Some("multipart/form-data; boundary=X");
        assert_eq!(
            body_format(multipart, &[Format::Json, Format::Multipart]),
            Ok(Format::Multipart)
        );
        assert!(body_format(multipart, &Format::ALL).is_err());
        assert!(body_format(Some("multipart/mixed; boundary=X"), &[Format::Multipart]).is_err());
    }

    #[test]
    fn qvalues_parse_strictly() {
        assert_eq!(parse_qvalue("0.5"), Some(500));
        assert_eq!(parse_qvalue("1"), Some(1000));
        assert_eq!(parse_qvalue("1.000"), Some(1000));
        assert_eq!(parse_qvalue("0"), Some(0));
        assert_eq!(parse_qvalue("0.0001"), None);
        assert_eq!(parse_qvalue("1.5"), None);
        assert_eq!(parse_qvalue("-1"), None);
    }
}
