//! Text fields documented by the domain's rule for their kind.
//!
//! [`Text<K>`] is a string on the wire whose schema carries `K`'s pattern and
//! bounds ([`TextKind`]), so that a client, a generator or a fuzzer reading
//! the spec knows exactly what the server takes. It reads any string: the
//! domain's function for the kind decides, and says what is wrong in the
//! dialect's words (a pattern in an error message helps no one).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type};
use serde_json::Value;

use crate::domain::text::TextKind;

/// A string documented as `K` says; see the module.
pub struct Text<K>(pub String, PhantomData<K>);

impl<K> Text<K> {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into(), PhantomData)
    }
}

impl<K> std::ops::Deref for Text<K> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<K> Clone for Text<K> {
    fn clone(&self) -> Self {
        Self::new(self.0.clone())
    }
}

impl<K> fmt::Debug for Text<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<K> From<&str> for Text<K> {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl<K: TextKind> Type for Text<K> {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        format!("string({})", K::PATTERN).into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            pattern: Some(K::PATTERN.to_string()),
            min_length: K::MIN_LENGTH,
            max_length: K::MAX_LENGTH,
            format: K::FORMAT,
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

impl<K: TextKind> ParseFromJSON for Text<K> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(text)) => Ok(Self::new(text)),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl<K: TextKind> ParseFromParameter for Text<K> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Ok(Self::new(value))
    }
}

impl<K: TextKind> ToJSON for Text<K> {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::Line;

    #[test]
    fn the_schema_is_the_kinds_and_any_string_is_read() {
        let MetaSchemaRef::Inline(schema) = Text::<Line<7>>::schema_ref() else {
            panic!("inline");
        };
        assert_eq!(schema.pattern.as_deref(), Some(<Line<7> as TextKind>::PATTERN));
        assert_eq!((schema.min_length, schema.max_length), (Some(1), Some(7)));
        let read = Text::<Line<7>>::parse_from_json(Some(Value::String("\u{0} far too long".into())));
        assert_eq!(read.map(|t| t.0).ok().as_deref(), Some("\u{0} far too long"));
        assert!(Text::<Line<7>>::parse_from_json(Some(Value::Bool(false))).is_err());
    }
}
