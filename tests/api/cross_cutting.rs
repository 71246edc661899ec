//! Correlation ids, body limits, unknown routes and methods, readiness.

use futures_util::stream;

use crate::harness::*;

engine_tests! {
    async fn correlation_ids_are_echoed_when_well_formed_and_issued_otherwise(app: &TestApp) {
        let cases: &[(&str, &str, bool)] = &[
            ("x-correlation-id", "abc-123:XYZ.9_z", true),
            ("x-request-id", "req-42", true),
            ("x-correlation-id", "has space", false),
            ("x-correlation-id", &"a".repeat(129), false),
        ];
        for (name, value, echoed) in cases {
            for path in ["/healthz", "/no/such/route"] {
                let response = app.get(path).header(*name, *value).send().await.expect("request");
                let got = header(&response, "x-correlation-id");
                if *echoed {
                    assert_eq!(got, *value, "{name}: {value} on {path}");
                } else {
                    assert!(uuid::Uuid::parse_str(&got).is_ok(), "fresh id for {value:?}: {got}");
                }
            }
        }
        let fresh = app.get("/healthz").send().await.expect("request");
        assert!(uuid::Uuid::parse_str(&header(&fresh, "x-correlation-id")).is_ok());
    }

    async fn bodies_over_the_limit_get_413_with_or_without_a_length(app: &TestApp) {
        let oversized = vec![b' '; BODY_LIMIT as usize + 1];
        let with_length = app
            .post("/api/setup/organizations")
            .header("content-type", "application/json")
            .body(oversized.clone())
            .send()
            .await
            .expect("request");
        assert_eq!(with_length.status(), 413);
        assert_eq!(json(with_length).await["status"], 413);

        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            oversized.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
        let chunked = app
            .post("/api/setup/organizations")
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(stream::iter(chunks)))
            .send()
            .await
            .expect("request");
        assert_eq!(chunked.status(), 413);
        assert_eq!(json(chunked).await["status"], 413);

        // Exactly at the limit is read (and then judged on its content).
        let mut at_limit = br#"{"name":"at the limit"}"#.to_vec();
        at_limit.resize(BODY_LIMIT as usize, b' ');
        let response = app
            .post("/api/setup/organizations")
            .header("content-type", "application/json")
            .body(at_limit)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201);
    }

    async fn unknown_routes_and_methods_answer_problem_details(app: &TestApp) {
        let missing = app.get("/no/such/route").send().await.expect("request");
        assert_eq!(missing.status(), 404);
        assert_eq!(content_type(&missing), "application/problem+json");
        let body = json(missing).await;
        assert_eq!(body["status"], 404);
        assert_eq!(body["title"], "Not Found");

        let wrong = app.client.delete(app.url("/api/setup/organizations")).send().await.expect("request");
        assert_eq!(wrong.status(), 405);
        assert_eq!(header(&wrong, "allow"), "GET, POST");
        assert_eq!(json(wrong).await["status"], 405);

        let wrong_xml = app
            .client
            .patch(app.url("/healthz"))
            .header("accept", "application/xml")
            .send()
            .await
            .expect("request");
        assert_eq!(wrong_xml.status(), 405);
        assert_eq!(header(&wrong_xml, "allow"), "GET");
        assert_eq!(content_type(&wrong_xml), "application/problem+xml");
    }

    async fn readiness_follows_the_database(app: &TestApp) {
        let ready = app.get("/readyz").send().await.expect("request");
        assert_eq!(ready.status(), 200);
        assert_eq!(json(ready).await["status"], "ready");
        app.store.close().await;
        let unready = app.get("/readyz").send().await.expect("request");
        assert_eq!(unready.status(), 503);
        assert_eq!(content_type(&unready), "application/problem+json");
        let body = json(unready).await;
        assert_eq!(body["status"], 503);
        assert!(!body.to_string().contains("sqlx"), "no internals leak: {body}");
        assert_eq!(app.get("/healthz").send().await.expect("request").status(), 200);
    }

    async fn swagger_ui_and_the_spec_are_served(app: &TestApp) {
        let docs = app.get("/docs").header("accept", "text/html").send().await.expect("request");
        assert_eq!(docs.status(), 200);
        assert!(docs.text().await.expect("body").contains("swagger"), "Swagger UI page");
        let spec = json(app.get("/openapi.json").send().await.expect("request")).await;
        assert_eq!(spec["info"]["title"], "liaison");
        let yaml = app.get("/openapi.yaml").send().await.expect("request");
        assert_eq!(yaml.status(), 200);
        assert!(yaml.text().await.expect("body").contains("openapi: 3.0"));
    }
}

/// A write in flight when shutdown starts is finished and kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_in_flight_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/shutdown.db", dir.path().display());
    let (store, server) = serve(&url).await;
    let base = format!("http://{}", server.addr);
    let client = reqwest::Client::new();
    let tenant = store.ensure_tenant(TENANT).await.expect("tenant");
    let secret = "shutdown-secret";
    let hash = liaison::auth::secret::hash_secret(secret).expect("hash");
    let scopes = vec!["setup.write".to_string(), "setup.read".to_string()];
    store
        .client_create(tenant, "shutdown-client", "t", &hash, &scopes)
        .await
        .expect("client");
    let token = json(
        client
            .post(format!("{base}/oauth2/token"))
            .basic_auth("shutdown-client", Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token"),
    )
    .await["access_token"]
        .as_str()
        .expect("token")
        .to_string();

    // A body that arrives in two parts, the second after shutdown has begun.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    let body = reqwest::Body::wrap_stream(tokio_stream_from(rx));
    let request = client
        .post(format!("{base}/api/setup/organizations"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(body)
        .send();
    let in_flight = tokio::spawn(request);
    tx.send(Ok(br#"{"name": "#.to_vec())).await.expect("first part");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let stopping = tokio::spawn(server.shutdown());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    tx.send(Ok(br#""Survivor"}"#.to_vec())).await.expect("second part");
    drop(tx);
    let response = in_flight.await.expect("task").expect("response");
    assert_eq!(response.status(), 201, "the in-flight write was answered");
    stopping.await.expect("task").expect("clean shutdown");
    let page = liaison::domain::Page { limit: 10, offset: 0 };
    let (rows, _) = store
        .record_list::<liaison::domain::setup::Organization>(tenant, None, page, None)
        .await
        .expect("list");
    assert_eq!(rows.len(), 1, "the acknowledged write was kept");
    assert_eq!(rows[0].data.name, "Survivor");
}

/// A stream of the channel's items.
fn tokio_stream_from<T: Send + 'static>(
    rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> + Send + 'static {
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
}

/// PostgreSQL connections the server drops (a restart, a network) are not
/// handed to requests: one that sat idle is checked before use and replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_dropped_by_the_server_are_replaced() {
    use sqlx::Connection as _;
    let Some(app) = TestApp::spawn(Engine::Postgres).await else {
        return;
    };
    let token = app.demo_token().await;
    let read = || async {
        let response = app
            .get("/api/relationships")
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        response.status().as_u16()
    };
    // Every connection of the pool in use at once, then all dropped by the server.
    let statuses = futures_util::future::join_all((0..16).map(|_| read())).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let mut admin = sqlx::PgConnection::connect(&app.database_url).await.expect("connect");
    let dropped: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t",
    )
    .fetch_one(&mut admin)
    .await
    .expect("terminate");
    assert!(dropped > 0, "the app's connections were dropped");
    let _ = admin.close().await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let statuses = futures_util::future::join_all((0..16).map(|_| read())).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    app.stop().await;
}
