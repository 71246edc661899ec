//! HTML form bodies, as Rails' and PHP's clients send them:
//! `application/x-www-form-urlencoded` and `multipart/form-data`, with
//! Rack's nested names.
//!
//! A field's name is a key followed by any number of bracketed segments:
//! `form[properties][status]=verified` is the value at `form.properties.status`,
//! `a[]=1&a[]=2` appends to the list `a`, and `a[][x]=1&a[][y]=2&a[][x]=3` is a
//! list of two objects (a new one starts when the last already has the key,
//! as Rack does). A name that does not follow this grammar is one field,
//! named by the whole text. A urlencoded pair without `=` is null (Rack's
//! `nil`): in a merge, it removes the key. A repeated plain name is a list
//! where the schema has one.
//!
//! The fields become an element tree, which the schema shapes exactly as
//! it shapes an XML document ([`crate::xml`]): text takes the schema's
//! types, and the value then goes through the same validation as JSON.
//!
//! Multipart bodies carry fields only: a part with a file name, or with a
//! media type other than `text/plain` or `application/json`, is refused with
//! 415. A JSON part is what OpenAPI's default encoding sends for an object
//! or array property (`form` as `{"properties": {...}}`): its value is read
//! as the fields it stands for (`form[properties][status]`), so both ways
//! reach the same schema; its member names are taken whole (a name with
//! brackets in it is one member, not a path).

use std::collections::HashMap;

use bytes::Bytes;
use poem::web::Multipart;
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use serde_json::Value;

use crate::error::AppError;
use crate::error::UnsupportedContentType;
use crate::xml::{self, Element, MAX_DEPTH, XmlError};

/// One segment of a field name after its key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `[name]`: the member `name` of an object.
    Key(String),
    /// `[]`: a new item of a list.
    Push,
}

/// One field of a form: where its value goes (a key, then segments) and
/// the value; `name` is the field as a client would name it, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    name: String,
    key: String,
    segments: Vec<Segment>,
    value: Option<String>,
}

impl Field {
    /// A field named Rack's way (a name outside the grammar is one key).
    fn named(name: String, value: Option<String>) -> Self {
        let (key, segments) = match split_name(&name) {
            Some((key, segments)) => (key.to_string(), segments),
            None => (name.clone(), Vec::new()),
        };
        Self {
            name,
            key,
            segments,
            value,
        }
    }
}

/// A field name split Rack's way: its key and the bracketed segments after
/// it; `None` when the name does not follow the grammar.
fn split_name(name: &str) -> Option<(&str, Vec<Segment>)> {
    let open = name.find('[')?;
    let (key, mut rest) = name.split_at(open);
    if key.is_empty() || key.contains(']') {
        return None;
    }
    let mut segments = Vec::new();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        let segment = &inner[..close];
        if segment.contains('[') {
            return None;
        }
        segments.push(if segment.is_empty() {
            Segment::Push
        } else {
            Segment::Key(segment.to_string())
        });
        rest = &inner[close + 1..];
    }
    Some((key, segments))
}

/// A node of the tree being built, with an index of its children by name
/// so that every field is placed in constant time.
#[derive(Default)]
struct Node {
    text: String,
    nil: bool,
    /// Holds fields rather than text.
    branch: bool,
    children: Vec<(String, Node)>,
    /// The last child of each name.
    last: HashMap<String, usize>,
}

impl Node {
    fn push(&mut self, name: &str, node: Node) -> &mut Node {
        self.last.insert(name.to_string(), self.children.len());
        self.children.push((name.to_string(), node));
        let index = self.children.len() - 1;
        &mut self.children[index].1
    }

    /// The last child named `name` when it holds fields, else a new one.
    fn branch(&mut self, name: &str) -> &mut Node {
        match self.last.get(name) {
            Some(&index) if self.children[index].1.branch => &mut self.children[index].1,
            _ => self.push(
                name,
                Node {
                    branch: true,
                    ..Node::default()
                },
            ),
        }
    }

    /// Places `value` at `name` then `segments`, below this node.
    fn insert(&mut self, name: &str, segments: &[Segment], value: Option<String>, field: &str) -> Result<(), XmlError> {
        match segments {
            [] | [Segment::Push] => {
                self.push(
                    name,
                    Node {
                        nil: value.is_none(),
                        text: value.unwrap_or_default(),
                        ..Node::default()
                    },
                );
                Ok(())
            }
            [Segment::Key(key), rest @ ..] => self.branch(name).insert(key, rest, value, field),
            [Segment::Push, Segment::Key(key), rest @ ..] => {
                // Rack: the list's last object takes the member unless it has it already.
                let reuse = self.last.get(name).is_some_and(|&index| {
                    let node = &self.children[index].1;
                    node.branch && !node.last.contains_key(key.as_str())
                });
                let item = if reuse {
                    self.branch(name)
                } else {
                    self.push(
                        name,
                        Node {
                            branch: true,
                            ..Node::default()
                        },
                    )
                };
                item.insert(key, rest, value, field)
            }
            [Segment::Push, Segment::Push, ..] => Err(XmlError::new(format!(
                "field {}: a list of lists cannot be sent in a form",
                crate::domain::text::printable_name(field)
            ))),
        }
    }

    fn into_element(self, name: String) -> Element {
        Element {
            name,
            text: self.text,
            nil: self.nil,
            children: self
                .children
                .into_iter()
                .map(|(name, node)| node.into_element(name))
                .collect(),
        }
    }
}

/// The element tree of a form's fields, in order.
fn tree(fields: impl IntoIterator<Item = Field>) -> Result<Element, XmlError> {
    let mut root = Node {
        branch: true,
        ..Node::default()
    };
    for field in fields {
        if field.segments.len() >= MAX_DEPTH {
            return Err(XmlError::new(format!(
                "field names nest deeper than {MAX_DEPTH} levels"
            )));
        }
        root.insert(&field.key, &field.segments, field.value, &field.name)?;
    }
    Ok(root.into_element("form".into()))
}

/// Percent-decodes one part of a urlencoded pair (`+` is a space).
fn decode(part: &[u8]) -> Result<String, XmlError> {
    let spaced: Vec<u8> = part.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
    percent_encoding::percent_decode(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| XmlError::new("the form is not valid UTF-8 once decoded"))
}

/// The fields of an `application/x-www-form-urlencoded` body, in order; a
/// pair without `=` has no value.
fn urlencoded_fields(bytes: &[u8]) -> Result<Vec<(String, Option<String>)>, XmlError> {
    std::str::from_utf8(bytes).map_err(|_| XmlError::new("the body is not valid UTF-8"))?;
    bytes
        .split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.iter().position(|&b| b == b'=') {
            Some(eq) => Ok((decode(&pair[..eq])?, Some(decode(&pair[eq + 1..])?))),
            None => Ok((decode(pair)?, None)),
        })
        .collect()
}

/// Reads a urlencoded form as the JSON value of the schema `root`.
pub fn from_urlencoded(bytes: &[u8], root: &MetaSchemaRef, registry: &Registry) -> Result<Value, XmlError> {
    let fields = urlencoded_fields(bytes)?
        .into_iter()
        .map(|(name, value)| Field::named(name, value));
    xml::shape(&tree(fields)?, root, registry)
}

/// Reads the text fields of a `multipart/form-data` body (already read in
/// full, within the body limit), in order; `accept` lists the media types
/// the operation reads, for the 415 a file part gets.
pub async fn multipart_fields(request: &Request, bytes: Bytes, accept: &'static str) -> Result<Vec<Field>, AppError> {
    let bad = |what: &str| AppError::BadRequest(format!("the multipart body is malformed: {what}"));
    let mut body = RequestBody::new(poem::Body::from(bytes));
    let mut multipart = Multipart::from_request(request, &mut body)
        .await
        .map_err(|_| bad("its Content-Type names no boundary"))?;
    let mut fields = Vec::new();
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|_| bad("its parts could not be read"))?
    {
        let name = part
            .name()
            .map(str::to_string)
            .ok_or_else(|| bad("a part has no name"))?;
        let json_part = part.content_type().is_some_and(is_json);
        let text_part = part.file_name().is_none()
            && (json_part
                || part
                    .content_type()
                    .is_none_or(|ct| ct.eq_ignore_ascii_case("text/plain")));
        if !text_part {
            return Err(AppError::UnsupportedMediaType(
                UnsupportedContentType::FilePart(crate::domain::text::printable_name(&name)),
                accept,
            ));
        }
        let bytes = part.bytes().await.map_err(|_| bad("its parts could not be read"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| AppError::BadRequest(format!("the multipart part {name} is not valid UTF-8")))?;
        if json_part {
            let value: Value = serde_json::from_str(&text)
                .map_err(|_| AppError::BadRequest(format!("the multipart part {name} is not valid JSON")))?;
            json_fields(&name, &mut Vec::new(), &value, &mut fields);
        } else {
            fields.push(Field::named(name, Some(text)));
        }
    }
    Ok(fields)
}

/// Whether a part's media type is JSON (`application/json`, `...+json`).
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence
            .rsplit_once('+')
            .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"))
}

/// The fields a JSON value stands for at `key` then `segments`: members
/// are `[member]` segments, items `[]`, null a field without a value, and
/// other scalars their text (the schema types them again, as for any form).
/// A member's name is taken whole, brackets and all: it is not a field
/// name to split.
fn json_fields(key: &str, segments: &mut Vec<Segment>, value: &Value, fields: &mut Vec<Field>) {
    let mut nested = |segment: Segment, member: &Value, fields: &mut Vec<Field>| {
        segments.push(segment);
        json_fields(key, segments, member, fields);
        segments.pop();
    };
    let text = match value {
        Value::Object(members) => {
            for (name, member) in members {
                nested(Segment::Key(name.clone()), member, fields);
            }
            return;
        }
        Value::Array(items) => {
            for item in items {
                nested(Segment::Push, item, fields);
            }
            return;
        }
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        scalar => Some(scalar.to_string()),
    };
    let name = segments.iter().fold(key.to_string(), |name, segment| match segment {
        Segment::Key(member) => format!("{name}[{member}]"),
        Segment::Push => format!("{name}[]"),
    });
    fields.push(Field {
        name,
        key: key.to_string(),
        segments: segments.clone(),
        value: text,
    });
}

/// Reads multipart text fields as the JSON value of the schema `root`.
pub fn from_fields(fields: Vec<Field>, root: &MetaSchemaRef, registry: &Registry) -> Result<Value, XmlError> {
    xml::shape(&tree(fields)?, root, registry)
}

#[cfg(test)]
mod tests {
    use poem_openapi::Object;
    use poem_openapi::types::Type;
    use serde_json::json;

    use super::*;

    #[derive(Object, Debug)]
    struct Item {
        x: Option<String>,
        y: Option<i64>,
    }

    #[derive(Object, Debug)]
    struct Sample {
        name: Option<String>,
        count: Option<i64>,
        tags: Option<Vec<String>>,
        items: Option<Vec<Item>>,
        form: Option<Value>,
    }

    fn read(body: &str) -> Result<Value, XmlError> {
        let mut registry = Registry::new();
        Sample::register(&mut registry);
        from_urlencoded(body.as_bytes(), &Sample::schema_ref(), &registry)
    }

    #[test]
    fn names_split_the_rack_way() {
        use Segment::*;
        assert_eq!(split_name("a"), None);
        assert_eq!(
            split_name("a[b][c]"),
            Some(("a", vec![Key("b".into()), Key("c".into())]))
        );
        assert_eq!(split_name("a[]"), Some(("a", vec![Push])));
        assert_eq!(split_name("a[][x]"), Some(("a", vec![Push, Key("x".into())])));
        for literal in ["a[b", "[a]", "a[b]c", "a[b[c]]", "a]b[c]"] {
            assert_eq!(split_name(literal), None, "{literal}");
        }
    }

    #[test]
    fn nested_fields_take_the_schema_types() {
        assert_eq!(
            read("name=a+b&count=3&tags[]=x&tags[]=y&form[properties][status]=verified&form[properties][gone]"),
            Ok(json!({"name": "a b", "count": 3, "tags": ["x", "y"],
                      "form": {"properties": {"status": "verified", "gone": null}}}))
        );
        assert_eq!(read("tags=x&tags=y"), Ok(json!({"tags": ["x", "y"]})));
        assert_eq!(read("tags[]=x"), Ok(json!({"tags": ["x"]})));
    }

    #[test]
    fn lists_of_objects_start_a_new_item_on_a_repeated_member() {
        assert_eq!(
            read("items[][x]=a&items[][y]=1&items[][x]=b"),
            Ok(json!({"items": [{"x": "a", "y": 1}, {"x": "b"}]}))
        );
    }

    #[test]
    fn a_json_part_stands_for_its_fields() {
        let part = json!({"properties": {"status": "verified", "gone": null, "a[b]": "c", "[]": "d"}, "tags": ["x", "y"], "n": 3});
        let mut fields = Vec::new();
        json_fields("form", &mut Vec::new(), &part, &mut fields);
        assert_eq!(
            fields[2].name, "form[properties][a[b]]",
            "named as a client would, for messages"
        );
        let mut registry = Registry::new();
        Sample::register(&mut registry);
        let read = from_fields(fields, &Sample::schema_ref(), &registry);
        // Member names with brackets stay whole: they are not field names to split.
        assert_eq!(
            read,
            Ok(
                json!({"form": {"properties": {"status": "verified", "gone": null, "a[b]": "c", "[]": "d"},
                               "tags": ["x", "y"], "n": "3"}})
            )
        );
        assert!(is_json("application/json; charset=utf-8") && is_json("application/vnd.x+json"));
        assert!(!is_json("text/plain"));
    }

    #[test]
    fn malformed_forms_are_refused() {
        assert!(read("name=a&name=b").is_err(), "a repeated scalar");
        assert!(read("a[][]=1").is_err(), "a list of lists");
        assert!(read("name=%ff").is_err(), "not UTF-8 once decoded");
        let deep = format!("a{}=1", "[b]".repeat(MAX_DEPTH));
        assert!(read(&deep).is_err(), "too deep");
    }

    #[test]
    fn many_fields_are_placed_in_linear_time() {
        let time = |n: usize| {
            let body: String = (0..n).map(|i| format!("form[k{i}]=v&")).collect();
            let started = std::time::Instant::now();
            let value = read(&body).expect("reads");
            assert_eq!(value["form"].as_object().map(|o| o.len()), Some(n));
            started.elapsed()
        };
        let (small, large) = (time(10_000), time(80_000));
        // Eight times the fields, well under the 64 times a quadratic placement would take.
        assert!(large < small * 24, "{small:?} then {large:?}");
    }
}
