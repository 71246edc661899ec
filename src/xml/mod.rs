//! The XML codec: a second encoding of the same data as JSON.
//!
//! It follows the OpenAPI default XML mapping of a documented schema, so the
//! XML example Swagger UI shows is exactly what liaison reads and writes:
//! the root element is named after the schema component, each property is a
//! child element of the same name, an array is its property's element
//! repeated (unwrapped), a map's entries are child elements named by key, and
//! an absent or null value has no element.
//!
//! Wrapped arrays are read too, as .NET's serializers write them
//! (`<organizations><guid>a</guid><guid>b</guid></organizations>`): the
//! schema decides. Where an array's items are scalars (strings, numbers,
//! booleans), an element of the array's name that holds child elements is a
//! wrapper, and each of its children, whatever its name (`guid`, `string`,
//! `item`), is one item; an element holding text is one item itself. Both
//! forms may be mixed and repeated. Where the items are objects, an element
//! holding child elements could be either a wrapper or one item: it is read
//! as one item (unwrapped), the mapping the spec documents. Writing is always
//! unwrapped.
//!
//! Reading goes XML → [`serde_json::Value`] guided by the schema (which
//! elements are arrays, numbers or booleans), after which the type's own
//! `parse_from_json` validates, so JSON and XML share every rule. Writing
//! needs no schema: [`to_xml`] writes a JSON value, [`ser::to_xml`] the
//! same document straight from a type's serde `Serialize` (how answers are
//! written).
//!
//! Parsing is safe by construction: an event reader (no recursion while
//! reading), no DTD, no entities beyond the predefined five and numeric
//! references, at most [`MAX_DEPTH`] levels of elements and at most
//! [`MAX_ATTRIBUTES`] attributes on one element. Every step is linear in the
//! size of the document: the parser's duplicate-attribute check compares
//! each attribute with the ones before it, which the attribute cap keeps to
//! a constant per element, and repeated children are grouped by hashing.

pub mod ser;
mod write;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Number, Value};

use crate::domain::FieldError;
use crate::domain::text::printable_name;

pub use write::to_xml;

/// The deepest element nesting accepted, the root being depth 1.
pub const MAX_DEPTH: usize = 32;

/// The most attributes (namespace declarations included) one element may
/// carry. The mapping reads none but `xsi:nil`; the cap bounds the parser's
/// duplicate check, which is quadratic in the attributes of one element.
pub const MAX_ATTRIBUTES: usize = 64;

/// Why an XML body (or a form, read the same way) could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Not a well-formed document, or one refused as unsafe.
    #[error("{0}")]
    Syntax(String),
    /// Well formed, but the elements of one field do not fit its schema.
    #[error("{}: {}", .0.field, .0.message)]
    Field(FieldError),
}

impl XmlError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self::Syntax(message.into())
    }

    fn field(path: &str, message: impl Into<String>) -> Self {
        let field = if path.is_empty() { "body" } else { path };
        Self::Field(FieldError::new(field, message))
    }
}

/// One parsed element: its local name, text and children. Attributes are not
/// part of the mapping; only `xsi:nil="true"` is understood, as null.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) text: String,
    pub(crate) children: Vec<Element>,
    pub(crate) nil: bool,
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
    shape(&read_tree(bytes)?, root, registry)
}

/// Shapes an element tree (an XML document, or a form read as one) into
/// the JSON value of the schema `root`.
pub(crate) fn shape(tree: &Element, root: &MetaSchemaRef, registry: &Registry) -> Result<Value, XmlError> {
    Shaper { registry }.value(tree, Some(root), &mut String::new())
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

    /// The value of `el`, the field at `path`, as `schema` types it.
    fn value(&self, el: &Element, schema: Option<&'r MetaSchemaRef>, path: &mut String) -> Result<Value, XmlError> {
        if el.nil {
            return Ok(Value::Null);
        }
        let Some(schema) = schema.and_then(|s| self.resolve(s)) else {
            return self.untyped(el, path);
        };
        let leaf = |el: &Element| -> Result<String, XmlError> {
            if el.children.is_empty() {
                Ok(el.text.clone())
            } else {
                Err(XmlError::field(path, "must hold text, not child elements"))
            }
        };
        match schema.ty {
            "object" => self.object(el, schema, path),
            "array" => self.items(&el.children, schema, path),
            "string" => leaf(el).map(Value::String),
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
            _ => self.untyped(el, path),
        }
    }

    /// The items of the array `schema` at `path`, from `elements`. Where the
    /// items are scalars, an element holding child elements is a wrapper
    /// whose children are the items (see the module's documentation).
    fn items(
        &self,
        elements: &[impl std::borrow::Borrow<Element>],
        schema: &'r MetaSchema,
        path: &mut String,
    ) -> Result<Value, XmlError> {
        let items = schema.items.as_deref();
        let scalar = items
            .and_then(|i| self.resolve(i))
            .is_some_and(|i| matches!(i.ty, "string" | "integer" | "number" | "boolean"));
        let mut values = Vec::new();
        for element in elements {
            let element = element.borrow();
            if scalar && !element.children.is_empty() {
                if !element.text.trim().is_empty() {
                    return Err(XmlError::field(path, "mixes text and child elements"));
                }
                for child in &element.children {
                    let len = path.len();
                    push_segment(path, &values.len().to_string());
                    values.push(self.value(child, items, path)?);
                    path.truncate(len);
                }
            } else {
                let len = path.len();
                push_segment(path, &values.len().to_string());
                values.push(self.value(element, items, path)?);
                path.truncate(len);
            }
        }
        Ok(Value::Array(values))
    }

    /// An object: children grouped by name, each shaped by its property's
    /// schema; an array property takes every element of its name.
    fn object(&self, el: &Element, schema: &'r MetaSchema, path: &mut String) -> Result<Value, XmlError> {
        if el.children.is_empty() && !el.text.trim().is_empty() {
            return Err(XmlError::field(path, "must hold child elements, not text"));
        }
        let mut map = Map::new();
        for (name, elements) in group_by_name(&el.children) {
            let property = schema
                .properties
                .iter()
                .find(|(p, _)| *p == name)
                .map(|(_, s)| s)
                .or(schema.additional_properties.as_deref());
            let array = property.and_then(|p| self.resolve(p)).filter(|s| s.ty == "array");
            let len = path.len();
            push_segment(path, &printable_name(name));
            let value = match array {
                // `<list/>` or `<list xsi:nil="true"/>`: an empty list, said the only way XML can.
                Some(_) if clears(&elements) => Value::Null,
                Some(array) => self.items(&elements, array, path)?,
                None => match elements.as_slice() {
                    [single] => self.value(single, property, path)?,
                    _ => {
                        return Err(XmlError::field(
                            path,
                            format!("appears {} times but is not a list", elements.len()),
                        ));
                    }
                },
            };
            path.truncate(len);
            map.insert(name.to_string(), value);
        }
        Ok(Value::Object(map))
    }

    /// An element the schema does not describe (an unknown field, or free
    /// data): text as a string, children as an object, repeats as an array.
    /// Validation then decides whether it is welcome.
    fn untyped(&self, el: &Element, path: &mut String) -> Result<Value, XmlError> {
        if el.nil {
            return Ok(Value::Null);
        }
        if el.children.is_empty() {
            return Ok(Value::String(el.text.clone()));
        }
        let mut map = Map::new();
        for (name, elements) in group_by_name(&el.children) {
            let len = path.len();
            push_segment(path, &printable_name(name));
            let mut values = elements
                .iter()
                .map(|e| self.untyped(e, path))
                .collect::<Result<Vec<_>, _>>()?;
            path.truncate(len);
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

/// Appends `segment` to a dotted field path (`form.properties.status`, `organizations.0`).
pub fn push_segment(path: &mut String, segment: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(segment);
}

#[cfg(test)]
mod tests;
