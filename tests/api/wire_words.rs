//! Never our internals: every operation of the served spec, sent a malformed
//! value for each of its path, query and header parameters and malformed
//! bodies (a wrong JSON type for each field, an unknown field, broken JSON,
//! broken XML, a wrong XML value, a malformed form where forms are read),
//! answers 4xx and names nothing internal: no generated parameter name, no
//! schema component or Rust type, no format token.

use serde_json::{Value, json};

use crate::harness::*;

/// Text that only internals would put in an answer.
const INTERNAL: &[&str] = &[
    "param0",
    "param1",
    "param2",
    "optional_",
    "string_uuid",
    "uint64",
    "int64",
    "uint32",
    "int32",
    "::",
    "Option<",
    "Vec<",
    "String",
    "BTreeMap",
    "HashMap",
    "Uuid",
    "MaybeUndefined",
    "failed to parse",
    "Expected input type",
    "expects an input value",
    "occurred while parsing",
    "$text",
    "serde",
    "poem",
];

struct Spec {
    doc: Value,
}

impl Spec {
    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..8 {
            if let Some(reference) = schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
                // A schema, or a shared parameter or response (`components/parameters/...`).
                schema = self.doc.pointer(reference).unwrap_or(&Value::Null);
            } else if schema["allOf"].as_array().is_some_and(|a| a.len() == 1) {
                schema = &schema["allOf"][0];
            } else {
                break;
            }
        }
        schema
    }

    /// Component names that read as internals (compound words, `RelationshipEnvelope`):
    /// single words like `Relationship` are also the entities' English names.
    fn internal_names(&self) -> Vec<String> {
        self.doc["components"]["schemas"]
            .as_object()
            .expect("components")
            .keys()
            .filter(|name| name.contains('_') || name.chars().filter(char::is_ascii_uppercase).count() > 1)
            .cloned()
            .collect()
    }

    /// Every enum value the spec documents: words a message may quote.
    fn enum_values(&self) -> Vec<String> {
        self.doc["components"]["schemas"]
            .as_object()
            .expect("components")
            .values()
            .filter_map(|schema| schema["enum"].as_array())
            .flatten()
            .filter_map(|value| value.as_str().map(str::to_string))
            .collect()
    }

    /// A value `schema` takes, so that one malformed field is the only fault.
    fn sample(&self, schema: &Value) -> Value {
        let s = self.resolve(schema);
        if let Some(first) = s["enum"].as_array().and_then(|e| e.first()) {
            return first.clone();
        }
        match s["type"].as_str().unwrap_or_default() {
            "string" => match s["format"].as_str() {
                Some("uuid") => json!(uuid::Uuid::new_v4().to_string()),
                Some("date") => json!("2026-05-01"),
                Some("date-time") => json!("2026-05-01T00:00:00Z"),
                _ => json!("x"),
            },
            "integer" | "number" => json!(1),
            "boolean" => json!(true),
            "array" => json!([self.sample(&s["items"])]),
            "object" => {
                let mut object = serde_json::Map::new();
                // The schema's own example, where it has one: it fits the
                // patterns the sampler does not read.
                for (name, property) in s["properties"].as_object().into_iter().flatten() {
                    let example = s["example"].get(name).cloned();
                    object.insert(name.clone(), example.unwrap_or_else(|| self.sample(property)));
                }
                Value::Object(object)
            }
            _ => json!("x"),
        }
    }

    /// A value of the wrong JSON type for `schema`.
    fn wrong_type(&self, schema: &Value) -> Value {
        match self.resolve(schema)["type"].as_str().unwrap_or_default() {
            "string" => json!(true),
            "integer" | "number" | "boolean" => json!("not-a-value"),
            "array" => json!({"an": "object"}),
            "object" => json!([1, 2]),
            _ => json!(null),
        }
    }

    /// Text a parameter of `schema` cannot take, each a separate case.
    fn malformed(&self, schema: &Value) -> Vec<String> {
        let s = self.resolve(schema);
        if s["enum"].is_array() {
            return vec!["bogus".into()];
        }
        match s["type"].as_str().unwrap_or_default() {
            "integer" | "number" => {
                let mut cases = vec!["abc".to_string(), "1.5x".to_string()];
                if let Some(min) = s["minimum"].as_f64() {
                    cases.push(format!("{}", min as i64 - 1));
                }
                if let Some(max) = s["maximum"].as_f64() {
                    cases.push(format!("{}", max as i64 + 1));
                }
                if s["format"] == "uint64" || s["format"] == "uint32" {
                    cases.push("-1".into());
                }
                cases
            }
            "boolean" => vec!["maybe".into()],
            "string" if s["format"] == "uuid" => vec!["not-a-uuid".into(), "%01".into()],
            _ => vec!["%01".into()],
        }
    }

    /// Text a parameter of `schema` takes.
    fn valid(&self, schema: &Value) -> String {
        match self.sample(schema) {
            Value::String(s) => s,
            other => other.to_string(),
        }
    }
}

/// One request of the walk: what was sent, and what came back.
struct Case {
    label: String,
    sent: String,
    status: u16,
    body: String,
}

/// The internals `case`'s answer names: `internal_names` are component
/// names, `documented` the words the spec itself gives clients.
fn leaks(case: &Case, internal_names: &[String], documented: &[String]) -> Vec<String> {
    let mut found: Vec<String> = INTERNAL
        .iter()
        .filter(|token| case.body.contains(**token))
        .map(|token| token.to_string())
        .collect();
    for word in case.body.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
        let echoed = case.sent.contains(word) || documented.iter().any(|d| d == word);
        if word.len() > "Draft".len() && word.ends_with("Draft") && !echoed {
            found.push(word.to_string());
        }
        if internal_names.iter().any(|n| n == word) && !echoed {
            found.push(word.to_string());
        }
    }
    found
}

async fn send(
    app: &TestApp,
    method: &str,
    url: &str,
    headers: &[(&str, &[u8])],
    body: Option<(&str, Vec<u8>)>,
) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method");
    let mut request = app.client.request(method, app.url(url)).bearer_auth(&app.token);
    for (name, value) in headers {
        let value = reqwest::header::HeaderValue::from_bytes(value).expect("header value");
        request = request.header(*name, value);
    }
    if let Some((content_type, bytes)) = body {
        request = request.header("content-type", content_type).body(bytes);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// Every malformed request of one operation.
async fn walk_operation(app: &TestApp, spec: &Spec, template: &str, method: &str, op: &Value) -> Vec<Case> {
    let mut cases = Vec::new();
    let parameters: Vec<&Value> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| spec.resolve(p))
        .collect();
    let path_with = |malformed: Option<(&str, &str)>| {
        let mut path = template.to_string();
        for p in parameters.iter().filter(|p| p["in"] == "path") {
            let name = p["name"].as_str().unwrap_or_default();
            let value = match malformed {
                Some((bad, text)) if bad == name => text.to_string(),
                _ => spec.valid(&p["schema"]),
            };
            path = path.replace(&format!("{{{name}}}"), &value);
        }
        path
    };
    let required_query: String = parameters
        .iter()
        .filter(|p| p["in"] == "query" && p["required"] == true)
        .map(|p| {
            format!(
                "{}={}&",
                p["name"].as_str().unwrap_or_default(),
                spec.valid(&p["schema"])
            )
        })
        .collect();
    let label = format!("{} {template}", method.to_uppercase());
    for p in &parameters {
        let name = p["name"].as_str().unwrap_or_default();
        let location = p["in"].as_str().unwrap_or_default();
        let schema = spec.resolve(&p["schema"]);
        let mut urls: Vec<(String, String)> = Vec::new();
        match location {
            "path" => {
                for bad in spec.malformed(schema) {
                    urls.push((format!("path {name}={bad}"), path_with(Some((name, &bad)))));
                }
            }
            "query" => {
                let others: String = required_query
                    .split('&')
                    .filter(|pair| !pair.is_empty() && !pair.starts_with(&format!("{name}=")))
                    .map(|pair| format!("{pair}&"))
                    .collect();
                let mut queries: Vec<String> = Vec::new();
                if schema["type"] == "object" && schema["properties"].is_object() {
                    for (property, property_schema) in schema["properties"].as_object().into_iter().flatten() {
                        for bad in spec.malformed(property_schema) {
                            queries.push(format!("{name}[{property}]={bad}"));
                        }
                    }
                    queries.push(format!("{name}[bogus]=1"));
                } else {
                    queries.extend(spec.malformed(schema).into_iter().map(|bad| format!("{name}={bad}")));
                }
                if p["required"] == true {
                    queries.push(String::new());
                }
                for query in queries {
                    urls.push((format!("query {query}"), format!("{}?{others}{query}", path_with(None))));
                }
            }
            // Documented as never an error: a malformed correlation id is replaced.
            "header" if name.eq_ignore_ascii_case("X-Correlation-Id") => {}
            "header" => {
                let (status, body) = send(app, method, &path_with(None), &[(name, b"\xff\xfe bytes")], None).await;
                cases.push(Case {
                    label: format!("{label}: header {name}"),
                    sent: name.to_string(),
                    status,
                    body,
                });
            }
            _ => {}
        }
        for (what, url) in urls {
            let (status, body) = send(app, method, &url, &[], None).await;
            cases.push(Case {
                label: format!("{label}: {what}"),
                sent: url,
                status,
                body,
            });
        }
    }
    if let Some(content) = op["requestBody"]["content"].as_object() {
        let schema_ref = &content["application/json"]["schema"];
        let root = schema_ref["$ref"]
            .as_str()
            .and_then(|r| r.rsplit('/').next())
            .unwrap_or("body");
        let schema = spec.resolve(schema_ref);
        let sample = spec.sample(schema);
        let mut bodies: Vec<(String, &str, Vec<u8>)> = vec![
            ("broken JSON".into(), "application/json", b"{\"a\": ".to_vec()),
            ("JSON array".into(), "application/json", b"[1, 2]".to_vec()),
            (
                "broken XML".into(),
                "application/xml",
                format!("<{root}><a>x</b></{root}>").into_bytes(),
            ),
            ("XML with a DTD".into(), "application/xml", b"<!DOCTYPE x><x/>".to_vec()),
        ];
        let mut unknown = sample.clone();
        unknown["bogusField"] = json!(1);
        bodies.push((
            "unknown field".into(),
            "application/json",
            unknown.to_string().into_bytes(),
        ));
        let xml = liaison::xml::to_xml(root, None, &unknown);
        bodies.push(("unknown XML element".into(), "application/xml", xml.into_bytes()));
        for (property, property_schema) in schema["properties"].as_object().into_iter().flatten() {
            let mut wrong = sample.clone();
            wrong[property] = spec.wrong_type(property_schema);
            bodies.push((
                format!("JSON {property}"),
                "application/json",
                wrong.to_string().into_bytes(),
            ));
            let mut nested = sample.clone();
            nested[property] = json!({"deep": {"deeper": 1}});
            let xml = liaison::xml::to_xml(root, None, &nested);
            bodies.push((format!("XML {property}"), "application/xml", xml.into_bytes()));
            if content.contains_key("application/x-www-form-urlencoded") {
                let form = format!("{}&{property}[][]=1", rack_form(&sample));
                bodies.push((
                    format!("form {property}"),
                    "application/x-www-form-urlencoded",
                    form.into_bytes(),
                ));
            }
        }
        if content.contains_key("multipart/form-data") {
            let file = "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.png\"\r\n\
                        Content-Type: image/png\r\n\r\n\u{1}PNG\r\n--B--\r\n";
            bodies.push(("multipart file".into(), "multipart/form-data; boundary=B", file.into()));
            bodies.push((
                "multipart garbage".into(),
                "multipart/form-data; boundary=B",
                b"--B\r\nnonsense".to_vec(),
            ));
            bodies.push((
                "multipart without boundary".into(),
                "multipart/form-data",
                b"x".to_vec(),
            ));
        }
        for (what, content_type, bytes) in bodies {
            let sent = String::from_utf8_lossy(&bytes).to_string();
            let (status, body) = send(app, method, &path_with(None), &[], Some((content_type, bytes))).await;
            cases.push(Case {
                label: format!("{label}: body, {what}"),
                sent,
                status,
                body,
            });
        }
    }
    cases
}

engine_tests! {
    async fn a_header_that_is_not_text_is_refused_not_ignored_except_the_correlation_id(app: &TestApp) {
        let (status, body) = send(app, "get", "/api/setup/organizations", &[("X-Correlation-Id", b"\xff\xfe")], None).await;
        assert_eq!(status, 200, "{body}");
        let organization = create_organization(app, "Headers").await;
        let id = organization["entityId"].as_str().expect("id");
        let body = json!({"name": "Renamed"}).to_string().into_bytes();
        let (status, answer) = send(app, "put", &format!("/api/setup/organizations/{id}"), &[("If-Match", b"\"\xff\"")], Some(("application/json", body))).await;
        assert_eq!(status, 400, "an If-Match the framework cannot read is not taken for no If-Match");
        let answer: Value = serde_json::from_str(&answer).expect("JSON");
        assert_eq!(answer["errors"], json!([{"field": "If-Match", "message": "must be text (visible ASCII characters and spaces)"}]));
        let stored = json(app.get(&format!("/api/setup/organizations/{id}")).send().await.expect("request")).await;
        assert_eq!(stored["name"], "Headers", "nothing changed");
    }

    async fn no_answer_to_a_malformed_request_names_an_internal(app: &TestApp) {
        let doc = json(app.client.get(app.url("/openapi.json")).send().await.expect("spec")).await;
        let spec = Spec { doc };
        let internal_names = spec.internal_names();
        let documented = spec.enum_values();
        let mut failures = Vec::new();
        let mut count = 0;
        let paths = spec.doc["paths"].as_object().expect("paths").clone();
        for (template, item) in &paths {
            for (method, op) in item.as_object().expect("path item") {
                if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    continue;
                }
                for case in walk_operation(app, &spec, template, method, op).await {
                    count += 1;
                    let leaked = leaks(&case, &internal_names, &documented);
                    if !(400..500).contains(&case.status) || !leaked.is_empty() {
                        failures.push(format!("{} -> {} {leaked:?}: {}", case.label, case.status, case.body));
                    }
                }
            }
        }
        assert!(count > 300, "only {count} requests");
        assert!(failures.is_empty(), "{} of {count}:\n{}", failures.len(), failures.join("\n"));
    }
}
