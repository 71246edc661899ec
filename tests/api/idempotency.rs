//! `Idempotency-Key` on POSTs: a retry writes nothing and gets the first answer.

use serde_json::{Value, json};
use sqlx::Connection;

use crate::harness::*;

async fn post(app: &TestApp, base: &str, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(format!("{base}/api/setup/organizations"))
        .bearer_auth(&app.token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("post")
}

async fn organizations(app: &TestApp) -> Vec<Value> {
    let list = json(
        app.get("/api/setup/organizations?limit=200")
            .send()
            .await
            .expect("list"),
    )
    .await;
    list["items"].as_array().expect("items").clone()
}

engine_tests! {
    async fn a_retried_post_writes_nothing_and_gets_the_first_answer(app: &TestApp) {
        let body = json!({"name": "Once"});
        let first = post(app, &app.base, "k-1", &body).await;
        assert_eq!(first.status(), 201);
        let (location, etag) = (header(&first, "location"), header(&first, "etag"));
        assert!(first.headers().get("idempotent-replayed").is_none());
        let first = first.text().await.expect("body");

        let again = post(app, &app.base, "k-1", &body).await;
        assert_eq!(again.status(), 201);
        assert_eq!(header(&again, "idempotent-replayed"), "true");
        assert_eq!((header(&again, "location"), header(&again, "etag")), (location, etag));
        assert_eq!(again.text().await.expect("body"), first);
        assert_eq!(organizations(app).await.len(), 1, "one write");

        let other = post(app, &app.base, "k-1", &json!({"name": "Twice"})).await;
        assert_eq!(other.status(), 422);
        let problem = json(other).await;
        assert_eq!(problem["errors"][0]["field"], "Idempotency-Key", "{problem}");

        // Another key, or no key, is another request.
        assert_eq!(post(app, &app.base, "k-2", &body).await.status(), 201);
        assert_eq!(organizations(app).await.len(), 2);

        // A refusal is an answer too: kept, and given again.
        let refused = post(app, &app.base, "k-3", &json!({"name": 5})).await;
        assert_eq!(refused.status(), 400);
        let refused_again = post(app, &app.base, "k-3", &json!({"name": 5})).await;
        assert_eq!(refused_again.status(), 400);
        assert_eq!(header(&refused_again, "idempotent-replayed"), "true");

        let bad = post(app, &app.base, "", &body).await;
        assert_eq!(bad.status(), 400);
    }
}

/// Two instances on one PostgreSQL database: concurrent retries with one
/// key create one organization; a request still in progress is 409.
#[tokio::test]
async fn two_instances_on_postgres_write_a_key_once() {
    let Some(app) = TestApp::spawn(Engine::Postgres).await else {
        return;
    };
    let (_, second) = serve(&app.database_url).await;
    let bases = [app.base.clone(), format!("http://{}", second.addr)];
    let body = json!({"name": "Shared"});
    let tries: Vec<_> = (0..16)
        .map(|i| {
            let (client, base, token, body) = (
                app.client.clone(),
                bases[i % 2].clone(),
                app.token.clone(),
                body.clone(),
            );
            tokio::spawn(async move {
                let r = client
                    .post(format!("{base}/api/setup/organizations"))
                    .bearer_auth(token)
                    .header("Idempotency-Key", "shared")
                    .json(&body)
                    .send()
                    .await
                    .expect("post");
                r.status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.expect("task"));
    }
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    assert!(statuses.contains(&201));
    assert_eq!(organizations(&app).await.len(), 1, "{statuses:?}");

    // A request held up in its write: a retry meanwhile is 409.
    let mut other = sqlx::PgConnection::connect(&app.database_url).await.expect("connect");
    sqlx::raw_sql("BEGIN; LOCK TABLE organizations IN EXCLUSIVE MODE")
        .execute(&mut other)
        .await
        .expect("lock");
    let held = {
        let (client, base, token) = (app.client.clone(), app.base.clone(), app.token.clone());
        tokio::spawn(async move {
            client
                .post(format!("{base}/api/setup/organizations"))
                .bearer_auth(token)
                .header("Idempotency-Key", "held")
                .json(&json!({"name": "Held"}))
                .send()
                .await
                .expect("post")
                .status()
                .as_u16()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let meanwhile = post(&app, &bases[1], "held", &json!({"name": "Held"})).await;
    assert_eq!(meanwhile.status(), 409);
    sqlx::raw_sql("ROLLBACK").execute(&mut other).await.expect("unlock");
    assert_eq!(held.await.expect("held"), 201);
    assert_eq!(
        post(&app, &bases[1], "held", &json!({"name": "Held"})).await.status(),
        201
    );
    assert_eq!(organizations(&app).await.len(), 2);
    second.shutdown().await.expect("shutdown");
}
