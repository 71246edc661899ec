//! Secrets at rest: the token keys live outside the database (a key file,
//! private to its owner), rotate without downtime, and nothing secret is
//! stored in plain text.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use liaison::auth::keys::{GRACE_SLACK, KeyFile};
use liaison::auth::token::{Claims, ISSUER, TokenKey};
use liaison::context::ContextSettings;
use liaison::server::ServerSettings;
use sqlx::Connection as _;

use crate::harness::*;

/// Every value of every column of every table of the database at `url`, as text.
async fn every_stored_text(url: &str) -> Vec<(String, String)> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
    let columns: Vec<(String, String)> = if url.starts_with("sqlite:") {
        sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
        )
        .fetch_all(&mut conn)
        .await
        .expect("columns")
    } else {
        sqlx::query_as(
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema()",
        )
        .fetch_all(&mut conn)
        .await
        .expect("columns")
    };
    assert!(columns.iter().any(|(table, _)| table == "settings"), "{columns:?}");
    let mut values = Vec::new();
    for (table, column) in columns {
        let value = if url.starts_with("sqlite:") {
            // A blob (a migration's checksum) as hex: not text to decode.
            format!(
                "CASE WHEN typeof(\"{column}\") = 'blob' THEN hex(\"{column}\") ELSE CAST(\"{column}\" AS TEXT) END"
            )
        } else {
            format!("CAST(\"{column}\" AS TEXT)")
        };
        let texts: Vec<Option<String>> = sqlx::query_scalar(&format!("SELECT {value} FROM \"{table}\""))
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{table}.{column}: {e}"));
        values.extend(
            texts
                .into_iter()
                .flatten()
                .map(|text| (format!("{table}.{column}"), text)),
        );
    }
    let _ = conn.close().await;
    values
}

/// Fails when any of `secrets` is stored anywhere in the database at `url`.
async fn assert_not_stored(url: &str, secrets: &[(&str, &str)]) {
    let stored = every_stored_text(url).await;
    assert!(stored.len() > 10, "the scan reads the data: {}", stored.len());
    for (what, secret) in secrets {
        assert!(secret.len() >= 16, "{what}: a value worth looking for");
        if let Some((column, _)) = stored.iter().find(|(_, text)| text.contains(secret)) {
            panic!("the {what} is stored in plain text in {column}");
        }
    }
}

/// The bytes of a SQLite database's files, for what a copy of them gives away.
fn sqlite_bytes(url: &str) -> Vec<u8> {
    let path = url.trim_start_matches("sqlite://");
    ["", "-wal"]
        .iter()
        .flat_map(|suffix| std::fs::read(format!("{path}{suffix}")).unwrap_or_default())
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// A token of `client` of the harness tenant, signed by `key`, valid for an hour.
async fn forged(app: &TestApp, key: &TokenKey, client: &str) -> String {
    let tenant = app.store.tenant_by_name(TENANT).await.expect("query").expect("tenant");
    let now = chrono::Utc::now().timestamp();
    key.sign(&Claims {
        iss: ISSUER.into(),
        sub: client.into(),
        tid: tenant.to_string(),
        scope: "setup.read".into(),
        iat: now,
        exp: now + 3600,
        jti: uuid::Uuid::new_v4().to_string(),
    })
}

async fn status_with(app: &TestApp, base: &str, token: &str) -> u16 {
    app.client
        .get(format!("{base}/api/setup/organizations"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

fn key_file_settings(path: &Path) -> ContextSettings {
    ContextSettings {
        token_key: None,
        token_key_file: Some(path.to_path_buf()),
        ..test_settings()
    }
}

engine_tests! {
    async fn no_secret_key_or_api_key_is_stored_in_plain_text(app: &TestApp) {
        let (_, client_secret) = app.create_client(TENANT, &["setup.read"]).await;
        let demo = liaison::demo::seed(&app.store, &liaison::demo::DemoSettings::default()).await.expect("demo");
        let dir = tempfile::tempdir().expect("temp dir");
        let key_file = dir.path().join("liaison.key");
        let (store, server) = serve_with(&app.database_url, &key_file_settings(&key_file), ServerSettings::from(BODY_LIMIT)).await;
        let file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&key_file).expect("key file")).expect("json");
        let signing_key = file["current"]["key"].as_str().expect("a key").to_string();
        // The credentials work, so they are what the database would hold.
        app.token_for(&demo.client_id, &demo.client_secret).await;
        let (api_key, api_key_id) = {
            let tenant = app.store.tenant_by_name(TENANT).await.expect("query").expect("tenant");
            let key = format!("an-api-key-{}", uuid::Uuid::new_v4().simple());
            app.store.api_key_put(tenant, "k1", &liaison::auth::secret::hash_api_key(&key)).await.expect("key");
            (key, "k1")
        };
        assert!(!api_key_id.is_empty());
        assert_not_stored(&app.database_url, &[
            ("client secret", client_secret.as_str()),
            ("demo client secret", demo.client_secret.as_str()),
            ("demo API key", demo.api_key.as_str()),
            ("API key", api_key.as_str()),
            ("token signing key", signing_key.as_str()),
            ("configured token key", TOKEN_KEY),
        ]).await;
        if app.database_url.starts_with("sqlite:") {
            let bytes = sqlite_bytes(&app.database_url);
            for secret in [&client_secret, &demo.client_secret, &demo.api_key, &api_key, &signing_key] {
                assert!(!contains(&bytes, secret), "a secret in the SQLite file's bytes");
            }
        }
        server.shutdown().await.expect("shutdown");
        store.close().await;
    }

    async fn secrets_kept_in_the_database_by_earlier_versions_are_moved_out(app: &TestApp) {
        // As an earlier version left them: the signing key and the demo's credentials in clear.
        let legacy_key = format!("legacy-signing-key-{}", uuid::Uuid::new_v4().simple());
        let demo_secret = format!("legacy-demo-secret-{}", uuid::Uuid::new_v4().simple());
        let demo_api_key = format!("legacy-demo-api-key-{}", uuid::Uuid::new_v4().simple());
        for (name, value) in [
            ("token_signing_key", &legacy_key),
            ("demo_client_secret", &demo_secret),
            ("demo_api_key", &demo_api_key),
        ] {
            app.store.setting_put(name, value).await.expect("setting");
        }
        let (id, _) = app.create_client(TENANT, &["setup.read"]).await;
        let before_upgrade = forged(app, &TokenKey::new(legacy_key.as_bytes()), &id).await;
        // The upgrade: migrations, then an instance on the same database.
        app.store.migrate().await.expect("migrate");
        let dir = tempfile::tempdir().expect("temp dir");
        let key_file = dir.path().join("liaison.key");
        let (store, server) = serve_with(&app.database_url, &key_file_settings(&key_file), ServerSettings::from(BODY_LIMIT)).await;
        assert_eq!(mode(&key_file), 0o600);
        let file = KeyFile::read(&key_file).expect("key file");
        assert!(file.holds(&legacy_key), "the key moved to the key file");
        assert_eq!(file.current_kid(), TokenKey::new(legacy_key.as_bytes()).kid());
        for name in ["token_signing_key", "demo_client_secret", "demo_api_key"] {
            assert_eq!(app.store.setting(name).await.expect("read"), None, "{name} removed");
        }
        assert_not_stored(&app.database_url, &[
            ("signing key", legacy_key.as_str()),
            ("demo client secret", demo_secret.as_str()),
            ("demo API key", demo_api_key.as_str()),
        ]).await;
        if app.database_url.starts_with("sqlite:") {
            let bytes = sqlite_bytes(&app.database_url);
            for secret in [&legacy_key, &demo_secret, &demo_api_key] {
                assert!(!contains(&bytes, secret), "no copy left in the SQLite file's bytes");
            }
        }
        // Tokens signed before the upgrade still work.
        assert_eq!(status_with(app, &format!("http://{}", server.addr), &before_upgrade).await, 200);
        server.shutdown().await.expect("shutdown");
        store.close().await;
    }

    async fn a_rotated_out_key_is_accepted_within_its_grace_and_refused_after(app: &TestApp) {
        let dir = tempfile::tempdir().expect("temp dir");
        let key_file = dir.path().join("liaison.key");
        let ttl = liaison::context::ContextSettings::default().token_ttl;
        let now = chrono::Utc::now();
        // Three keys: one retired beyond its grace, one retired a minute ago, the current one.
        let long_ago = now - chrono::Duration::seconds(ttl + GRACE_SLACK + 5);
        let first = KeyFile::generate(long_ago - chrono::Duration::seconds(10));
        let second = first.clone().rotate(long_ago);
        let third = second.clone().rotate(now - chrono::Duration::seconds(60));
        third.create(&key_file).expect("key file");
        let key_of = |file: &KeyFile| file.keys(ttl).current().clone();
        let (store, server) = serve_with(&app.database_url, &key_file_settings(&key_file), ServerSettings::from(BODY_LIMIT)).await;
        let base = format!("http://{}", server.addr);
        let (id, secret) = app.create_client(TENANT, &["setup.read"]).await;
        let past_grace = forged(app, &key_of(&first), &id).await;
        let within_grace = forged(app, &key_of(&second), &id).await;
        let current = forged(app, &key_of(&third), &id).await;
        assert_eq!(status_with(app, &base, &past_grace).await, 401, "a key past its grace");
        assert_eq!(status_with(app, &base, &within_grace).await, 200, "a key within its grace");
        assert_eq!(status_with(app, &base, &current).await, 200, "the current key");

        // A rotation while the server runs: it signs with the new key within
        // a second, and the tokens of the key it replaced keep working.
        let issued = |base: String| {
            let client = app.client.clone();
            let (id, secret) = (id.clone(), secret.clone());
            async move {
                let response = client
                    .post(format!("{base}/oauth2/token"))
                    .basic_auth(&id, Some(&secret))
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await
                    .expect("token request");
                assert_eq!(response.status(), 200);
                json(response).await["access_token"].as_str().expect("token").to_string()
            }
        };
        let kid = |token: &str| {
            use base64::Engine as _;
            let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token.split('.').next().expect("header"))
                .expect("base64");
            serde_json::from_slice::<serde_json::Value>(&header).expect("json")["kid"].as_str().expect("kid").to_string()
        };
        let before = issued(base.clone()).await;
        assert_eq!(kid(&before), third.current_kid());
        let fourth = third.clone().rotate(chrono::Utc::now());
        fourth.replace(&key_file).expect("rotated");
        tokio::time::sleep(liaison::auth::keys::RELOAD_EVERY + std::time::Duration::from_millis(100)).await;
        let after = issued(base.clone()).await;
        assert_eq!(kid(&after), fourth.current_kid(), "the new key signs");
        assert_eq!(status_with(app, &base, &before).await, 200, "the replaced key's tokens still work");
        assert_eq!(status_with(app, &base, &after).await, 200);
        assert_eq!(status_with(app, &base, &past_grace).await, 401);
        server.shutdown().await.expect("shutdown");
        store.close().await;
    }

    async fn the_demo_prints_new_credentials_each_start_unless_given(app: &TestApp) {
        let defaults = liaison::demo::DemoSettings::default();
        let first = liaison::demo::seed(&app.store, &defaults).await.expect("seed");
        let second = liaison::demo::seed(&app.store, &defaults).await.expect("seed");
        assert_eq!(first.client_id, second.client_id, "the id is kept");
        assert_ne!(first.client_secret, second.client_secret);
        assert_ne!(first.api_key, second.api_key);
        app.token_for(&second.client_id, &second.client_secret).await;
        let old = app
            .client
            .post(app.url("/oauth2/token"))
            .basic_auth(&first.client_id, Some(&first.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("request");
        assert_eq!(old.status(), 401, "the previous secret no longer works");
        for (key, expected) in [(&first.api_key, 401), (&second.api_key, 200)] {
            let response = app
                .client
                .get(app.url("/api/user/relationship_users/1"))
                .header("authorization", format!("Token token={key}"))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status().as_u16(), expected);
        }
        let given = liaison::demo::DemoSettings { client_id: None, client_secret: Some("a-demo-secret-given-by-its-owner".into()) };
        let third = liaison::demo::seed(&app.store, &given).await.expect("seed");
        let fourth = liaison::demo::seed(&app.store, &given).await.expect("seed");
        assert_eq!(third.client_secret, fourth.client_secret);
        app.token_for(&fourth.client_id, "a-demo-secret-given-by-its-owner").await;
    }
}

/// The SQLite file, its write-ahead log and shared-memory index, and the key
/// file beside them are created 0600, whatever the umask says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_files_and_the_key_file_are_private_to_their_owner() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/data/liaison.db", dir.path().display());
    let (store, server) = serve_with(&url, &ContextSettings::default(), ServerSettings::from(BODY_LIMIT)).await;
    // A write, so that the write-ahead log holds something.
    store.ensure_tenant("someone").await.expect("tenant");
    let data = dir.path().join("data");
    for name in ["liaison.db", "liaison.db-wal", "liaison.db-shm", "liaison.key"] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
    server.shutdown().await.expect("shutdown");
    store.close().await;
}

/// PostgreSQL has no place beside a file for the key: without a key or a key
/// file, an instance refuses to start and says which options give one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_without_a_configured_key_refuses_to_start_naming_both_options() {
    let Ok(url) = std::env::var("LIAISON_TEST_DATABASE_URL") else {
        eprintln!("SKIPPED: LIAISON_TEST_DATABASE_URL is not set (run scripts/test)");
        return;
    };
    let store = liaison::store::Store::connect(&url).await.expect("connect");
    let settings = ContextSettings {
        token_key: None,
        ..ContextSettings::default()
    };
    let err = liaison::context::ApiContext::new(store.clone(), &settings)
        .await
        .err()
        .expect("refused");
    let message = format!("{err:#}");
    for option in [
        "--token-key-file",
        "LIAISON_TOKEN_KEY_FILE",
        "--token-key ",
        "LIAISON_TOKEN_KEY)",
    ] {
        assert!(message.contains(option), "{option}: {message}");
    }
    store.close().await;
}
