//! Starting and stopping a liaison per test, on either engine.
//!
//! PostgreSQL tests need `LIAISON_TEST_DATABASE_URL`: a URL of a server
//! where the tests may create and drop databases (`scripts/test` starts a
//! throwaway cluster and sets it). Without it they are skipped with a
//! message, except under `CI=true`, where that is a failure.

use liaison::AppConfig;
use liaison::api::ApiContext;
use liaison::server::{RunningServer, start};
use liaison::store::Store;
use sqlx::Connection;

pub const BODY_LIMIT: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    server: Option<RunningServer>,
    db: TestDb,
}

enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestApp {
    /// A running app on a fresh database, or `None` when the engine is not available.
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        let (url, db) = match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/liaison.db", dir.path().display());
                (url, TestDb::Sqlite(dir))
            }
            Engine::Postgres => {
                let Ok(admin_url) = std::env::var("LIAISON_TEST_DATABASE_URL") else {
                    assert!(
                        std::env::var("CI").as_deref() != Ok("true"),
                        "LIAISON_TEST_DATABASE_URL is not set: the PostgreSQL suite cannot be skipped in CI"
                    );
                    eprintln!("SKIPPED: LIAISON_TEST_DATABASE_URL is not set (run scripts/test)");
                    return None;
                };
                let name = format!("liaison_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .expect("connect to the test server");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .expect("create test database");
                let _ = admin.close().await;
                (with_database(&admin_url, &name), TestDb::Postgres { admin_url, name })
            }
        };
        let store = Store::connect(&url).await.expect("connect");
        store.migrate().await.expect("migrate");
        let ctx = ApiContext::new(store.clone()).await.expect("context");
        let config = AppConfig {
            body_limit: BODY_LIMIT,
            public_url: None,
        };
        let server = start(ctx, &config, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("server starts");
        Some(TestApp {
            base: format!("http://{}", server.addr),
            client: reqwest::Client::new(),
            store,
            server: Some(server),
            db,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path))
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path))
    }

    pub fn put(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.put(self.url(path))
    }

    /// Stops the server gracefully and drops the database.
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.expect("clean shutdown");
        }
        self.store.close().await;
        if let TestDb::Postgres { admin_url, name } = &self.db {
            if let Ok(mut admin) = sqlx::PgConnection::connect(admin_url).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await;
            }
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

/// Declares each test twice, as `NAME::sqlite` and `NAME::postgres`.
macro_rules! engine_tests {
    ($(async fn $name:ident($app:ident: &TestApp) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: &$crate::harness::TestApp) $body

                async fn on(engine: $crate::harness::Engine) {
                    if let Some(app) = $crate::harness::TestApp::spawn(engine).await {
                        run(&app).await;
                        app.stop().await;
                    }
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    on($crate::harness::Engine::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    on($crate::harness::Engine::Postgres).await;
                }
            }
        )*
    };
}

/// The parsed JSON body of a response.
pub async fn json(response: reqwest::Response) -> serde_json::Value {
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

pub fn content_type(response: &reqwest::Response) -> String {
    header(response, "content-type")
}

pub fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Creates an organization through the API and returns its JSON.
pub async fn create_organization(app: &TestApp, name: &str) -> serde_json::Value {
    let response = app
        .post("/api/setup/organizations")
        .json(&serde_json::json!({ "name": name }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    json(response).await
}

#[test]
fn database_names_are_replaced() {
    assert_eq!(with_database("postgres://u@h:1/postgres", "x"), "postgres://u@h:1/x");
    assert_eq!(with_database("postgres://u@h:1", "x"), "postgres://u@h:1/x");
    assert_eq!(
        with_database("postgres://u@h/db?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
}
