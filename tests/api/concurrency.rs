//! Many writers at once on one row: a write without `If-Match` is applied
//! (last writer wins), one with a stale `If-Match` gets 412, and a delete
//! racing an update ends in the documented success or not-found, never 409
//! or 500. On both engines, and with two instances sharing PostgreSQL.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::harness::*;

const WRITERS: usize = 64;
const RELATIONSHIP: &str = "/api/relationships/d32a9192-353c-45fe-bbd4-b88702800467";
const RELATIONSHIP_USER: &str = "/api/user/relationship_users/1";
const RELATED_USERS: &str = "/api/user/related";

/// One kind of row and how to write it: `path` takes `body(i)` by PUT, and
/// `read` gives back what `body(i)` sets.
struct Target {
    path: String,
    body: fn(usize) -> Value,
    /// The GET that reads the row back, and where the written value is in its answer.
    get: String,
    pointer: &'static str,
    /// What `body(i)` writes at `pointer`.
    written: fn(usize) -> Value,
}

fn relationship(i: usize) -> Value {
    json!({"name": format!("Writer {i}"), "startEffectiveDate": "2026-05-01",
           "organizations": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"],
           "internalManager": "a218d8e5-8c7a-4f3e-9b12-111111111111",
           "externalManager": "b218d8e5-8c7a-4f3e-9b12-222222222222",
           "classification": "classification1", "category": "Cat1",
           "internalAccess": "Team", "externalAccess": "Team", "status": "Relationship_Active"})
}

fn relationship_user(i: usize) -> Value {
    json!({"form_configuration_name": "reference_rest_api_relationship_user_update",
           "form": {"properties": {"status": format!("writer-{i}")}}})
}

fn related_user(i: usize) -> Value {
    json!({"id": 6, "username": "dleite", "name": format!("writer{i}")})
}

fn organization(i: usize) -> Value {
    json!({"name": format!("Organization {i}")})
}

/// Every kind of row: the demo tenant's (and a fresh organization of it; `token` is the demo's).
async fn targets(app: &TestApp, token: &str) -> Vec<Target> {
    let created = app
        .client
        .post(app.url("/api/setup/organizations"))
        .bearer_auth(token)
        .json(&organization(0))
        .send()
        .await
        .expect("request");
    assert_eq!(created.status(), 201);
    let organization_path = json(created).await["entityId"]
        .as_str()
        .map(|id| format!("/api/setup/organizations/{id}"))
        .expect("organization id");
    vec![
        Target {
            path: RELATIONSHIP.into(),
            body: relationship,
            get: RELATIONSHIP.into(),
            pointer: "/result/name",
            written: |i| json!(format!("Writer {i}")),
        },
        Target {
            path: RELATIONSHIP_USER.into(),
            body: relationship_user,
            get: RELATIONSHIP_USER.into(),
            pointer: "/properties/status",
            written: |i| json!(format!("writer-{i}")),
        },
        Target {
            path: RELATED_USERS.into(),
            body: related_user,
            get: format!("{RELATED_USERS}/6"),
            pointer: "/relatedUsers/name",
            written: |i| json!(format!("writer{i}")),
        },
        Target {
            get: organization_path.clone(),
            path: organization_path,
            body: organization,
            pointer: "/name",
            written: |i| json!(format!("Organization {i}")),
        },
    ]
}

/// The row's version (from its ETag) and its JSON.
async fn read(app: &TestApp, base: &str, token: &str, path: &str) -> (i64, Value) {
    let response = app
        .client
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "GET {path}");
    let version = header(&response, "etag")
        .trim_matches('"')
        .parse()
        .expect("numeric ETag");
    (version, json(response).await)
}

/// PUTs `body(i)` for every `i` in `writers` at once, to `base` (an instance's URL); the statuses.
async fn put_all(
    app: &TestApp,
    base: &str,
    token: &str,
    target: &Target,
    writers: std::ops::Range<usize>,
    if_match: Option<&str>,
) -> Vec<u16> {
    let requests = writers.map(|i| {
        let mut request = app
            .client
            .put(format!("{base}{}", target.path))
            .bearer_auth(token)
            .json(&(target.body)(i));
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        async move { request.send().await.expect("request").status().as_u16() }
    });
    join_all(requests).await
}

/// After the writes of `writers`: the row holds exactly one of their bodies.
fn assert_one_of(target: &Target, row: &Value, writers: std::ops::Range<usize>) {
    let value = row.pointer(target.pointer).unwrap_or(&Value::Null);
    assert!(
        writers.clone().any(|i| (target.written)(i) == *value),
        "{}: {value} is none of the bodies sent",
        target.path
    );
}

/// A write of `tenant` that takes the next number of `counter`, then commits
/// (or rolls back); returned once it waits for the turn (20 ms).
async fn queue_write(
    store: &liaison::store::Store,
    tenant: liaison::domain::TenantId,
    counter: &'static str,
    commit: bool,
) -> tokio::task::JoinHandle<i64> {
    let store = store.clone();
    let write = tokio::spawn(async move {
        let mut tx = store.begin_write(tenant).await.expect("begin");
        let n = tx.next_number(counter).await.expect("count");
        if commit {
            tx.commit().await.expect("commit");
        } else {
            tx.rollback().await.expect("rollback");
        }
        n
    });
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    write
}

engine_tests! {
    async fn concurrent_unconditional_puts_to_one_row_are_all_applied(app: &TestApp) {
        let token = app.demo_token().await;
        for target in targets(app, &token).await {
            let (before, _) = read(app, &app.base, &token, &target.get).await;
            let statuses = put_all(app, &app.base, &token, &target, 0..WRITERS, None).await;
            assert!(statuses.iter().all(|s| (200..300).contains(s)), "{}: {statuses:?}", target.path);
            let (after, row) = read(app, &app.base, &token, &target.get).await;
            assert_eq!(after, before + WRITERS as i64, "{}: one version per write", target.path);
            assert_one_of(&target, &row, 0..WRITERS);
        }
    }

    async fn concurrent_puts_with_one_etag_let_exactly_one_win(app: &TestApp) {
        let token = app.demo_token().await;
        for target in targets(app, &token).await {
            let (before, _) = read(app, &app.base, &token, &target.get).await;
            let tag = format!("\"{before}\"");
            let statuses = put_all(app, &app.base, &token, &target, 0..16, Some(&tag)).await;
            let won = statuses.iter().filter(|s| (200..300).contains(*s)).count();
            assert_eq!(won, 1, "{}: {statuses:?}", target.path);
            assert_eq!(statuses.iter().filter(|s| **s == 412).count(), 15, "{}: {statuses:?}", target.path);
            let (after, row) = read(app, &app.base, &token, &target.get).await;
            assert_eq!(after, before + 1, "{}: only the winner changed it", target.path);
            assert_one_of(&target, &row, 0..16);
        }
    }

    async fn an_empty_if_match_matches_no_version(app: &TestApp) {
        let token = app.demo_token().await;
        for target in targets(app, &token).await {
            let statuses = put_all(app, &app.base, &token, &target, 0..1, Some("")).await;
            assert_eq!(statuses, [412], "{}", target.path);
        }
    }

    async fn a_write_dropped_unfinished_is_rolled_back_and_the_next_one_proceeds(app: &TestApp) {
        let tenant = app.store.tenant_by_name("acme").await.expect("read").expect("tenant");
        let mut abandoned = app.store.begin_write(tenant).await.expect("begin");
        assert_eq!(abandoned.next_number("probe").await.expect("count"), 1);
        drop(abandoned);
        // The next writer waits for the rollback; then the increment is undone.
        let mut next = app.store.begin_write(tenant).await.expect("begin");
        assert_eq!(next.next_number("probe").await.expect("count"), 1);
        next.commit().await.expect("commit");
        let mut refused = app.store.begin_write(tenant).await.expect("begin");
        assert_eq!(refused.next_number("probe").await.expect("count"), 2);
        refused.rollback().await.expect("rollback");
        assert_eq!(app.store.next_number(tenant, "probe").await.expect("count"), 2);
    }

    async fn writes_sharing_a_commit_keep_theirs_and_a_refused_one_undoes_only_itself(app: &TestApp) {
        let tenant = app.store.tenant_by_name("acme").await.expect("read").expect("tenant");
        let store = &app.store;
        // While `first` holds the turn, two writers queue behind it: on SQLite
        // the three share one transaction (one COMMIT), each in its own savepoint.
        let mut first = store.begin_write(tenant).await.expect("begin");
        assert_eq!(first.next_number("group").await.expect("count"), 1);
        let kept = queue_write(store, tenant, "group", true).await;
        let refused = queue_write(store, tenant, "group", false).await;
        first.commit().await.expect("commit");
        assert_eq!(kept.await.expect("kept"), 2);
        // 3 after the kept one (SQLite's turns are FIFO); PostgreSQL may wake
        // the refused one first, which then counted 2 and undid it.
        let refused = refused.await.expect("refused");
        assert!(matches!(refused, 2 | 3), "{refused}");
        // The refused write's increment is gone; the others' are committed.
        assert_eq!(app.store.next_number(tenant, "group").await.expect("count"), 3);
    }

    async fn writes_that_send_no_statement_leave_the_writes_around_them_intact(app: &TestApp) {
        let tenant = app.store.tenant_by_name("acme").await.expect("read").expect("tenant");
        let store = &app.store;
        // Alone: nothing was opened, so nothing is committed or undone.
        store.begin_write(tenant).await.expect("begin").commit().await.expect("commit");
        store.begin_write(tenant).await.expect("begin").rollback().await.expect("rollback");
        drop(store.begin_write(tenant).await.expect("begin"));
        // Within a group (SQLite): between a done write and the next one.
        let mut first = store.begin_write(tenant).await.expect("begin");
        assert_eq!(first.next_number("quiet").await.expect("count"), 1);
        let quiet = {
            let store = store.clone();
            let quiet = tokio::spawn(async move {
                store.begin_write(tenant).await.expect("begin").commit().await.expect("commit");
                store.begin_write(tenant).await.expect("begin").rollback().await.expect("rollback");
            });
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            quiet
        };
        let kept = queue_write(store, tenant, "quiet", true).await;
        first.commit().await.expect("commit");
        quiet.await.expect("quiet writes");
        assert_eq!(kept.await.expect("kept"), 2);
        assert_eq!(store.next_number(tenant, "quiet").await.expect("count"), 3);
    }

    async fn concurrent_refused_puts_leave_the_accepted_ones_applied(app: &TestApp) {
        let token = app.demo_token().await;
        let (before, _) = read(app, &app.base, &token, RELATIONSHIP).await;
        // Every other request names an organization the tenant does not have:
        // refused (400) after the row is locked, in the same queue as the others.
        let requests = (0..WRITERS).map(|i| {
            let mut body = relationship(i);
            if i % 2 == 1 {
                body["organizations"] = json!(["00000000-0000-4000-8000-00000000dead"]);
            }
            let request = app.client.put(app.url(RELATIONSHIP)).bearer_auth(&token).json(&body);
            async move { (i, request.send().await.expect("request").status().as_u16()) }
        });
        for (i, status) in join_all(requests).await {
            assert_eq!(status, if i % 2 == 0 { 200 } else { 400 }, "writer {i}");
        }
        let (after, row) = read(app, &app.base, &token, RELATIONSHIP).await;
        assert_eq!(after, before + WRITERS as i64 / 2, "one version per accepted write");
        let name = row["result"]["name"].as_str().expect("name");
        let writer: usize = name.trim_start_matches("Writer ").parse().expect("a writer's name");
        assert_eq!(writer % 2, 0, "{name} was refused, yet stored");
        assert_eq!(row["result"]["organizations"][0]["entityId"], "3fa85f64-5717-4562-b3fc-2c963f66afa6", "{row}");
    }

    async fn a_delete_racing_puts_ends_in_success_or_not_found(app: &TestApp) {
        let token = app.demo_token().await;
        // Relationship users: DELETE is 200, a PUT after it finds nothing (404).
        let delete = app
            .client
            .delete(app.url(&format!("{RELATIONSHIP_USER}?form_configuration_name=reference_rest_api_relationship_user_delete")))
            .bearer_auth(&token)
            .send();
        let target = &targets(app, &token).await[1];
        let (deleted, puts) = tokio::join!(delete, put_all(app, &app.base, &token, target, 0..16, None));
        assert_eq!(deleted.expect("request").status(), 200);
        assert!(puts.iter().all(|s| [200, 404].contains(s)), "relationship user: {puts:?}");
        // Related users: DELETE deactivates (200); a PUT after it gets 400 "1005: User does not exist".
        let deactivate = app.client.delete(app.url(&format!("{RELATED_USERS}/6"))).bearer_auth(&token).send();
        let target = &targets(app, &token).await[2];
        let (deactivated, puts) = tokio::join!(deactivate, put_all(app, &app.base, &token, target, 0..16, None));
        assert_eq!(deactivated.expect("request").status(), 200);
        assert!(puts.iter().all(|s| [201, 400].contains(s)), "related user: {puts:?}");
        let after = app.client.put(app.url(RELATED_USERS)).bearer_auth(&token).json(&related_user(99)).send().await.expect("request");
        assert_eq!(after.status(), 400);
        assert_eq!(json(after).await["response"]["message"], "1005: User does not exist");
    }
}

/// Two instances on one PostgreSQL database, 32 writers on each, with a
/// token that one issued and the other verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sharing_postgres_apply_every_unconditional_put() {
    let Some(app) = TestApp::spawn(Engine::Postgres).await else {
        return;
    };
    let token = app.demo_token().await;
    let (second_store, second) = serve(&app.database_url).await;
    let second_base = format!("http://{}", second.addr);
    let half = WRITERS / 2;
    for target in targets(&app, &token).await {
        let (before, _) = read(&app, &second_base, &token, &target.get).await;
        let (one, two) = tokio::join!(
            put_all(&app, &app.base, &token, &target, 0..half, None),
            put_all(&app, &second_base, &token, &target, half..WRITERS, None),
        );
        let statuses: Vec<u16> = one.into_iter().chain(two).collect();
        assert!(
            statuses.iter().all(|s| (200..300).contains(s)),
            "{}: {statuses:?}",
            target.path
        );
        let (after, row) = read(&app, &app.base, &token, &target.get).await;
        assert_eq!(after, before + WRITERS as i64, "{}", target.path);
        assert_one_of(&target, &row, 0..WRITERS);
    }
    second.shutdown().await.expect("clean shutdown");
    second_store.close().await;
    app.stop().await;
}
