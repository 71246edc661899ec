//! XML Schemas of every XML body, from the finished document's schemas.
//!
//! The people who send XML (.NET's `XmlSerializer`, Java's JAXB) generate
//! their classes from an XSD, not from OpenAPI. liaison serves one at
//! `/schemas/liaison.xsd` (committed as `openapi/liaison.xsd`), written here
//! from the same component schemas the XML codec reads and writes by, with
//! no per-type code: what it says is what [`crate::xml`] does.
//!
//! - **Roots.** Each schema that is the root of an XML body (request or
//!   answer) is a global element, named as the codec names it (its
//!   `xml.name`, else its component name) and typed by its component.
//!   A root in a namespace (`problem`, `urn:ietf:rfc:7807`) gets a schema
//!   document of its own, named after it (`problem.xsd`) and imported by
//!   `liaison.xsd`, which says nothing in any namespace itself.
//! - **Types.** Every component an XML root reaches is a named type of
//!   the same name: an object a `complexType`, anything else a
//!   `simpleType`. Schemas only parameters use (filters) are left out.
//! - **Objects.** Each property is an element of its name, in the order the
//!   document lists them (the order liaison writes them; it reads any
//!   order): required unless the schema does not require it, is
//!   `nullable` (null is no element) or is an array. Nothing else may
//!   appear: liaison writes no other element, and refuses one it does not
//!   know in every closed request. A request schema open to fields it does
//!   not declare (the token request) is described by its declared fields.
//! - **Arrays** are their property's element repeated (`minOccurs="0"`,
//!   `maxOccurs="unbounded"`), as liaison writes them: an empty array is no
//!   element at all. The wrapped form liaison also reads
//!   (`<organizations><guid>...</guid></organizations>`) and an empty
//!   element that clears a list are not described.
//! - **Maps** (`additionalProperties`) have elements named by their keys,
//!   which no schema can list: their content is `xs:any` with
//!   `processContents="skip"` (any elements, not checked: a key may be any
//!   XML name, the name of a global element included). An object that had
//!   both properties and a map would be `xs:any` alone, as XSD 1.0 cannot
//!   put a wildcard beside optional elements unambiguously.
//! - **Nullables** (`nullable: true`) are `nillable="true"`: liaison reads
//!   `xsi:nil="true"` as null, and writes a null as no element.
//! - **Scalars.** `boolean` is `xs:boolean`, `number` `xs:double`, an
//!   `integer` the XSD type of its format (`int64` `xs:long`, `uint32`
//!   `xs:unsignedInt`, ...), `minimum` and `maximum` its inclusive bounds.
//!   A string is `xs:string`, with its `enum` as enumerations, its lengths
//!   as length facets, and its `pattern` as a pattern where it reads the
//!   same in XSD (anchored at both ends, no escapes, groups or
//!   look-arounds); the rest (patterns of storable text) are left out. A
//!   `date-time` string is `xs:dateTime` and a `date` `xs:date`, unless the
//!   schema also has a pattern: liaison then reads more than the format
//!   names (`startEffectiveDate` takes dates and date-times), and the
//!   string stays `xs:string`. `uniqueItems` and `minItems` are left out.

use std::fmt::Write as _;

use anyhow::Context as _;
use quick_xml::escape::escape;
use serde_json::{Map, Value};

use super::reachable;

/// The file name of the schema without a namespace, which imports the others.
pub const MAIN: &str = "liaison.xsd";

/// One XML Schema document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFile {
    /// Its file name (`liaison.xsd`), the last segment of its URL.
    pub name: String,
    pub text: String,
}

/// An XML body's root element.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RootElement {
    element: String,
    namespace: Option<String>,
    component: String,
}

/// The schema documents of the finished `document`'s XML bodies,
/// [`MAIN`] first.
pub fn schemas(document: &Value) -> anyhow::Result<Vec<SchemaFile>> {
    let components = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .context("the document has no schemas")?;
    let mut roots = Vec::new();
    xml_roots(document, components, &mut roots);
    let mut namespaces: Vec<Option<String>> = vec![None];
    for root in &roots {
        if !namespaces.contains(&root.namespace) {
            namespaces.push(root.namespace.clone());
        }
    }
    let file_name = |namespace: &Option<String>| match namespace {
        None => MAIN.to_string(),
        Some(ns) => roots
            .iter()
            .find(|r| r.namespace.as_ref() == Some(ns))
            .map_or_else(|| MAIN.to_string(), |r| format!("{}.xsd", r.element)),
    };
    let imports: Vec<(String, String)> = namespaces
        .iter()
        .filter_map(|ns| ns.as_ref().map(|name| (name.clone(), file_name(ns))))
        .collect();
    let mut files: Vec<SchemaFile> = Vec::new();
    for namespace in &namespaces {
        let here: Vec<&RootElement> = roots.iter().filter(|r| &r.namespace == namespace).collect();
        let name = file_name(namespace);
        anyhow::ensure!(
            files.iter().all(|f| f.name != name),
            "two XML schema documents are named {name}"
        );
        let imports: &[(String, String)] = if namespace.is_none() { &imports } else { &[] };
        let text = Writer::new(components).document(namespace.as_deref(), imports, &here);
        files.push(SchemaFile { name, text });
    }
    Ok(files)
}

/// Every XML media type's root, once, in the order the document lists them.
fn xml_roots(value: &Value, components: &Map<String, Value>, found: &mut Vec<RootElement>) {
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                let component = super::component(&member["schema"]);
                match (key.ends_with("xml"), component) {
                    (true, Some(component)) => {
                        let xml = &components.get(&component).unwrap_or(&Value::Null)["xml"];
                        let root = RootElement {
                            element: xml["name"].as_str().unwrap_or(&component).to_string(),
                            namespace: xml["namespace"].as_str().map(str::to_string),
                            component,
                        };
                        if !found.contains(&root) {
                            found.push(root);
                        }
                    }
                    // Examples hold data, not schemas.
                    _ if key == "example" || key == "examples" => {}
                    _ => xml_roots(member, components, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| xml_roots(item, components, found)),
        _ => {}
    }
}

/// Writes one schema document.
struct Writer<'a> {
    components: &'a Map<String, Value>,
    out: String,
}

/// XSD's own namespace, prefixed `xs`.
const XS: &str = "http://www.w3.org/2001/XMLSchema";

impl<'a> Writer<'a> {
    fn new(components: &'a Map<String, Value>) -> Self {
        Self {
            components,
            out: String::with_capacity(64 * 1024),
        }
    }

    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn document(mut self, namespace: Option<&str>, imports: &[(String, String)], roots: &[&RootElement]) -> String {
        self.line(0, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        self.line(
            0,
            "<!-- liaison's XML bodies, generated from its OpenAPI document (`liaison openapi`): do not edit. -->",
        );
        let target = match namespace {
            Some(ns) => {
                let ns = escape(ns);
                format!(r#" targetNamespace="{ns}" xmlns="{ns}" elementFormDefault="qualified""#)
            }
            None => r#" elementFormDefault="unqualified""#.to_string(),
        };
        self.line(0, &format!(r#"<xs:schema xmlns:xs="{XS}"{target}>"#));
        for (ns, file) in imports {
            let (ns, file) = (escape(ns), escape(file));
            self.line(1, &format!(r#"<xs:import namespace="{ns}" schemaLocation="{file}"/>"#));
        }
        for root in roots {
            let (element, component) = (escape(&root.element), escape(&root.component));
            self.line(1, &format!(r#"<xs:element name="{element}" type="{component}"/>"#));
        }
        let from: Vec<String> = roots.iter().map(|r| r.component.clone()).collect();
        let reached = reachable(self.components, &from);
        let components = self.components;
        for (name, schema) in components.iter().filter(|(name, _)| reached.contains(name)) {
            self.named_type(name, schema);
        }
        self.line(0, "</xs:schema>");
        self.out
    }

    /// A component as a named type.
    fn named_type(&mut self, name: &str, schema: &Value) {
        let name = escape(name);
        if is_object(schema) || schema["type"] == "array" {
            self.line(1, &format!(r#"<xs:complexType name="{name}">"#));
            self.documentation(2, schema);
            self.complex_content(2, schema);
            self.line(1, "</xs:complexType>");
        } else {
            self.line(1, &format!(r#"<xs:simpleType name="{name}">"#));
            self.documentation(2, schema);
            let (base, facets) = simple(schema);
            self.restriction(2, base, &facets);
            self.line(1, "</xs:simpleType>");
        }
    }

    fn documentation(&mut self, depth: usize, schema: &Value) {
        if let Some(text) = schema["description"].as_str().filter(|t| !t.is_empty()) {
            let text = escape(text);
            self.line(
                depth,
                &format!("<xs:annotation><xs:documentation>{text}</xs:documentation></xs:annotation>"),
            );
        }
    }

    fn restriction(&mut self, depth: usize, base: &str, facets: &[String]) {
        if facets.is_empty() {
            self.line(depth, &format!(r#"<xs:restriction base="{base}"/>"#));
        } else {
            self.line(depth, &format!(r#"<xs:restriction base="{base}">"#));
            for facet in facets {
                self.line(depth + 1, facet);
            }
            self.line(depth, "</xs:restriction>");
        }
    }

    /// The content of an object (or of an array at the root, whose items
    /// the codec writes as `item` elements).
    fn complex_content(&mut self, depth: usize, schema: &Value) {
        if schema["type"] == "array" {
            self.line(depth, "<xs:sequence>");
            self.element(depth + 1, "item", &schema["items"], false);
            self.line(depth, "</xs:sequence>");
            return;
        }
        let properties = schema["properties"].as_object().filter(|p| !p.is_empty());
        let map = schema["additionalProperties"].is_object() || schema["additionalProperties"] == true;
        match (properties, map) {
            (Some(properties), false) => {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                self.line(depth, "<xs:sequence>");
                for (name, property) in properties {
                    self.element(depth + 1, name, property, required.contains(&name.as_str()));
                }
                self.line(depth, "</xs:sequence>");
            }
            (_, true) => {
                self.line(depth, "<xs:sequence>");
                self.line(
                    depth + 1,
                    r#"<xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>"#,
                );
                self.line(depth, "</xs:sequence>");
            }
            // `{}`: written as an empty element.
            (None, false) => self.line(depth, "<xs:sequence/>"),
        }
    }

    /// The element of the property `name`.
    fn element(&mut self, depth: usize, name: &str, property: &Value, required: bool) {
        let mut nullable = property["nullable"] == true;
        let mut schema = property;
        let mut repeated = false;
        // A lone `allOf` (a reference with a description or `nullable`), a
        // reference to an array, an array of arrays: the element they end in.
        for _ in 0..16 {
            if let [single] = schema["allOf"].as_array().map(Vec::as_slice).unwrap_or_default() {
                schema = single;
            } else if schema["type"] == "array" {
                repeated = true;
                schema = &schema["items"];
            } else if let Some(target) = super::component(schema).and_then(|c| self.components.get(&c)) {
                if target["type"] != "array" {
                    break;
                }
                schema = target;
            } else {
                break;
            }
            nullable |= schema["nullable"] == true;
        }
        let mut attributes = format!(r#"name="{}""#, escape(name));
        let inline = match super::component(schema) {
            Some(component) => {
                let _ = write!(attributes, r#" type="{}""#, escape(&component));
                None
            }
            None if is_object(schema) => Some(true),
            None if schema.get("type").is_some() => {
                let (base, facets) = simple(schema);
                if facets.is_empty() {
                    let _ = write!(attributes, r#" type="{base}""#);
                    None
                } else {
                    Some(false)
                }
            }
            // No type at all: any content (`xs:anyType`).
            None => None,
        };
        if repeated || nullable || !required {
            attributes.push_str(r#" minOccurs="0""#);
        }
        if repeated {
            attributes.push_str(r#" maxOccurs="unbounded""#);
        }
        if nullable {
            attributes.push_str(r#" nillable="true""#);
        }
        let documented = property["description"].as_str().is_some_and(|d| !d.is_empty());
        if inline.is_none() && !documented {
            self.line(depth, &format!("<xs:element {attributes}/>"));
            return;
        }
        self.line(depth, &format!("<xs:element {attributes}>"));
        self.documentation(depth + 1, property);
        match inline {
            Some(true) => {
                self.line(depth + 1, "<xs:complexType>");
                self.complex_content(depth + 2, schema);
                self.line(depth + 1, "</xs:complexType>");
            }
            Some(false) => {
                self.line(depth + 1, "<xs:simpleType>");
                let (base, facets) = simple(schema);
                self.restriction(depth + 2, base, &facets);
                self.line(depth + 1, "</xs:simpleType>");
            }
            None => {}
        }
        self.line(depth, "</xs:element>");
    }
}

/// Whether `schema` describes an object (members, a map, or `{}`).
fn is_object(schema: &Value) -> bool {
    schema["type"] == "object" || schema.get("properties").is_some() || schema.get("additionalProperties").is_some()
}

/// A scalar schema as an XSD built-in type and the facets that narrow it.
fn simple(schema: &Value) -> (&'static str, Vec<String>) {
    let format = schema["format"].as_str().unwrap_or_default();
    let patterned = schema.get("pattern").is_some();
    let base = match (schema["type"].as_str().unwrap_or_default(), format) {
        ("boolean", _) => "xs:boolean",
        ("number", "float") => "xs:float",
        ("number", _) => "xs:double",
        ("integer", "int8") => "xs:byte",
        ("integer", "int16") => "xs:short",
        ("integer", "int32") => "xs:int",
        ("integer", "int64") => "xs:long",
        ("integer", "uint8") => "xs:unsignedByte",
        ("integer", "uint16") => "xs:unsignedShort",
        ("integer", "uint32") => "xs:unsignedInt",
        ("integer", "uint64") => "xs:unsignedLong",
        ("integer", _) => "xs:integer",
        ("string", "date-time") if !patterned => "xs:dateTime",
        ("string", "date") if !patterned => "xs:date",
        _ => "xs:string",
    };
    let mut facets = Vec::new();
    let value = |v: &Value| match v {
        Value::String(s) => escape(s).into_owned(),
        other => other.to_string(),
    };
    for option in schema["enum"].as_array().into_iter().flatten().filter(|v| !v.is_null()) {
        facets.push(format!(r#"<xs:enumeration value="{}"/>"#, value(option)));
    }
    if base == "xs:string" {
        for (key, facet) in [("minLength", "minLength"), ("maxLength", "maxLength")] {
            if let Some(n) = schema[key].as_u64() {
                facets.push(format!(r#"<xs:{facet} value="{n}"/>"#));
            }
        }
        if let Some(pattern) = schema["pattern"].as_str().and_then(xsd_pattern) {
            facets.push(format!(r#"<xs:pattern value="{}"/>"#, escape(pattern)));
        }
    }
    if schema["type"] == "integer" || schema["type"] == "number" {
        for (key, exclusive, facets_of) in [
            ("minimum", "exclusiveMinimum", ["minInclusive", "minExclusive"]),
            ("maximum", "exclusiveMaximum", ["maxInclusive", "maxExclusive"]),
        ] {
            if let Some(bound) = schema[key].as_f64() {
                let facet = facets_of[usize::from(schema[exclusive] == true)];
                // poem-openapi writes bounds as floats (`1.0`), which an
                // integer type does not take: the integer within them.
                let bound = match (schema["type"] == "integer", key) {
                    (true, "minimum") => format!("{}", bound.ceil()),
                    (true, _) => format!("{}", bound.floor()),
                    (false, _) => format!("{bound}"),
                };
                facets.push(format!(r#"<xs:{facet} value="{bound}"/>"#));
            }
        }
    }
    (base, facets)
}

/// A JSON Schema pattern as an XSD pattern, where it means the same: one
/// anchored at both ends (XSD patterns always are), without escapes,
/// groups' `(?` syntax, or anchors inside (XSD has none); else nothing.
fn xsd_pattern(pattern: &str) -> Option<&str> {
    let inner = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let plain = !inner.contains(['\\', '$']) && !inner.contains("(?");
    let carets_negate = inner
        .match_indices('^')
        .all(|(i, _)| i > 0 && inner.as_bytes()[i - 1] == b'[');
    (plain && carets_negate).then_some(inner)
}

#[cfg(test)]
pub(crate) mod tests;
