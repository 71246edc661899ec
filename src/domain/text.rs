//! Rules for text fields that many resources share.

use crate::domain::FieldError;

const CONTROL_CHARACTERS: &str = "must not contain control characters";

/// Whether any field can hold `c`: every character but U+0000 to U+001F
/// other than tab, line feed and carriage return, and U+FFFE and U+FFFF.
/// PostgreSQL text cannot store U+0000 at all, and XML 1.0 can carry none of
/// these, so a value holding one could not be stored, or not read back as
/// sent, on one engine or in one encoding. Every text of a request (body
/// values and keys, query and path parameters) is held to this, in one
/// place at the edge, before any field reads it.
pub fn is_storable(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Refuses `value` when it holds a character no field can store (see [`is_storable`]).
pub fn storable(field: &str, value: &str) -> Result<(), FieldError> {
    if value.chars().all(is_storable) {
        Ok(())
    } else {
        Err(FieldError::new(field, CONTROL_CHARACTERS))
    }
}

/// `text` as a field name in a message: characters no field can store are
/// written as `\u{..}` escapes.
pub fn printable_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if is_storable(c) {
                c.to_string()
            } else {
                format!("\\u{{{:x}}}", u32::from(c))
            }
        })
        .collect()
}

/// Trims `value` and checks it is 1..=`max` characters with no control
/// characters at all (a name is one line: no tabs or line breaks either).
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(FieldError::new(field, CONTROL_CHARACTERS));
    }
    Ok(trimmed.to_string())
}

/// Like [`required_text`], but absent or blank means `None`.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => required_text(field, v, max).map(Some),
    }
}

/// A login name: 1-100 of letters, digits and `._@-`.
pub fn username(field: &str, value: &str) -> Result<String, FieldError> {
    let value = required_text(field, value, 100)?;
    if value
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
    {
        Ok(value)
    } else {
        Err(FieldError::new(field, "may contain only letters, digits and . _ @ -"))
    }
}

/// An e-mail address: one `@` with text on both sides and a dot in the domain.
pub fn email(field: &str, value: &str) -> Result<String, FieldError> {
    let value = required_text(field, value, 254)?;
    match value.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.contains('@') && !value.contains(' ') =>
        {
            Ok(value)
        }
        _ => Err(FieldError::new(field, "must be an e-mail address")),
    }
}

/// An ISO 3166-1 alpha-2 country code, upper-cased.
pub fn country_code(field: &str, value: &str) -> Result<String, FieldError> {
    let code = value.trim().to_ascii_uppercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(FieldError::new(field, "must be a two-letter ISO 3166 country code"))
    }
}

/// Whether `name` is usable as an XML element name (an XML 1.0 `Name`
/// without colons, not starting with "xml" in any case).
pub fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let start = |c: char| c == '_' || c.is_alphabetic();
    start(first)
        && chars.all(|c| start(c) || c.is_numeric() || c == '-' || c == '.')
        && !name.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("xml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(required_text("n", "  a b ", 3), Ok("a b".to_string()));
        assert!(required_text("n", "   ", 3).is_err());
        assert!(required_text("n", "abcd", 3).is_err());
        assert!(required_text("n", "a\u{0}b", 3).is_err());
        assert_eq!(required_text("n", "äöü", 3), Ok("äöü".to_string()));
        assert_eq!(optional_text("n", Some("  "), 3), Ok(None));
    }

    #[test]
    fn storable_text_excludes_what_postgresql_or_xml_cannot_hold() {
        for bad in [
            "a\u{0}b", "\u{1}", "\u{8}", "\u{B}", "\u{C}", "\u{1F}", "\u{FFFE}", "\u{FFFF}",
        ] {
            assert!(storable("f", bad).is_err(), "{bad:?}");
        }
        for good in [
            "",
            "tab\there",
            "two\r\nlines",
            "\u{7F}",
            "\u{85}",
            "äöü",
            "\u{FFFD}",
            "😀",
        ] {
            assert_eq!(storable("f", good), Ok(()), "{good:?}");
        }
        assert_eq!(printable_name("a\u{0}b"), "a\\u{0}b");
    }

    #[test]
    fn identifiers_follow_their_rules() {
        assert!(username("u", "dleite").is_ok());
        assert!(username("u", "d leite").is_err());
        assert!(email("e", "a@b.co").is_ok());
        assert!(email("e", "a@b").is_err());
        assert!(email("e", "@b.co").is_err());
        assert_eq!(country_code("c", "de"), Ok("DE".to_string()));
        assert!(country_code("c", "DEU").is_err());
    }

    #[test]
    fn xml_names_are_checked() {
        for good in ["a", "_x", "field-1", "Ünïcode", "a.b"] {
            assert!(is_xml_name(good), "{good}");
        }
        for bad in ["", "1a", "a b", "a:b", "xmlThing", "-a", "a<b"] {
            assert!(!is_xml_name(bad), "{bad}");
        }
    }
}
