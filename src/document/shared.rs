//! Responses, headers and header parameters declared once. poem-openapi
//! writes every operation's responses in full, each header inline: the same
//! 400 or `X-Correlation-Id` restated hundreds of times. The last step of
//! the finishing pass moves each distinct response to
//! `components/responses`, each distinct response header to
//! `components/headers` and each distinct header parameter (the
//! correlation id, `If-Match`, ...) to `components/parameters`, and leaves
//! references where they were: the same document, a third of the size, and
//! each shared declaration read once.

use serde_json::{Map, Value, json};

/// Replaces every operation's responses, their headers and its header
/// parameters by references to one declaration of each (see the module's
/// documentation).
pub(super) fn share_responses(document: &mut Value) {
    let mut headers = Shared::new("headers");
    let mut responses = Shared::new("responses");
    let mut parameters = Shared::new("parameters");
    for operation in super::operations(document) {
        if let Some(taken) = operation.get_mut("parameters").and_then(Value::as_array_mut) {
            for parameter in taken.iter_mut().filter(|p| p["in"] == "header") {
                let name = identifier(parameter["name"].as_str().unwrap_or("Header"));
                parameters.refer(&name, parameter);
            }
        }
        let Some(answers) = operation.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        for (status, response) in answers.iter_mut() {
            if let Some(declared) = response.get_mut("headers").and_then(Value::as_object_mut) {
                for (name, header) in declared.iter_mut() {
                    headers.refer(&identifier(name), header);
                }
            }
            let name = format!("{}{status}", response_stem(response));
            responses.refer(&name, response);
        }
    }
    if let Some(components) = document.get_mut("components").and_then(Value::as_object_mut) {
        for shared in [headers, responses, parameters] {
            components.insert(shared.section.into(), Value::Object(shared.declared));
        }
    }
}

/// The declarations of one section of `components`, each distinct value once.
struct Shared {
    /// `headers`, `responses` or `parameters`.
    section: &'static str,
    declared: Map<String, Value>,
    /// Each declared value's name, by the value's text.
    names: std::collections::HashMap<String, String>,
}

impl Shared {
    fn new(section: &'static str) -> Self {
        Self {
            section,
            declared: Map::new(),
            names: std::collections::HashMap::new(),
        }
    }

    /// Declares what `slot` holds (see [`Shared::declare`]) and leaves a
    /// reference to it there.
    fn refer(&mut self, stem: &str, slot: &mut Value) {
        let name = self.declare(stem, slot.take());
        *slot = json!({"$ref": format!("#/components/{}/{name}", self.section)});
    }

    /// The name `value` is declared under: the one it already has, or
    /// `stem` (`stem_2`, `stem_3`, ... where another value has that).
    fn declare(&mut self, stem: &str, value: Value) -> String {
        let text = value.to_string();
        if let Some(name) = self.names.get(&text) {
            return name.clone();
        }
        let name = (1..)
            .map(|n| {
                if n == 1 {
                    stem.to_string()
                } else {
                    format!("{stem}_{n}")
                }
            })
            .find(|name| !self.declared.contains_key(name))
            .expect("an unused name");
        self.declared.insert(name.clone(), value);
        self.names.insert(text, name.clone());
        name
    }
}

/// A response's name before its status: the schema its content answers
/// with (`RiskErrorEnvelope`), or `Empty` when it has none.
fn response_stem(response: &Value) -> String {
    let schema = response["content"]
        .as_object()
        .and_then(|content| content.values().next())
        .and_then(|media| media["schema"]["$ref"].as_str())
        .and_then(|reference| reference.rsplit('/').next());
    identifier(schema.unwrap_or("Empty"))
}

/// `name` as a component name: its letters and digits (`X-Correlation-Id`
/// is `XCorrelationId`).
fn identifier(name: &str) -> String {
    name.chars().filter(char::is_ascii_alphanumeric).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::share_responses;

    #[test]
    fn each_distinct_response_and_header_is_declared_once_and_referred_to() {
        let header = json!({"description": "The request's correlation id.", "schema": {"type": "string"}});
        let bad = json!({"description": "Bad", "headers": {"X-Correlation-Id": header},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}});
        let other_bad = json!({"description": "Bad in another way", "headers": {"X-Correlation-Id": header},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}});
        let correlation = json!({"name": "X-Correlation-Id", "in": "header", "schema": {"type": "string"}});
        let mut document = json!({
            "paths": {
                "/a": {"get": {"parameters": [{"name": "id", "in": "path"}, correlation],
                    "responses": {"400": bad, "204": {"description": "Done"}}}},
                "/b": {"put": {"responses": {"400": bad}}, "post": {"responses": {"400": other_bad}}}
            },
            "components": {"schemas": {}}
        });
        share_responses(&mut document);
        assert_eq!(
            document["paths"]["/a"]["get"]["responses"]["400"],
            json!({"$ref": "#/components/responses/Problem400"})
        );
        assert_eq!(
            document["paths"]["/b"]["put"]["responses"]["400"],
            json!({"$ref": "#/components/responses/Problem400"})
        );
        assert_eq!(
            document["paths"]["/b"]["post"]["responses"]["400"],
            json!({"$ref": "#/components/responses/Problem400_2"})
        );
        assert_eq!(
            document["paths"]["/a"]["get"]["responses"]["204"],
            json!({"$ref": "#/components/responses/Empty204"})
        );
        let responses = document["components"]["responses"].as_object().expect("responses");
        assert_eq!(responses.len(), 3);
        assert_eq!(responses["Problem400_2"]["description"], "Bad in another way");
        assert_eq!(
            responses["Problem400"]["headers"]["X-Correlation-Id"],
            json!({"$ref": "#/components/headers/XCorrelationId"})
        );
        assert_eq!(document["components"]["headers"], json!({"XCorrelationId": header}));
        assert_eq!(
            document["paths"]["/a"]["get"]["parameters"],
            json!([{"name": "id", "in": "path"}, {"$ref": "#/components/parameters/XCorrelationId"}])
        );
        assert_eq!(
            document["components"]["parameters"],
            json!({"XCorrelationId": correlation})
        );
    }
}
