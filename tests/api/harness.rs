//! Starting and stopping a liaison per test, on either engine.
//!
//! PostgreSQL tests need `LIAISON_TEST_DATABASE_URL`: a URL of a server
//! where the tests may create and drop databases (`scripts/test` starts a
//! throwaway cluster and sets it). Without it they are skipped with a
//! message, except under `CI=true`, where that is a failure.

use liaison::app::{RunningServer, start};
use liaison::auth::Scope;
use liaison::auth::secret::hash_secret;
use liaison::context::{ApiContext, ContextSettings};
use liaison::server::ServerSettings;
use liaison::store::Store;
use liaison::webhooks::WebhookSettings;
use sqlx::Connection;

pub const BODY_LIMIT: u64 = 1024 * 1024;
/// The token signing key of test servers, so tests can forge tokens (expired ones, say).
pub const TOKEN_KEY: &str = "test-signing-key-test-signing-key-0123";
pub const TENANT: &str = "acme";

#[derive(Debug, Clone, Copy)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    /// The database URL, for a second instance on the same data.
    pub database_url: String,
    /// A token of tenant `acme` with every scope; [`TestApp::get`] and friends send it.
    pub token: String,
    server: Option<RunningServer>,
    db: TestDb,
}

enum TestDb {
    /// The temporary folder of the file, or none when the test owns the folder.
    Sqlite(#[allow(dead_code)] Option<tempfile::TempDir>),
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl TestApp {
    /// A running app on a fresh database, or `None` when the engine is not available.
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        let (url, db) = match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/liaison.db", dir.path().display());
                (url, TestDb::Sqlite(Some(dir)))
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
        Some(Self::spawn_on(url, db).await)
    }

    /// A running app on a fresh SQLite file in `dir`, a folder the test owns
    /// (a small filesystem of its own, say).
    pub async fn spawn_sqlite_in(dir: &std::path::Path) -> TestApp {
        let url = format!("sqlite://{}/liaison.db", dir.display());
        Self::spawn_on(url, TestDb::Sqlite(None)).await
    }

    async fn spawn_on(url: String, db: TestDb) -> TestApp {
        let (store, server) = serve(&url).await;
        let mut app = TestApp {
            base: format!("http://{}", server.addr),
            client: reqwest::Client::new(),
            store,
            database_url: url,
            token: String::new(),
            server: Some(server),
            db,
        };
        let (id, secret) = app.create_client(TENANT, &Scope::all_names()).await;
        app.token = app.token_for(&id, &secret).await;
        app
    }

    /// Creates a client of `tenant` (created when missing) with `scopes`; returns id and secret.
    pub async fn create_client(&self, tenant: &str, scopes: &[&str]) -> (String, String) {
        let tenant = self.store.ensure_tenant(tenant).await.expect("tenant");
        let id = format!("client-{}", uuid::Uuid::new_v4().simple());
        let secret = format!("secret-{}", uuid::Uuid::new_v4().simple());
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        self.store
            .client_create(
                tenant,
                &id,
                "test client",
                &hash_secret(&secret).expect("hash"),
                &scopes,
            )
            .await
            .expect("client");
        (id, secret)
    }

    /// A token for the client, from the token endpoint.
    pub async fn token_for(&self, id: &str, secret: &str) -> String {
        token_from(&self.client, &self.url(""), id, secret).await
    }

    /// Seeds the demo tenant into this app's database; a token of its client.
    pub async fn demo_token(&self) -> String {
        let demo = liaison::demo::seed(&self.store, &liaison::demo::DemoSettings::default())
            .await
            .expect("demo seed");
        self.token_for(&demo.client_id, &demo.client_secret).await
    }

    /// A token of a new client of `tenant` with `scopes`.
    pub async fn token_of(&self, tenant: &str, scopes: &[&str]) -> String {
        let (id, secret) = self.create_client(tenant, scopes).await;
        self.token_for(&id, &secret).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A GET with the default token.
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(&self.token)
    }

    /// A POST with the default token.
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(&self.token)
    }

    /// A PUT with the default token.
    pub fn put(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.put(self.url(path)).bearer_auth(&self.token)
    }

    /// Stops the server gracefully and drops the database.
    /// Stops this app's server, keeping its database (for a server of another kind on it).
    pub async fn stop_server(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.expect("clean shutdown");
        }
    }

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

/// The settings of test servers: a known signing key (so tests can forge tokens).
pub fn test_settings() -> ContextSettings {
    ContextSettings {
        token_key: Some(TOKEN_KEY.to_string()),
        webhooks: test_webhooks(),
        ..ContextSettings::default()
    }
}

/// Webhooks as the tests deliver them: to receivers on 127.0.0.1, with a
/// short timeout and retries a fraction of a second apart (three attempts).
pub fn test_webhooks() -> WebhookSettings {
    WebhookSettings {
        allow_private: true,
        timeout: std::time::Duration::from_secs(2),
        retry_schedule: vec![std::time::Duration::from_millis(200); 2],
    }
}

/// Connects to `url`, migrates, and starts a server on a free port. With
/// `RUST_LOG` set, the server's log goes to the test's output.
pub async fn serve(url: &str) -> (Store, RunningServer) {
    serve_with(url, &test_settings(), ServerSettings::from(BODY_LIMIT)).await
}

/// [`serve`] with other settings and limits (short timeouts, say).
pub async fn serve_with(url: &str, settings: &ContextSettings, limits: ServerSettings) -> (Store, RunningServer) {
    if std::env::var_os("RUST_LOG").is_some() {
        liaison::telemetry::init(liaison::config::LogFormat::Text);
    }
    keep_xml_answers();
    let store = Store::connect(url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let ctx = ApiContext::new(store.clone(), settings).await.expect("context");
    let server = start(ctx, limits, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts");
    (store, server)
}

/// With `LIAISON_TEST_XML_DIR` set (`scripts/test` sets it), every XML
/// answer the servers of this test write is kept there, one file each, to
/// be validated against the XML Schemas (`openapi/liaison.xsd`) afterwards.
pub fn keep_xml_answers() {
    if let Some(dir) = std::env::var_os("LIAISON_TEST_XML_DIR") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("LIAISON_TEST_XML_DIR can be created");
        liaison::codec::rendered::keep_xml_answers(dir);
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
/// A token for the client from the token endpoint of the server at `base`
/// (`http://host:port`).
pub async fn token_from(client: &reqwest::Client, base: &str, id: &str, secret: &str) -> String {
    let response = client
        .post(format!("{base}/oauth2/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), 200, "token for {id}");
    json(response).await["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

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

/// How a test encodes a request body.
#[derive(Clone, Copy, Debug)]
pub enum Enc {
    Json,
    /// The OpenAPI default XML mapping, under the schema's root element.
    Xml,
    /// `application/x-www-form-urlencoded`, nested names the Rack way
    /// (`form[properties][status]`, `a[]`); a null is a name without `=`.
    Form,
    /// `multipart/form-data`, one text part per field, named as in `Form`
    /// (nulls are left out: a part always has a value).
    Multipart,
}

/// The fields of `value` with Rack's nested names, in order; `None` for a null.
pub fn rack_fields(value: &serde_json::Value) -> Vec<(String, Option<String>)> {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, Option<String>)>) {
        use serde_json::Value;
        match value {
            Value::Object(map) => {
                for (key, member) in map {
                    let name = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}[{key}]")
                    };
                    walk(&name, member, out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(&format!("{prefix}[]"), item, out);
                }
            }
            Value::Null => out.push((prefix.to_string(), None)),
            Value::String(text) => out.push((prefix.to_string(), Some(text.clone()))),
            other => out.push((prefix.to_string(), Some(other.to_string()))),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

/// A urlencoded body of Rack-named fields.
pub fn rack_form(value: &serde_json::Value) -> String {
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    rack_fields(value)
        .iter()
        .map(|(name, text)| match text {
            Some(text) => format!("{}={}", encode(name), encode(text)),
            None => encode(name),
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub const MULTIPART_BOUNDARY: &str = "liaison-test-boundary-7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body of Rack-named text parts (nulls left out).
pub fn multipart_form(value: &serde_json::Value) -> String {
    let mut body = String::new();
    for (name, text) in rack_fields(value) {
        if let Some(text) = text {
            body.push_str(&format!(
                "--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{text}\r\n"
            ));
        }
    }
    body.push_str(&format!("--{MULTIPART_BOUNDARY}--\r\n"));
    body
}

/// JSON and XML, which every operation with a body reads.
pub const JSON_AND_XML: [Enc; 2] = [Enc::Json, Enc::Xml];

/// Sends `body` encoded as `enc` (`root` names XML's root element) with the
/// `Authorization` header value `authorization`.
pub async fn send_body(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    authorization: &str,
    (enc, root): (Enc, &str),
    body: &serde_json::Value,
) -> reqwest::Response {
    let request = app
        .client
        .request(method, app.url(path))
        .header("authorization", authorization);
    let request = match enc {
        Enc::Json => request.json(body),
        Enc::Xml => request
            .header("content-type", "application/xml")
            .body(liaison::xml::to_xml(root, None, body)),
        Enc::Form => request
            .header("content-type", "application/x-www-form-urlencoded")
            .body(rack_form(body)),
        Enc::Multipart => request
            .header(
                "content-type",
                format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"),
            )
            .body(multipart_form(body)),
    };
    request.send().await.expect("request")
}

/// The Risk dialect's documented PUT body of the demo relationship, named `name`.
pub fn relationship(name: &str) -> serde_json::Value {
    serde_json::json!({"name": name, "startEffectiveDate": "2026-05-01",
           "organizations": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"],
           "internalManager": "a218d8e5-8c7a-4f3e-9b12-111111111111",
           "externalManager": "b218d8e5-8c7a-4f3e-9b12-222222222222",
           "classification": "classification1", "category": "Cat1",
           "internalAccess": "Team", "externalAccess": "Team", "status": "Relationship_Active"})
}
