//! What a documented schema expects, in a client's words.
//!
//! A request that cannot be parsed is answered by naming the field or
//! parameter as the client spelled it and what it should have been ("must be
//! a UUID", "must be an integer from 1 to 200", "is not a known field"):
//! never a Rust type, a schema component, a format token (`int64`) or a name
//! the router made up (`param0`). Everything here reads schemas as the spec
//! writes them (JSON, `$ref`s into `components/schemas`), so parameters
//! (from the served spec) and bodies (from the reading type's registry)
//! are described by one set of words.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::domain::FieldError;
use crate::domain::text::printable_name;
pub use crate::xml::push_segment;

/// At most this many problems of one input are reported.
pub const MAX_REPORTED: usize = 20;

/// The component schemas `$ref`s point into.
#[derive(Clone, Copy)]
pub struct Schemas<'a> {
    components: &'a Map<String, Value>,
}

/// The largest integers the formats allow; `int64` and `uint64` are left
/// unstated (a JSON number that large is not exact anyway).
fn format_bounds(format: Option<&str>) -> (Option<f64>, Option<f64>) {
    match format {
        Some("int32") => (Some(f64::from(i32::MIN)), Some(f64::from(i32::MAX))),
        Some("uint32") => (Some(0.0), Some(f64::from(u32::MAX))),
        Some("uint64") => (Some(0.0), None),
        _ => (None, None),
    }
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e16 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn plural(n: u64, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// How many of `unit` there may be: "at most 500 characters", "1 to 5
/// items", or nothing when unbounded.
fn count(min: Option<u64>, max: Option<u64>, unit: &str) -> Option<String> {
    match (min.filter(|n| *n > 0), max) {
        (Some(min), Some(max)) if min == max => Some(format!("exactly {}", plural(min, unit))),
        (Some(min), Some(max)) => Some(format!("{min} to {}", plural(max, unit))),
        (Some(min), None) => Some(format!("at least {}", plural(min, unit))),
        (None, Some(max)) => Some(format!("at most {}", plural(max, unit))),
        (None, None) => None,
    }
}

/// " from 1 to 200", " of at least 0", " of at most 9", or nothing.
fn range(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!(" from {} to {}", number(min), number(max)),
        (Some(min), None) => format!(" of at least {}", number(min)),
        (None, Some(max)) => format!(" of at most {}", number(max)),
        (None, None) => String::new(),
    }
}

fn field(path: &str) -> String {
    if path.is_empty() {
        "body".to_string()
    } else {
        path.to_string()
    }
}

impl<'a> Schemas<'a> {
    pub fn new(components: &'a Map<String, Value>) -> Self {
        Self { components }
    }

    /// `schema` with its `$ref` followed and a lone `allOf` (a reference with
    /// a description) taken as its member.
    pub fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        // Bounded: a cycle of references must not loop.
        for _ in 0..16 {
            if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
                match reference
                    .strip_prefix("#/components/schemas/")
                    .and_then(|name| self.components.get(name))
                {
                    Some(target) => schema = target,
                    None => return schema,
                }
                continue;
            }
            match schema.get("allOf").and_then(Value::as_array) {
                Some(all) if all.len() == 1 && schema.get("properties").is_none() => schema = &all[0],
                _ => break,
            }
        }
        schema
    }

    fn ty(&self, schema: &'a Value) -> &'a str {
        schema.get("type").and_then(Value::as_str).unwrap_or_default()
    }

    /// What `schema` takes, as a noun phrase: "a UUID", "an integer from 1 to
    /// 200", "one of: asc, desc", "a list, each item a UUID".
    pub fn describe(&self, schema: &'a Value) -> String {
        self.words(schema, true)
    }

    /// What kind of value `schema` takes, without its bounds: "a UUID", "a
    /// string", "one of: asc, desc", "a list": the words for a value of the
    /// wrong type altogether.
    pub fn kind(&self, schema: &'a Value) -> String {
        self.words(schema, false)
    }

    fn words(&self, schema: &'a Value, bounded: bool) -> String {
        let s = self.resolve(schema);
        let get_u64 = |key: &str| s.get(key).and_then(Value::as_u64).filter(|_| bounded);
        let get_f64 = |key: &str| s.get(key).and_then(Value::as_f64).filter(|_| bounded);
        let format = s.get("format").and_then(Value::as_str);
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            let values: Vec<String> = values
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect();
            return format!("one of: {}", values.join(", "));
        }
        match self.ty(s) {
            "string" => {
                let noun = match format {
                    Some("uuid") => "a UUID",
                    Some("date") => "a date (YYYY-MM-DD)",
                    Some("date-time") => "a date-time (RFC 3339, such as 2026-05-01T00:00:00Z)",
                    Some("email") => "an e-mail address",
                    Some("uri" | "url") => "a URL",
                    _ => "a string",
                };
                let mut out = noun.to_string();
                if let Some(length) = count(get_u64("minLength"), get_u64("maxLength"), "character") {
                    out.push_str(&format!(" of {length}"));
                }
                if let Some(pattern) = s.get("pattern").and_then(Value::as_str).filter(|_| bounded) {
                    out.push_str(&format!(" matching the pattern {pattern}"));
                }
                out
            }
            ty @ ("integer" | "number") => {
                let (format_min, format_max) = if bounded { format_bounds(format) } else { (None, None) };
                let min = get_f64("minimum").or(format_min);
                let max = get_f64("maximum").or(format_max);
                let noun = if ty == "integer" { "an integer" } else { "a number" };
                format!("{noun}{}", range(min, max))
            }
            "boolean" => "true or false".to_string(),
            "array" => {
                let mut out = "a list".to_string();
                if let Some(items) = s.get("items").filter(|_| bounded) {
                    let item = self.describe(items);
                    if item != "a value" {
                        out.push_str(&format!(", each item {item}"));
                    }
                }
                if let Some(items) = count(get_u64("minItems"), get_u64("maxItems"), "item") {
                    out.push_str(&format!(", with {items}"));
                }
                if bounded && s.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
                    out.push_str(", without duplicates");
                }
                out
            }
            "object" => match s.get("additionalProperties").filter(|a| bounded && a.is_object()) {
                Some(values) if s.get("properties").is_none() => {
                    let value = self.describe(values);
                    if value == "a value" {
                        "an object".to_string()
                    } else {
                        format!("an object, each value {value}")
                    }
                }
                _ => "an object".to_string(),
            },
            _ => "a value".to_string(),
        }
    }

    /// Whether the text of a path or query parameter is what `schema`
    /// takes (a number where it takes a number).
    pub fn takes_text(&self, text: &str, schema: &'a Value) -> bool {
        let s = self.resolve(schema);
        let value = match self.ty(s) {
            "integer" | "number" => match serde_json::from_str::<serde_json::Number>(text) {
                Ok(n) => Value::Number(n),
                Err(_) => return false,
            },
            "boolean" => match text {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return false,
            },
            _ => Value::String(text.to_string()),
        };
        self.fits(&value, s)
    }

    /// Whether a non-null `value` is what `schema` (resolved) takes, by type,
    /// format and the validators the spec states.
    fn fits(&self, value: &Value, s: &'a Value) -> bool {
        let get_f64 = |key: &str| s.get(key).and_then(Value::as_f64);
        let get_u64 = |key: &str| s.get(key).and_then(Value::as_u64);
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            return values.contains(value);
        }
        match self.ty(s) {
            "string" => {
                let Value::String(text) = value else { return false };
                let format_ok = match s.get("format").and_then(Value::as_str) {
                    Some("uuid") => uuid::Uuid::parse_str(text).is_ok(),
                    Some("date") => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
                    Some("date-time") => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
                    _ => true,
                };
                let length = text.chars().count() as u64;
                let pattern_ok = s
                    .get("pattern")
                    .and_then(Value::as_str)
                    .and_then(|p| regex::Regex::new(p).ok())
                    .is_none_or(|re| re.is_match(text));
                format_ok
                    && pattern_ok
                    && get_u64("minLength").is_none_or(|min| length >= min)
                    && get_u64("maxLength").is_none_or(|max| length <= max)
            }
            ty @ ("integer" | "number") => {
                let Some(n) = value.as_f64() else { return false };
                let whole = value.as_i64().is_some() || value.as_u64().is_some();
                let (format_min, format_max) = format_bounds(s.get("format").and_then(Value::as_str));
                (ty == "number" || whole)
                    && get_f64("minimum").or(format_min).is_none_or(|min| n >= min)
                    && get_f64("maximum").or(format_max).is_none_or(|max| n <= max)
                    && !(s.get("format").and_then(Value::as_str) == Some("int64") && value.as_i64().is_none())
            }
            "boolean" => value.is_boolean(),
            "array" => {
                let Value::Array(items) = value else { return false };
                let count = items.len() as u64;
                let unique = s.get("uniqueItems").and_then(Value::as_bool) != Some(true) || {
                    let mut seen = HashSet::new();
                    items.iter().all(|item| seen.insert(item.to_string()))
                };
                unique
                    && get_u64("minItems").is_none_or(|min| count >= min)
                    && get_u64("maxItems").is_none_or(|max| count <= max)
            }
            "object" => value.is_object(),
            _ => true,
        }
    }

    /// Records, in `errors`, every field of `value` (at `path`) that `schema`
    /// does not take: "must be ..." for a wrong value, "is required" for a
    /// missing one. One problem per field; fields are named by their dotted
    /// path as sent.
    pub fn check(&self, value: &Value, schema: &'a Value, path: &mut String, errors: &mut Vec<FieldError>) {
        if errors.len() >= MAX_REPORTED || value.is_null() {
            return;
        }
        let s = self.resolve(schema);
        if !self.fits(value, s) {
            errors.push(FieldError::new(field(path), format!("must be {}", self.describe(s))));
            return;
        }
        match value {
            Value::Array(items) => {
                if let Some(item_schema) = s.get("items") {
                    for (index, item) in items.iter().enumerate() {
                        let len = path.len();
                        push_segment(path, &index.to_string());
                        self.check(item, item_schema, path, errors);
                        path.truncate(len);
                    }
                }
            }
            Value::Object(members) => {
                let properties = s.get("properties").and_then(Value::as_object);
                let required = s.get("required").and_then(Value::as_array);
                for name in required.into_iter().flatten().filter_map(Value::as_str) {
                    if members.get(name).is_none_or(Value::is_null) {
                        let len = path.len();
                        push_segment(path, name);
                        errors.push(FieldError::new(path.clone(), "is required"));
                        path.truncate(len);
                    }
                }
                for (key, member) in members {
                    let declared = properties.and_then(|p| p.get(key));
                    if let Some(member_schema) = declared.or_else(|| s.get("additionalProperties")) {
                        let len = path.len();
                        push_segment(path, &printable_name(key));
                        self.check(member, member_schema, path, errors);
                        path.truncate(len);
                    }
                }
            }
            _ => {}
        }
    }

    /// The schema of the field at the dotted `path` (as [`Schemas::check`]
    /// names fields; `body` is the root) below `schema`, if it describes one.
    pub fn at(&self, schema: &'a Value, path: &str) -> Option<&'a Value> {
        let mut current = schema;
        if path == "body" {
            return Some(current);
        }
        for segment in path.split('.') {
            let s = self.resolve(current);
            current = match self.ty(s) {
                "array" => s.get("items").filter(|_| segment.parse::<usize>().is_ok())?,
                _ => s
                    .get("properties")
                    .and_then(|p| p.get(segment))
                    .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))?,
            };
        }
        Some(current)
    }

    /// Takes every member out of the objects of `value` whose schema
    /// declares its properties and no others, returning where each was:
    /// the fields a reader that refuses unknown fields refuses.
    pub fn take_undeclared(&self, value: &mut Value, schema: &'a Value, path: &mut String) -> Vec<String> {
        let mut found = Vec::new();
        self.take_into(value, schema, path, &mut found);
        found
    }

    fn take_into(&self, value: &mut Value, schema: &'a Value, path: &mut String, found: &mut Vec<String>) {
        let s = self.resolve(schema);
        match value {
            Value::Array(items) => {
                if let Some(item_schema) = s.get("items") {
                    for (index, item) in items.iter_mut().enumerate() {
                        let len = path.len();
                        push_segment(path, &index.to_string());
                        self.take_into(item, item_schema, path, found);
                        path.truncate(len);
                    }
                }
            }
            Value::Object(members) => {
                let properties = s.get("properties").and_then(Value::as_object);
                let closed = properties.is_some() && s.get("additionalProperties").is_none_or(|a| a == false);
                members.retain(|key, _| {
                    let declared = !closed || properties.is_some_and(|p| p.contains_key(key));
                    if !declared {
                        let len = path.len();
                        push_segment(path, &printable_name(key));
                        found.push(path.clone());
                        path.truncate(len);
                    }
                    declared
                });
                for (key, member) in members.iter_mut() {
                    let declared = properties.and_then(|p| p.get(key));
                    if let Some(member_schema) = declared.or_else(|| s.get("additionalProperties")) {
                        let len = path.len();
                        push_segment(path, &printable_name(key));
                        self.take_into(member, member_schema, path, found);
                        path.truncate(len);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
