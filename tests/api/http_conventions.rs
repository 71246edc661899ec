//! What any HTTP client, proxy and browser expects: CORS for the origins
//! the operator names.

use liaison::server::ServerSettings;

use crate::harness::*;

/// A server with CORS for `origins`, and its base URL.
async fn serve_cors(origins: &[&str]) -> (tempfile::TempDir, liaison::app::RunningServer, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let limits = ServerSettings {
        cors_origins: origins.iter().map(|o| o.to_string()).collect(),
        ..ServerSettings::from(BODY_LIMIT)
    };
    let url = format!("sqlite://{}/liaison.db", dir.path().display());
    let (_, server) = serve_with(&url, &test_settings(), limits).await;
    let base = format!("http://{}", server.addr);
    (dir, server, base)
}

fn preflight(client: &reqwest::Client, base: &str, origin: &str) -> reqwest::RequestBuilder {
    client
        .request(
            reqwest::Method::OPTIONS,
            format!("{base}/api/relationships/d32a9192-353c-45fe-bbd4-b88702800467"),
        )
        .header("origin", origin)
        .header("access-control-request-method", "PUT")
        .header(
            "access-control-request-headers",
            "authorization, content-type, if-match",
        )
}

#[tokio::test]
async fn an_allowed_origin_is_answered_its_preflight_and_may_read_the_answer() {
    let (_dir, server, base) = serve_cors(&["http://portal.example.com"]).await;
    let client = reqwest::Client::new();
    let answer = preflight(&client, &base, "http://portal.example.com")
        .send()
        .await
        .expect("preflight");
    assert_eq!(answer.status(), 204);
    assert_eq!(
        header(&answer, "access-control-allow-origin"),
        "http://portal.example.com"
    );
    assert!(header(&answer, "access-control-allow-methods").contains("PUT"));
    for allowed in [
        "Authorization",
        "Content-Type",
        "If-Match",
        "X-Correlation-Id",
        "Idempotency-Key",
    ] {
        assert!(
            header(&answer, "access-control-allow-headers").contains(allowed),
            "{allowed}"
        );
    }
    let get = client
        .get(format!("{base}/api/relationships"))
        .header("origin", "http://portal.example.com")
        .send()
        .await
        .expect("get");
    assert_eq!(
        get.status(),
        401,
        "CORS allows the call; the credential is still required"
    );
    assert_eq!(header(&get, "access-control-allow-origin"), "http://portal.example.com");
    assert!(header(&get, "access-control-expose-headers").contains("ETag"));
    assert!(header(&get, "access-control-expose-headers").contains("X-Correlation-Id"));
    let vary: Vec<_> = get
        .headers()
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(vary.iter().any(|v| v.contains("Origin")), "{vary:?}");

    // Another origin is served as if it had sent none: no CORS header at all.
    let other = preflight(&client, &base, "http://evil.example.com")
        .send()
        .await
        .expect("preflight");
    assert_ne!(other.status(), 204);
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let other = client
        .get(format!("{base}/readyz"))
        .header("origin", "http://evil.example.com")
        .send()
        .await
        .expect("get");
    assert_eq!(other.status(), 200);
    assert!(other.headers().get("access-control-allow-origin").is_none());
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn without_cors_origins_no_cross_origin_call_is_allowed() {
    let (_dir, server, base) = serve_cors(&[]).await;
    let client = reqwest::Client::new();
    let answer = preflight(&client, &base, "http://portal.example.com")
        .send()
        .await
        .expect("preflight");
    assert_ne!(answer.status(), 204);
    assert!(answer.headers().get("access-control-allow-origin").is_none());
    assert!(answer.headers().get("access-control-allow-methods").is_none());
    server.shutdown().await.expect("shutdown");
}

/// `bytes` gzipped, or gunzipped.
async fn gzip(bytes: &[u8], encode: bool) -> Vec<u8> {
    use async_compression::tokio::bufread::{GzipDecoder, GzipEncoder};
    use tokio::io::AsyncReadExt as _;
    let mut out = Vec::new();
    if encode {
        GzipEncoder::new(bytes).read_to_end(&mut out).await.expect("gzip");
    } else {
        GzipDecoder::new(bytes).read_to_end(&mut out).await.expect("gunzip");
    }
    out
}

#[tokio::test]
async fn answers_are_compressed_as_accept_encoding_asks_and_coded_bodies_are_read() {
    let app = TestApp::spawn(Engine::Sqlite).await.expect("SQLite");
    let demo = app.demo_token().await;
    let path = "/api/relationships/d32a9192-353c-45fe-bbd4-b88702800467";
    let plain = app
        .client
        .get(app.url(path))
        .bearer_auth(&demo)
        .send()
        .await
        .expect("get");
    let vary: Vec<_> = plain
        .headers()
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(vary.contains(&"Accept-Encoding"), "{vary:?}");
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.expect("body");
    assert!(
        plain.len() > 1024,
        "a relationship is worth compressing: {} bytes",
        plain.len()
    );

    let zipped = app
        .client
        .get(app.url(path))
        .bearer_auth(&demo)
        .header("accept-encoding", "br;q=0.5, gzip")
        .send()
        .await
        .expect("get");
    assert_eq!(header(&zipped, "content-encoding"), "gzip");
    let zipped = zipped.bytes().await.expect("body");
    assert!(zipped.len() < plain.len() / 2, "{} of {}", zipped.len(), plain.len());
    assert_eq!(
        gzip(&zipped, false).await,
        plain,
        "a gzip answer decodes to the same body"
    );

    let small = app
        .client
        .get(app.url("/readyz"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("readyz");
    assert!(
        small.headers().get("content-encoding").is_none(),
        "small answers go as they are"
    );

    // A gzip request body is read; one that inflates past the body limit is a 413.
    let body = serde_json::json!({
        "name": "sent gzipped", "startEffectiveDate": "2026-05-01",
        "organizations": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"],
        "internalManager": "a218d8e5-8c7a-4f3e-9b12-111111111111",
        "externalManager": "b218d8e5-8c7a-4f3e-9b12-222222222222",
        "classification": "classification1", "category": "Cat1",
        "internalAccess": "Team", "externalAccess": "Team", "status": "Relationship_Active"
    })
    .to_string();
    // A PUT of `body` sent in `coding`.
    let put = |coding: &'static str, body: Vec<u8>| {
        let request = app.client.put(app.url(path)).bearer_auth(&demo);
        let request = request
            .header("content-type", "application/json")
            .header("content-encoding", coding);
        async move { request.body(body).send().await.expect("put") }
    };
    let sent = put("gzip", gzip(body.as_bytes(), true).await).await;
    assert_eq!(sent.status(), 200, "{}", sent.text().await.unwrap_or_default());
    let bomb = gzip(&vec![b' '; 8 * BODY_LIMIT as usize], true).await;
    assert!(bomb.len() < 64 * 1024, "the bomb is small on the wire: {}", bomb.len());
    assert_eq!(put("gzip", bomb).await.status(), 413);
    let put = put("compress", body.into_bytes()).await;
    assert_eq!(put.status(), 415);
    assert_eq!(header(&put, "accept-encoding"), "zstd, br, gzip, deflate");
    app.stop().await;
}

engine_tests! {
    async fn a_get_of_what_the_client_holds_is_304(app: &TestApp) {
        let demo = app.demo_token().await;
        let get = |path: &'static str, condition: Option<(&'static str, String)>| {
            let mut request = app.client.get(app.url(path)).bearer_auth(&demo);
            if let Some((name, value)) = condition {
                request = request.header(name, value);
            }
            async move { request.send().await.expect("get") }
        };
        let one = "/api/relationships/d32a9192-353c-45fe-bbd4-b88702800467";
        let first = get(one, None).await;
        assert_eq!(first.status(), 200);
        let (etag, modified) = (header(&first, "etag"), header(&first, "last-modified"));
        assert!(modified.ends_with(" GMT"), "{modified}");

        let same = get(one, Some(("if-none-match", etag.clone()))).await;
        assert_eq!(same.status(), 304);
        assert_eq!(header(&same, "etag"), etag);
        assert!(same.bytes().await.expect("body").is_empty());
        assert_eq!(
            get(one, Some(("if-none-match", format!("\"0\", W/{etag}"))))
                .await
                .status(),
            304,
            "weak comparison"
        );
        assert_eq!(get(one, Some(("if-none-match", "*".into()))).await.status(), 304);
        assert_eq!(get(one, Some(("if-none-match", "\"0\"".into()))).await.status(), 200);
        assert_eq!(
            get(one, Some(("if-modified-since", modified.clone()))).await.status(),
            304
        );
        assert_eq!(
            get(one, Some(("if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT".into())))
                .await
                .status(),
            200
        );

        // A list page: a weak tag of its content, 304 until the content changes.
        let list = "/api/setup/organizations";
        let page = get(list, None).await;
        let tag = header(&page, "etag");
        assert!(tag.starts_with("W/\""), "{tag}");
        assert_eq!(get(list, Some(("if-none-match", tag.clone()))).await.status(), 304);
        app.client
            .post(app.url(list))
            .bearer_auth(&demo)
            .json(&serde_json::json!({"name": "new"}))
            .send()
            .await
            .expect("create");
        let changed = get(list, Some(("if-none-match", tag.clone()))).await;
        assert_eq!(changed.status(), 200);
        assert_ne!(header(&changed, "etag"), tag);
    }
}

#[tokio::test]
async fn the_docs_page_has_an_icon_and_the_wire_rules() {
    let app = TestApp::spawn(Engine::Sqlite).await.expect("SQLite");
    let page = app
        .client
        .get(app.url("/docs"))
        .send()
        .await
        .expect("docs")
        .text()
        .await
        .expect("page");
    assert!(page.contains(r#"<link rel="icon" type="image/svg+xml" href="/favicon.ico">"#));
    let icon = app.client.get(app.url("/favicon.ico")).send().await.expect("icon");
    assert_eq!(icon.status(), 200);
    assert_eq!(header(&icon, "content-type"), "image/svg+xml");
    assert!(icon.text().await.expect("svg").starts_with("<svg"));
    // The wire rules: a page of the docs, linked from the document.
    let spec = json(app.client.get(app.url("/openapi.json")).send().await.expect("spec")).await;
    assert_eq!(spec["externalDocs"]["url"], "/docs/rules");
    let rules = app.client.get(app.url("/docs/rules")).send().await.expect("rules");
    assert_eq!(rules.status(), 200);
    let rules = rules.text().await.expect("page");
    assert!(
        rules.contains("<code>Accept</code>") && rules.contains("X-Correlation-Id"),
        "{rules}"
    );
    app.stop().await;
}
