//! OAuth 2.0 tokens, bearer authentication and scopes.

use liaison::auth::token::{Claims, ISSUER, TokenKey};
use serde_json::json;

use crate::harness::*;

async fn token_request(
    app: &TestApp,
    build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> reqwest::Response {
    build(app.client.post(app.url("/oauth2/token")))
        .send()
        .await
        .expect("request")
}

engine_tests! {
    async fn the_token_endpoint_issues_tokens_per_rfc_6749(app: &TestApp) {
        let (id, secret) = app.create_client("acme", &["setup.read", "setup.write"]).await;
        // HTTP Basic, form body.
        let response = token_request(app, |r| r.basic_auth(&id, Some(&secret)).form(&[("grant_type", "client_credentials")])).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "cache-control"), "no-store");
        let body = json(response).await;
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        assert_eq!(body["scope"], "setup.read setup.write");
        // Credentials in the body, narrowed scope.
        let response = token_request(app, |r| r.form(&[
            ("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", &secret), ("scope", "setup.read"),
        ])).await;
        assert_eq!(response.status(), 200);
        let token = json(response).await;
        assert_eq!(token["scope"], "setup.read");
        // JSON bodies work too, and the token works.
        let response = token_request(app, |r| r.json(&json!({
            "grant_type": "client_credentials", "client_id": id, "client_secret": secret,
        }))).await;
        assert_eq!(response.status(), 200);
        let bearer = token["access_token"].as_str().expect("token");
        let listed = app.client.get(app.url("/api/setup/organizations")).bearer_auth(bearer).send().await.expect("request");
        assert_eq!(listed.status(), 200);
    }

    async fn every_token_error_has_its_rfc_6749_code(app: &TestApp) {
        let (id, secret) = app.create_client("acme", &["setup.read"]).await;
        let (disabled, disabled_secret) = app.create_client("acme", &["setup.read"]).await;
        app.store.client_disable(&disabled).await.expect("disable");
        let grant = [("grant_type", "client_credentials")];
        let cases: Vec<(&str, reqwest::Response, u16, &str)> = vec![
            ("missing grant_type", token_request(app, |r| r.basic_auth(&id, Some(&secret)).form(&[("scope", "setup.read")])).await, 400, "invalid_request"),
            ("other grant", token_request(app, |r| r.basic_auth(&id, Some(&secret)).form(&[("grant_type", "password")])).await, 400, "unsupported_grant_type"),
            ("wrong secret", token_request(app, |r| r.basic_auth(&id, Some("nope")).form(&grant)).await, 401, "invalid_client"),
            ("unknown client", token_request(app, |r| r.basic_auth("nobody", Some(&secret)).form(&grant)).await, 401, "invalid_client"),
            ("disabled client", token_request(app, |r| r.basic_auth(&disabled, Some(&disabled_secret)).form(&grant)).await, 401, "invalid_client"),
            ("no credentials", token_request(app, |r| r.form(&grant)).await, 401, "invalid_client"),
            ("two methods", token_request(app, |r| r.basic_auth(&id, Some(&secret)).form(&[("grant_type", "client_credentials"), ("client_id", &id)])).await, 400, "invalid_request"),
            ("unknown scope", token_request(app, |r| r.basic_auth(&id, Some(&secret)).form(&[("grant_type", "client_credentials"), ("scope", "admin")])).await, 400, "invalid_scope"),
            ("scope not granted", token_request(app, |r| r.basic_auth(&id, Some(&secret)).form(&[("grant_type", "client_credentials"), ("scope", "setup.write")])).await, 400, "invalid_scope"),
            ("not a form", token_request(app, |r| r.basic_auth(&id, Some(&secret)).header("content-type", "text/plain").body("x")).await, 415, "invalid_request"),
        ];
        let mut unknown_vs_wrong = Vec::new();
        for (label, response, status, code) in cases {
            assert_eq!(response.status().as_u16(), status, "{label}");
            if status == 401 {
                assert_eq!(header(&response, "www-authenticate"), r#"Basic realm="liaison""#, "{label}");
            }
            let body = json(response).await;
            assert_eq!(body["error"], code, "{label}: {body}");
            if label == "wrong secret" || label == "unknown client" {
                unknown_vs_wrong.push(body);
            }
        }
        assert_eq!(unknown_vs_wrong[0], unknown_vs_wrong[1], "an unknown client looks like a wrong secret");
    }

    async fn requests_without_a_valid_token_get_401_with_a_bearer_challenge(app: &TestApp) {
        let key = TokenKey::new(TOKEN_KEY.as_bytes().to_vec());
        let tenant = app.store.tenant_by_name(TENANT).await.expect("query").expect("tenant");
        let (id, secret) = app.create_client(TENANT, &["setup.read"]).await;
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.into(), sub: id.clone(), tid: tenant.to_string(), scope: "setup.read".into(),
            iat: now - 7200, exp: now - 3600, jti: "x".into(),
        };
        let expired = key.sign(&claims);
        let forged = TokenKey::new(b"another key entirely, 32 bytes long".to_vec()).sign(&Claims { exp: now + 60, ..claims.clone() });
        let valid = app.token_for(&id, &secret).await;
        let cases: Vec<(&str, Option<String>, bool)> = vec![
            ("no Authorization", None, false),
            ("not bearer", Some("Basic abc".into()), true),
            ("garbage", Some("Bearer not.a.token".into()), true),
            ("expired", Some(format!("Bearer {expired}")), true),
            ("forged", Some(format!("Bearer {forged}")), true),
        ];
        for (label, authorization, error_code) in cases {
            let mut request = app.client.get(app.url("/api/setup/organizations"));
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            let response = request.send().await.expect("request");
            assert_eq!(response.status(), 401, "{label}");
            let challenge = header(&response, "www-authenticate");
            assert!(challenge.starts_with("Bearer realm=\"liaison\""), "{label}: {challenge}");
            assert_eq!(challenge.contains("error=\"invalid_token\""), error_code, "{label}: {challenge}");
            assert_eq!(json(response).await["status"], 401, "{label}");
        }
        // A disabled client's tokens stop working once the instance's
        // knowledge of the client is older than the standing cache's time to live.
        let ttl = std::time::Duration::from_secs(2);
        let settings = liaison::context::ContextSettings { client_cache_ttl: ttl, ..test_settings() };
        let (store, server) = serve_with(&app.database_url, &settings, liaison::server::ServerSettings::from(BODY_LIMIT)).await;
        let organizations = format!("http://{}/api/setup/organizations", server.addr);
        let ok = app.client.get(&organizations).bearer_auth(&valid).send().await.expect("request");
        assert_eq!(ok.status(), 200);
        app.store.client_disable(&id).await.expect("disable");
        let cached = app.client.get(&organizations).bearer_auth(&valid).send().await.expect("request");
        assert_eq!(cached.status(), 200, "still within the time to live");
        tokio::time::sleep(ttl).await;
        let refused = app.client.get(&organizations).bearer_auth(&valid).send().await.expect("request");
        assert_eq!(refused.status(), 401);
        server.shutdown().await.expect("clean shutdown");
        store.close().await;
    }

    async fn a_token_without_the_operations_scope_gets_403(app: &TestApp) {
        let reader = app.token_of(TENANT, &["setup.read"]).await;
        let refused = app
            .client
            .post(app.url("/api/setup/organizations"))
            .bearer_auth(&reader)
            .header("accept", "application/xml")
            .json(&json!({"name": "x"}))
            .send()
            .await
            .expect("request");
        assert_eq!(refused.status(), 403);
        assert_eq!(
            header(&refused, "www-authenticate"),
            r#"Bearer realm="liaison", error="insufficient_scope", scope="setup.write""#
        );
        assert_eq!(content_type(&refused), "application/problem+xml");
        let allowed = app.client.get(app.url("/api/setup/organizations")).bearer_auth(&reader).send().await.expect("request");
        assert_eq!(allowed.status(), 200);
        // HEAD runs the GET handler, so it needs GET's scope.
        let writer = app.token_of(TENANT, &["setup.write"]).await;
        let head = app.client.head(app.url("/api/setup/organizations")).bearer_auth(&writer).send().await.expect("request");
        assert_eq!(head.status(), 403);
        let other_area = app.token_of(TENANT, &["users.related.read"]).await;
        let refused = app.client.get(app.url("/api/setup/users")).bearer_auth(&other_area).send().await.expect("request");
        assert_eq!(refused.status(), 403);
    }

    async fn every_operation_enforces_the_scope_it_declares(app: &TestApp) {
        let spec = json(app.client.get(app.url("/openapi.json")).send().await.expect("request")).await;
        let all = liaison::auth::Scope::all_names();
        // A token with every scope but one, and one with only that scope, per scope.
        let mut all_but = std::collections::HashMap::new();
        let mut only = std::collections::HashMap::new();
        for scope in &all {
            let others: Vec<&str> = all.iter().copied().filter(|s| s != scope).collect();
            all_but.insert(*scope, app.token_of(TENANT, &others).await);
            only.insert(*scope, app.token_of(TENANT, &[scope]).await);
        }
        let mut checked = 0;
        for (template, item) in spec["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("path item") {
                let Some(requirements) = operation["security"].as_array() else { continue };
                let declared: Vec<&str> = requirements
                    .iter()
                    .filter_map(|r| r.as_object())
                    .flat_map(|r| r.values())
                    .filter_map(|s| s.as_array())
                    .flatten()
                    .filter_map(|s| s.as_str())
                    .collect();
                let scope = declared.first().copied().unwrap_or_else(|| panic!("{method} {template}: no scope"));
                assert!(declared.iter().all(|s| *s == scope), "{method} {template}: one scope");
                let path = with_parameters(template, operation);
                let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method");
                let refused = app
                    .client
                    .request(method.clone(), app.url(&path))
                    .bearer_auth(&all_but[scope])
                    .send()
                    .await
                    .expect("request");
                assert_eq!(refused.status(), 403, "{method} {path} without {scope}");
                let challenge = header(&refused, "www-authenticate");
                assert!(challenge.contains(&format!("scope=\"{scope}\"")), "{method} {path}: {challenge}");
                let allowed = app
                    .client
                    .request(method.clone(), app.url(&path))
                    .bearer_auth(&only[scope])
                    .send()
                    .await
                    .expect("request");
                assert!(
                    ![401, 403].contains(&allowed.status().as_u16()),
                    "{method} {path} with only {scope}: {}",
                    allowed.status()
                );
                checked += 1;
            }
        }
        assert!(checked >= 50, "checked {checked} operations");
    }

    async fn failed_client_authentications_are_slowed_down_per_client_and_address_and_per_address(app: &TestApp) {
        let (a, a_secret) = app.create_client(TENANT, &["setup.read"]).await;
        let (b, b_secret) = app.create_client(TENANT, &["setup.read"]).await;
        // Two callers on two loopback addresses: the attacker and everyone else.
        let attacker = reqwest::Client::builder()
            .local_address(Some("127.0.0.2".parse().expect("ip")))
            .build()
            .expect("client");
        let token = |client: &reqwest::Client, id: &str, secret: &str| {
            client
                .post(app.url("/oauth2/token"))
                .basic_auth(id, Some(secret))
                .form(&[("grant_type", "client_credentials")])
                .send()
        };
        for attempt in 0..10 {
            let refused = token(&attacker, &a, &format!("guess-{attempt}")).await.expect("request");
            assert_eq!(refused.status(), 401, "attempt {attempt}");
        }
        let slowed = token(&attacker, &a, "guess-10").await.expect("request");
        assert_eq!(slowed.status(), 429);
        let retry_after: u64 = header(&slowed, "retry-after").parse().expect("Retry-After in seconds");
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        let body = json(slowed).await;
        assert_eq!(body["error"], "slow_down");
        assert!(body["error_description"].as_str().is_some_and(|d| d.contains("retry in")), "{body}");
        // The client id waits at the attacker's address, even with its secret...
        assert_eq!(token(&attacker, &a, &a_secret).await.expect("request").status(), 429);
        // ...and its owner, elsewhere, is served: 11 wrong secrets lock out the attacker alone.
        assert_eq!(token(&app.client, &a, &a_secret).await.expect("request").status(), 200);
        let still = token(&attacker, &a, &a_secret).await.expect("request");
        assert_eq!(still.status(), 429, "the owner's success does not clear the attacker's address");
        assert!(!header(&still, "retry-after").is_empty());
        // Below its own limit, the attacker's address is still checked for other client ids.
        assert_eq!(token(&attacker, &b, &b_secret).await.expect("request").status(), 200);
        // Spraying guesses over client ids fills the address's count (100 by default)...
        for attempt in 0..90 {
            let refused = token(&attacker, &format!("sprayed-{attempt}"), "guess").await.expect("request");
            assert_eq!(refused.status(), 401, "attempt {attempt}");
        }
        // ...after which the address waits, whatever the client.
        let slowed = token(&attacker, &b, &b_secret).await.expect("request");
        assert_eq!(slowed.status(), 429);
        assert!(!header(&slowed, "retry-after").is_empty());
        // Other callers elsewhere are served.
        assert_eq!(token(&app.client, &b, &b_secret).await.expect("request").status(), 200);
        assert_eq!(token(&app.client, &a, &a_secret).await.expect("request").status(), 200);
    }

    async fn secrets_stored_as_argon2id_still_work_and_are_rewritten_as_sha256(app: &TestApp) {
        let tenant = app.store.tenant_by_name(TENANT).await.expect("query").expect("tenant");
        let hash = liaison::auth::secret::legacy_hash("old-secret").expect("hash");
        let scopes = vec!["setup.read".to_string()];
        app.store.client_create(tenant, "old-client", "from before", &hash, &scopes).await.expect("client");
        let wrong = token_request(app, |r| r.basic_auth("old-client", Some("nope")).form(&[("grant_type", "client_credentials")])).await;
        assert_eq!(wrong.status(), 401);
        let stored = app.store.client_secret("old-client").await.expect("query").expect("client");
        assert_eq!(stored.secret_hash, hash, "a wrong secret changes nothing");
        for _ in 0..2 {
            let issued = token_request(app, |r| r.basic_auth("old-client", Some("old-secret")).form(&[("grant_type", "client_credentials")])).await;
            assert_eq!(issued.status(), 200);
            let stored = app.store.client_secret("old-client").await.expect("query").expect("client");
            assert_eq!(stored.secret_hash, liaison::auth::secret::hash_secret("old-secret").unwrap_or_default());
        }
    }

    async fn instances_sharing_a_key_file_accept_each_others_tokens(app: &TestApp) {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = liaison::context::ContextSettings {
            token_key: None,
            token_key_file: Some(dir.path().join("shared.key")),
            ..test_settings()
        };
        let limits = || liaison::server::ServerSettings::from(BODY_LIMIT);
        let (first_store, first) = serve_with(&app.database_url, &settings, limits()).await;
        let (second_store, second) = serve_with(&app.database_url, &settings, limits()).await;
        let (id, secret) = app.create_client(TENANT, &["setup.read"]).await;
        let token = token_from(&app.client, &format!("http://{}", first.addr), &id, &secret).await;
        for (server, expected) in [(&second, 200), (&first, 200)] {
            let response = app
                .client
                .get(format!("http://{}/api/setup/organizations", server.addr))
                .bearer_auth(&token)
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), expected);
        }
        // The instance configured with another key does not.
        let refused = app.client.get(app.url("/api/setup/organizations")).bearer_auth(&token).send().await.expect("request");
        assert_eq!(refused.status(), 401);
        for (store, server) in [(first_store, first), (second_store, second)] {
            server.shutdown().await.expect("shutdown");
            store.close().await;
        }
    }

    async fn instances_sharing_a_database_accept_each_others_tokens(app: &TestApp) {
        let (_store, second) = serve(&app.database_url).await;
        let response = app
            .client
            .get(format!("http://{}/api/setup/organizations", second.addr))
            .bearer_auth(&app.token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        second.shutdown().await.expect("shutdown");
    }
}

/// Without a configured key, the key file beside the SQLite file is made
/// once and shared: a second instance on the same file verifies the first's tokens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_on_one_sqlite_file_share_the_key_file_beside_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/shared.db", dir.path().display());
    let settings = liaison::context::ContextSettings::default();
    let limits = || liaison::server::ServerSettings::from(BODY_LIMIT);
    let (first, first_server) = serve_with(&url, &settings, limits()).await;
    let (second, second_server) = serve_with(&url, &settings, limits()).await;
    assert!(
        dir.path().join("shared.key").is_file(),
        "the key file beside the database"
    );
    let tenant = first.ensure_tenant(TENANT).await.expect("tenant");
    let secret = "a-secret-of-the-shared-client";
    let hash = liaison::auth::secret::hash_secret(secret).expect("hash");
    first
        .client_create(tenant, "shared", "test client", &hash, &["setup.read".to_string()])
        .await
        .expect("client");
    let client = reqwest::Client::new();
    let token = token_from(&client, &format!("http://{}", first_server.addr), "shared", secret).await;
    let read = client
        .get(format!("http://{}/api/setup/organizations", second_server.addr))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(read.status(), 200, "the second instance verifies the first's token");
    for (store, server) in [(first, first_server), (second, second_server)] {
        server.shutdown().await.expect("shutdown");
        store.close().await;
    }
}

/// `template` with each path parameter replaced by a value of its schema's
/// type, so that the request reaches the operation.
fn with_parameters(template: &str, operation: &serde_json::Value) -> String {
    let mut path = template.to_string();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        if parameter["in"] != "path" {
            continue;
        }
        let schema = &parameter["schema"];
        let value = match (schema["type"].as_str(), schema["format"].as_str()) {
            (Some("integer"), _) => "1".to_string(),
            (_, Some("uuid")) => uuid::Uuid::new_v4().to_string(),
            _ => "x".to_string(),
        };
        let name = parameter["name"].as_str().expect("name");
        path = path.replace(&format!("{{{name}}}"), &value);
    }
    path
}
