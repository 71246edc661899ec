//! XML request bodies: the same data as JSON, parsed safely.

use crate::harness::*;

fn nested(depth: usize) -> String {
    format!(
        "<OrganizationInput><name>x</name>{}{}</OrganizationInput>",
        "<a>".repeat(depth - 1),
        "</a>".repeat(depth - 1)
    )
}

async fn post_xml(app: &TestApp, body: impl Into<reqwest::Body>) -> reqwest::Response {
    app.post("/api/setup/organizations")
        .header("content-type", "application/xml")
        .body(body)
        .send()
        .await
        .expect("request")
}

engine_tests! {
    async fn hostile_xml_is_refused_and_the_server_keeps_answering(app: &TestApp) {
        let billion_laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
            <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
            <OrganizationInput><name>&lol3;</name></OrganizationInput>"#;
        let cases: Vec<(&str, String)> = vec![
            ("DTD", r#"<!DOCTYPE OrganizationInput><OrganizationInput><name>a</name></OrganizationInput>"#.into()),
            ("external entity", r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><OrganizationInput><name>&xxe;</name></OrganizationInput>"#.into()),
            ("undeclared entity", "<OrganizationInput><name>&xxe;</name></OrganizationInput>".into()),
            ("billion laughs", billion_laughs.into()),
            ("depth 33", nested(33)),
            ("depth 100000", nested(100_000)),
            ("unclosed", "<OrganizationInput><name>a</name>".into()),
        ];
        for (label, body) in cases {
            let response = post_xml(app, body).await;
            assert_eq!(response.status(), 400, "{label}");
            assert_eq!(json(response).await["status"], 400, "{label}");
        }
        let invalid_utf8 = b"<OrganizationInput><name>\xff\xfe</name></OrganizationInput>".to_vec();
        assert_eq!(post_xml(app, invalid_utf8).await.status(), 400, "invalid UTF-8");
        // Depth 32 is still fine as far as nesting goes (the unknown element is refused by validation).
        let response = post_xml(app, nested(32)).await;
        assert_eq!(response.status(), 400);
        let errors = json(response).await["errors"].clone();
        assert_eq!(
            errors,
            serde_json::json!([{"field": "a", "message": "is not a known field"}]),
            "named as sent"
        );
        assert_eq!(app.get("/healthz").send().await.expect("request").status(), 200);
        let list = json(app.get("/api/setup/organizations").send().await.expect("request")).await;
        assert_eq!(list["totalCount"], 0, "nothing was stored");
    }

    async fn xml_and_json_bodies_are_stored_identically(app: &TestApp) {
        let from_json = app
            .post("/api/setup/organizations")
            .json(&serde_json::json!({"name": "Tom & Jerry <Ltd>", "active": false}))
            .send()
            .await
            .expect("request");
        assert_eq!(from_json.status(), 201);
        let from_json = json(from_json).await;
        let from_xml = post_xml(
            app,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OrganizationInput>\n  <name>Tom &amp; Jerry &lt;Ltd&gt;</name>\n  <active>false</active>\n</OrganizationInput>",
        )
        .await;
        assert_eq!(from_xml.status(), 201);
        let from_xml = json(from_xml).await;
        for field in ["name", "active"] {
            assert_eq!(from_json[field], from_xml[field], "{field}");
        }
        // Read back as XML: the same values in elements.
        let id = from_xml["entityId"].as_str().expect("id");
        let xml = app
            .get(&format!("/api/setup/organizations/{id}"))
            .header("accept", "application/xml")
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("body");
        assert!(xml.contains("<name>Tom &amp; Jerry &lt;Ltd&gt;</name>"), "{xml}");
        assert!(xml.contains("<active>false</active>"), "{xml}");
    }

    async fn xml_bodies_go_through_the_same_validation_as_json(app: &TestApp) {
        for body in [
            "<OrganizationInput><name>   </name></OrganizationInput>",
            "<OrganizationInput><active>maybe</active><name>a</name></OrganizationInput>",
            "<OrganizationInput><name>a</name><name>b</name></OrganizationInput>",
            "<OrganizationInput/>",
        ] {
            assert_eq!(post_xml(app, body).await.status(), 400, "{body}");
        }
        let json_status = app
            .post("/api/setup/organizations")
            .json(&serde_json::json!({"name": "   "}))
            .send()
            .await
            .expect("request")
            .status();
        assert_eq!(json_status, 400);
    }
}

/// The token endpoint reads its body before it checks credentials, so an
/// anonymous caller could make it parse anything up to the body cap: one
/// element with 80,000 attributes is refused at once, naming the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_element_with_too_many_attributes_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, server) = serve(&format!("sqlite://{}/attributes.db", dir.path().display())).await;
    let client = reqwest::Client::new();
    let attributes: String = (0..80_000).map(|i| format!(" a{i}=\"\"")).collect();
    let body = format!("<TokenRequest{attributes}><grant_type>client_credentials</grant_type></TokenRequest>");
    assert!(body.len() < BODY_LIMIT as usize);
    let started = std::time::Instant::now();
    let response = client
        .post(format!("http://{}/oauth2/token", server.addr))
        .header("content-type", "application/xml")
        .body(body)
        .send()
        .await
        .expect("request");
    let elapsed = started.elapsed();
    assert_eq!(response.status(), 400);
    let body = json(response).await;
    assert_eq!(body["error"], "invalid_request");
    let description = body["error_description"].as_str().unwrap_or_default();
    assert!(description.contains("more than 64 attributes"), "{description}");
    assert!(elapsed < std::time::Duration::from_secs(2), "took {elapsed:?}");
    server.shutdown().await.expect("shutdown");
    store.close().await;
}
