//! The served OpenAPI document is the contract: its XML examples are
//! documents the server reads, and the bodies it says are closed are.

use serde_json::{Value, json};

use crate::harness::*;

/// Every operation of the served document that takes a request body:
/// (method, path with the path parameters' examples, operation).
fn operations_with_bodies(spec: &Value) -> Vec<(reqwest::Method, String, Value)> {
    let mut found = Vec::new();
    for (template, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if operation.get("requestBody").is_none() {
                continue;
            }
            let mut path = template.clone();
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["in"] == "path" {
                    let example = &parameter["schema"]["example"];
                    let value = example.as_str().map_or_else(|| example.to_string(), str::to_string);
                    path = path.replace(&format!("{{{}}}", parameter["name"].as_str().expect("name")), &value);
                }
            }
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            found.push((method, path, operation.clone()));
        }
    }
    found
}

/// The component schema a media type refers to.
fn schema_of<'s>(spec: &'s Value, media: &Value) -> &'s Value {
    let name = media["schema"]["$ref"].as_str().expect("a body schema is a component");
    &spec["components"]["schemas"][name.trim_start_matches("#/components/schemas/")]
}

async fn served_spec(app: &TestApp) -> Value {
    json(app.client.get(app.url("/openapi.json")).send().await.expect("spec")).await
}

engine_tests! {
    async fn every_xml_example_in_the_spec_is_read_as_its_json_example(app: &TestApp) {
        let spec = served_spec(app).await;
        let token = format!("Bearer {}", app.demo_token().await);
        let mut sent = 0;
        for (method, path, operation) in operations_with_bodies(&spec) {
            let content = &operation["requestBody"]["content"];
            let Some(example) = content["application/xml"]["example"].as_str() else {
                assert!(
                    schema_of(&spec, &content["application/json"]).get("example").is_none(),
                    "{method} {path}: a schema example without its XML example"
                );
                continue;
            };
            let send = |body: reqwest::RequestBuilder| async {
                let response = body.header("authorization", &token).header("accept", "application/json").send().await.expect("request");
                let status = response.status().as_u16();
                (status, response.text().await.expect("body"))
            };
            let xml = send(app.client.request(method.clone(), app.url(&path)).header("content-type", "application/xml").body(example.to_string())).await;
            let json_example = schema_of(&spec, &content["application/json"])["example"].clone();
            let json = send(app.client.request(method.clone(), app.url(&path)).json(&json_example)).await;
            if method == reqwest::Method::POST {
                // A create may collide with a demo row or with the row the
                // first made (409, or Relationship users' 422 "has already
                // been taken"): answers given only after the body was read.
                assert!(matches!(xml.0, 200 | 201 | 409), "{method} {path} XML: {xml:?}");
                assert!(matches!(json.0, 200 | 201 | 409 | 422), "{method} {path} JSON: {json:?}");
            } else {
                assert!(matches!(xml.0, 200..=299), "{method} {path} XML: {xml:?}");
                assert_eq!(xml.0, json.0, "{method} {path}: XML {xml:?}, JSON {json:?}");
            }
            sent += 1;
        }
        assert!(sent >= 20, "sent {sent} XML examples");
    }

    async fn every_closed_body_refuses_an_unknown_field_at_every_depth(app: &TestApp) {
        let spec = served_spec(app).await;
        let token = format!("Bearer {}", app.demo_token().await);
        let mut refused = 0;
        for (method, path, operation) in operations_with_bodies(&spec) {
            let media = &operation["requestBody"]["content"]["application/json"];
            let schema = schema_of(&spec, media);
            let Some(example) = schema.get("example") else { continue };
            for (pointer, closed) in closed_objects(&spec, schema, example, "") {
                let mut body = example.clone();
                let object = body.pointer_mut(&pointer).and_then(Value::as_object_mut).expect("object");
                object.insert("unexpectedField".into(), json!(1));
                let response = send_body(app, method.clone(), &path, &token, (Enc::Json, ""), &body).await;
                let status = response.status().as_u16();
                let text = response.text().await.expect("body");
                if closed {
                    assert!(matches!(status, 400 | 422), "{method} {path} at {pointer:?}: {status} {text}");
                    assert!(text.contains("unexpectedField"), "{method} {path} at {pointer:?}: {text}");
                    refused += 1;
                } else {
                    assert!(matches!(status, 200..=299 | 409), "{method} {path} at {pointer:?} is open: {status} {text}");
                }
            }
        }
        assert!(refused >= 25, "refused {refused} bodies");
    }
}

/// The objects inside `example` (JSON pointers) with whether `schema` says
/// they are closed (`additionalProperties: false`).
fn closed_objects(spec: &Value, schema: &Value, example: &Value, pointer: &str) -> Vec<(String, bool)> {
    let schema = match schema["$ref"].as_str().or_else(|| schema["allOf"][0]["$ref"].as_str()) {
        Some(name) => &spec["components"]["schemas"][name.trim_start_matches("#/components/schemas/")],
        None => schema,
    };
    let Some(members) = example.as_object() else {
        return Vec::new();
    };
    if schema.get("properties").is_none() {
        return Vec::new();
    }
    let mut found = vec![(pointer.to_string(), schema["additionalProperties"] == json!(false))];
    for (name, value) in members {
        let property = &schema["properties"][name];
        found.extend(closed_objects(spec, property, value, &format!("{pointer}/{name}")));
    }
    found
}
