//! The OpenAPI document as served: poem-openapi's, finished with what its
//! derive macros cannot say.
//!
//! poem-openapi writes no `additionalProperties: false`, no `xml` object and
//! no media-type examples. One pass over its document adds them, and the
//! result is the contract everywhere: `/openapi.json`, `/openapi.yaml`, the
//! page Swagger UI renders and the committed `openapi/` files. The route
//! table ([`routes`]) is read from the handlers' own metadata, not from this
//! document.
//!
//! - **Wire names.** The instances of generic schemas get the names the
//!   codec writes as their XML roots (`RelationshipEnvelope`, not
//!   `Envelope_Relationship`): the `names` module, by
//!   [`crate::wire::concrete_name`].
//! - **Table parameters.** An operation that reads its whole query string
//!   declares its parameters from its own table ([`Finish::parameters`]),
//!   one per name as sent (the Risk list's `name[contains]`).
//! - **Closed requests.** Every object schema a request body or a parameter
//!   reaches (through properties, items, maps and
//!   compositions) gets `additionalProperties: false`, unless it says
//!   otherwise or is listed as open: the server refuses a field it does not
//!   know with 400 naming it, and the spec says so.
//! - **XML names.** Every schema that is the root of a body gets
//!   `xml.name`: its component name, the root element the codec reads and
//!   writes ([`Root`] where that differs). A schema that is also an item of
//!   another schema's array is left to the default mapping: an `xml.name`
//!   there would rename the items too, which the codec writes under the
//!   array property's name.
//! - **Form encodings.** A urlencoded body's object properties are sent the
//!   Rack way (`form[properties][status]=verified`), which OpenAPI calls
//!   `style: deepObject`; each gets that `encoding`, so clients do not
//!   flatten them into top-level fields (the `form` style's default).
//! - **Storable text.** Every string a request carries (body fields at any
//!   depth, query and path parameters) that the schema does not already
//!   describe by a pattern, format or enumeration gets
//!   [`text::STORABLE_PATTERN`]: the edge refuses any other text, on every
//!   operation, so the spec says so.
//! - **XML examples.** Every XML media type whose schema has an example gets
//!   that example written as XML by the codec's own writer, so the example
//!   Swagger UI shows is a document the server reads as the JSON example.
//! - **Shared responses.** Last, each distinct response and header is
//!   declared once, in `components` (the `shared` module), and referred to.
//!
//! The XML Schemas of the XML bodies ([`xsd`]) are written from the
//! finished document, and served under [`SCHEMAS_PATH`].

mod names;
pub mod routes;
mod shared;
pub mod xsd;

use anyhow::Context as _;
use poem::endpoint::make_sync;
use poem::web::Html;
use poem::{Endpoint, Response};
use poem_openapi::{OpenApi, OpenApiService, Webhook};
use serde_json::{Map, Value, json};

use crate::domain::text;
use crate::xml;

/// A body schema whose XML root is not its component name.
pub struct Root {
    pub schema: &'static str,
    pub element: &'static str,
    pub namespace: Option<&'static str>,
}

/// What the finishing pass needs to know that the generated document does not say.
pub struct Finish<'a> {
    /// The wire rules, served as a page of the docs at [`RULES_PATH`].
    pub rules: &'a str,
    /// Request body schemas that take fields they do not declare (and ignore them).
    pub open: &'a [&'static str],
    /// Body schemas whose XML root element is not their component name.
    pub roots: &'a [Root],
    /// Query parameters an operation declares from a table of its own.
    pub parameters: &'a [TableParameters],
}

/// An operation (by operationId) that reads its whole query string and
/// declares its parameters from a table of its own: poem-openapi declares
/// one parameter per extractor.
pub type TableParameters = (&'static str, fn() -> Vec<Value>);

/// The finished document, as JSON and YAML text.
pub struct Document {
    pub value: Value,
    pub json: String,
    pub yaml: String,
    /// The XML Schemas of its XML bodies, [`xsd::MAIN`] first.
    pub xsd: Vec<xsd::SchemaFile>,
    /// The wire rules' page.
    rules: String,
}

/// Where the docs serve the wire rules (linked from the document's `externalDocs`).
pub const RULES_PATH: &str = "/docs/rules";

/// Where the XML Schemas are served, each under its file name
/// (`/schemas/liaison.xsd`).
pub const SCHEMAS_PATH: &str = "/schemas";

impl Document {
    /// Finishes poem-openapi's `generated` JSON document.
    pub fn finish(generated: &str, finish: &Finish<'_>) -> anyhow::Result<Self> {
        let mut value: Value = serde_json::from_str(generated).context("the generated OpenAPI document is not JSON")?;
        names::name_instances(&mut value)?;
        let bodies = Bodies::of(&value)?;
        declare_parameters(&mut value, finish.parameters);
        screen_parameters(&mut value);
        let schemas = value
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
            .context("the generated OpenAPI document has no schemas")?;
        let requests = reachable(
            schemas,
            &[bodies.requests.as_slice(), bodies.parameters.as_slice()].concat(),
        );
        close(schemas, &requests, finish.open);
        for name in &requests {
            if let Some(schema) = schemas.get_mut(name) {
                screen_strings(schema);
            }
        }
        name_roots(schemas, &bodies, finish.roots);
        let examples = xml_examples(schemas, &bodies, finish.roots);
        let encodings = form_encodings(schemas, &bodies);
        for (pointer, encoding) in encodings {
            if let Some(media) = value.pointer_mut(&pointer).and_then(Value::as_object_mut) {
                media.insert("encoding".into(), encoding);
            }
        }
        for (pointer, example) in examples {
            if let Some(media) = value.pointer_mut(&pointer).and_then(Value::as_object_mut) {
                media.insert("example".into(), Value::String(example));
            }
        }
        conditional_gets(&mut value);
        idempotent_posts(&mut value);
        spell_headers(&mut value);
        unscoped_api_keys(&mut value);
        shared::share_responses(&mut value);
        let json = serde_json::to_string_pretty(&value).context("the finished document cannot be written as JSON")?;
        let yaml = serde_yaml::to_string(&value).context("the finished document cannot be written as YAML")?;
        let xsd = xsd::schemas(&value)?;
        Ok(Self {
            value,
            json,
            yaml,
            xsd,
            rules: rules_page(finish.rules),
        })
    }
}

/// liaison's icon: two linked rings. Served at `/favicon.ico` (as SVG,
/// which browsers take there) and named by the docs page.
const FAVICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f4e79"/><circle cx="12" cy="16" r="6" fill="none" stroke="#fff" stroke-width="3"/><circle cx="20" cy="16" r="6" fill="none" stroke="#9fd3ff" stroke-width="3"/></svg>"##;

/// Serves liaison's icon (two linked rings, SVG).
pub fn favicon() -> impl Endpoint + 'static {
    make_sync(|_| {
        Response::builder()
            .content_type("image/svg+xml")
            .header("Cache-Control", "public, max-age=86400")
            .body(FAVICON)
    })
}

impl Document {
    /// Serves the document as JSON.
    pub fn json_endpoint(&self) -> impl Endpoint + 'static {
        let json = self.json.clone();
        make_sync(move |_| Response::builder().content_type("application/json").body(json.clone()))
    }

    /// Serves the document as YAML.
    pub fn yaml_endpoint(&self) -> impl Endpoint + 'static {
        let yaml = self.yaml.clone();
        make_sync(move |_| {
            Response::builder()
                .content_type("application/x-yaml")
                .header("Content-Disposition", "inline; filename=\"openapi.yaml\"")
                .body(yaml.clone())
        })
    }

    /// Serves the XML Schemas, each at its file name (nest it at [`SCHEMAS_PATH`]).
    pub fn xsd_endpoint(&self) -> impl Endpoint + 'static {
        let mut route = poem::Route::new();
        for file in &self.xsd {
            let text = file.text.clone();
            let disposition = format!("inline; filename=\"{}\"", file.name);
            route = route.at(
                format!("/{}", file.name),
                make_sync(move |_| {
                    Response::builder()
                        .content_type("application/xml")
                        .header("Content-Disposition", disposition.as_str())
                        .body(text.clone())
                }),
            );
        }
        route
    }

    /// Swagger UI (embedded by poem-openapi, nothing downloaded) showing this
    /// document: poem-openapi's page with its generated document swapped for
    /// the finished one, and its OAuth receiver page.
    pub fn swagger_ui<T: OpenApi, W: Webhook>(
        &self,
        service: &OpenApiService<T, W>,
    ) -> anyhow::Result<impl Endpoint + 'static> {
        let generated = service.spec();
        let page = service.swagger_ui_html();
        anyhow::ensure!(
            page.matches(generated.as_str()).count() == 1,
            "Swagger UI's page does not embed the generated document once"
        );
        let page = page.replace(generated.as_str(), &self.json).replacen(
            "<head>",
            "<head>\n<link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.ico\">",
            1,
        );
        Ok(poem::Route::new()
            .at("/", make_sync(move |_| Html(page.clone())))
            .at("/oauth-receiver.html", service.swagger_ui())
            .at(RULES_PATH.trim_start_matches("/docs"), {
                let rules = self.rules.clone();
                make_sync(move |_| Html(rules.clone()))
            }))
    }
}

/// Documents what the edge does for every GET (`edge::conditional`): the
/// `If-None-Match` (and, where the answer has `Last-Modified`,
/// `If-Modified-Since`) it reads, the `ETag` every 200 carries (weak, of
/// the content, where the operation declares none), and the 304.
fn conditional_gets(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let string = json!({"type": "string"});
    for get in paths.values_mut().filter_map(|path| path.get_mut("get")) {
        let Some(ok) = get.pointer_mut("/responses/200").and_then(Value::as_object_mut) else {
            continue;
        };
        let Some(headers) = ok.entry("headers").or_insert_with(|| json!({})).as_object_mut() else {
            continue;
        };
        let declared = |name: &str| headers.keys().any(|k| k.eq_ignore_ascii_case(name));
        let has_last_modified = declared("Last-Modified");
        // The 304 carries the correlation id as every answer does, declared alike.
        let mut not_modified_headers = json!({"ETag": {"schema": string}});
        if let Some((name, correlation)) = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("X-Correlation-Id")) {
            not_modified_headers[name] = correlation.clone();
        }
        if !declared("ETag") {
            let description = "A weak tag of this answer's content, for `If-None-Match`.";
            headers.insert("ETag".into(), json!({"description": description, "schema": string}));
        }
        let mut parameters = vec![json!({
            "name": "If-None-Match", "in": "header", "required": false, "schema": string,
            "description": "ETags the client holds (or `*`): when one matches this answer's (compared weakly), the answer is 304 without a body."
        })];
        if has_last_modified {
            parameters.push(json!({
                "name": "If-Modified-Since", "in": "header", "required": false, "schema": string,
                "description": "An HTTP date: without `If-None-Match`, when the resource has not changed since (to the second), 304 without a body."
            }));
        }
        let operation = get.as_object_mut();
        if let Some(list) = operation.and_then(|op| op.entry("parameters").or_insert_with(|| json!([])).as_array_mut())
        {
            list.extend(parameters);
        }
        if let Some(responses) = get.get_mut("responses").and_then(Value::as_object_mut) {
            responses.insert("304".into(), json!({
                "description": "Not modified: the client's copy (named by `If-None-Match` or `If-Modified-Since`) is current. No body.",
                "headers": not_modified_headers
            }));
        }
    }
}

/// Every operation of the document (each method of each path).
fn operations(document: &mut Value) -> impl Iterator<Item = &mut Value> {
    let paths = document.get_mut("paths").and_then(Value::as_object_mut);
    paths
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
}

/// Header names as the wire and the documents spell them (`X-Correlation-Id`,
/// `ETag`, `Last-Modified`): poem-openapi writes those it declares in
/// capitals, which generated clients turn into `xCORRELATIONID`. Each
/// operation's correlation id goes after the operation's own parameters, so
/// that a generated call takes those first.
fn spell_headers(document: &mut Value) {
    for operation in operations(document) {
        if let Some(parameters) = operation.get_mut("parameters").and_then(Value::as_array_mut) {
            for parameter in parameters.iter_mut().filter(|p| p["in"] == "header") {
                if let Some(name) = parameter["name"].as_str() {
                    parameter["name"] = Value::String(spelled(name));
                }
            }
            let (correlation, own): (Vec<Value>, Vec<Value>) = parameters
                .drain(..)
                .partition(|p| p["in"] == "header" && p["name"] == "X-Correlation-Id");
            parameters.extend(own.into_iter().chain(correlation));
        }
        let responses = operation.get_mut("responses").and_then(Value::as_object_mut);
        for response in responses.into_iter().flat_map(|r| r.values_mut()) {
            if let Some(headers) = response.get_mut("headers").and_then(Value::as_object_mut) {
                *headers = std::mem::take(headers)
                    .into_iter()
                    .map(|(name, h)| (spelled(&name), h))
                    .collect();
            }
        }
    }
}

/// OpenAPI 3.0 lets only OAuth2 and OpenID Connect requirements list
/// scopes: poem-openapi writes the operation's scopes beside every scheme
/// an extractor takes, so those of `apiKey` schemes are emptied here.
fn unscoped_api_keys(document: &mut Value) {
    let api_keys: Vec<String> = document
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|schemes| {
            schemes
                .iter()
                .filter(|(_, s)| s["type"] == "apiKey")
                .map(|(name, _)| name.clone())
                .collect()
        })
        .unwrap_or_default();
    for operation in operations(document) {
        let requirements = operation.get_mut("security").and_then(Value::as_array_mut);
        for requirement in requirements.into_iter().flatten().filter_map(Value::as_object_mut) {
            for name in &api_keys {
                if let Some(scopes) = requirement.get_mut(name) {
                    *scopes = json!([]);
                }
            }
        }
    }
}

/// A header name as RFC 9110 and the vendors spell it: each word capitalised,
/// `ETag` and `WWW-Authenticate` as they are.
fn spelled(name: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "etag" => "ETag".into(),
        "www-authenticate" => "WWW-Authenticate".into(),
        lower => lower
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("-"),
    }
}

/// The wire rules as a page: one paragraph per blank-line-separated block,
/// `code` in backticks.
fn rules_page(rules: &str) -> String {
    let escape = |text: &str| text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let paragraphs: String = rules
        .split("\n\n")
        .map(|paragraph| {
            let html: String = escape(paragraph)
                .split('`')
                .enumerate()
                .map(|(i, part)| {
                    if i % 2 == 1 {
                        format!("<code>{part}</code>")
                    } else {
                        part.to_string()
                    }
                })
                .collect();
            format!("<p>{html}</p>\n")
        })
        .collect();
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>liaison: the wire rules</title>\
         <link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.ico\">\
         <style>body{{font:16px/1.5 sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}}</style></head>\
         <body><h1>The wire rules</h1>\n{paragraphs}<p><a href=\"/docs\">Back to the API docs</a></p></body></html>\n"
    )
}

/// Says on every authenticated POST what the edge does with an
/// `Idempotency-Key` (`edge::idempotent`). In the description, not as a
/// declared header: a key is the client's own choice, and a generator
/// filling it with one value for different bodies would only meet the 422.
fn idempotent_posts(document: &mut Value) {
    const TEXT: &str = "**Idempotency-Key** (optional header, 1-255 visible ASCII characters): a POST \
        sent again with the key of an earlier one from the same client, and the same path, query, \
        Content-Type and body, within 24 hours, writes nothing and gets the first answer again \
        (status, `Location`, `ETag`, body), marked `Idempotent-Replayed: true`; with another \
        request, 422; while the first is still in progress, 409. An answer of the server's own \
        failure (5xx) is not kept: the retry runs.";
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for post in paths.values_mut().filter_map(|path| path.get_mut("post")) {
        let authenticated = post
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|s| !s.is_empty());
        if let (true, Some(operation)) = (authenticated, post.as_object_mut()) {
            // Its 409 and 422 are worded as the operation's 400 is.
            if let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) {
                let refused = responses.get("400").cloned().unwrap_or_else(|| json!({}));
                for (status, why) in [
                    ("409", "`Idempotency-Key`: a request with this key is in progress."),
                    ("422", "`Idempotency-Key`: the key was used for another request."),
                ] {
                    responses.entry(status).or_insert_with(|| {
                        let mut response = refused.clone();
                        response["description"] = Value::String(why.into());
                        response
                    });
                }
            }
            let description = operation.get("description").and_then(Value::as_str).unwrap_or_default();
            let description = if description.is_empty() {
                TEXT.to_string()
            } else {
                format!("{description}\n\n{TEXT}")
            };
            operation.insert("description".into(), Value::String(description));
        }
    }
}

/// The schemas the document's bodies refer to.
struct Bodies {
    /// Component names of request bodies.
    requests: Vec<String>,
    /// Component names the parameters' schemas refer to.
    parameters: Vec<String>,
    /// Component names of every body, request or response.
    roots: Vec<String>,
    /// Every XML media type: its JSON pointer and its schema's component name.
    xml_media: Vec<(String, String)>,
    /// Every urlencoded request media type, the same way.
    form_media: Vec<(String, String)>,
}

impl Bodies {
    fn of(document: &Value) -> anyhow::Result<Self> {
        let paths = document["paths"].as_object().context("the document has no paths")?;
        let mut bodies = Bodies {
            requests: Vec::new(),
            parameters: Vec::new(),
            roots: Vec::new(),
            xml_media: Vec::new(),
            form_media: Vec::new(),
        };
        for (path, item) in paths {
            let Some(item) = item.as_object() else { continue };
            for (method, operation) in item {
                let here = format!("/paths/{}/{method}", escape_pointer(path));
                references(&operation["parameters"], &mut bodies.parameters);
                if let Some(content) = operation["requestBody"]["content"].as_object() {
                    bodies.media(&format!("{here}/requestBody/content"), content, true);
                }
                for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                    if let Some(content) = response["content"].as_object() {
                        bodies.media(&format!("{here}/responses/{status}/content"), content, false);
                    }
                }
            }
        }
        Ok(bodies)
    }

    fn media(&mut self, pointer: &str, content: &Map<String, Value>, request: bool) {
        for (media_type, media) in content {
            let Some(name) = component(&media["schema"]) else {
                continue;
            };
            if request && !self.requests.contains(&name) {
                self.requests.push(name.clone());
            }
            if !self.roots.contains(&name) {
                self.roots.push(name.clone());
            }
            if request && media_type == "application/x-www-form-urlencoded" {
                self.form_media
                    .push((format!("{pointer}/{}", escape_pointer(media_type)), name.clone()));
            }
            if media_type.ends_with("xml") {
                self.xml_media
                    .push((format!("{pointer}/{}", escape_pointer(media_type)), name));
            }
        }
    }
}

/// The component a `$ref` schema names.
fn component(schema: &Value) -> Option<String> {
    schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(str::to_string)
}

/// A JSON pointer's escaping of one reference token (RFC 6901).
fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Every component `schema` refers to, at any depth of its own text.
fn references(schema: &Value, found: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(_)) => {
                        if let Some(name) = component(schema) {
                            found.push(name);
                        }
                    }
                    // Examples hold data, not schemas.
                    ("example" | "examples" | "default" | "enum", _) => {}
                    _ => references(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

/// `from` and every component they refer to, at any depth.
fn reachable(schemas: &Map<String, Value>, from: &[String]) -> Vec<String> {
    let mut reached: Vec<String> = Vec::new();
    for name in from {
        if !reached.contains(name) {
            reached.push(name.clone());
        }
    }
    let mut next = 0;
    while next < reached.len() {
        let mut found = Vec::new();
        if let Some(schema) = schemas.get(&reached[next]) {
            references(schema, &mut found);
        }
        for name in found {
            if !reached.contains(&name) {
                reached.push(name);
            }
        }
        next += 1;
    }
    reached
}

/// Marks every object schema of `reached` (from request bodies and
/// parameters) as closed.
fn close(schemas: &mut Map<String, Value>, reached: &[String], open: &[&str]) {
    for name in reached.iter().filter(|name| !open.contains(&name.as_str())) {
        if let Some(schema) = schemas.get_mut(name).and_then(Value::as_object_mut) {
            close_object(schema);
        }
    }
}

/// Gives every string schema in `schema` (at any depth) that has no pattern,
/// format or enumeration the storable-text pattern.
fn screen_strings(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let free = map.get("type").and_then(Value::as_str) == Some("string")
                && !["pattern", "format", "enum"].iter().any(|key| map.contains_key(*key));
            if free {
                map.insert("pattern".into(), Value::String(text::STORABLE_PATTERN.into()));
            }
            for (key, value) in map.iter_mut() {
                // Examples hold data, not schemas.
                if !matches!(key.as_str(), "example" | "examples" | "default" | "enum") {
                    screen_strings(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(screen_strings),
        _ => {}
    }
}

/// Appends each operation's table of parameters ([`Finish::parameters`])
/// to those poem-openapi declared.
fn declare_parameters(document: &mut Value, tables: &[TableParameters]) {
    for operation in operations(document).filter_map(Value::as_object_mut) {
        let Some(&(_, table)) = tables
            .iter()
            .find(|(id, _)| operation.get("operationId").is_some_and(|o| o == *id))
        else {
            continue;
        };
        if let Some(parameters) = operation
            .entry("parameters")
            .or_insert_with(|| json!([]))
            .as_array_mut()
        {
            parameters.extend(table());
        }
    }
}

/// [`screen_strings`] on every query and path parameter's own schema.
fn screen_parameters(document: &mut Value) {
    for operation in operations(document) {
        let parameters = operation.get_mut("parameters").and_then(Value::as_array_mut);
        for parameter in parameters.into_iter().flatten() {
            if matches!(parameter["in"].as_str(), Some("query" | "path")) {
                if let Some(schema) = parameter.get_mut("schema") {
                    screen_strings(schema);
                }
            }
        }
    }
}

/// Closes an object schema and the inline object schemas of its properties.
fn close_object(schema: &mut Map<String, Value>) {
    if !schema.contains_key("properties") || schema.contains_key("additionalProperties") {
        return;
    }
    schema.insert("additionalProperties".into(), Value::Bool(false));
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        for property in properties.values_mut() {
            if let Some(inline) = property.as_object_mut() {
                close_object(inline);
            }
        }
    }
}

/// Schemas that are the items of another schema's array.
fn array_items(schemas: &Map<String, Value>) -> Vec<String> {
    let mut items = Vec::new();
    for schema in schemas.values() {
        for property in schema["properties"].as_object().into_iter().flatten().map(|(_, p)| p) {
            if let Some(name) = component(&property["items"]) {
                items.push(name);
            }
        }
    }
    items
}

/// The XML root element (and namespace) of a body schema.
fn root_of<'r>(name: &'r str, roots: &'r [Root]) -> (&'r str, Option<&'r str>) {
    roots
        .iter()
        .find(|r| r.schema == name)
        .map_or((name, None), |r| (r.element, r.namespace))
}

/// Names each body schema's XML root, where that cannot rename array items.
fn name_roots(schemas: &mut Map<String, Value>, bodies: &Bodies, roots: &[Root]) {
    let items = array_items(schemas);
    for name in bodies.roots.iter().filter(|name| !items.contains(name)) {
        let Some(schema) = schemas.get_mut(name).and_then(Value::as_object_mut) else {
            continue;
        };
        let (element, namespace) = root_of(name, roots);
        let mut xml = json!({ "name": element });
        if let Some(namespace) = namespace {
            xml["namespace"] = Value::String(namespace.into());
        }
        schema.insert("xml".into(), xml);
    }
}

/// The `encoding` of each urlencoded media type whose schema has object
/// properties: `deepObject`, Rack's nesting.
fn form_encodings(schemas: &Map<String, Value>, bodies: &Bodies) -> Vec<(String, Value)> {
    bodies
        .form_media
        .iter()
        .filter_map(|(pointer, name)| {
            let properties = schemas.get(name)?.get("properties")?.as_object()?;
            let nested: Map<String, Value> = properties
                .iter()
                .filter(|(_, property)| {
                    let target = component(property)
                        .or_else(|| component(&property["allOf"][0]))
                        .and_then(|c| schemas.get(&c));
                    target.unwrap_or(property)["type"] == "object"
                })
                .map(|(key, _)| (key.clone(), json!({"style": "deepObject", "explode": true})))
                .collect();
            (!nested.is_empty()).then(|| (pointer.clone(), Value::Object(nested)))
        })
        .collect()
}

/// The XML example of each XML media type whose schema has an example.
fn xml_examples(schemas: &Map<String, Value>, bodies: &Bodies, roots: &[Root]) -> Vec<(String, String)> {
    bodies
        .xml_media
        .iter()
        .filter_map(|(pointer, name)| {
            let example = schemas.get(name)?.get("example")?;
            let (element, namespace) = root_of(name, roots);
            Some((pointer.clone(), xml::to_xml(element, namespace, example)))
        })
        .collect()
}

#[cfg(test)]
mod tests;
