//! Webhooks (`/api/setup/webhooks`): the secret is shown once and kept
//! sealed; deliveries are signed, retried with the same `webhook-id`, logged
//! and redelivered; first attempts go in change order; a webhook failing
//! every delivery is disabled; private addresses are refused unless the
//! operator allows them; two instances never send one attempt twice; and
//! after a kill -9, every acknowledged write is delivered.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::harness::*;

const RELATIONSHIP_ID: &str = "d32a9192-353c-45fe-bbd4-b88702800467";

/// A POST a receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

impl Received {
    fn change(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

/// An HTTP receiver on 127.0.0.1 that records every request and answers
/// the statuses of its script in turn (then 200).
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start(script: &[u16]) -> Receiver {
        Self::start_slow(script, Duration::ZERO).await
    }

    /// A receiver that takes `delay` to answer each request.
    pub async fn start_slow(script: &[u16], delay: Duration) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let got = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<u16>>()));
        let (recorded, statuses) = (Arc::clone(&got), script);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (recorded, statuses) = (Arc::clone(&recorded), Arc::clone(&statuses));
                tokio::spawn(async move {
                    let mut stream = BufReader::new(stream);
                    while let Some(received) = read_request(&mut stream).await {
                        recorded.lock().expect("lock").push(received);
                        let status = statuses.lock().expect("lock").pop_front().unwrap_or(200);
                        tokio::time::sleep(delay).await;
                        let answer = format!("HTTP/1.1 {status} Scripted\r\ncontent-length: 8\r\n\r\nscripted");
                        if stream.get_mut().write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Receiver { url, got }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    /// What it received once `done` holds of it (within `seconds`).
    pub async fn wait_for(&self, seconds: u64, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            let shown: Vec<&str> = received.iter().take(5).map(|r| r.body.as_str()).collect();
            assert!(
                Instant::now() < deadline,
                "the receiver waited in vain; it got {} requests, the first: {shown:#?}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One request of a keep-alive connection; `None` at its end.
async fn read_request(stream: &mut BufReader<tokio::net::TcpStream>) -> Option<Received> {
    let mut headers = BTreeMap::new();
    let mut line = String::new();
    stream.read_line(&mut line).await.ok().filter(|n| *n > 0)?;
    loop {
        line.clear();
        stream.read_line(&mut line).await.ok().filter(|n| *n > 0)?;
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        headers.insert(name.to_ascii_lowercase(), value.trim().to_string());
    }
    let length: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.ok()?;
    let header = |name: &str| headers.get(name).cloned().unwrap_or_default();
    Some(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: String::from_utf8(body).ok()?,
    })
}

/// A request of `token`'s client.
fn call(app: &TestApp, method: &str, path: &str, token: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method.parse().expect("a method"), app.url(path))
        .bearer_auth(token)
}

/// Creates a webhook from `base` (an instance's URL); its JSON answer.
async fn create(app: &TestApp, base: &str, token: &str, body: Value) -> Value {
    let response = app
        .client
        .post(format!("{base}/api/setup/webhooks"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201, "create a webhook: {body}");
    json(response).await
}

async fn put_relationship(app: &TestApp, token: &str, name: &str) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/relationships/{RELATIONSHIP_ID}")))
        .bearer_auth(token)
        .json(&relationship(name))
        .send()
        .await
        .expect("request")
}

/// The delivery log of webhook `id`.
async fn attempts(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let response = call(app, "GET", &format!("/api/setup/webhooks/{id}/deliveries"), token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    json(response).await["items"].as_array().cloned().unwrap_or_default()
}

/// The signature liaison should have sent for `received`, under `secret`.
fn signed(secret: &str, received: &Received) -> bool {
    let timestamp: i64 = received.timestamp.parse().expect("a Unix time");
    let now = chrono::Utc::now().timestamp();
    received.signature == liaison::webhooks::secret::sign(secret, &received.id, timestamp, received.body.as_bytes())
        && (now - 60..=now + 1).contains(&timestamp)
}

engine_tests! {
    async fn a_created_webhook_shows_its_secret_once_and_never_again(app: &TestApp) {
        let receiver = Receiver::start(&[]).await;
        let body = json!({"url": receiver.url, "events": ["relationships.update"], "description": " CRM sync "});
        let send = || app.post("/api/setup/webhooks").header("Idempotency-Key", "hook-1").json(&body).send();
        let response = send().await.expect("request");
        assert_eq!(response.status(), 201);
        let location = header(&response, "location");
        let created = json(response).await;
        // A retry with its Idempotency-Key gets the same answer, secret and all,
        // from an answer kept sealed (the database check below).
        let replayed = send().await.expect("request");
        assert_eq!(header(&replayed, "idempotent-replayed"), "true");
        assert_eq!(json(replayed).await, created);
        let (id, secret) = (created["entityId"].as_str().expect("id"), created["secret"].as_str().expect("secret"));
        assert_eq!(location, format!("/api/setup/webhooks/{id}"));
        assert!(secret.starts_with("whsec_") && secret.len() == 6 + 44, "{secret}");
        assert_eq!(created["events"], json!(["relationships.update"]));
        assert_eq!(created["description"], "CRM sync");
        assert_eq!(created["active"], true);

        let fetched = json(app.get(&location).send().await.expect("request")).await;
        let listed = json(app.get("/api/setup/webhooks").send().await.expect("request")).await;
        let history = json(app.get("/api/changes?resource=webhooks").send().await.expect("request")).await;
        let secret_bytes = &secret["whsec_".len()..];
        for answer in [&fetched, &listed, &history] {
            let text = answer.to_string();
            assert!(!text.contains(secret_bytes) && !text.contains("\"secret\""), "{text}");
        }
        assert_eq!(fetched["url"], receiver.url.as_str());
        let fields: Vec<&str> = history["changes"][0]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|f| f["field"].as_str())
            .collect();
        assert_eq!(fields, ["url", "events", "description", "active"], "{history}");
        // At rest it is sealed: not even its base64 is in the database file.
        if let Some(file) = app.database_url.strip_prefix("sqlite://") {
            for file in [file.to_string(), format!("{file}-wal")] {
                let bytes = std::fs::read(&file).unwrap_or_default();
                assert!(!String::from_utf8_lossy(&bytes).contains(secret_bytes), "{file} holds the secret");
            }
        }
    }

    async fn a_receiver_failing_twice_gets_one_webhook_id_three_times_and_the_log_shows_each(app: &TestApp) {
        let token = app.demo_token().await;
        let receiver = Receiver::start(&[500, 503]).await;
        let created = create(app, &app.base, &token, json!({"url": receiver.url, "events": ["relationships"]})).await;
        let (id, secret) = (created["entityId"].as_str().expect("id"), created["secret"].as_str().expect("secret"));
        let put = put_relationship(app, &token, "Renamed once").await;
        assert_eq!(put.status(), 200);

        let got = receiver.wait_for(15, |got| got.len() >= 3).await;
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(got.iter().all(|r| r.id == got[0].id), "one webhook-id: {got:#?}");
        assert!(got.iter().all(|r| signed(secret, r)), "signed with the secret: {got:#?}");
        let change = got[0].change();
        assert_eq!(change["resource"], "relationships");
        assert_eq!(change["id"], RELATIONSHIP_ID);
        assert_eq!(change["operation"], "update");
        assert_eq!(change["version"], 2);
        assert!(change["seq"].as_i64().is_some_and(|seq| seq > 0), "{change}");
        assert!(got.iter().all(|r| r.body == got[0].body), "the same body every time");

        let deadline = Instant::now() + Duration::from_secs(10);
        let log = loop {
            let log = attempts(app, &token, id).await;
            if log.len() == 3 || Instant::now() > deadline {
                break log;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let summary: Vec<(i64, i64, &str)> = log
            .iter()
            .map(|a| (a["attempt"].as_i64().unwrap_or(0), a["status"].as_i64().unwrap_or(0), a["outcome"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(summary, [(3, 200, "delivered"), (2, 503, "retrying"), (1, 500, "retrying")], "{log:#?}");
        assert!(log.iter().all(|a| a["deliveryId"] == got[0].id.as_str()), "{log:#?}");
        assert!(log[1]["error"].as_str().is_some_and(|e| e.contains("503")), "{log:#?}");
        assert!(log[0].get("error").is_none(), "{log:#?}");

        // Redelivered: the same webhook-id and body, a fourth time, logged.
        let redeliver = call(app, "POST", &format!("/api/setup/webhooks/{id}/deliveries/{}/redeliver", got[0].id), &token)
            .send()
            .await
            .expect("request");
        assert_eq!(redeliver.status(), 202);
        let delivery = json(redeliver).await;
        assert_eq!(delivery["state"], "delivered", "{delivery}");
        let got = receiver.wait_for(10, |got| got.len() >= 4).await;
        assert_eq!((got[3].id.as_str(), got[3].body.as_str()), (got[0].id.as_str(), got[0].body.as_str()));
        assert!(signed(secret, &got[3]));
        let deadline = Instant::now() + Duration::from_secs(10);
        while attempts(app, &token, id).await.len() < 4 {
            assert!(Instant::now() < deadline, "the redelivery is logged");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn events_choose_what_is_delivered_and_first_attempts_follow_change_order(app: &TestApp) {
        let token = app.demo_token().await;
        let receiver = Receiver::start(&[]).await;
        create(app, &app.base, &token, json!({"url": receiver.url, "events": ["relationships.update"]})).await;
        let everything = Receiver::start(&[]).await;
        let everything_hook = create(app, &app.base, &token, json!({"url": everything.url})).await;
        let organization = call(app, "POST", "/api/setup/organizations", &token)
            .json(&json!({"name": "Not a relationship"}))
            .send()
            .await
            .expect("request");
        assert_eq!(organization.status(), 201);
        for i in 0..6 {
            assert_eq!(put_relationship(app, &token, &format!("Name {i}")).await.status(), 200);
        }
        let got = receiver.wait_for(15, |got| got.len() >= 6).await;
        let versions: Vec<i64> = got.iter().map(|r| r.change()["version"].as_i64().unwrap_or(0)).collect();
        assert_eq!(versions, [2, 3, 4, 5, 6, 7], "relationship updates only, in order");
        let seqs: Vec<i64> = got.iter().map(|r| r.change()["seq"].as_i64().unwrap_or(0)).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        // Every change from its own creation on.
        let all = everything.wait_for(15, |got| got.len() >= 8).await;
        let resources: Vec<Value> = all.iter().take(3).map(|r| r.change()["resource"].clone()).collect();
        assert_eq!(resources, ["webhooks", "organizations", "relationships"], "{all:#?}");
        let ids: BTreeSet<&str> = got.iter().chain(&all).map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), got.len() + all.len(), "a webhook-id per delivery");
        // A delivery made at its first attempt is sent again from its log, the same;
        // another webhook's delivery id names none of this one's.
        let hook = everything_hook["entityId"].as_str().expect("id");
        let redeliver = |delivery: &str| {
            call(app, "POST", &format!("/api/setup/webhooks/{hook}/deliveries/{delivery}/redeliver"), &token).send()
        };
        assert_eq!(redeliver(&all[2].id).await.expect("request").status(), 202);
        let again = everything.wait_for(15, |got| got.iter().filter(|r| r.id == all[2].id).count() >= 2).await;
        let sent: Vec<&str> = again.iter().filter(|r| r.id == all[2].id).map(|r| r.body.as_str()).collect();
        assert_eq!(sent, [all[2].body.as_str(); 2]);
        assert_eq!(redeliver(&got[0].id).await.expect("request").status(), 404);
    }

    async fn a_webhook_failing_every_delivery_for_the_whole_schedule_is_disabled_and_that_is_recorded(app: &TestApp) {
        let token = app.demo_token().await;
        let receiver = Receiver::start(&[500; 100]).await;
        let created = create(app, &app.base, &token, json!({"url": receiver.url, "events": ["relationships"]})).await;
        let id = created["entityId"].as_str().expect("id");
        assert_eq!(put_relationship(app, &token, "Never delivered").await.status(), 200);
        // Three attempts (the tests' schedule: two retries), then the delivery has failed.
        let got = receiver.wait_for(15, |got| got.len() >= 3).await;
        assert!(got.iter().all(|r| r.id == got[0].id));
        let deadline = Instant::now() + Duration::from_secs(10);
        let webhook = loop {
            let webhook = json(call(app, "GET", &format!("/api/setup/webhooks/{id}"), &token).send().await.expect("request")).await;
            if webhook["active"] == false {
                break webhook;
            }
            assert!(Instant::now() < deadline, "the webhook is disabled: {webhook}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(webhook["version"], 2);
        let log = attempts(app, &token, id).await;
        assert_eq!(log[0]["outcome"], "failed", "{log:#?}");
        let history = json(call(app, "GET", &format!("/api/changes?resource=webhooks&id={id}"), &token).send().await.expect("request")).await;
        let disabled = &history["changes"][1];
        assert_eq!(disabled["actor"], "system", "{history}");
        assert_eq!(disabled["fields"], json!([{"field": "active", "before": true, "after": false}]));
        // Inactive, it delivers nothing, and a redelivery is refused.
        let redeliver = call(app, "POST", &format!("/api/setup/webhooks/{id}/deliveries/{}/redeliver", got[0].id), &token)
            .send()
            .await
            .expect("request");
        assert_eq!(redeliver.status(), 409);
        assert_eq!(put_relationship(app, &token, "Still not delivered").await.status(), 200);
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        assert_eq!(receiver.received().len(), 3);
        // Made active again, it delivers from then on, not what changed meanwhile.
        let resumed = call(app, "PUT", &format!("/api/setup/webhooks/{id}"), &token)
            .json(&json!({"url": receiver.url, "events": ["relationships"], "active": true}))
            .send()
            .await
            .expect("request");
        assert_eq!(resumed.status(), 200);
        assert_eq!(put_relationship(app, &token, "Delivered again").await.status(), 200);
        let got = receiver.wait_for(10, |got| got.len() >= 4).await;
        let renamed = got[3].change()["fields"][0]["after"].clone();
        assert_eq!(renamed, "Delivered again", "{:#?}", got[3]);
    }

    async fn private_addresses_are_refused_unless_the_operator_allows_them(app: &TestApp) {
        let token = app.demo_token().await;
        let settings = liaison::context::ContextSettings {
            webhooks: liaison::webhooks::WebhookSettings::default(),
            ..test_settings()
        };
        let (store, strict) = serve_with(&app.database_url, &settings, liaison::server::ServerSettings::from(BODY_LIMIT)).await;
        let base = format!("http://{}", strict.addr);
        for url in [
            "http://127.0.0.1:9/hook",
            "http://localhost:9/hook",
            "http://10.0.0.7/hook",
            "http://192.168.1.1/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:9/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "ftp://example.com/hook",
            "https://user:password@example.com/hook",
            "hooks.example.com",
        ] {
            let response = app
                .client
                .post(format!("{base}/api/setup/webhooks"))
                .bearer_auth(&token)
                .json(&json!({"url": url}))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 400, "{url}");
            let problem = json(response).await;
            assert_eq!(problem["errors"][0]["field"], "url", "{url}: {problem}");
        }
        let public = create(app, &base, &token, json!({"url": "https://93.184.216.34/hook"})).await;
        let id = public["entityId"].as_str().expect("id");
        let moved = app
            .client
            .put(format!("{base}/api/setup/webhooks/{id}"))
            .bearer_auth(&token)
            .json(&json!({"url": "http://127.0.0.1:9/hook"}))
            .send()
            .await
            .expect("request");
        assert_eq!(moved.status(), 400, "an update is checked too");
        // The test servers allow them (`--webhooks-allow-private`).
        create(app, &app.base, &token, json!({"url": "http://127.0.0.1:9/hook"})).await;
        strict.shutdown().await.expect("clean shutdown");
        store.close().await;
    }

    async fn webhooks_are_the_tenants_own_and_go_with_their_log(app: &TestApp) {
        let token = app.demo_token().await;
        let receiver = Receiver::start(&[]).await;
        let created = create(app, &app.base, &token, json!({"url": receiver.url})).await;
        let id = created["entityId"].as_str().expect("id");
        let path = format!("/api/setup/webhooks/{id}");
        let other = app.token_of("globex", &["setup.read", "setup.write"]).await;
        for (method, path) in [("GET", path.clone()), ("DELETE", path.clone()), ("GET", format!("{path}/deliveries"))] {
            let response = app
                .client
                .request(method.parse().expect("method"), app.url(&path))
                .bearer_auth(&other)
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 404, "{method} {path} of another tenant");
        }
        let reader = app.token_of(TENANT, &["changes.read"]).await;
        let refused = app.client.get(app.url("/api/setup/webhooks")).bearer_auth(&reader).send().await.expect("request");
        assert_eq!(refused.status(), 403);

        assert_eq!(put_relationship(app, &token, "Delivered").await.status(), 200);
        // Its own creation and the PUT.
        let got = receiver.wait_for(10, |got| got.len() >= 2).await;
        // Delivered at its first attempt, and redelivered: the same id again, both attempts logged.
        let redeliver = call(app, "POST", &format!("{path}/deliveries/{}/redeliver", got[0].id), &token)
            .send()
            .await
            .expect("request");
        assert_eq!(redeliver.status(), 202);
        let delivery = json(redeliver).await;
        assert_eq!((&delivery["state"], &delivery["attempts"]), (&json!("delivered"), &json!(1)), "{delivery}");
        let again = receiver.wait_for(10, |got| got.len() >= 3).await;
        assert_eq!((again[2].id.as_str(), again[2].body.as_str()), (got[0].id.as_str(), got[0].body.as_str()));
        let deadline = Instant::now() + Duration::from_secs(10);
        while attempts(app, &token, id).await.len() < 3 {
            assert!(Instant::now() < deadline, "the redelivery is logged");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let stale = app.client.delete(app.url(&path)).bearer_auth(&token).header("if-match", "\"7\"").send().await.expect("request");
        assert_eq!(stale.status(), 412);
        let deleted = app.client.delete(app.url(&path)).bearer_auth(&token).send().await.expect("request");
        assert_eq!(deleted.status(), 204);
        for path in [path.clone(), format!("{path}/deliveries")] {
            assert_eq!(call(app, "GET", &path, &token).send().await.expect("request").status(), 404, "{path}");
        }
        let history = json(call(app, "GET", &format!("/api/changes?resource=webhooks&id={id}"), &token).send().await.expect("request")).await;
        let operations: Vec<&str> = history["changes"].as_array().expect("changes").iter().filter_map(|c| c["operation"].as_str()).collect();
        assert_eq!(operations, ["create", "delete"]);
    }

    async fn delivery_attempts_are_kept_as_long_as_the_change_history(app: &TestApp) {
        let token = app.demo_token().await;
        let receiver = Receiver::start(&[]).await;
        let created = create(app, &app.base, &token, json!({"url": receiver.url, "events": ["relationships"]})).await;
        let id = created["entityId"].as_str().expect("id");
        assert_eq!(put_relationship(app, &token, "Delivered, then pruned").await.status(), 200);
        receiver.wait_for(10, |got| !got.is_empty()).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while attempts(app, &token, id).await.is_empty() {
            assert!(Instant::now() < deadline, "the attempt is logged");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        app.store.keep_changes_for(Duration::ZERO);
        app.store.prune_changes().await.expect("prune");
        app.store.keep_changes_for(liaison::store::changes::DEFAULT_RETENTION);
        assert!(attempts(app, &token, id).await.is_empty(), "attempts past the retention are deleted");
        // The webhook itself stays, and delivers what follows.
        assert_eq!(put_relationship(app, &token, "Delivered after pruning").await.status(), 200);
        receiver.wait_for(10, |got| got.len() >= 2).await;
    }

    async fn bad_webhook_bodies_name_each_field_as_sent(app: &TestApp) {
        let token = app.demo_token().await;
        let response = app
            .post("/api/setup/webhooks")
            .json(&json!({"url": "mailto:ops@example.com", "events": ["*", "relationship", "users.touch"]}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 400);
        let problem = json(response).await;
        let fields: Vec<&str> = problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["url", "events.1", "events.2"], "{problem}");
        let long = "d".repeat(201);
        for (body, field) in [
            (json!({"url": "https://93.184.216.34/", "description": "\u{84}"}), "description"),
            (json!({"url": "https://93.184.216.34/", "description": "two\nlines"}), "description"),
            (json!({"url": "https://93.184.216.34/", "description": long}), "description"),
            (json!({"url": "https://93.184.216.34/a\nb"}), "url"),
            (json!({"url": "https://93.184.216.34/\u{7f}"}), "url"),
        ] {
            let response = app.post("/api/setup/webhooks").json(&body).send().await.expect("request");
            assert_eq!(response.status(), 400, "{body}");
            assert_eq!(json(response).await["errors"][0]["field"], field, "{body}");
        }
        // Characters, not bytes: 2,048 of them, each two bytes in UTF-8, are a URL.
        let wide = format!("https://93.184.216.34/{}", "é".repeat(2_048 - 22));
        let response = app.post("/api/setup/webhooks").json(&json!({"url": wide})).send().await.expect("request");
        assert_eq!(response.status(), 201, "a URL of 2,048 characters");
        for body in [json!({}), json!({"url": 7}), json!({"url": "https://93.184.216.34/", "secret": "mine"})] {
            let response = app.post("/api/setup/webhooks").json(&body).send().await.expect("request");
            assert_eq!(response.status(), 400, "{body}");
        }
        let receiver = Receiver::start(&[]).await;
        let created = create(app, &app.base, &token, json!({"url": receiver.url})).await;
        let id = created["entityId"].as_str().expect("id");
        let unknown = call(app, "POST", &format!("/api/setup/webhooks/{id}/deliveries/{}/redeliver", uuid::Uuid::new_v4()), &token)
            .send()
            .await
            .expect("request");
        assert_eq!(unknown.status(), 404);
        // XML, like every operation.
        let xml = call(app, "GET", &format!("/api/setup/webhooks/{id}"), &token)
            .header("accept", "application/xml")
            .send()
            .await
            .expect("request");
        assert_eq!(xml.status(), 200);
        let text = xml.text().await.expect("body");
        assert!(text.contains("<Webhook><entityId>") && text.contains("<events>*</events>"), "{text}");
    }
}

/// Two instances on one PostgreSQL database, each serving writes and
/// each running its dispatcher: every change is delivered, and no attempt
/// is sent twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_never_send_the_same_delivery_twice() {
    let Some(app) = TestApp::spawn(Engine::Postgres).await else {
        return;
    };
    let token = app.demo_token().await;
    let (second_store, second) = serve(&app.database_url).await;
    let bases = [app.base.clone(), format!("http://{}", second.addr)];
    let receiver = Receiver::start(&[]).await;
    create(
        &app,
        &bases[1],
        &token,
        json!({"url": receiver.url, "events": ["relationships"]}),
    )
    .await;
    let writers = (0..8).map(|writer| {
        let (client, base, token) = (app.client.clone(), bases[writer % 2].clone(), token.clone());
        async move {
            for i in 0..10 {
                let response = client
                    .put(format!("{base}/api/relationships/{RELATIONSHIP_ID}"))
                    .bearer_auth(&token)
                    .json(&relationship(&format!("Writer {writer}, PUT {i}")))
                    .send()
                    .await
                    .expect("request");
                assert_eq!(response.status(), 200);
            }
        }
    });
    join_all(writers).await;
    let got = receiver.wait_for(30, |got| got.len() >= 80).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let got_all = receiver.received();
    assert_eq!(got_all.len(), 80, "no delivery twice: {} received", got_all.len());
    let versions: BTreeSet<i64> = got
        .iter()
        .map(|r| r.change()["version"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(versions, (2..=81).collect(), "every update, once");
    second.shutdown().await.expect("clean shutdown");
    second_store.close().await;
    app.stop().await;
}

/// `liaison serve` (the binary) on `database_url`, with the demo tenant and
/// a known client; its base URL once it listens.
fn serve_binary(database_url: &str) -> (std::process::Child, String) {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_liaison"))
        .env_clear()
        .env("LIAISON_DEMO_CLIENT_ID", "crash-test")
        .env("LIAISON_DEMO_CLIENT_SECRET", "crash-test-secret-0123456789")
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .args([
            "--token-key",
            TOKEN_KEY,
            "--webhooks-allow-private",
            "--webhooks-timeout",
            "2",
        ])
        .args(["--webhooks-retry-schedule", "1,1,1,1,1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next().expect("serve prints where it listens").expect("a line");
        if let Some(url) = line.strip_prefix("liaison is listening on ") {
            break url.to_string();
        }
    };
    // Keep reading, so that the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, base)
}

/// kill -9 during a write load: every acknowledged write has its change
/// record, and its delivery goes out after the restart.
async fn killed_during_writes_then_restarted(engine: Engine) {
    let Some(mut app) = TestApp::spawn(engine).await else {
        return;
    };
    app.stop_server().await;
    let (mut server, base) = serve_binary(&app.database_url);
    let token = token_from(&app.client, &base, "crash-test", "crash-test-secret-0123456789").await;
    let receiver = Receiver::start(&[]).await;
    create(
        &app,
        &base,
        &token,
        json!({"url": receiver.url, "events": ["relationships"]}),
    )
    .await;

    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..16)
        .map(|writer| {
            let (client, base, token, acknowledged) = (
                app.client.clone(),
                base.clone(),
                token.clone(),
                Arc::clone(&acknowledged),
            );
            tokio::spawn(async move {
                for i in 0.. {
                    let correlation = format!("crash-{writer}-{i}");
                    let sent = client
                        .put(format!("{base}/api/relationships/{RELATIONSHIP_ID}"))
                        .bearer_auth(&token)
                        .header("x-correlation-id", &correlation)
                        .json(&relationship(&correlation))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status() == 200 => {
                            acknowledged.lock().expect("lock").push(correlation)
                        }
                        _ => return,
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    server.kill().expect("kill -9");
    server.wait().expect("reaped");
    join_all(writers).await;
    let acknowledged: BTreeSet<String> = acknowledged.lock().expect("lock").iter().cloned().collect();
    assert!(acknowledged.len() >= 16, "a write load ran: {}", acknowledged.len());

    let (mut server, base) = serve_binary(&app.database_url);
    let mut recorded = BTreeSet::new();
    let mut after = 0;
    loop {
        let page = app
            .client
            .get(format!(
                "{base}/api/changes?resource=relationships&limit=1000&after={after}"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        let page = json(page).await;
        let changes = page["changes"].as_array().cloned().unwrap_or_default();
        if changes.is_empty() {
            break;
        }
        after = page["next"].as_str().and_then(|n| n.parse().ok()).expect("next");
        recorded.extend(
            changes
                .iter()
                .filter_map(|c| c["correlationId"].as_str())
                .filter(|id| id.starts_with("crash-"))
                .map(str::to_string),
        );
    }
    let unrecorded: Vec<&String> = acknowledged.difference(&recorded).collect();
    assert!(unrecorded.is_empty(), "acknowledged without a record: {unrecorded:?}");

    let delivered = |got: &[Received]| -> BTreeSet<String> {
        got.iter()
            .filter_map(|r| r.change()["correlationId"].as_str().map(str::to_string))
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !delivered(&receiver.received()).is_superset(&recorded) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = receiver.received();
    let delivered_ids = delivered(&got);
    let missing: Vec<&String> = recorded.difference(&delivered_ids).collect();
    assert!(
        missing.is_empty(),
        "{} of {} recorded writes not delivered ({} requests received): {:?}",
        missing.len(),
        recorded.len(),
        got.len(),
        missing.iter().take(5).collect::<Vec<_>>()
    );
    assert!(
        delivered(&got).is_subset(&recorded),
        "nothing delivered that was not recorded"
    );
    server.kill().expect("stop");
    server.wait().expect("reaped");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_writes_every_acknowledged_write_is_recorded_and_delivered_after_restart_sqlite() {
    killed_during_writes_then_restarted(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_writes_every_acknowledged_write_is_recorded_and_delivered_after_restart_postgres() {
    killed_during_writes_then_restarted(Engine::Postgres).await;
}
