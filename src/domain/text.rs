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

// Character classes of the patterns below, written once. The patterns are
// read by the spec's readers (ECMA-262 regular expressions: schemathesis,
// generated clients, validators) and by Rust's `regex` in this file's tests,
// so they use only syntax the three read alike: no `\s`, `\w` or `\p{..}`,
// whose meanings differ between them.

/// Control characters (Unicode `Cc`) and U+FFFE, U+FFFF: what no one-line
/// text holds.
macro_rules! control {
    () => {
        r"\x00-\x1F\x7F-\x9F\uFFFE\uFFFF"
    };
}

/// Whitespace that is not a control character (Unicode `White_Space`, as
/// `str::trim` reads it).
macro_rules! space {
    () => {
        r"\x20\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
    };
}

/// How the spec documents a kind of text: the pattern and bounds that say,
/// to a reader of the spec, exactly what the kind's function accepts (the
/// tests below hold each pair together). The wire types of the dialects
/// carry these into the schema (`codec::text`).
pub trait TextKind: Send + Sync + 'static {
    /// An ECMA-262 regular expression every accepted value matches, and no refused one.
    const PATTERN: &'static str;
    const MIN_LENGTH: Option<usize> = None;
    /// In characters (Unicode scalar values), as JSON Schema counts them.
    const MAX_LENGTH: Option<usize> = None;
    /// The JSON Schema `format`, where one applies.
    const FORMAT: Option<&'static str> = None;
}

/// Any text a field can store (see [`is_storable`]): every text of a request
/// is held to this at the edge, so the spec says it of every string it does
/// not describe more narrowly.
pub const STORABLE_PATTERN: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]*$";

/// One line of text with something in it, at most `MAX` characters: see [`required_text`].
pub struct Line<const MAX: usize>;

impl<const MAX: usize> TextKind for Line<MAX> {
    const PATTERN: &'static str = concat!(
        "^[^",
        control!(),
        "]*[^",
        control!(),
        space!(),
        "][^",
        control!(),
        "]*$"
    );
    const MIN_LENGTH: Option<usize> = Some(1);
    const MAX_LENGTH: Option<usize> = Some(MAX);
}

/// One line of text, possibly blank (blank means none), at most `MAX`
/// characters: see [`optional_text`].
pub struct OptionalLine<const MAX: usize>;

impl<const MAX: usize> TextKind for OptionalLine<MAX> {
    const PATTERN: &'static str = concat!("^[^", control!(), "]*$");
    const MAX_LENGTH: Option<usize> = Some(MAX);
}

/// A login name: see [`username`].
pub struct Username;

impl TextKind for Username {
    const PATTERN: &'static str = "^[A-Za-z0-9._@-]+$";
    const MIN_LENGTH: Option<usize> = Some(1);
    const MAX_LENGTH: Option<usize> = Some(USERNAME_MAX);
}

/// An e-mail address: see [`email`].
pub struct Email;

impl TextKind for Email {
    const PATTERN: &'static str = concat!(
        "^[^@",
        control!(),
        space!(),
        "]+@[^@",
        control!(),
        space!(),
        "]*[.][^@",
        control!(),
        space!(),
        "]*$"
    );
    const MIN_LENGTH: Option<usize> = Some(3);
    const MAX_LENGTH: Option<usize> = Some(EMAIL_MAX);
}

/// An ISO 3166-1 alpha-2 country code: see [`country_code`].
pub struct CountryCode;

impl TextKind for CountryCode {
    const PATTERN: &'static str = "^[A-Za-z]{2}$";
    const MIN_LENGTH: Option<usize> = Some(2);
    const MAX_LENGTH: Option<usize> = Some(2);
}

/// A `snake_case` name of at most 100 characters: see [`snake_case_name`].
pub struct SnakeCaseName;

impl TextKind for SnakeCaseName {
    const PATTERN: &'static str = "^[a-z][a-z0-9_]*$";
    const MIN_LENGTH: Option<usize> = Some(1);
    const MAX_LENGTH: Option<usize> = Some(NAME_100);
}

/// A name that is also an XML element name, in ASCII: see [`element_name`].
/// (No look-ahead: "not starting with `xml`" is spelled out letter by letter.)
pub struct ElementName;

impl TextKind for ElementName {
    const PATTERN: &'static str =
        "^(?:[A-WYZa-wyz_]|[Xx](?:$|[A-LN-Za-ln-z0-9._-]|[Mm](?:$|[A-KM-Za-km-z0-9._-])))[A-Za-z0-9._-]*$";
    const MIN_LENGTH: Option<usize> = Some(1);
    const MAX_LENGTH: Option<usize> = Some(NAME_100);
}

const USERNAME_MAX: usize = 100;
const EMAIL_MAX: usize = 254;
const NAME_100: usize = 100;

/// Checks `value` is one line of 1..=`max` characters with something in it
/// (no control characters at all: a name has no tabs or line breaks), and
/// trims it. The length counts what was sent, spaces included.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    if value.chars().any(is_line_breaking) {
        return Err(FieldError::new(field, CONTROL_CHARACTERS));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    Ok(trimmed.to_string())
}

/// What one line of text does not hold: control characters, U+FFFE, U+FFFF.
fn is_line_breaking(c: char) -> bool {
    c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// Whether `value` is a blank line: spaces only (or nothing), no control
/// characters. What an optional line takes for "none".
pub fn is_blank_line(value: &str) -> bool {
    value.chars().all(|c| c.is_whitespace() && !is_line_breaking(c))
}

/// Like [`required_text`], but absent or a blank line means `None`.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match value {
        Some(v) if !is_blank_line(v) => required_text(field, v, max).map(Some),
        Some(v) if v.chars().count() > max => Err(FieldError::new(field, format!("must be at most {max} characters"))),
        _ => Ok(None),
    }
}

/// A login name: 1-100 of the ASCII letters, digits and `._@-`, as sent.
pub fn username(field: &str, value: &str) -> Result<String, FieldError> {
    let valid = (1..=USERNAME_MAX).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b));
    if valid {
        Ok(value.to_string())
    } else {
        Err(FieldError::new(
            field,
            "must be 1 to 100 of the letters A-Z, a-z, digits and . _ @ -",
        ))
    }
}

/// An e-mail address, as sent: at most 254 characters, no spaces or control
/// characters, one `@` with text before it and a dot after it.
pub fn email(field: &str, value: &str) -> Result<String, FieldError> {
    let plain = |c: char| !is_line_breaking(c) && !c.is_whitespace();
    let valid = value.chars().count() <= EMAIL_MAX
        && value.chars().all(plain)
        && matches!(value.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.contains('@'));
    if valid {
        Ok(value.to_string())
    } else {
        Err(FieldError::new(field, "must be an e-mail address"))
    }
}

/// An ISO 3166-1 alpha-2 country code (two ASCII letters), upper-cased.
pub fn country_code(field: &str, value: &str) -> Result<String, FieldError> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(value.to_ascii_uppercase())
    } else {
        Err(FieldError::new(field, "must be a two-letter ISO 3166 country code"))
    }
}

/// A `snake_case` name (a lower-case letter, then lower-case letters, digits
/// and `_`) of at most 100 characters, as sent.
pub fn snake_case_name(field: &str, value: &str) -> Result<String, FieldError> {
    if value.len() <= NAME_100 && is_snake_case(value) {
        Ok(value.to_string())
    } else {
        Err(FieldError::new(
            field,
            "must be snake_case (a-z, 0-9, _), at most 100 characters",
        ))
    }
}

/// A name that is also an XML element name (see [`is_xml_name`]), in ASCII,
/// of at most 100 characters, as sent.
pub fn element_name(field: &str, value: &str) -> Result<String, FieldError> {
    if value.len() <= NAME_100 && value.is_ascii() && is_xml_name(value) {
        Ok(value.to_string())
    } else {
        Err(FieldError::new(
            field,
            "must be an XML element name of at most 100 characters (A-Z, a-z or _ first; letters, digits, - . _ after; not xml...)",
        ))
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

/// `snake_case`: a lower-case letter, then lower-case letters, digits and `_`.
pub fn is_snake_case(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `bytes` in lowercase hexadecimal (digests, as stored and as sent).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(required_text("n", "  a b ", 6), Ok("a b".to_string()));
        assert!(required_text("n", "   ", 3).is_err());
        assert!(required_text("n", "abcd", 3).is_err());
        assert!(required_text("n", " abc", 3).is_err(), "spaces count");
        assert!(required_text("n", "a\u{0}b", 3).is_err());
        assert!(required_text("n", "ab\n", 3).is_err(), "no line break, even at the end");
        assert_eq!(required_text("n", "äöü", 3), Ok("äöü".to_string()));
        assert_eq!(optional_text("n", Some("  "), 3), Ok(None));
        assert!(optional_text("n", Some(" \t"), 3).is_err());
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
        assert!(username("u", "dleite ").is_err());
        assert!(email("e", "a@b.co").is_ok());
        assert!(email("e", "a@b").is_err());
        assert!(email("e", "@b.co").is_err());
        assert_eq!(country_code("c", "de"), Ok("DE".to_string()));
        assert!(country_code("c", "DEU").is_err());
        assert!(country_code("c", " de").is_err());
        assert!(snake_case_name("n", "team_members").is_ok());
        assert!(snake_case_name("n", "Team").is_err());
        assert!(element_name("n", "riskScore").is_ok());
        assert!(element_name("n", "Ünïcode").is_err());
    }

    /// Characters that sit on the edges of the rules: every class of the
    /// patterns, both sides of each range, and the letters of "xml".
    const EDGES: &[char] = &[
        'a', 'Z', 'x', 'X', 'm', 'M', 'l', 'L', '0', '_', '-', '.', '@', ' ', ':', 'é', '😀', '\u{0}', '\t', '\n',
        '\r', '\u{b}', '\u{1f}', '\u{7f}', '\u{85}', '\u{9f}', '\u{a0}', '\u{1680}', '\u{2028}', '\u{3000}',
        '\u{feff}', '\u{fffd}', '\u{fffe}', '\u{ffff}',
    ];

    /// Every string of up to `len` characters from [`EDGES`].
    fn strings(len: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..len {
            last = last
                .iter()
                .flat_map(|s| EDGES.iter().map(move |c| format!("{s}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    /// Whether the spec's words for `K` (its `pattern`, compiled) take
    /// `value`, as a JSON Schema validator reads them.
    fn documented<K: TextKind>(pattern: &regex::Regex, value: &str) -> bool {
        let length = value.chars().count();
        pattern.is_match(value)
            && K::MIN_LENGTH.is_none_or(|min| length >= min)
            && K::MAX_LENGTH.is_none_or(|max| length <= max)
    }

    /// Holds `K`'s documented pattern and bounds to `accepts` on every short
    /// string of edge characters and on strings around the maximum length.
    fn holds<K: TextKind>(accepts: impl Fn(&str) -> bool) {
        let mut samples = strings(3);
        if let Some(max) = K::MAX_LENGTH {
            for fill in ["a", "x", " ", "é"] {
                for length in [max - 1, max, max + 1] {
                    samples.push(fill.repeat(length));
                    samples.push(format!("a@b.{}", "c".repeat(length.saturating_sub(4))));
                }
            }
        }
        let pattern = regex::Regex::new(K::PATTERN).expect("the pattern compiles");
        for value in samples {
            assert_eq!(
                documented::<K>(&pattern, &value),
                accepts(&value),
                "{} on {value:?}",
                std::any::type_name::<K>()
            );
        }
    }

    #[test]
    fn the_spec_says_what_each_rule_accepts() {
        holds::<Line<5>>(|v| required_text("f", v, 5).is_ok());
        holds::<Line<200>>(|v| required_text("f", v, 200).is_ok());
        holds::<OptionalLine<5>>(|v| optional_text("f", Some(v), 5).is_ok());
        holds::<Username>(|v| username("f", v).is_ok());
        holds::<Email>(|v| email("f", v).is_ok());
        holds::<CountryCode>(|v| country_code("f", v).is_ok());
        holds::<SnakeCaseName>(|v| snake_case_name("f", v).is_ok());
        holds::<ElementName>(|v| element_name("f", v).is_ok());
        let storable_pattern = regex::Regex::new(STORABLE_PATTERN).expect("the pattern compiles");
        for value in strings(3) {
            assert_eq!(
                storable_pattern.is_match(&value),
                storable("f", &value).is_ok(),
                "{value:?}"
            );
        }
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
