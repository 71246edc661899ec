//! Bounded work and fair share: one tenant's deep or many lists do not
//! take the service from another tenant.

use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::harness::*;

const EXAMPLE_ID: &str = "d32a9192-353c-45fe-bbd4-b88702800467";

/// Copies the demo's relationship `rows` times into tenant `acme`, in one
/// statement (ids `00000000-0000-4000-8000-1000000000NN`).
async fn many_relationships(app: &TestApp, rows: u32) {
    let mut conn = sqlx::AnyConnection::connect(&app.database_url).await.expect("connect");
    let sql = format!(
        "INSERT INTO relationships (tenant_id, entity_id, relationship_number, name, start_effective_date, \
         supplier_id, classification, category, sub_category, parent_id, internal_manager_id, \
         external_manager_id, internal_access, external_access, status, version, created_at, modified_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) \
         SELECT (SELECT id FROM tenants WHERE name = '{TENANT}'), \
         '00000000-0000-4000-8000-' || CAST(100000000000 + n.i AS TEXT), 'X' || CAST(n.i AS TEXT), \
         r.name || ' ' || CAST(n.i AS TEXT), r.start_effective_date, r.supplier_id, r.classification, r.category, \
         r.sub_category, NULL, r.internal_manager_id, r.external_manager_id, r.internal_access, \
         r.external_access, r.status, 1, r.created_at, r.modified_at \
         FROM n, relationships r WHERE r.entity_id = '{EXAMPLE_ID}'"
    );
    sqlx::query(&sql).execute(&mut conn).await.expect("seed relationships");
    let _ = conn.close().await;
}

fn p99(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[(times.len() * 99).div_ceil(100) - 1]
}

engine_tests! {
    async fn a_list_counts_its_matches_up_to_the_documented_bound(app: &TestApp) {
        app.demo_token().await;
        many_relationships(app, 10_100).await;
        let count = |query: &'static str| async move {
            let page = app.client.get(app.url(&format!("/api/relationships?limit=1&{query}"))).bearer_auth(&app.token).send().await.expect("list");
            assert_eq!(page.status(), 200);
            json(page).await["totalCount"].as_i64().expect("a count")
        };
        // 10,101 match (the copies and the demo's own): the count stops at
        // the deepest offset and a page; a narrower filter is exact.
        assert_eq!(count("name%5Bcontains%5D=Example").await, 10_050);
        assert_eq!(count("relationshipNumber%5Bcontains%5D=X100").await, 111);
    }

    async fn a_deep_offset_is_refused_and_the_next_link_pages_past_it(app: &TestApp) {
        app.demo_token().await;
        many_relationships(app, 120).await;
        let list = |query: String| async move {
            app.client.get(app.url(&format!("/api/relationships?{query}"))).bearer_auth(&app.token).send().await.expect("list")
        };
        let deep = list("offset=10001".into()).await;
        assert_eq!(deep.status(), 400);
        assert!(json(deep).await["errors"][0]["message"].as_str().expect("a message").contains("offset"));
        let bad = list("after=not-a-cursor".into()).await;
        assert_eq!(bad.status(), 400);
        assert!(json(bad).await["errors"][0]["message"].as_str().expect("a message").contains("after"));

        // Following `next` from the first page visits every row once, in
        // order, with the filter kept; the last page has no link. The copies
        // share one `modifiedAt`: the order is the id's, the tie-break.
        for dir in ["Asc", "Desc"] {
            let mut query = format!("limit=50&dir={dir}&order_by=modifiedAt&name%5Bcontains%5D=Example");
            let mut seen = Vec::new();
            loop {
                let page = list(query.clone()).await;
                assert_eq!(page.status(), 200);
                let link = page.headers().get("link").map(|l| l.to_str().expect("text").to_string());
                let body = json(page).await;
                assert_eq!(body["totalCount"], 120);
                let rows = body["result"].as_array().expect("rows");
                seen.extend(rows.iter().map(|r| r["entityId"].as_str().expect("id").to_string()));
                let Some(link) = link else { break };
                assert!(link.ends_with(">; rel=\"next\""), "{link}");
                assert!(link.contains("name%5Bcontains%5D=Example") && !link.contains("offset"), "{link}");
                let (_, rest) = link.split_once('?').expect("a query");
                query = rest.split_once('>').expect("a link").0.to_string();
            }
            let mut expected = seen.clone();
            expected.sort();
            if dir == "Desc" {
                expected.reverse();
            }
            assert_eq!(seen, expected, "{dir}: every row once, in order");
            assert_eq!(seen.len(), 120);
        }
    }

    async fn deep_lists_of_one_tenant_leave_another_tenant_its_latency(app: &TestApp) {
        let demo = app.demo_token().await;
        many_relationships(app, 100_000).await;
        let reader = app.token_of(TENANT, &["riskassess.relationship.read"]).await;
        let started = Instant::now();
        let flood: Vec<_> = (0..60)
            .map(|i| {
                let (client, url, reader) = (app.client.clone(), app.url(&format!("/api/relationships?offset={}", 9_950 - i)), reader.clone());
                tokio::spawn(async move {
                    let mut statuses = Vec::new();
                    while started.elapsed() < Duration::from_secs(4) {
                        let r = client.get(&url).bearer_auth(&reader).send().await.expect("deep list");
                        statuses.push(r.status().as_u16());
                    }
                    statuses
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut times = Vec::new();
        while started.elapsed() < Duration::from_secs(3) {
            let at = Instant::now();
            let r = app.client.get(app.url(&format!("/api/relationships/{EXAMPLE_ID}"))).bearer_auth(&demo).send().await.expect("get");
            times.push(at.elapsed());
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
            let ready = app.client.get(app.url("/readyz")).send().await.expect("readyz");
            assert_eq!(ready.status(), 200);
        }
        let mut flood_statuses = Vec::new();
        for task in flood {
            flood_statuses.extend(task.await.expect("flood"));
        }
        let p99 = p99(times.clone());
        eprintln!(
            "tenant B: {} GETs, p99 {p99:?}; tenant A: {} deep lists, {} not 200",
            times.len(),
            flood_statuses.len(),
            flood_statuses.iter().filter(|s| **s != 200).count()
        );
        assert!(p99 < Duration::from_millis(250), "tenant B's p99 {p99:?}");
        for status in flood_statuses {
            assert!(status == 200 || status == 429 || status == 503, "{status}");
        }
    }
}

engine_tests! {
    async fn a_statement_held_up_past_the_limit_is_a_503_with_retry_after(app: &TestApp) {
        let demo = app.demo_token().await;
        let body = serde_json::json!({"name": "held up"});
        // Another program holds the row (PostgreSQL) or the database's write lock (SQLite).
        let mut other = sqlx::AnyConnection::connect(&app.database_url).await.expect("connect");
        let lock = if app.database_url.starts_with("sqlite") {
            "BEGIN IMMEDIATE"
        } else {
            "BEGIN; SELECT 1 FROM relationships FOR UPDATE"
        };
        sqlx::raw_sql(lock).execute(&mut other).await.expect("hold the lock");
        let started = Instant::now();
        let put = app.client.put(app.url(&format!("/api/relationships/{EXAMPLE_ID}"))).bearer_auth(&demo).json(&body).send().await.expect("put");
        let waited = started.elapsed();
        assert_eq!(put.status(), 503, "{}", put.text().await.unwrap_or_default());
        assert_eq!(header(&put, "retry-after"), "1");
        let body = json(put).await;
        assert_eq!(body["errors"][0]["errorCode"], "ServiceUnavailable", "{body}");
        assert!(waited < Duration::from_secs(8), "{waited:?}");
        let _ = other.close().await;
    }
}

/// This process's resident memory, in MiB (Linux).
fn resident_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kib / 1024
}

engine_tests! {
    async fn a_hundred_related_user_lists_over_90_000_rows_stay_small(app: &TestApp) {
        let demo = app.demo_token().await;
        let mut conn = sqlx::AnyConnection::connect(&app.database_url).await.expect("connect");
        sqlx::query(
            "INSERT INTO related_users (tenant_id, id, user_id, name, active, version, created_at, modified_at) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 90000) \
             SELECT r.tenant_id, 1000 + n.i, r.user_id, r.name || ' ' || CAST(n.i AS TEXT), 1, 1, r.created_at, r.modified_at \
             FROM n, (SELECT * FROM related_users ORDER BY id LIMIT 1) r",
        )
        .execute(&mut conn)
        .await
        .expect("seed related users");
        let _ = conn.close().await;
        let before = resident_mib();
        let lists: Vec<_> = (0..100)
            .map(|i| {
                let request = app.client.get(app.url(&format!("/api/user/related?limit=1000&after={}", i * 500))).bearer_auth(&demo);
                tokio::spawn(async move {
                    let response = request.send().await.expect("list");
                    let status = response.status();
                    let body = response.bytes().await.expect("body");
                    (status, body.len())
                })
            })
            .collect();
        for list in lists {
            let (status, len) = list.await.expect("list");
            assert_eq!(status, 200);
            assert!(len < 1024 * 1024, "a page of 1,000 is {len} bytes");
        }
        let after = resident_mib();
        eprintln!("resident memory: {before} MiB before, {after} MiB after 100 lists of 1,000");
        assert!(after < 200, "{after} MiB");
    }
}

/// Follows `Link rel="next"` from `path`: the `key` of every item of every page, in order.
async fn follow(app: &TestApp, authorization: &str, mut path: String, items: &str, key: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let page = app
            .client
            .get(app.url(&path))
            .header("authorization", authorization)
            .send()
            .await
            .expect("list");
        assert_eq!(page.status(), 200, "{path}");
        let link = page
            .headers()
            .get("link")
            .map(|l| l.to_str().expect("text").to_string());
        let body = json(page).await;
        seen.extend(
            body[items]
                .as_array()
                .expect("items")
                .iter()
                .map(|item| item[key].to_string()),
        );
        let Some(link) = link else { return seen };
        path = link
            .strip_prefix('<')
            .and_then(|l| l.strip_suffix(">; rel=\"next\""))
            .expect("a next link")
            .to_string();
        assert!(!path.contains("offset"), "{path}");
    }
}

engine_tests! {
    async fn setup_and_relationship_user_lists_page_on_by_their_next_links(app: &TestApp) {
        let bearer = format!("Bearer {}", app.token);
        for i in 0..7 {
            create_organization(app, &format!("org {i}")).await;
        }
        let all = follow(app, &bearer, "/api/setup/organizations?limit=200".into(), "items", "entityId").await;
        assert_eq!(all.len(), 7);
        let paged = follow(app, &bearer, "/api/setup/organizations?limit=3".into(), "items", "entityId").await;
        assert_eq!(paged, all, "every row once, in creation order");

        let demo = format!("Bearer {}", app.demo_token().await);
        for user in ["3", "b218d8e5-8c7a-4f3e-9b12-222222222222"] {
            let created = app.client.post(app.url("/api/user/relationship_users")).header("authorization", &demo)
                .json(&serde_json::json!({
                    "form_configuration_name": "reference_rest_api_relationship_user_create",
                    "parent_resource_id": "team_members",
                    "form": {"relationship_id": "R00001", "user_id": user, "properties": {"status": "pending"}}
                }))
                .send().await.expect("create");
            assert_eq!(created.status(), 201);
        }
        let list = format!("/api/user/relationship_users?relationship_id={EXAMPLE_ID}");
        let all = follow(app, &demo, format!("{list}&limit=200"), "relationship_users", "id").await;
        assert_eq!(all.len(), 3);
        let paged = follow(app, &demo, format!("{list}&limit=1"), "relationship_users", "id").await;
        assert_eq!(paged, all, "every row once, by id");

        // With a cursor, `offset` counts from it.
        let skipped = follow(app, &demo, format!("{list}&limit=200&after={}&offset=1", all[0]), "relationship_users", "id").await;
        assert_eq!(skipped, all[2..]);
        let bad = app.client.get(app.url("/api/setup/organizations?after=x")).header("authorization", &bearer).send().await.expect("list");
        assert_eq!(bad.status(), 400);
    }
}
