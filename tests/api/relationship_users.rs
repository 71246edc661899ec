//! Relationship users (seeds/000): form configurations decide what may be written.

use serde_json::{Value, json};

use crate::harness::*;

const EXAMPLE_BODY: &str = r#"{
  "form_configuration_name": "reference_rest_api_relationship_update",
  "form": {
    "properties": {
      "status": "not_verified"
    }
  }
}"#;

const BOTH: [Enc; 2] = JSON_AND_XML;

/// A request with `authorization` (a full header value) and a body in `enc`.
async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    authorization: &str,
    enc: Enc,
    root: &str,
    body: &Value,
) -> reqwest::Response {
    send_body(app, method, path, authorization, (enc, root), body).await
}

async fn update(app: &TestApp, auth: &str, enc: Enc, id: i64, body: &Value) -> reqwest::Response {
    send(
        app,
        reqwest::Method::PUT,
        &format!("/api/user/relationship_users/{id}"),
        auth,
        enc,
        "RelationshipUserUpdate",
        body,
    )
    .await
}

async fn errors(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status);
    json(response).await["errors"].clone()
}

async fn properties(app: &TestApp, auth: &str, id: i64) -> Value {
    let response = app
        .client
        .get(app.url(&format!("/api/user/relationship_users/{id}")))
        .header("authorization", auth)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    json(response).await["properties"].clone()
}

/// The demo's API key header and a bearer header of the demo client.
async fn demo(app: &TestApp) -> (String, String) {
    let demo = liaison::demo::seed(&app.store, &liaison::demo::DemoSettings::default())
        .await
        .expect("seed");
    let token = app.token_for(&demo.client_id, &demo.client_secret).await;
    (format!("Token token={}", demo.api_key), format!("Bearer {token}"))
}

fn update_body(config: &str, properties: Value) -> Value {
    json!({"form_configuration_name": config, "form": {"properties": properties}})
}

engine_tests! {
    async fn a_bare_api_key_is_told_the_form_it_takes(app: &TestApp) {
        let (api_key, _) = demo(app).await;
        let bare = api_key.trim_start_matches("Token token=");
        let response = app.client.get(app.url("/api/user/relationship_users/1")).header("authorization", bare).send().await.expect("request");
        assert_eq!(response.status(), 401);
        // The dialect's body says "Unauthorized" in its words; the challenge says why.
        let challenges: Vec<_> = response.headers().get_all("www-authenticate").iter().filter_map(|v| v.to_str().ok()).collect();
        assert!(challenges.iter().any(|c| c.contains("Token token=<API key>")), "{challenges:?}");
        let spec = json(app.client.get(app.url("/openapi.json")).send().await.expect("spec")).await;
        let operation = &spec["paths"]["/api/user/relationship_users/{relationship_user_id}"]["get"];
        let requirements = operation["security"].as_array().expect("security");
        assert!(requirements.iter().any(|r| r.get("relationshipUsersToken") == Some(&json!([]))), "{requirements:?}");
    }

    async fn the_documented_example_succeeds_with_either_credential(app: &TestApp) {
        let (api_key, bearer) = demo(app).await;
        let response = app
            .client
            .put(app.url("/api/user/relationship_users/1"))
            .header("authorization", &api_key)
            .header("content-type", "application/json")
            .body(EXAMPLE_BODY)
            .send()
            .await
            .expect("request");
        // The document's example response, verbatim.
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.expect("body"), "{}");
        assert_eq!(properties(app, &api_key, 1).await["status"], "not_verified");
        let example: Value = serde_json::from_str(EXAMPLE_BODY).expect("JSON");
        for enc in BOTH {
            let mut body = example.clone();
            body["form"]["properties"]["status"] = json!("verified");
            assert_eq!(update(app, &bearer, enc, 1, &body).await.status(), 200, "{enc:?}");
            assert_eq!(properties(app, &bearer, 1).await["status"], "verified");
        }
    }

    async fn requests_are_processed_in_the_documented_order(app: &TestApp) {
        let (api_key, _) = demo(app).await;
        for enc in BOTH {
            // 1. Authentication comes first, whatever the body says.
            let anonymous = app.client.put(app.url("/api/user/relationship_users/1")).json(&json!({})).send().await.expect("request");
            assert_eq!(errors(anonymous, 401).await, json!({"base": ["Unauthorized"]}));
            let bad_key = update(app, "Token token=nope", enc, 1, &json!({})).await;
            assert_eq!(errors(bad_key, 401).await, json!({"base": ["Unauthorized"]}));
            // 2. The configuration: missing name 422, unknown 404.
            let nameless = update(app, &api_key, enc, 1, &json!({"form": {"properties": {"status": "x"}}})).await;
            assert_eq!(errors(nameless, 422).await, json!({"form_configuration_name": ["can't be blank"]}));
            let unknown = update(app, &api_key, enc, 999, &update_body("no_such_configuration", json!({"status": "x"}))).await;
            assert_eq!(errors(unknown, 404).await, json!({"base": ["Can't find given resource"]}));
            // 3. The row: unknown 404, even with an invalid form.
            let missing = update(app, &api_key, enc, 999, &update_body("reference_rest_api_relationship_update", json!({"status": "bogus"}))).await;
            assert_eq!(errors(missing, 404).await, json!({"base": ["Can't find given resource"]}));
            // 4. Validation: every failing field at once.
            let invalid = update(app, &api_key, enc, 1, &update_body("reference_rest_api_relationship_update", json!({"status": "bogus", "color": "red"}))).await;
            assert_eq!(errors(invalid, 422).await, json!({
                "properties.color": ["is not allowed"],
                "properties.status": ["is not included in the list"]
            }));
        }
        // Another tenant's credential never finds the row.
        let other = app.token_of("globex", &["relationship_users.write"]).await;
        let theirs = update(app, &format!("Bearer {other}"), Enc::Json, 1, &update_body("reference_rest_api_relationship_update", json!({"status": "verified"}))).await;
        assert_eq!(theirs.status(), 404);
        let without_scope = app.token_of(TENANT, &["setup.read"]).await;
        let refused = update(app, &format!("Bearer {without_scope}"), Enc::Json, 1, &json!({})).await;
        assert_eq!(errors(refused, 403).await, json!({"base": ["Forbidden"]}));
        assert_eq!(properties(app, &api_key, 1).await["status"], "verified", "nothing changed");
    }

    async fn properties_merge_key_by_key_and_null_removes(app: &TestApp) {
        let (api_key, bearer) = demo(app).await;
        let config = json!({
            "name": "team_profile", "resource": "RelationshipUser",
            "fields": {
                "properties.status": {"validations": {"presence": true}},
                "properties.nickname": {"validations": {"length": {"maximum": 5}}},
                "properties.code": {"validations": {"format": {"with": "^[A-Z]{3}$"}}}
            }
        });
        let created = app.client.post(app.url("/api/setup/form_configurations")).header("authorization", &bearer).json(&config).send().await.expect("request");
        assert_eq!(created.status(), 201);
        let config_path = header(&created, "location");
        assert_eq!(update(app, &api_key, Enc::Json, 1, &update_body("team_profile", json!({"nickname": "deb"}))).await.status(), 200);
        assert_eq!(properties(app, &api_key, 1).await, json!({"status": "verified", "nickname": "deb"}));
        let too_much = update(app, &api_key, Enc::Xml, 1, &update_body("team_profile", json!({"nickname": "debora", "code": "ab1"}))).await;
        assert_eq!(errors(too_much, 422).await, json!({
            "properties.code": ["is invalid"],
            "properties.nickname": ["is too long (maximum is 5 characters)"]
        }));
        let removed = update(app, &api_key, Enc::Json, 1, &update_body("team_profile", json!({"status": null}))).await;
        assert_eq!(errors(removed, 422).await, json!({"properties.status": ["can't be blank"]}), "presence is checked on the merged result");
        assert_eq!(update(app, &api_key, Enc::Json, 1, &update_body("team_profile", json!({"nickname": null, "code": "ABC"}))).await.status(), 200);
        assert_eq!(properties(app, &api_key, 1).await, json!({"status": "verified", "code": "ABC"}));

        // Editing the configuration changes what the next request may write.
        let mut narrower = config.clone();
        narrower["fields"].as_object_mut().map(|f| f.remove("properties.code"));
        let edited = app.client.put(app.url(&config_path)).header("authorization", &bearer).json(&narrower).send().await.expect("request");
        assert_eq!(edited.status(), 200);
        let refused = update(app, &bearer, Enc::Json, 1, &update_body("team_profile", json!({"code": "XYZ"}))).await;
        assert_eq!(errors(refused, 422).await, json!({"properties.code": ["is not allowed"]}));
    }

    async fn relationship_users_are_created_read_and_deleted(app: &TestApp) {
        let (api_key, _) = demo(app).await;
        let create = |user: &str, status: &str| json!({
            "form_configuration_name": "reference_rest_api_relationship_user_create",
            "parent_resource_id": "team_members",
            "form": {"relationship_id": "R00001", "user_id": user, "properties": {"status": status}}
        });
        for (enc, user) in [(Enc::Json, "3"), (Enc::Xml, "b218d8e5-8c7a-4f3e-9b12-222222222222")] {
            let response = send(app, reqwest::Method::POST, "/api/user/relationship_users", &api_key, enc, "RelationshipUserCreate", &create(user, "pending")).await;
            assert_eq!(response.status(), 201, "{enc:?}");
            let body = json(response).await;
            assert_eq!(body["errors"], json!({}));
            assert!(body["id"].as_i64().is_some_and(|id| id > 1));
        }
        let again = send(app, reqwest::Method::POST, "/api/user/relationship_users", &api_key, Enc::Json, "RelationshipUserCreate", &create("3", "pending")).await;
        assert_eq!(errors(again, 422).await, json!({"user_id": ["has already been taken"]}));
        let invalid = json!({
            "form_configuration_name": "reference_rest_api_relationship_user_create",
            "parent_resource_id": "no_such_type",
            "form": {"relationship_id": "R99999", "properties": {"status": "bogus"}, "owner": "me"}
        });
        let refused = send(app, reqwest::Method::POST, "/api/user/relationship_users", &api_key, Enc::Json, "RelationshipUserCreate", &invalid).await;
        assert_eq!(errors(refused, 422).await, json!({
            "owner": ["is not allowed"],
            "parent_resource_id": ["must exist"],
            "properties.status": ["is not included in the list"],
            "relationship_id": ["must exist"],
            "user_id": ["can't be blank"]
        }));
        let list = app.client.get(app.url("/api/user/relationship_users?relationship_id=d32a9192-353c-45fe-bbd4-b88702800467")).header("authorization", &api_key).send().await.expect("request");
        let list = json(list).await;
        assert_eq!(list["total_count"], 3);
        let ids: Vec<i64> = list["relationship_users"].as_array().expect("list").iter().filter_map(|r| r["id"].as_i64()).collect();

        let by_query = app.client.delete(app.url(&format!("/api/user/relationship_users/{}?form_configuration_name=reference_rest_api_relationship_user_delete", ids[1]))).header("authorization", &api_key).send().await.expect("request");
        assert_eq!(by_query.status(), 200);
        let by_body = app.client.delete(app.url(&format!("/api/user/relationship_users/{}", ids[2]))).header("authorization", &api_key).json(&json!({"form_configuration_name": "reference_rest_api_relationship_user_delete"})).send().await.expect("request");
        assert_eq!(by_body.status(), 200);
        let nameless = app.client.delete(app.url(&format!("/api/user/relationship_users/{}", ids[0]))).header("authorization", &api_key).send().await.expect("request");
        assert_eq!(errors(nameless, 422).await, json!({"form_configuration_name": ["can't be blank"]}));
        let gone = app.client.delete(app.url(&format!("/api/user/relationship_users/{}?form_configuration_name=reference_rest_api_relationship_user_delete", ids[1]))).header("authorization", &api_key).send().await.expect("request");
        assert_eq!(gone.status(), 404);
    }

    async fn creator_owned_rows_are_changed_only_by_their_creator(app: &TestApp) {
        let (api_key, bearer) = demo(app).await;
        let config = json!({
            "name": "own_rows", "resource": "RelationshipUser", "resource_owner": "creator",
            "fields": {"relationship_id": {}, "user_id": {}, "properties.status": {}}
        });
        let saved = app.client.post(app.url("/api/setup/form_configurations")).header("authorization", &bearer).json(&config).send().await.expect("request");
        assert_eq!(saved.status(), 201);
        let body = json!({"form_configuration_name": "own_rows", "parent_resource_id": "1", "form": {"relationship_id": "R00001", "user_id": "3"}});
        let created = send(app, reqwest::Method::POST, "/api/user/relationship_users", &api_key, Enc::Json, "RelationshipUserCreate", &body).await;
        let id = json(created).await["id"].as_i64().expect("id");
        let by_other = update(app, &bearer, Enc::Json, id, &update_body("own_rows", json!({"status": "x"}))).await;
        assert_eq!(errors(by_other, 404).await, json!({"base": ["Can't find given resource"]}));
        assert_eq!(update(app, &api_key, Enc::Json, id, &update_body("own_rows", json!({"status": "x"}))).await.status(), 200);
        // Naming an `anyone` configuration does not open a creator's row to others.
        let via_other_config = update(app, &bearer, Enc::Json, id, &update_body("reference_rest_api_relationship_update", json!({"status": "verified"}))).await;
        assert_eq!(errors(via_other_config, 404).await, json!({"base": ["Can't find given resource"]}));
        let delete = app.client.delete(app.url(&format!("/api/user/relationship_users/{id}?form_configuration_name=reference_rest_api_relationship_user_delete"))).header("authorization", &bearer).send().await.expect("request");
        assert_eq!(delete.status(), 404);
    }

    async fn a_stale_if_match_gets_412_and_changes_nothing(app: &TestApp) {
        let (api_key, _) = demo(app).await;
        let fetched = app.client.get(app.url("/api/user/relationship_users/1")).header("authorization", &api_key).send().await.expect("request");
        let tag = header(&fetched, "etag");
        let body = update_body("reference_rest_api_relationship_update", json!({"status": "pending"}));
        let first = app.client.put(app.url("/api/user/relationship_users/1")).header("authorization", &api_key).header("if-match", &tag).json(&body).send().await.expect("request");
        assert_eq!(first.status(), 200);
        assert_ne!(header(&first, "etag"), tag);
        let again = app.client.put(app.url("/api/user/relationship_users/1")).header("authorization", &api_key).header("if-match", &tag)
            .json(&update_body("reference_rest_api_relationship_update", json!({"status": "verified"}))).send().await.expect("request");
        assert_eq!(again.status(), 412);
        assert_eq!(properties(app, &api_key, 1).await["status"], "pending");
    }

    async fn bad_configurations_are_refused_when_saved(app: &TestApp) {
        let cases = [
            json!({"name": "a", "resource": "RelationshipUser", "fields": {"properties.x": {"validations": {"uniqueness": true}}}}),
            json!({"name": "a", "resource": "RelationshipUser", "fields": {"properties.x": {"validations": {"format": {"with": "("}}}}}),
            json!({"name": "a", "resource": "RelationshipUser", "fields": {"owner": {}}}),
            json!({"name": "Not Snake", "resource": "RelationshipUser", "fields": {}}),
            json!({"name": "a", "resource": "Relationship", "fields": {}}),
            json!({"name": "a", "resource": "RelationshipUser", "resource_owner": "someone", "fields": {}}),
        ];
        for body in cases {
            let response = app.post("/api/setup/form_configurations").json(&body).send().await.expect("request");
            assert_eq!(response.status(), 400, "{body}");
        }
        let list = json(app.get("/api/setup/form_configurations").send().await.expect("request")).await;
        assert_eq!(list["totalCount"], 0);
    }
}
