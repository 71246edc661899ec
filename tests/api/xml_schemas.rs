//! The XML Schemas (`/schemas/liaison.xsd` and the `problem.xsd` it
//! imports) are served as committed and hold for what liaison writes: every
//! XML example of the spec and the XML answers of every operation validate
//! against them (with `xmllint`), and a document with an element they do
//! not know does not.
//!
//! `xmllint` (Debian's `libxml2-utils`) is needed; without it these checks
//! are skipped with a message, except under `CI=true`, where that is a
//! failure (`scripts/test` installs it when it can).

use std::path::Path;
use std::process::Command;

use liaison::context::ApiContext;
use serde_json::Value;

use crate::harness::*;

/// Whether `xmllint` can run; `false` (with a message) skips the check.
fn xmllint_available() -> bool {
    let found = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "xmllint is not installed (apt-get install libxml2-utils): the XML Schema checks cannot be skipped in CI"
        );
        eprintln!("SKIPPED: xmllint is not installed (apt-get install libxml2-utils)");
    }
    found
}

/// The schemas as liaison writes them, in a folder of their own.
fn schemas_in(dir: &Path) -> std::path::PathBuf {
    for (name, text) in liaison::xml_schemas(ApiContext::detached()).expect("the schemas") {
        std::fs::write(dir.join(name), text).expect("write a schema");
    }
    dir.join("liaison.xsd")
}

/// Validates each document against the schemas; returns the label and
/// xmllint's words for each one that does not validate.
fn invalid(documents: &[(String, String)]) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let schema = schemas_in(dir.path());
    let files: Vec<std::path::PathBuf> = documents
        .iter()
        .enumerate()
        .map(|(i, (_, text))| {
            let file = dir.path().join(format!("{i}.xml"));
            std::fs::write(&file, text).expect("write a document");
            file
        })
        .collect();
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .args(&files)
        .output()
        .expect("xmllint runs");
    let said = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        !said.contains("failed to compile"),
        "the schemas do not compile: {said}"
    );
    files
        .iter()
        .zip(documents)
        .filter(|(file, _)| !said.contains(&format!("{} validates", file.display())))
        .map(|(file, (label, text))| {
            let file = file.display().to_string();
            let words: Vec<&str> = said.lines().filter(|line| line.starts_with(&file)).collect();
            (label.clone(), format!("{}\n{text}", words.join("\n")))
        })
        .collect()
}

/// `document` with an element no schema declares, last in its root.
fn with_unknown_element(document: &str) -> String {
    let close = document.rfind("</").expect("a closing tag");
    format!("{}<notInTheSchema/>{}", &document[..close], &document[close..])
}

/// Every XML example of the spec, labelled by where it is.
fn spec_examples(value: &Value, at: &str, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                let here = format!("{at}/{key}");
                match member["example"].as_str() {
                    Some(example) if key.ends_with("xml") => found.push((here, example.to_string())),
                    _ => spec_examples(member, &here, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| spec_examples(item, at, found)),
        _ => {}
    }
}

#[test]
fn every_xml_example_of_the_spec_validates_and_one_with_an_unknown_element_does_not() {
    if !xmllint_available() {
        return;
    }
    let (json, _) = liaison::spec(ApiContext::detached()).expect("the document");
    let spec: Value = serde_json::from_str(&json).expect("JSON");
    let mut examples = Vec::new();
    spec_examples(&spec, "", &mut examples);
    assert!(examples.len() >= 20, "{} XML examples", examples.len());
    let refused = invalid(&examples);
    assert!(refused.is_empty(), "XML examples the schemas refuse: {refused:#?}");
    eprintln!("{} XML examples validated", examples.len());
    let wrong: Vec<(String, String)> = examples
        .iter()
        .map(|(label, example)| (label.clone(), with_unknown_element(example)))
        .collect();
    assert_eq!(
        invalid(&wrong).len(),
        wrong.len(),
        "every example with an unknown element is refused"
    );
}

#[tokio::test]
async fn the_schemas_are_served_as_committed() {
    let app = TestApp::spawn(Engine::Sqlite).await.expect("SQLite");
    let root = env!("CARGO_MANIFEST_DIR");
    for name in ["liaison.xsd", "problem.xsd"] {
        let response = app
            .client
            .get(app.url(&format!("/schemas/{name}")))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(content_type(&response), "application/xml", "{name}");
        let committed = std::fs::read_to_string(format!("{root}/openapi/{name}")).expect("committed");
        assert!(
            response.text().await.expect("body") == committed,
            "{name} is served as committed"
        );
    }
    let missing = app
        .client
        .get(app.url("/schemas/other.xsd"))
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

/// A value for a path parameter of `schema`: one that names nothing.
fn absent(schema: &Value) -> String {
    if schema["type"] == "integer" {
        "999999".into()
    } else {
        uuid::Uuid::new_v4().to_string()
    }
}

/// `value`, or what its `$ref` points at in `spec`.
fn resolved<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    value["$ref"]
        .as_str()
        .and_then(|r| spec.pointer(r.trim_start_matches('#')))
        .unwrap_or(value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_xml_answers_of_every_operation_validate() {
    if !xmllint_available() {
        return;
    }
    let app = TestApp::spawn(Engine::Sqlite).await.expect("SQLite");
    let token = app.demo_token().await;
    let spec = json(app.client.get(app.url("/openapi.json")).send().await.expect("spec")).await;
    let mut answers: Vec<(String, String)> = Vec::new();
    // With the demo's token and the documented examples (the demo's data:
    // answers, or refusals of a second create), with the token and ids that
    // name nothing (404s, bodies that do not validate), and without a
    // token (401s).
    for (documented, authorized) in [(true, true), (false, true), (false, false)] {
        for (path, item) in spec["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("a path item") {
                let mut url = path.clone();
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    let parameter = resolved(&spec, parameter);
                    if parameter["in"] == "path" {
                        let name = parameter["name"].as_str().expect("a name");
                        let value = match parameter["schema"]["example"].as_str() {
                            Some(example) if documented => example.to_string(),
                            _ if documented => parameter["schema"]["example"].to_string(),
                            _ => absent(&parameter["schema"]),
                        };
                        url = url.replace(&format!("{{{name}}}"), &value);
                    }
                }
                let method: reqwest::Method = method.to_uppercase().parse().expect("a method");
                let mut request = app
                    .client
                    .request(method.clone(), app.url(&url))
                    .header("accept", "application/xml");
                if authorized {
                    request = request.bearer_auth(&token);
                }
                if let Some(body) = operation.get("requestBody") {
                    let example = resolved(&spec, body)["content"]["application/xml"]["example"].as_str();
                    let body = example.filter(|_| documented).unwrap_or("<Empty/>").to_string();
                    request = request.header("content-type", "application/xml").body(body);
                }
                let response = request.send().await.expect("request");
                let label = format!("{method} {url} ({}): {}", response.status(), content_type(&response));
                if content_type(&response).ends_with("xml") {
                    answers.push((label, response.text().await.expect("body")));
                }
            }
        }
    }
    assert!(answers.len() >= 100, "{} XML answers", answers.len());
    let refused = invalid(&answers);
    assert!(refused.is_empty(), "XML answers the schemas refuse: {refused:#?}");
    let roots: std::collections::BTreeSet<&str> = answers
        .iter()
        .filter_map(|(_, xml)| xml.split('<').nth(2)?.split(['>', ' ', '/']).next())
        .collect();
    eprintln!("{} XML answers validated, roots: {roots:?}", answers.len());
    app.stop().await;
}
