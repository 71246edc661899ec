//! The value writer: a JSON value as the XML document the mapping gives
//! (how error envelopes are written, and the reference the serde writer in
//! [`super::ser`] is held to).

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::domain::text::is_xml_name;

/// Writes `value` as an XML document whose root element is `root`, with an
/// optional default namespace.
pub fn to_xml(root: &str, namespace: Option<&str>, value: &Value) -> String {
    let mut out = String::with_capacity(1024);
    out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let attrs = namespace.map(|ns| {
        let mut attr = String::from(r#" xmlns=""#);
        escape_into(&mut attr, ns);
        attr.push('"');
        attr
    });
    match value {
        Value::Array(items) => {
            open(&mut out, root, attrs.as_deref());
            for item in items {
                write_element(&mut out, "item", item);
            }
            close(&mut out, root);
        }
        Value::Null => {
            let _ = write!(out, "<{root}{}/>", attrs.as_deref().unwrap_or_default());
        }
        Value::Object(map) => {
            open(&mut out, root, attrs.as_deref());
            write_members(&mut out, map);
            close(&mut out, root);
        }
        scalar => {
            open(&mut out, root, attrs.as_deref());
            write_scalar(&mut out, scalar);
            close(&mut out, root);
        }
    }
    out
}

fn write_members(out: &mut String, map: &Map<String, Value>) {
    for (key, value) in map {
        write_element(out, key, value);
    }
}

fn write_element(out: &mut String, name: &str, value: &Value) {
    // Map keys are validated as XML names where they are accepted; one that
    // is not cannot be written as an element and is left out rather than
    // producing a document no parser can read.
    if !is_xml_name(name) {
        tracing::warn!(name, "skipping a key that is not an XML name");
        return;
    }
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for item in items {
                write_element(out, name, item);
            }
        }
        Value::Object(map) => {
            open(out, name, None);
            write_members(out, map);
            close(out, name);
        }
        scalar => {
            open(out, name, None);
            write_scalar(out, scalar);
            close(out, name);
        }
    }
}

pub(super) fn open(out: &mut String, name: &str, attrs: Option<&str>) {
    out.push('<');
    out.push_str(name);
    out.push_str(attrs.unwrap_or_default());
    out.push('>');
}

pub(super) fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn write_scalar(out: &mut String, value: &Value) {
    match value {
        Value::String(s) => escape_into(out, s),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// Appends `s` escaped for element content or attribute values; characters
/// XML 1.0 cannot carry at all become U+FFFD. Runs of text that need no
/// escaping are copied whole; the scan is over bytes (every character it
/// acts on starts with a byte no other character contains).
pub(super) fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let (mut plain, mut i) = (0, 0);
    while i < bytes.len() {
        let (replacement, len) = match bytes[i] {
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'&' => ("&amp;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => ("&apos;", 1),
            b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b if b < 0x20 => ("\u{FFFD}", 1),
            // U+FFFE and U+FFFF (EF BF BE, EF BF BF).
            0xEF if bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) => ("\u{FFFD}", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[plain..i]);
        out.push_str(replacement);
        i += len;
        plain = i;
    }
    out.push_str(&s[plain..]);
}
