//! Input no field can take is refused at the edge, the same way on both
//! engines and in every dialect's envelope: characters no field can store.

use serde_json::json;

use crate::harness::*;

const CONTROL: &str = "must not contain control characters";

/// The demo tenant's token and `Authorization` header of its API key.
async fn demo(app: &TestApp) -> (String, String) {
    let demo = liaison::demo::seed(&app.store, &liaison::demo::DemoSettings::default())
        .await
        .expect("seed");
    let token = app.token_for(&demo.client_id, &demo.client_secret).await;
    (token, format!("Token token={}", demo.api_key))
}

/// The Related users envelope's message, after checking the status.
async fn related_message(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 400);
    let body = json(response).await;
    assert_eq!(body["code"], 400, "{body}");
    body["response"]["message"].as_str().unwrap_or_default().to_string()
}

/// The Risk relationships envelope's messages, after checking the status.
async fn risk_messages(response: reqwest::Response) -> Vec<(String, String)> {
    assert_eq!(response.status(), 400);
    let body = json(response).await;
    assert_eq!(body["success"], false, "{body}");
    body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["message"].as_str().unwrap_or_default().to_string(),
                e["errorCode"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

engine_tests! {
    async fn nul_and_other_control_characters_get_400_in_every_dialect(app: &TestApp) {
        let (token, api_key) = demo(app).await;

        // A Risk relationships filter value, and a path parameter.
        for (path, field) in [
            ("/api/relationships?name%5Bcontains%5D=a%00b", "name[contains]"),
            ("/api/relationships?category%5Beq%5D=%1F", "category[eq]"),
            ("/api/relationships/R%0000001", "relationshipId"),
        ] {
            let response = app.client.get(app.url(path)).bearer_auth(&token).send().await.expect("request");
            assert_eq!(
                risk_messages(response).await,
                [(format!("{field} {CONTROL}"), "ValidationError".to_string())],
                "{path}"
            );
        }

        // A Related users username, in each encoding the dialect reads.
        let username = "dl\u{0}eite";
        let body = json!({"id": 6, "username": username, "name": "deboraleiteferreira"});
        let as_json = app.client.put(app.url("/api/user/related")).bearer_auth(&token).json(&body).send().await.expect("request");
        assert_eq!(related_message(as_json).await, format!("Parameter 'username' {CONTROL}"));
        let as_form = app
            .client
            .put(app.url("/api/user/related"))
            .bearer_auth(&token)
            .form(&[("id", "6"), ("username", username), ("name", "x")])
            .send()
            .await
            .expect("request");
        assert_eq!(related_message(as_form).await, format!("Parameter 'username' {CONTROL}"));
        let as_xml = app
            .client
            .post(app.url("/api/user/related"))
            .bearer_auth(&token)
            .header("content-type", "application/xml")
            .body("<RelatedUserCreate><username>dl&#1;eite</username><name>x</name></RelatedUserCreate>")
            .send()
            .await
            .expect("request");
        assert_eq!(related_message(as_xml).await, format!("Parameter 'username' {CONTROL}"));

        // A Relationship users form configuration name, in a body and in a query.
        let update = json!({"form_configuration_name": "reference_rest_api_relationship_update\u{0}",
                            "form": {"properties": {"status": "verified"}}});
        let response = app
            .client
            .put(app.url("/api/user/relationship_users/1"))
            .header("authorization", &api_key)
            .json(&update)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 400);
        assert_eq!(json(response).await, json!({"errors": {"form_configuration_name": [CONTROL]}}));
        let response = app
            .client
            .delete(app.url("/api/user/relationship_users/1?form_configuration_name=x%00"))
            .header("authorization", &api_key)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 400);
        assert_eq!(json(response).await, json!({"errors": {"form_configuration_name": [CONTROL]}}));
        let response = app
            .client
            .get(app.url("/api/user/relationship_users?relationship_id=%00"))
            .header("authorization", &api_key)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 400);
        assert_eq!(json(response).await, json!({"errors": {"relationship_id": [CONTROL]}}));

        // Body fields and keys elsewhere: problem details naming each.
        let response = app
            .post("/api/setup/organizations")
            .json(&json!({"name": "Acme\u{0}", "a\u{0}b": "x", "active": true}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 400);
        let problem = json(response).await;
        let fields: Vec<&str> = problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["name", "a\\u{0}b"], "{problem}");

        // The token endpoint: the id in HTTP Basic credentials too.
        let response = app
            .client
            .post(app.url("/oauth2/token"))
            .basic_auth("client\u{0}", Some("secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 400);
        let body = json(response).await;
        assert_eq!(body["error"], "invalid_request");
        assert_eq!(body["error_description"], format!("client_id {CONTROL}"));

        // Nothing was stored.
        let organizations = json(app.get("/api/setup/organizations").send().await.expect("request")).await;
        assert!(!organizations.to_string().contains("Acme"), "{organizations}");
    }
}
