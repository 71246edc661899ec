//! The change history (`GET /api/changes`): every committed write has its
//! record, with the right before and after, and none of a refused one; a
//! follower sees each committed change exactly once, with writers running
//! (two instances on PostgreSQL); the long poll waits and wakes.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::harness::*;

const RELATIONSHIP_ID: &str = "d32a9192-353c-45fe-bbd4-b88702800467";
const WRITERS: usize = 64;

/// One page of the feed from `base` (an instance's URL).
async fn page(app: &TestApp, base: &str, token: &str, query: &str) -> Value {
    let response = app
        .client
        .get(format!("{base}/api/changes?{query}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "GET /api/changes?{query}");
    json(response).await
}

/// Every change `query` selects, following `next` to the end.
async fn history(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut changes = Vec::new();
    let mut after = "0".to_string();
    loop {
        let page = page(app, &app.base, token, &format!("{query}&limit=1000&after={after}")).await;
        let items = page["changes"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            return changes;
        }
        after = page["next"].as_str().expect("next").to_string();
        changes.extend(items);
    }
}

/// The `field` entry of a change.
fn field<'c>(change: &'c Value, name: &str) -> &'c Value {
    change["fields"]
        .as_array()
        .and_then(|fields| fields.iter().find(|f| f["field"] == name))
        .unwrap_or(&Value::Null)
}

engine_tests! {
    async fn concurrent_puts_each_leave_their_record_with_the_right_before_and_after(app: &TestApp) {
        let token = app.demo_token().await;
        let path = format!("/api/relationships/{RELATIONSHIP_ID}");
        let requests = (0..WRITERS).map(|i| {
            let request = app
                .client
                .put(app.url(&path))
                .bearer_auth(&token)
                .header("x-correlation-id", format!("writer-{i}"))
                .json(&relationship(&format!("Writer {i}")));
            async move { request.send().await.expect("request").status().as_u16() }
        });
        let statuses = join_all(requests).await;
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");

        let query = format!("resource=relationships&id={RELATIONSHIP_ID}");
        let changes = history(app, &token, &query).await;
        let created = &changes[0];
        assert_eq!(created["operation"], "create", "{created}");
        assert_eq!(created["version"], 1);
        assert_eq!(field(created, "name")["after"], "Example relationship");
        let updates = &changes[1..];
        assert_eq!(updates.len(), WRITERS, "one record per write");
        let versions: Vec<i64> = updates.iter().filter_map(|c| c["version"].as_i64()).collect();
        assert_eq!(versions, (2..=WRITERS as i64 + 1).collect::<Vec<_>>(), "in version order");
        let mut previous = json!("Example relationship");
        for change in updates {
            assert_eq!(change["operation"], "update");
            assert!(change["actor"].as_str().is_some_and(|a| a.starts_with("client:")), "{change}");
            let name = field(change, "name");
            assert_eq!(name["before"], previous, "each write's before is the last one's after: {change}");
            let writer = name["after"].as_str().and_then(|n| n.strip_prefix("Writer ")).expect("a writer's name");
            assert_eq!(change["correlationId"], format!("writer-{writer}"), "{change}");
            previous = name["after"].clone();
        }
        let seqs: Vec<i64> = changes.iter().filter_map(|c| c["seq"].as_i64()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    }

    async fn a_refused_write_leaves_no_record(app: &TestApp) {
        let token = app.demo_token().await;
        let path = format!("/api/relationships/{RELATIONSHIP_ID}");
        let query = format!("resource=relationships&id={RELATIONSHIP_ID}");
        let before = history(app, &token, &query).await;
        // Refused before the change is made (a stale If-Match), and after it
        // was applied under the row's lock (a supplier the tenant does not have).
        let stale = app
            .client
            .put(app.url(&path))
            .bearer_auth(&token)
            .header("if-match", "\"999\"")
            .json(&relationship("Stale"))
            .send()
            .await
            .expect("request");
        assert_eq!(stale.status(), 412);
        let mut unknown_supplier = relationship("Unknown supplier");
        unknown_supplier["supplier"] = json!("00000000-0000-4000-8000-00000000dead");
        let refused = app
            .client
            .put(app.url(&path))
            .bearer_auth(&token)
            .json(&unknown_supplier)
            .send()
            .await
            .expect("request");
        assert_eq!(refused.status(), 400);
        let done = app
            .client
            .put(app.url(&path))
            .bearer_auth(&token)
            .json(&relationship("Kept"))
            .send()
            .await
            .expect("request");
        assert_eq!(done.status(), 200);
        let after = history(app, &token, &query).await;
        assert_eq!(after[..before.len()], before[..], "no record of either refused write");
        assert_eq!(after.len(), before.len() + 1, "the next write's, and only that: {after:?}");
        assert_eq!(field(&after[before.len()], "name")["after"], "Kept");
    }

    async fn the_feed_waits_for_a_first_change_and_refuses_what_it_did_not_write(app: &TestApp) {
        let token = app.demo_token().await;
        let last = page(app, &app.base, &token, "limit=1000").await;
        let next = last["next"].as_str().expect("next").to_string();
        let started = Instant::now();
        let empty = page(app, &app.base, &token, &format!("after={next}&wait=1")).await;
        assert_eq!(empty["changes"], json!([]));
        assert_eq!(empty["next"], next.as_str(), "an empty page keeps the cursor");
        assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());

        // A change during the wait answers at once.
        let started = Instant::now();
        let waiting = format!("after={next}&wait=20");
        let follower = page(app, &app.base, &token, &waiting);
        let writer = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let path = format!("/api/relationships/{RELATIONSHIP_ID}");
            let put = app.client.put(app.url(&path)).bearer_auth(&token).json(&relationship("Woken"));
            assert_eq!(put.send().await.expect("request").status(), 200);
        };
        let (woken, ()) = tokio::join!(follower, writer);
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        assert_eq!(field(&woken["changes"][0], "name")["after"], "Woken", "{woken}");

        let xml = app
            .client
            .get(app.url(&format!("/api/changes?after={next}")))
            .bearer_auth(&token)
            .header("accept", "application/xml")
            .send()
            .await
            .expect("request");
        assert_eq!(xml.status(), 200);
        let body = xml.text().await.expect("body");
        assert!(body.contains("<ChangePage><changes><seq>"), "{body}");

        for (query, field) in [("after=yesterday", "after"), ("resource=widgets", "resource"), ("limit=0", "limit")] {
            let refused = app
                .client
                .get(app.url(&format!("/api/changes?{query}")))
                .bearer_auth(&token)
                .send()
                .await
                .expect("request");
            assert_eq!(refused.status(), 400, "{query}");
            assert_eq!(content_type(&refused), "application/problem+json");
            let problem = json(refused).await;
            assert!(problem.to_string().contains(field), "{query}: {problem}");
        }
        let reader = app.token_of(TENANT, &["setup.read"]).await;
        let forbidden = app.client.get(app.url("/api/changes")).bearer_auth(&reader).send().await.expect("request");
        assert_eq!(forbidden.status(), 403, "changes.read is needed");
    }

    async fn changes_past_their_retention_are_pruned_and_a_cursor_before_them_is_gone(app: &TestApp) {
        let token = app.demo_token().await;
        let newest: i64 = page(app, &app.base, &token, "limit=1000").await["next"]
            .as_str()
            .and_then(|n| n.parse().ok())
            .expect("a numeric cursor");
        assert!(newest > 2, "the demo's setup is recorded");
        let status = |query: String| {
            let request = app.client.get(app.url(&format!("/api/changes?{query}"))).bearer_auth(&token);
            async move {
                let response = request.send().await.expect("request");
                (response.status().as_u16(), json(response).await)
            }
        };
        let (never, problem) = status(format!("after={}", newest + 5)).await;
        assert_eq!(never, 400, "a cursor past the newest change was never written: {problem}");

        app.store.keep_changes_for(Duration::ZERO);
        let pruned = app.store.prune_changes().await.expect("prune");
        app.store.keep_changes_for(liaison::store::changes::DEFAULT_RETENTION);
        assert!(pruned >= newest.unsigned_abs() - 1, "{pruned} pruned: all but the newest");
        let path = format!("/api/relationships/{RELATIONSHIP_ID}");
        let put = app.client.put(app.url(&path)).bearer_auth(&token).json(&relationship("After pruning"));
        assert_eq!(put.send().await.expect("request").status(), 200);

        let (gone, problem) = status("after=1".into()).await;
        assert_eq!(gone, 410, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "after", "{problem}");
        let message = problem["errors"][0]["message"].as_str().unwrap_or_default();
        // The newest record is kept (the next number follows it).
        assert!(message.ends_with(&format!("the oldest cursor there is: {}", newest - 1)), "{message}");
        let (ok, rest) = status(format!("after={newest}")).await;
        assert_eq!(ok, 200);
        let changes = rest["changes"].as_array().expect("changes");
        assert_eq!(changes.len(), 1, "{rest}");
        assert_eq!(field(&changes[0], "name")["after"], "After pruning");
        let (_, all) = status(String::new()).await;
        let seqs: Vec<i64> = all["changes"].as_array().expect("changes").iter().filter_map(|c| c["seq"].as_i64()).collect();
        assert_eq!(seqs, [newest, newest + 1], "without a cursor: from the oldest kept");
    }

    async fn every_kind_of_resource_recorded_is_one_the_spec_lists(app: &TestApp) {
        let token = app.demo_token().await;
        let spec = json(app.client.get(app.url("/openapi.json")).send().await.expect("request")).await;
        let listed: Vec<&str> = spec["components"]["schemas"]["ResourceType"]["enum"]
            .as_array()
            .expect("the ResourceType enum")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        // The demo's seeding writes every kind of resource but deletions.
        let recorded: std::collections::BTreeSet<String> = history(app, &token, "")
            .await
            .iter()
            .filter_map(|c| c["resource"].as_str().map(String::from))
            .collect();
        assert!(recorded.len() >= 10, "{recorded:?}");
        for resource in &recorded {
            assert!(listed.contains(&resource.as_str()), "{resource} is recorded but not in ResourceType");
        }
    }

    async fn changes_of_another_tenant_are_not_seen(app: &TestApp) {
        let token = app.demo_token().await;
        let other = app.token_of("globex", &["changes.read", "setup.write"]).await;
        let created = app
            .client
            .post(app.url("/api/setup/organizations"))
            .bearer_auth(&other)
            .json(&json!({"name": "Globex only"}))
            .send()
            .await
            .expect("request");
        assert_eq!(created.status(), 201);
        let theirs = history(app, &other, "resource=organizations").await;
        assert_eq!(theirs.len(), 1, "{theirs:?}");
        assert_eq!(field(&theirs[0], "name")["after"], "Globex only");
        let ours = history(app, &token, "resource=organizations").await;
        assert!(ours.iter().all(|c| field(c, "name")["after"] != "Globex only"), "{ours:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_and_api_keys_are_recorded_without_their_secrets() {
    let app = TestApp::spawn(Engine::Sqlite).await.expect("SQLite is always there");
    let tenant = app.store.tenant_by_name(TENANT).await.expect("read").expect("tenant");
    let (client, secret) = app.create_client(TENANT, &["setup.read"]).await;
    app.store
        .client_reset(
            &client,
            &liaison::auth::secret::hash_secret("rotated").expect("hash"),
            &["setup.read".into()],
        )
        .await
        .expect("reset");
    assert!(app.store.client_disable(&client).await.expect("disable"));
    for _ in 0..2 {
        app.store
            .api_key_put(tenant, "ops", "a-hash-of-a-key")
            .await
            .expect("key");
    }
    let clients = history(&app, &app.token, &format!("resource=api_clients&id={client}")).await;
    let summary: Vec<(&str, Vec<&str>)> = clients
        .iter()
        .map(|c| {
            let fields = c["fields"].as_array().expect("fields");
            (
                c["operation"].as_str().unwrap_or_default(),
                fields.iter().filter_map(|f| f["field"].as_str()).collect(),
            )
        })
        .collect();
    // The reset changed only the secret: no record; the disable, `active`.
    assert_eq!(
        summary,
        [("create", vec!["name", "scopes", "active"]), ("update", vec!["active"])],
        "{clients:?}"
    );
    assert_eq!(clients[0]["actor"], "system");
    let keys = history(&app, &app.token, "resource=api_keys&id=ops").await;
    assert_eq!(keys.len(), 1, "put twice, created once: {keys:?}");
    let text = serde_json::to_string(&clients).expect("json") + &serde_json::to_string(&keys).expect("json");
    assert!(
        !text.contains(&secret) && !text.contains("a-hash-of-a-key") && !text.contains("$argon"),
        "{text}"
    );
    app.stop().await;
}

/// A follower using `after` and `wait` while 8 writers run sees every
/// committed change exactly once, in the order the full history has them.
async fn a_follower_sees_every_committed_change_once(app: &TestApp, bases: &[String]) {
    const PER_WRITER: usize = 12;
    let token = app.token.clone();
    let start = page(app, &app.base, &token, "limit=1000").await["next"]
        .as_str()
        .expect("next")
        .to_string();
    let mut organizations = Vec::new();
    for i in 0..8 {
        organizations.push(create_organization(app, &format!("Followed {i}")).await["entityId"].clone());
    }
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let follower = {
        let (client, base, token, done) = (app.client.clone(), app.base.clone(), token.clone(), done.clone());
        let mut after = start.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let response = client
                    .get(format!("{base}/api/changes?after={after}&wait=1&limit=7"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("request");
                let page: Value = response.json().await.expect("json");
                let items = page["changes"].as_array().cloned().unwrap_or_default();
                after = page["next"].as_str().expect("next").to_string();
                if items.is_empty() && finished {
                    return seen;
                }
                seen.extend(items.into_iter().map(|c| (c["seq"].as_i64().unwrap_or_default(), c)));
            }
        })
    };
    let writers = organizations.iter().enumerate().map(|(w, id)| {
        let (client, token) = (app.client.clone(), token.clone());
        let base = bases[w % bases.len()].clone();
        let id = id.as_str().unwrap_or_default().to_string();
        async move {
            for n in 0..PER_WRITER {
                let put = client
                    .put(format!("{base}/api/setup/organizations/{id}"))
                    .bearer_auth(&token)
                    .json(&json!({"name": format!("Followed {w} write {n}")}));
                assert_eq!(put.send().await.expect("request").status(), 200);
            }
        }
    });
    join_all(writers).await;
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = follower.await.expect("follower");
    let seqs: Vec<i64> = seen.iter().map(|(seq, _)| *seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order, none twice: {seqs:?}");
    let start: i64 = start.parse().expect("a number");
    let all = history(app, &token, "").await;
    let expected: Vec<&Value> = all.iter().filter(|c| c["seq"].as_i64() > Some(start)).collect();
    let seen: Vec<&Value> = seen.iter().map(|(_, c)| c).collect();
    assert_eq!(seen.len(), 8 + 8 * PER_WRITER, "8 creates and every write");
    assert_eq!(seen, expected, "exactly the committed history");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_sees_every_committed_change_once_on_sqlite() {
    let app = TestApp::spawn(Engine::Sqlite).await.expect("SQLite is always there");
    a_follower_sees_every_committed_change_once(&app, std::slice::from_ref(&app.base)).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_sees_every_committed_change_once_with_two_instances_on_postgres() {
    let Some(app) = TestApp::spawn(Engine::Postgres).await else {
        return;
    };
    let (second_store, second) = serve(&app.database_url).await;
    let bases = [app.base.clone(), format!("http://{}", second.addr)];
    a_follower_sees_every_committed_change_once(&app, &bases).await;
    second.shutdown().await.expect("clean shutdown");
    second_store.close().await;
    app.stop().await;
}
