//! The committed OpenAPI document and XML Schemas must equal what the code generates.

use liaison::context::ApiContext;

const REGENERATE: &str = "cargo run -- openapi --out openapi";

fn generated() -> (String, String) {
    liaison::spec(ApiContext::detached()).expect("the document")
}

#[tokio::test]
async fn committed_spec_is_up_to_date() {
    let (json, yaml) = generated();
    let root = env!("CARGO_MANIFEST_DIR");
    for (file, fresh) in [("openapi.json", &json), ("openapi.yaml", &yaml)] {
        let committed = std::fs::read_to_string(format!("{root}/openapi/{file}")).unwrap_or_default();
        assert!(
            committed == *fresh,
            "openapi/{file} is stale: regenerate it with `{REGENERATE}` and commit the result"
        );
    }
}

#[test]
fn committed_xml_schemas_are_up_to_date() {
    let fresh = liaison::xml_schemas(ApiContext::detached()).expect("the schemas");
    let root = env!("CARGO_MANIFEST_DIR");
    for (file, text) in &fresh {
        let committed = std::fs::read_to_string(format!("{root}/openapi/{file}")).unwrap_or_default();
        assert!(
            committed == *text,
            "openapi/{file} is stale: regenerate it with `{REGENERATE}` and commit the result"
        );
    }
    let committed: Vec<String> = std::fs::read_dir(format!("{root}/openapi"))
        .expect("openapi/")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".xsd"))
        .collect();
    for file in committed {
        assert!(
            fresh.iter().any(|(name, _)| *name == file),
            "openapi/{file} is no longer generated: remove it"
        );
    }
}

#[tokio::test]
async fn every_body_is_json_and_xml_without_charset() {
    const FORMS: [&str; 2] = ["application/x-www-form-urlencoded", "multipart/form-data"];
    let (json, _) = generated();
    let spec: serde_json::Value = serde_json::from_str(&json).expect("spec is JSON");
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            assert!(op["operationId"].is_string(), "{method} {path} has an operationId");
            let mut contents: Vec<&serde_json::Value> = vec![];
            if let Some(body) = op.get("requestBody") {
                contents.push(&body["content"]);
            }
            for (_, response) in op["responses"].as_object().expect("responses") {
                if let Some(content) = resolved(&spec, response).get("content") {
                    contents.push(content);
                }
            }
            for content in contents {
                let types: Vec<&String> = content
                    .as_object()
                    .expect("content")
                    .keys()
                    .filter(|t| !FORMS.contains(&t.as_str()))
                    .collect();
                assert_eq!(types.len(), 2, "{method} {path}: {types:?}");
                assert!(
                    types.iter().all(|t| !t.contains("charset")),
                    "{method} {path}: {types:?}"
                );
                assert!(types.iter().any(|t| t.ends_with("json")) && types.iter().any(|t| t.ends_with("xml")));
                checked += 1;
            }
        }
    }
    assert!(checked > 10, "checked {checked} bodies");
}

#[tokio::test]
async fn forms_are_listed_both_ways_where_they_are_read() {
    let (json, _) = generated();
    let spec: serde_json::Value = serde_json::from_str(&json).expect("spec is JSON");
    let forms = |path: &str, method: &str| {
        let content = &spec["paths"][path][method]["requestBody"]["content"];
        ["application/x-www-form-urlencoded", "multipart/form-data"].map(|t| content.get(t).is_some())
    };
    for (path, method) in [
        ("/oauth2/token", "post"),
        ("/api/user/related", "post"),
        ("/api/user/related", "put"),
        ("/api/user/relationship_users", "post"),
        ("/api/user/relationship_users/{relationship_user_id}", "put"),
    ] {
        assert_eq!(forms(path, method), [true, true], "{method} {path}");
    }
    assert_eq!(forms("/api/relationships/{relationshipId}", "put"), [false, false]);
    // DELETE takes its configuration name in the query (a body is still read, undocumented).
    let delete = &spec["paths"]["/api/user/relationship_users/{relationship_user_id}"]["delete"];
    assert!(delete.get("requestBody").is_none());
    assert!(
        delete["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["name"] == "form_configuration_name" && p["in"] == "query" && p["required"] == true)
    );
}

#[tokio::test]
async fn every_api_operation_declares_its_scope() {
    let (json, _) = generated();
    let spec: serde_json::Value = serde_json::from_str(&json).expect("spec is JSON");
    let scopes = &spec["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]["scopes"];
    assert_eq!(scopes.as_object().map(|s| s.len()), Some(8), "every scope is described");
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let public = path.starts_with("/healthz") || path.starts_with("/readyz") || path == "/oauth2/token";
            assert_eq!(secured, !public, "{method} {path}");
            if secured {
                let listed = op["security"][0]["oauth2"].as_array().map_or(0, Vec::len);
                assert_eq!(listed, 1, "{method} {path} names exactly one scope");
            }
        }
    }
}

#[tokio::test]
async fn every_operation_declares_the_correlation_id_both_ways() {
    let (json, _) = generated();
    let spec: serde_json::Value = serde_json::from_str(&json).expect("spec is JSON");
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let declared = op["parameters"].as_array().into_iter().flatten().any(|p| {
                let p = resolved(&spec, p);
                p["in"] == "header"
                    && p["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case("x-correlation-id"))
                    && p["required"] == false
                    // Any value is taken (a malformed one is replaced), so the schema has no pattern.
                    && p["schema"] == serde_json::json!({"type": "string"})
                    && p["description"].as_str().is_some_and(|d| d.contains("^[A-Za-z0-9._:-]{1,128}$"))
            });
            assert!(
                declared,
                "{method} {path} declares no optional X-Correlation-Id request header"
            );
            for (status, response) in op["responses"].as_object().expect("responses") {
                let echoed = resolved(&spec, response)["headers"].as_object().is_some_and(|h| {
                    h.iter().any(|(n, header)| {
                        n.eq_ignore_ascii_case("x-correlation-id")
                            && resolved(&spec, header)["schema"]["pattern"].is_string()
                    })
                });
                assert!(
                    echoed,
                    "{method} {path} {status} declares no X-Correlation-Id response header"
                );
            }
            operations += 1;
        }
    }
    assert!(operations > 30, "checked {operations} operations");
}

/// `value`, or, when it is a reference (`{"$ref": "#/components/..."}`),
/// what it refers to in `spec`.
fn resolved<'a>(spec: &'a serde_json::Value, value: &'a serde_json::Value) -> &'a serde_json::Value {
    match value["$ref"].as_str() {
        Some(reference) => spec
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{reference} is not in the document")),
        None => value,
    }
}
