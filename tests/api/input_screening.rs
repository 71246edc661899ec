//! Input no field can take is refused at the edge, the same way on both
//! engines and in every dialect's envelope: characters no field can store,
//! and JSON values of the wrong type.

use serde_json::{Value, json};

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

    async fn a_json_value_of_the_wrong_type_for_a_string_is_refused(app: &TestApp) {
        let (token, api_key) = demo(app).await;

        let cases: [(&str, Value); 3] = [
            ("name", json!({"name": false})),
            ("name", json!({"name": 12345})),
            ("name", json!({"name": ["a"]})),
        ];
        for (field, body) in cases {
            let response = app.post("/api/setup/organizations").json(&body).send().await.expect("request");
            assert_eq!(response.status(), 400, "{body}");
            let problem = json(response).await;
            assert_eq!(problem["errors"], json!([{"field": field, "message": "must be a string"}]), "{body}");
        }
        let listed = json(app.get("/api/setup/organizations").send().await.expect("request")).await;
        assert_eq!(listed["totalCount"], 0, "nothing was stored: {listed}");

        // Risk relationships: a list of strings, a map of strings, all at once.
        let mut input = serde_json::from_str::<Value>(r#"{"name": "n", "startEffectiveDate": "2026-05-01",
            "organizations": ["3fa85f64-5717-4562-b3fc-2c963f66afa6", 7],
            "internalManager": "a218d8e5-8c7a-4f3e-9b12-111111111111",
            "externalManager": "b218d8e5-8c7a-4f3e-9b12-222222222222",
            "classification": true, "category": "Cat1", "internalAccess": "Team", "externalAccess": "Team",
            "status": "Relationship_Active"}"#).expect("json");
        input["extensionFields"] = json!({"udf": 5});
        let response = app
            .client
            .put(app.url("/api/relationships/d32a9192-353c-45fe-bbd4-b88702800467"))
            .bearer_auth(&token)
            .json(&input)
            .send()
            .await
            .expect("request");
        let mut messages = risk_messages(response).await;
        messages.sort();
        assert_eq!(
            messages,
            [
                ("classification must be a string".to_string(), "ValidationError".to_string()),
                ("extensionFields.udf must be a string".to_string(), "ValidationError".to_string()),
                ("organizations.1 must be a UUID".to_string(), "ValidationError".to_string()),
            ]
        );

        // Related users: `username` and `name` are strings; `id` may be an
        // integer or a numeric string, as its schema says.
        let response = app
            .client
            .put(app.url("/api/user/related"))
            .bearer_auth(&token)
            .json(&json!({"id": 6, "username": 12345, "name": "x"}))
            .send()
            .await
            .expect("request");
        assert_eq!(related_message(response).await, "Parameter 'username' must be a string");
        for id in [json!(6), json!("6")] {
            let response = app
                .client
                .put(app.url("/api/user/related"))
                .bearer_auth(&token)
                .json(&json!({"id": id, "username": "dleite", "name": "deboraleiteferreira"}))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 201, "id {id}");
        }

        // Relationship users: the form's properties are strings.
        let response = app
            .client
            .put(app.url("/api/user/relationship_users/1"))
            .header("authorization", &api_key)
            .json(&json!({"form_configuration_name": "reference_rest_api_relationship_update",
                          "form": {"properties": {"status": 1}}}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 400);
        assert_eq!(json(response).await, json!({"errors": {"form.properties.status": ["must be a string"]}}));
    }
}
