//! The XML codec: a second encoding of the same data as JSON.
//!
//! It follows the OpenAPI default XML mapping of a documented schema, so the
//! XML example Swagger UI shows is exactly what liaison reads and writes:
//! the root element is named after the schema component, each property is a
//! child element of the same name, an array is its property's element
//! repeated (unwrapped), a map's entries are child elements named by key, and
//! an absent or null value has no element.
//!
//! Reading goes XML → [`serde_json::Value`] guided by the schema (which
//! elements are arrays, numbers or booleans), after which the type's own
//! `parse_from_json` validates, so JSON and XML share every rule. Writing
//! goes from the type's `to_json` output to XML and needs no schema.
//!
//! Parsing is safe by construction: an event reader (no recursion while
//! reading), no DTD, no entities beyond the predefined five and numeric
//! references, at most [`MAX_DEPTH`] levels of elements and at most
//! [`MAX_ATTRIBUTES`] attributes on one element. Every step is linear in the
//! size of the document: the parser's duplicate-attribute check compares
//! each attribute with the ones before it, which the attribute cap keeps to
//! a constant per element, and repeated children are grouped by hashing.

use std::fmt::Write as _;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Number, Value};

use crate::domain::text::is_xml_name;

/// The deepest element nesting accepted, the root being depth 1.
pub const MAX_DEPTH: usize = 32;

/// The most attributes (namespace declarations included) one element may
/// carry. The mapping reads none but `xsi:nil`; the cap bounds the parser's
/// duplicate check, which is quadratic in the attributes of one element.
pub const MAX_ATTRIBUTES: usize = 64;

/// Why an XML body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct XmlError(String);

impl XmlError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// One parsed element: its local name, text and children. Attributes are not
/// part of the mapping; only `xsi:nil="true"` is understood, as null.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
    nil: bool,
}

impl Element {
    fn start(start: &BytesStart<'_>) -> Result<Self, XmlError> {
        let name = std::str::from_utf8(start.local_name().as_ref())
            .map_err(|_| XmlError::new("element names must be UTF-8"))?
            .to_string();
        let mut nil = false;
        for (count, attr) in start.attributes().enumerate() {
            if count == MAX_ATTRIBUTES {
                return Err(XmlError::new(format!(
                    "element <{name}> has more than {MAX_ATTRIBUTES} attributes (namespace declarations \
                     included); at most {MAX_ATTRIBUTES} are accepted"
                )));
            }
            let attr = attr.map_err(|e| XmlError::new(format!("malformed attribute: {e}")))?;
            if attr.key.local_name().as_ref() == b"nil" {
                nil = attr.value.as_ref() == b"true";
            }
        }
        Ok(Self {
            name,
            nil,
            ..Self::default()
        })
    }
}

/// Reads `bytes` as one XML document into an element tree, without recursion.
fn read_tree(bytes: &[u8]) -> Result<Element, XmlError> {
    let text = std::str::from_utf8(bytes).map_err(|_| XmlError::new("the body is not valid UTF-8"))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| XmlError::new(format!("malformed XML at byte {}: {e}", reader.error_position())))?;
        match event {
            Event::DocType(_) => return Err(XmlError::new("a DTD (<!DOCTYPE ...>) is not allowed")),
            Event::Decl(decl) => {
                if let Some(Ok(encoding)) = decl.encoding() {
                    let encoding = String::from_utf8_lossy(&encoding).to_ascii_lowercase();
                    if encoding != "utf-8" && encoding != "utf8" {
                        return Err(XmlError::new(format!(
                            "encoding {encoding} is not supported; send UTF-8"
                        )));
                    }
                }
            }
            Event::Start(start) => {
                if root.is_some() {
                    return Err(XmlError::new("content after the root element"));
                }
                if stack.len() == MAX_DEPTH {
                    return Err(XmlError::new(format!("elements nest deeper than {MAX_DEPTH} levels")));
                }
                stack.push(Element::start(&start)?);
            }
            Event::End(_) => {
                let done = stack.pop().ok_or_else(|| XmlError::new("unbalanced end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let unescaped = t
                    .unescape()
                    .map_err(|e| XmlError::new(format!("bad character or entity reference: {e}")))?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&unescaped),
                    None if unescaped.trim().is_empty() => {}
                    None => return Err(XmlError::new("text outside the root element")),
                }
            }
            Event::CData(c) => {
                let data = std::str::from_utf8(&c).map_err(|_| XmlError::new("CDATA is not UTF-8"))?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(data),
                    None => return Err(XmlError::new("CDATA outside the root element")),
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Empty(_) => unreachable!("expand_empty_elements turns these into Start and End"),
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::new("the document ends inside an element"));
    }
    root.ok_or_else(|| XmlError::new("the body holds no XML element"))
}

/// Reads an XML document as the JSON value of the schema `root` (resolved in
/// `registry`), ready for the type's `parse_from_json`.
pub fn from_xml(bytes: &[u8], root: &MetaSchemaRef, registry: &Registry) -> Result<Value, XmlError> {
    let tree = read_tree(bytes)?;
    Shaper { registry }.value(&tree, Some(root))
}

/// Reads an `application/x-www-form-urlencoded` body as the JSON value of
/// the schema `root`: each pair is a child element of the root, so the
/// form's text values take the schema's types exactly as XML text does
/// (repeated keys make arrays).
pub fn from_form(bytes: &[u8], root: &MetaSchemaRef, registry: &Registry) -> Result<Value, XmlError> {
    std::str::from_utf8(bytes).map_err(|_| XmlError::new("the body is not valid UTF-8"))?;
    let children = form_urlencoded::parse(bytes)
        .map(|(name, text)| Element {
            name: name.into_owned(),
            text: text.into_owned(),
            ..Element::default()
        })
        .collect();
    let tree = Element {
        name: "form".into(),
        children,
        ..Element::default()
    };
    Shaper { registry }.value(&tree, Some(root))
}

/// Turns elements into JSON values the way a schema says.
struct Shaper<'r> {
    registry: &'r Registry,
}

/// The schema `schema` stands for: references looked up in `registry`, and a
/// lone `allOf` (a reference with a description, say) taken as its member.
pub fn resolve<'r>(registry: &'r Registry, schema: &'r MetaSchemaRef) -> Option<&'r MetaSchema> {
    let schema = match schema {
        MetaSchemaRef::Inline(schema) => schema.as_ref(),
        MetaSchemaRef::Reference(name) => registry.schemas.get(name)?,
    };
    match (schema.ty, schema.all_of.as_slice()) {
        ("object" | "", [single]) if schema.properties.is_empty() => resolve(registry, single),
        _ => Some(schema),
    }
}

impl<'r> Shaper<'r> {
    fn resolve(&self, schema: &'r MetaSchemaRef) -> Option<&'r MetaSchema> {
        resolve(self.registry, schema)
    }

    fn value(&self, el: &Element, schema: Option<&'r MetaSchemaRef>) -> Result<Value, XmlError> {
        if el.nil {
            return Ok(Value::Null);
        }
        let Some(schema) = schema.and_then(|s| self.resolve(s)) else {
            return self.untyped(el);
        };
        match schema.ty {
            "object" => self.object(el, schema),
            "array" => el
                .children
                .iter()
                .map(|child| self.value(child, schema.items.as_deref()))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            "string" => leaf(el).map(|t| Value::String(t.to_string())),
            "integer" => leaf(el).map(|t| {
                let t = t.trim();
                t.parse::<i64>()
                    .map(Number::from)
                    .or_else(|_| t.parse::<u64>().map(Number::from))
                    .map_or_else(|_| Value::String(t.to_string()), Value::Number)
            }),
            "number" => leaf(el).map(|t| {
                let t = t.trim();
                t.parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map_or_else(|| Value::String(t.to_string()), Value::Number)
            }),
            "boolean" => leaf(el).map(|t| match t.trim() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                other => Value::String(other.to_string()),
            }),
            _ => self.untyped(el),
        }
    }

    /// An object: children grouped by name, each shaped by its property's
    /// schema; an array property takes every element of its name.
    fn object(&self, el: &Element, schema: &'r MetaSchema) -> Result<Value, XmlError> {
        if el.children.is_empty() && !el.text.trim().is_empty() {
            return Err(XmlError::new(format!(
                "element <{}> must contain child elements, not text",
                el.name
            )));
        }
        let mut map = Map::new();
        for (name, elements) in group_by_name(&el.children) {
            let property = schema
                .properties
                .iter()
                .find(|(p, _)| *p == name)
                .map(|(_, s)| s)
                .or(schema.additional_properties.as_deref());
            let is_array = property.and_then(|p| self.resolve(p)).is_some_and(|s| s.ty == "array");
            let value = if is_array && clears(&elements) {
                // `<list/>` or `<list xsi:nil="true"/>`: an empty list, said the only way XML can.
                Value::Null
            } else if is_array {
                let items = property.and_then(|p| self.resolve(p)).and_then(|s| s.items.as_deref());
                elements
                    .iter()
                    .map(|e| self.value(e, items))
                    .collect::<Result<_, _>>()
                    .map(Value::Array)?
            } else if let [single] = elements.as_slice() {
                self.value(single, property)?
            } else {
                return Err(XmlError::new(format!(
                    "element <{name}> appears {} times in <{}> but is not a list",
                    elements.len(),
                    el.name
                )));
            };
            map.insert(name.to_string(), value);
        }
        Ok(Value::Object(map))
    }

    /// An element the schema does not describe (an unknown field, or free
    /// data): text as a string, children as an object, repeats as an array.
    /// Validation then decides whether it is welcome.
    fn untyped(&self, el: &Element) -> Result<Value, XmlError> {
        if el.children.is_empty() {
            return Ok(Value::String(el.text.clone()));
        }
        let mut map = Map::new();
        for (name, elements) in group_by_name(&el.children) {
            let mut values = elements
                .iter()
                .map(|e| self.untyped(e))
                .collect::<Result<Vec<_>, _>>()?;
            let value = if values.len() == 1 {
                values.remove(0)
            } else {
                Value::Array(values)
            };
            map.insert(name.to_string(), value);
        }
        Ok(Value::Object(map))
    }
}

/// Whether the elements of a list property are one empty or nil element.
fn clears(elements: &[&Element]) -> bool {
    matches!(elements, [only] if only.nil || (only.children.is_empty() && only.text.trim().is_empty()))
}

/// The text of an element that must not have children.
fn leaf(el: &Element) -> Result<&str, XmlError> {
    if el.children.is_empty() {
        Ok(&el.text)
    } else {
        Err(XmlError::new(format!(
            "element <{}> must hold text, not child elements",
            el.name
        )))
    }
}

/// Children grouped by element name, in order of first appearance (linear
/// in the number of children, however many distinct names there are).
fn group_by_name(children: &[Element]) -> Vec<(&str, Vec<&Element>)> {
    let mut groups: Vec<(&str, Vec<&Element>)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for child in children {
        match index.get(child.name.as_str()) {
            Some(&i) => groups[i].1.push(child),
            None => {
                index.insert(&child.name, groups.len());
                groups.push((&child.name, vec![child]));
            }
        }
    }
    groups
}

/// Writes `value` as an XML document whose root element is `root`, with an
/// optional default namespace.
pub fn to_xml(root: &str, namespace: Option<&str>, value: &Value) -> String {
    let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let attrs = namespace.map(|ns| format!(r#" xmlns="{}""#, escape(ns)));
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

fn open(out: &mut String, name: &str, attrs: Option<&str>) {
    let _ = write!(out, "<{name}{}>", attrs.unwrap_or_default());
}

fn close(out: &mut String, name: &str) {
    let _ = write!(out, "</{name}>");
}

fn write_scalar(out: &mut String, value: &Value) {
    match value {
        Value::String(s) => out.push_str(&escape(s)),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// Escapes text for element content or attribute values; characters XML 1.0
/// cannot carry at all become U+FFFD.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
