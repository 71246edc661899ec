//! The correlation id: taken from the caller when well formed, else issued,
//! echoed on every response and logged with the request; documented on
//! every operation (see `dialects::service`).

use std::borrow::Cow;

use poem::Request;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::Type;

pub const CORRELATION_ID: &str = "x-correlation-id";
const REQUEST_ID: &str = "x-request-id";
/// At most this many characters are kept.
const MAX_LEN: usize = 128;
/// The accepted syntax, as the spec states it.
const PATTERN: &str = "^[A-Za-z0-9._:-]{1,128}$";

/// How the spec describes the request header. Its schema is any string:
/// the server takes every value, keeping the well-formed ones.
pub const REQUEST_DESCRIPTION: &str = "Traces this request. A value of 1 to 128 of `[A-Za-z0-9._:-]` \
    (`^[A-Za-z0-9._:-]{1,128}$`) is echoed on the response and written to the server's log; \
    `X-Request-Id` is read the same way. Any other value, or none, is replaced by a fresh id: \
    never an error.";
/// How the spec describes the response header.
pub const RESPONSE_DESCRIPTION: &str = "The request's correlation id: the caller's when it sent a well-formed \
    one, else a fresh UUID. Quote it when reporting a problem.";

/// The caller's `X-Correlation-Id` (or `X-Request-Id`) when well formed;
/// otherwise a fresh UUID.
pub fn of(req: &Request) -> String {
    [CORRELATION_ID, REQUEST_ID]
        .iter()
        .filter_map(|name| req.headers().get(*name)?.to_str().ok())
        .find(|id| is_well_formed(id))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string)
}

fn is_well_formed(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// The header's schema in the spec: a string of the accepted syntax.
pub struct CorrelationId(String);

impl Type for CorrelationId {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "string(correlation-id)".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            min_length: Some(1),
            max_length: Some(MAX_LEN),
            pattern: Some(PATTERN.to_string()),
            ..MetaSchema::new("string")
        }))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_and_the_check_agree() {
        let pattern = regex::Regex::new(PATTERN).expect("pattern");
        for id in [
            "abc",
            "a.b_c:d-e",
            "x",
            &"y".repeat(128),
            "",
            &"y".repeat(129),
            "a b",
            "ä",
            "a/b",
        ] {
            assert_eq!(pattern.is_match(id), is_well_formed(id), "{id:?}");
        }
    }
}
