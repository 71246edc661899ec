//! `GET /metrics`: what an operator scrapes, read back with a Prometheus
//! text-format parser.

use std::time::Duration;

use liaison::context::{ApiContext, ContextSettings};
use prometheus_parse::{Sample, Scrape, Value};

use crate::harness::header;

/// Scrapes `url` as Prometheus does (no token) and parses the exposition.
async fn scrape_metrics(client: &reqwest::Client, url: &str) -> Scrape {
    let response = client
        .get(url)
        .header(
            "accept",
            "application/openmetrics-text;version=1.0.0;q=0.75,text/plain;version=0.0.4;q=0.5",
        )
        .send()
        .await
        .expect("scrape");
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "text/plain; version=0.0.4");
    let text = response.text().await.expect("body");
    Scrape::parse(text.lines().map(|line| Ok(line.to_string()))).expect("Prometheus text format")
}

/// The one sample of `metric` carrying every label in `labels`.
fn sample<'a>(scrape: &'a Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<&'a Sample> {
    let mut found = scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)));
    let first = found.next();
    assert!(found.next().is_none(), "{metric} {labels:?} is ambiguous");
    first
}

/// The value of a counter, gauge or untyped sample (0 when absent).
fn value(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    match sample(scrape, metric, labels).map(|s| &s.value) {
        Some(Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v)) => *v,
        Some(other) => panic!("{metric} is not a single value: {other:?}"),
        None => 0.0,
    }
}

engine_tests! {
    async fn metrics_count_webhook_attempts_by_outcome_and_age_the_oldest_undelivered_change(app: &TestApp) {
        let token = app.demo_token().await;
        let receiver = crate::webhooks::Receiver::start_slow(&[500], Duration::from_millis(1_200)).await;
        let created = app
            .client
            .post(app.url("/api/setup/webhooks"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"url": receiver.url, "events": ["relationships"]}))
            .send()
            .await
            .expect("request");
        assert_eq!(created.status(), 201);
        let id = crate::harness::json(created).await["entityId"].as_str().expect("id").to_string();
        let put = app
            .client
            .put(app.url("/api/relationships/d32a9192-353c-45fe-bbd4-b88702800467"))
            .bearer_auth(&token)
            .json(&crate::harness::relationship("Watched"))
            .send()
            .await
            .expect("request");
        assert_eq!(put.status(), 200);
        // The first attempt is on its way (the receiver takes 1.2 s to answer it).
        receiver.wait_for(10, |got| !got.is_empty()).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let scrape = scrape_metrics(&app.client, &app.url("/metrics")).await;
        let age = value(&scrape, "liaison_webhook_oldest_undelivered_seconds", &[("webhook", &id)]);
        assert!(age >= 0.3, "the change waits: {age}");
        // 500, then 200: one attempt retrying, one delivered; nothing waits any more.
        receiver.wait_for(10, |got| got.len() >= 2).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let scrape = scrape_metrics(&app.client, &app.url("/metrics")).await;
            let counted = |outcome| value(&scrape, "liaison_webhook_deliveries_total", &[("outcome", outcome)]);
            let waiting = sample(&scrape, "liaison_webhook_oldest_undelivered_seconds", &[("webhook", &id)]);
            if counted("delivered") == 1.0 && waiting.is_none() {
                assert_eq!((counted("retrying"), counted("failed")), (1.0, 0.0));
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the delivery is counted");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn metrics_count_and_time_requests_by_operation_and_status(app: &TestApp) {
        for _ in 0..3 {
            let ok = app.client.get(app.url("/healthz")).send().await.expect("request");
            assert_eq!(ok.status(), 200);
        }
        let anonymous = app.client.get(app.url("/api/setup/organizations")).send().await.expect("request");
        assert_eq!(anonymous.status(), 401);
        let listed = app.get("/api/setup/organizations").send().await.expect("request");
        assert_eq!(listed.status(), 200);
        let unknown = app.client.get(app.url("/no/such/path/4711")).send().await.expect("request");
        assert_eq!(unknown.status(), 404);
        let refused = app
            .client
            .post(app.url("/oauth2/token"))
            .basic_auth("nobody", Some("wrong"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("request");
        assert_eq!(refused.status(), 401);
        let ready = app.client.get(app.url("/readyz")).send().await.expect("request");
        assert_eq!(ready.status(), 200);

        let scrape = scrape_metrics(&app.client, &app.url("/metrics")).await;
        let requests = |operation: &str, status: &str| {
            value(&scrape, "liaison_http_requests_total", &[("operation_id", operation), ("status", status)])
        };
        assert_eq!(requests("getHealth", "200"), 3.0);
        assert_eq!(requests("listOrganizations", "401"), 1.0);
        assert_eq!(requests("listOrganizations", "200"), 1.0);
        assert_eq!(requests("unmatched", "404"), 1.0);
        // The harness got the default token; then one refusal.
        assert_eq!(requests("createToken", "200"), 1.0);
        assert_eq!(requests("createToken", "401"), 1.0);
        // Never a raw path in a label.
        assert!(
            scrape.samples.iter().all(|s| s.labels.values().all(|v| !v.contains('/'))),
            "a label holds a path"
        );

        let durations = sample(
            &scrape,
            "liaison_http_request_duration_seconds",
            &[("operation_id", "getHealth"), ("status", "200")],
        )
        .expect("the duration histogram");
        let Value::Histogram(buckets) = &durations.value else {
            panic!("not a histogram: {:?}", durations.value);
        };
        assert!(buckets.iter().any(|b| b.less_than == 0.0001), "a 0.1 ms bucket");
        assert!(buckets.iter().any(|b| b.less_than == 0.05), "a 50 ms bucket");
        let total = buckets.iter().find(|b| b.less_than.is_infinite()).expect("+Inf bucket");
        assert_eq!(total.count, 3.0);
        assert_eq!(
            value(
                &scrape,
                "liaison_http_request_duration_seconds_count",
                &[("operation_id", "getHealth"), ("status", "200")]
            ),
            3.0
        );

        // The scrape itself is the one request in flight.
        assert_eq!(value(&scrape, "liaison_http_requests_in_flight", &[]), 1.0);

        let max = value(&scrape, "liaison_db_pool_max_connections", &[]);
        assert!(max == 8.0 || max == 16.0, "{max}");
        let idle = value(&scrape, "liaison_db_pool_connections", &[("state", "idle")]);
        let in_use = value(&scrape, "liaison_db_pool_connections", &[("state", "in_use")]);
        assert!(idle + in_use >= 1.0 && idle + in_use <= max, "idle {idle}, in use {in_use}");
        // Timed by the readiness check and by this scrape.
        assert!(value(&scrape, "liaison_db_pool_acquire_seconds_count", &[]) >= 2.0);
        assert_eq!(value(&scrape, "liaison_db_pool_acquire_failures_total", &[]), 0.0);

        assert_eq!(value(&scrape, "liaison_tokens_issued_total", &[]), 1.0);
        assert_eq!(value(&scrape, "liaison_token_failures_total", &[("reason", "invalid_client")]), 1.0);
        assert!(
            sample(&scrape, "liaison_token_failures_total", &[("reason", "invalid_request")]).is_some(),
            "every failure reason is exposed from the start"
        );
        assert_eq!(
            value(&scrape, "liaison_build_info", &[("version", env!("CARGO_PKG_VERSION"))]),
            1.0
        );

        // A second scrape counts the first.
        let again = scrape_metrics(&app.client, &app.url("/metrics")).await;
        assert_eq!(
            value(&again, "liaison_http_requests_total", &[("operation_id", "metrics"), ("status", "200")]),
            1.0
        );
    }

    async fn the_writer_counts_its_commits_the_writes_they_served_and_their_change_records(app: &TestApp) {
        let counts = |scrape: &Scrape| {
            (
                value(scrape, "liaison_db_writer_commits_total", &[]),
                value(scrape, "liaison_db_writer_writes_total", &[]),
            )
        };
        let token = app.demo_token().await;
        let scrape = scrape_metrics(&app.client, &app.url("/metrics")).await;
        let (commits, writes) = counts(&scrape);
        let recorded = value(&scrape, "liaison_changes_recorded_total", &[]);
        let puts = (0..32).map(|i| {
            app.client
                .put(app.url("/api/user/related"))
                .bearer_auth(&token)
                .json(&serde_json::json!({"id": 6, "username": "dleite", "name": format!("writer{i}")}))
                .send()
        });
        for put in futures_util::future::join_all(puts).await {
            assert_eq!(put.expect("request").status(), 201);
        }
        let scrape = scrape_metrics(&app.client, &app.url("/metrics")).await;
        let (commits_after, writes_after) = counts(&scrape);
        let recorded_after = value(&scrape, "liaison_changes_recorded_total", &[]);
        assert_eq!(recorded_after - recorded, 32.0, "one change record per PUT, on either engine");
        if app.database_url.starts_with("postgres") {
            // Each write commits its own transaction: no shared writer.
            assert_eq!((commits_after, writes_after), (0.0, 0.0));
        } else {
            assert_eq!(writes_after - writes, 32.0, "every PUT committed once");
            let served = commits_after - commits;
            assert!((1.0..=32.0).contains(&served), "{served} commits");
        }
    }

    async fn metrics_are_outside_the_api_and_its_spec(app: &TestApp) {
        let spec: serde_json::Value = app
            .client
            .get(app.url("/openapi.json"))
            .send()
            .await
            .expect("spec")
            .json()
            .await
            .expect("JSON");
        assert!(spec["paths"].get("/metrics").is_none(), "/metrics is in the spec");
        let committed: serde_json::Value =
            serde_json::from_str(include_str!("../../openapi/openapi.json")).expect("committed spec");
        assert!(committed["paths"].get("/metrics").is_none());
        // Only GET and HEAD.
        let post = app.client.post(app.url("/metrics")).send().await.expect("request");
        assert_eq!(post.status(), 405);
        assert_eq!(header(&post, "allow"), "GET, HEAD");
        // A bad token is not even looked at.
        let with_garbage = app
            .client
            .get(app.url("/metrics"))
            .header("authorization", "Bearer not.a.token")
            .send()
            .await
            .expect("request");
        assert_eq!(with_garbage.status(), 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_on_their_own_address_leave_the_main_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = liaison::store::Store::connect(&format!("sqlite://{}/liaison.db", dir.path().display()))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let settings = ContextSettings {
        metrics_on_main: false,
        ..ContextSettings::default()
    };
    let ctx = ApiContext::new(store.clone(), &settings).await.expect("context");
    let metrics_server = liaison::metrics::serve(ctx.metrics.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("metrics listener");
    let server = liaison::app::start(ctx, 1024, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server");
    let client = reqwest::Client::new();
    let main = format!("http://{}", server.addr);
    assert_eq!(
        client
            .get(format!("{main}/healthz"))
            .send()
            .await
            .expect("health")
            .status(),
        200
    );
    let on_main = client.get(format!("{main}/metrics")).send().await.expect("request");
    assert_eq!(on_main.status(), 404);

    let scrape = scrape_metrics(&client, &format!("http://{}/metrics", metrics_server.addr)).await;
    let requests = |operation: &str, status: &str| {
        value(
            &scrape,
            "liaison_http_requests_total",
            &[("operation_id", operation), ("status", status)],
        )
    };
    assert_eq!(requests("getHealth", "200"), 1.0);
    assert_eq!(
        requests("metrics", "404"),
        1.0,
        "the path is labelled, the status tells it was not served"
    );
    // Scrapes on the metrics address are not API requests.
    assert_eq!(value(&scrape, "liaison_http_requests_in_flight", &[]), 0.0);

    server.shutdown().await.expect("shutdown");
    metrics_server.shutdown().await.expect("metrics shutdown");
    store.close().await;
}
