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
