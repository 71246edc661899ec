//! What a client written against a vendor's page meets: the page's own
//! answers and messages, wherever under the dialect's path it goes.

use serde_json::{Value, json};

use crate::harness::*;

const RELATIONSHIP: &str = "d32a9192-353c-45fe-bbd4-b88702800467";

/// The demo's API key header.
async fn api_key(app: &TestApp) -> String {
    let demo = liaison::demo::seed(&app.store, &liaison::demo::DemoSettings::default())
        .await
        .expect("seed");
    format!("Token token={}", demo.api_key)
}

fn update(properties: Value) -> Value {
    json!({"form_configuration_name": "reference_rest_api_relationship_update", "form": {"properties": properties}})
}

/// The Related users envelope's (status, message).
async fn related_error(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body = json(response).await;
    assert_eq!(body["code"], status, "{body}");
    assert_eq!(body["response"]["message"], body["exception"]["message"], "{body}");
    (
        status,
        body["response"]["message"].as_str().unwrap_or_default().to_string(),
    )
}

engine_tests! {
    async fn relationship_users_updates_and_deletes_answer_the_documents_empty_object(app: &TestApp) {
        let key = api_key(app).await;
        let path = "/api/user/relationship_users/1";
        for enc in JSON_AND_XML {
            let response =
                send_body(app, reqwest::Method::PUT, path, &key, (enc, "RelationshipUserUpdate"), &update(json!({"status": "verified"}))).await;
            assert_eq!(response.status(), 200, "{enc:?}");
            assert!(!header(&response, "etag").is_empty());
            assert_eq!(response.text().await.expect("body"), "{}");
        }
        let as_xml = app
            .client
            .put(app.url(path))
            .header("authorization", &key)
            .header("accept", "application/xml")
            .json(&update(json!({"status": "not_verified"})))
            .send()
            .await
            .expect("request");
        assert_eq!(as_xml.status(), 200);
        let text = as_xml.text().await.expect("body");
        assert!(text.contains("<RelationshipUserDone") && !text.contains("<status"), "{text}");
        let deleted = app
            .client
            .delete(app.url(&format!("{path}?form_configuration_name=reference_rest_api_relationship_user_delete")))
            .header("authorization", &key)
            .send()
            .await
            .expect("request");
        assert_eq!(deleted.status(), 200);
        assert_eq!(deleted.text().await.expect("body"), "{}");
    }

    async fn a_relationship_users_update_without_its_form_is_unprocessable(app: &TestApp) {
        let key = api_key(app).await;
        let path = "/api/user/relationship_users/1";
        let properties = |response: reqwest::Response| async { json(response).await["properties"].clone() };
        let before = properties(app.client.get(app.url(path)).header("authorization", &key).send().await.expect("request")).await;
        let missing = json!({"form_configuration_name": "reference_rest_api_relationship_update"});
        let null = json!({"form_configuration_name": "reference_rest_api_relationship_update", "form": null});
        for (enc, body) in [(Enc::Json, &missing), (Enc::Json, &null), (Enc::Xml, &missing)] {
            let response = send_body(app, reqwest::Method::PUT, path, &key, (enc, "RelationshipUserUpdate"), body).await;
            assert_eq!(response.status(), 422, "{enc:?} {body}");
            assert_eq!(json(response).await, json!({"errors": {"form": ["can't be blank"]}}), "{enc:?} {body}");
        }
        let after = properties(app.client.get(app.url(path)).header("authorization", &key).send().await.expect("request")).await;
        assert_eq!(after, before, "nothing changed");
    }

    async fn related_users_answer_every_path_under_theirs_in_the_documents_words(app: &TestApp) {
        let token = app.demo_token().await;
        let wrong_method = app
            .client
            .put(app.url("/api/user/related/sub"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        assert_eq!(related_error(wrong_method).await, (404, "Resource sub not found".to_string()));
        for path in ["/api/user/related/abc", "/api/user/related/1/more", "/api/user/related/sub/x"] {
            let response = app.client.get(app.url(path)).bearer_auth(&token).send().await.expect("request");
            assert_eq!(related_error(response).await, (404, "Resource sub not found".to_string()), "{path}");
        }
        // A token whose signature does not verify: one character of the signature changed.
        let at = token.rfind('.').expect("a signed token") + 5;
        let changed = if &token[at..=at] == "A" { "B" } else { "A" };
        let forged = format!("{}{changed}{}", &token[..at], &token[at + 1..]);
        let response = app.client.get(app.url("/api/user/related")).bearer_auth(&forged).send().await.expect("request");
        assert_eq!(related_error(response).await, (401, "Invalid signature".to_string()));
        let response = app.client.get(app.url("/api/user/related")).bearer_auth("not-a-token").send().await.expect("request");
        assert_eq!(related_error(response).await, (401, "Client authentication failed.".to_string()));
    }

    async fn trailing_slashes_reach_the_same_operation(app: &TestApp) {
        let token = app.demo_token().await;
        let key = api_key(app).await;
        for path in ["/api/relationships/", &format!("/api/relationships/{RELATIONSHIP}/"), "/api/user/related/", "/api/user/related//"] {
            let response = app.client.get(app.url(path)).bearer_auth(&token).send().await.expect("request");
            assert_eq!(response.status(), 200, "{path}");
        }
        let listed = app.client.get(app.url("/api/relationships/?limit=1")).bearer_auth(&token).send().await.expect("request");
        assert_eq!(json(listed).await["result"].as_array().map(Vec::len), Some(1));
        let response = send_body(app, reqwest::Method::PUT, "/api/user/relationship_users/1/", &key, (Enc::Json, ""), &update(json!({"status": "verified"}))).await;
        assert_eq!(response.status(), 200);
        let response = app.client.get(app.url("/api/setup/organizations/")).bearer_auth(&token).send().await.expect("request");
        assert_eq!(response.status(), 200);
    }

    async fn every_path_parameter_example_names_a_demo_resource(app: &TestApp) {
        let token = app.demo_token().await;
        let spec = json(app.client.get(app.url("/openapi.json")).send().await.expect("spec")).await;
        let mut tried = 0;
        for (template, item) in spec["paths"].as_object().expect("paths") {
            let Some(get) = item.get("get") else { continue };
            let mut path = template.clone();
            for parameter in get["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path") {
                let example = &parameter["schema"]["example"];
                let value = example.as_str().map_or_else(|| example.to_string(), str::to_string);
                assert!(!example.is_null(), "GET {template}: {} has no example", parameter["name"]);
                path = path.replace(&format!("{{{}}}", parameter["name"].as_str().unwrap_or_default()), &value);
            }
            if path == *template {
                continue;
            }
            let response = app.client.get(app.url(&path)).bearer_auth(&token).send().await.expect("request");
            assert_eq!(response.status(), 200, "GET {path}");
            tried += 1;
        }
        assert!(tried >= 12, "tried {tried} operations");
    }

    async fn an_unknown_field_is_named_whatever_the_documented_values_beside_it(app: &TestApp) {
        let token = app.demo_token().await;
        let body = json!({"id": 6, "username": "dleite", "name": "x", "unknownField": 1});
        let response = app.client.put(app.url("/api/user/related")).bearer_auth(&token).json(&body).send().await.expect("request");
        let (status, message) = related_error(response).await;
        assert_eq!(status, 400);
        assert!(message.contains("unknownField"), "{message}");
    }
}
