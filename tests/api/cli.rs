//! The `liaison` binary as an operator meets it in the first minutes:
//! its subcommands, its errors, and `serve --demo`.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The binary with a clean environment: no `LIAISON_*` from the caller.
fn liaison(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_liaison"));
    command.env_clear().current_dir(dir).args(args);
    command
}

fn liaison_output(dir: &Path, args: &[&str]) -> Output {
    liaison(dir, args).output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The words of each line: a header, then its rows.
fn table(output: &Output) -> Vec<Vec<String>> {
    stdout(output)
        .lines()
        .map(|line| line.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn a_sqlite_url_without_a_path_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    for url in ["sqlite://", "sqlite:", "sqlite::memory:"] {
        let output = liaison_output(dir.path(), &["--database-url", url, "tenants", "create", "ghost"]);
        assert_eq!(output.status.code(), Some(2), "{url}: {}", stderr(&output));
        let message = stderr(&output);
        assert!(message.contains("sqlite://PATH"), "{url}: {message}");
        assert!(stdout(&output).is_empty(), "{url}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("read dir").count(),
        0,
        "nothing written"
    );
}

#[test]
fn an_error_is_one_line_without_a_backtrace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = liaison(
        dir.path(),
        &[
            "--database-url",
            "sqlite://liaison.db",
            "clients",
            "create",
            "--tenant",
            "ghost",
        ],
    )
    .env("RUST_BACKTRACE", "1")
    .output()
    .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.starts_with("error: no tenant named \"ghost\""), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(!message.to_lowercase().contains("backtrace"), "{message}");
}

#[test]
fn a_sqlite_file_that_cannot_be_opened_is_named_with_the_cause() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("plain"), b"a file, not a folder").expect("write");
    std::fs::write(dir.path().join("garbage.db"), b"not a database, not at all, no").expect("write");
    std::fs::create_dir(dir.path().join("folder.db")).expect("mkdir");
    for (path, cause) in [
        ("plain/liaison.db", "Not a directory"),
        ("folder.db", "Is a directory"),
        ("garbage.db", "file is not a database"),
    ] {
        let output = liaison_output(dir.path(), &["--database-url", &format!("sqlite://{path}"), "migrate"]);
        assert_eq!(output.status.code(), Some(1), "{path}");
        let message = stderr(&output);
        assert!(
            message.starts_with(&format!("error: cannot open the SQLite database {path}: ")),
            "{path}: {message}"
        );
        assert!(message.contains(cause), "{path}: {message}");
    }
}

#[test]
fn an_unreachable_postgresql_server_says_connection_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let started = std::time::Instant::now();
    let output = liaison_output(
        dir.path(),
        &[
            "--database-url",
            "postgres://liaison:s3cret@127.0.0.1:1/liaison",
            "migrate",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("PostgreSQL at 127.0.0.1:1"), "{message}");
    assert!(message.to_lowercase().contains("connection refused"), "{message}");
    assert!(!message.contains("timed out"), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(4), "answered at once");
}

engine_tests! {
    async fn serve_on_postgresql_without_a_token_key_stops_naming_both_options(app: &TestApp) {
        if !app.database_url.starts_with("postgres") {
            return; // SQLite's key file is beside its database.
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let output = liaison_output(
            dir.path(),
            &["--database-url", &app.database_url, "serve", "--demo", "--bind", "127.0.0.1:0"],
        );
        assert_eq!(output.status.code(), Some(1));
        let message = stderr(&output);
        assert!(message.contains("--token-key-file PATH (LIAISON_TOKEN_KEY_FILE"), "{message}");
        assert!(message.contains("--token-key (LIAISON_TOKEN_KEY)"), "{message}");
        assert!(stdout(&output).is_empty(), "nothing served: {}", stdout(&output));
        let demo = app.store.tenant_by_name("demo").await.expect("query");
        assert!(demo.is_none(), "stopped before seeding the demo");
    }

    async fn tenants_and_clients_are_listed_under_a_header(app: &TestApp) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = app.database_url.as_str();
        let cli = |args: &[&str]| {
            let mut all = vec!["--database-url", url];
            all.extend_from_slice(args);
            liaison_output(dir.path(), &all)
        };

        let created = cli(&["tenants", "create", "beta"]);
        assert!(created.status.success(), "{}", stderr(&created));
        assert!(stdout(&created).starts_with("tenant beta created ("), "{}", stdout(&created));
        // The harness made `acme`: creating it again says so, changes nothing, and is not an error.
        let again = cli(&["tenants", "create", "acme"]);
        assert!(again.status.success(), "{}", stderr(&again));
        let acme = app.store.tenant_info("acme").await.expect("read").expect("acme");
        assert!(
            stdout(&again).starts_with(&format!("tenant acme already exists ({}, created ", acme.id)),
            "{}",
            stdout(&again)
        );
        assert!(stdout(&again).contains("nothing changed"));

        let tenants = table(&cli(&["tenants", "list"]));
        assert_eq!(tenants[0], ["NAME", "ID", "CREATED"]);
        let names: Vec<&str> = tenants[1..].iter().map(|row| row[0].as_str()).collect();
        assert_eq!(names, ["acme", "beta"]);
        assert_eq!(tenants[1][1], acme.id.to_string());

        let clients = table(&cli(&["clients", "list"]));
        assert_eq!(clients[0], ["CLIENT_ID", "TENANT", "STATE", "NAME", "SCOPES"]);
        assert!(
            clients[1..].iter().any(|row| row[1] == "acme" && row[2] == "active"),
            "{clients:?}"
        );
        let empty = tempfile::tempdir().expect("temp dir");
        let none = liaison_output(empty.path(), &["--database-url", "sqlite://x.db", "clients", "list"]);
        assert!(stderr(&none).contains("no database at x.db"), "a list creates no database: {}", stderr(&none));
        assert!(!empty.path().join("x.db").exists());
    }
}

/// Reads `reader` line by line on a thread, so the test can wait with a deadline.
fn lines_of(reader: impl Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_resolves_host_names_and_prints_ready_to_paste_exports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = liaison(
        dir.path(),
        &[
            "serve",
            "--demo",
            "--bind",
            "localhost:0",
            "--database-url",
            "sqlite://liaison.db",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("serve starts");
    let out = lines_of(child.stdout.take().expect("stdout"));
    let err = lines_of(child.stderr.take().expect("stderr"));
    let mut exports = std::collections::BTreeMap::new();
    while !exports.contains_key("LIAISON_API_KEY") {
        let line = out
            .recv_timeout(Duration::from_secs(30))
            .expect("serve --demo prints the exports");
        if let Some(assignment) = line.strip_prefix("export ") {
            let (name, value) = assignment.split_once('=').expect("NAME=value");
            exports.insert(name.to_string(), value.to_string());
        }
    }
    let names: Vec<&str> = exports.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "LIAISON_API_KEY",
            "LIAISON_CLIENT_ID",
            "LIAISON_CLIENT_SECRET",
            "LIAISON_URL"
        ],
        "the variables scripts/quickstart reads"
    );
    let quickstart = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/quickstart")).expect("read");
    for name in &names {
        assert!(
            quickstart.contains(&format!("${{{name}")) || quickstart.contains(&format!("${name}")),
            "{name}"
        );
    }
    let url = &exports["LIAISON_URL"];
    assert!(url.starts_with("http://127.0.0.1:"), "localhost resolved: {url}");

    let client = reqwest::Client::new();
    let token = client
        .post(format!("{url}/oauth2/token"))
        .basic_auth(&exports["LIAISON_CLIENT_ID"], Some(&exports["LIAISON_CLIENT_SECRET"]))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    assert_eq!(token.status(), 200);
    let with_key = client
        .get(format!("{url}/api/user/relationship_users/1"))
        .header("authorization", format!("Token token={}", exports["LIAISON_API_KEY"]))
        .send()
        .await
        .expect("request");
    assert_eq!(with_key.status(), 200);
    let metrics = client.get(format!("{url}/metrics")).send().await.expect("scrape");
    assert_eq!(metrics.status(), 200);

    child.kill().expect("stop the server");
    child.wait().expect("reaped");
    // Logs went to a pipe: not one colour code.
    let logs: Vec<String> = err.iter().collect();
    assert!(logs.iter().any(|l| l.contains("request finished")), "{logs:?}");
    assert!(logs.iter().all(|l| !l.contains('\u{1b}')), "{logs:?}");
}

#[test]
fn the_readmes_first_screen_shows_the_two_commands_and_how_to_run_the_binary() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("read");
    let first_screen: String = readme.lines().take(24).collect::<Vec<_>>().join("\n");
    let first_block = first_screen
        .split("```")
        .nth(1)
        .expect("a code block on the first screen");
    let commands: Vec<&str> = first_block
        .lines()
        .skip(1)
        .filter_map(|line| line.split('#').next())
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    assert_eq!(commands, ["cargo run --release -- serve --demo", "./scripts/test"]);
    assert!(first_screen.contains("cargo install --path ."), "{first_screen}");
    assert!(first_screen.contains("target/release/liaison"), "{first_screen}");
    // One set of names for the demo's credentials, the ones `serve --demo` exports.
    for stray in ["$CLIENT_ID", "$CLIENT_SECRET", "$API_KEY", "${CLIENT_ID", "${API_KEY"] {
        assert!(
            !readme.contains(stray),
            "the README uses {stray}; the demo exports LIAISON_*"
        );
    }
}

/// `liaison keys rotate` against the SQLite file of a running server: the
/// server signs with the new key within a second, and the tokens the old
/// key signed keep working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_makes_a_new_key_while_the_old_ones_tokens_keep_working() {
    use liaison::auth::keys::KeyFile;
    use std::os::unix::fs::PermissionsExt as _;

    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/data/liaison.db", dir.path().display());
    let key_file = dir.path().join("data").join("liaison.key");
    let settings = liaison::context::ContextSettings::default();
    let (store, server) =
        crate::harness::serve_with(&url, &settings, liaison::server::ServerSettings::from(1024 * 1024)).await;
    let base = format!("http://{}", server.addr);
    let tenant = store.ensure_tenant("acme").await.expect("tenant");
    let hash = liaison::auth::secret::hash_secret("the-secret-of-the-cli-client").expect("hash");
    store
        .client_create(tenant, "cli-client", "test client", &hash, &["setup.read".to_string()])
        .await
        .expect("client");
    let client = reqwest::Client::new();
    let token = || async {
        let response = client
            .post(format!("{base}/oauth2/token"))
            .basic_auth("cli-client", Some("the-secret-of-the-cli-client"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), 200);
        crate::harness::json(response).await["access_token"]
            .as_str()
            .expect("token")
            .to_string()
    };
    let read = |token: String| {
        let request = client.get(format!("{base}/api/setup/organizations")).bearer_auth(token);
        async move { request.send().await.expect("request").status().as_u16() }
    };
    let before = token().await;
    let old_kid = KeyFile::read(&key_file).expect("key file").current_kid().to_string();

    let rotated = liaison_output(dir.path(), &["--database-url", &url, "keys", "rotate"]);
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    let file = KeyFile::read(&key_file).expect("key file");
    assert_ne!(file.current_kid(), old_kid);
    let said = stdout(&rotated);
    assert!(said.contains(&format!("new key:   {}", file.current_kid())), "{said}");
    assert!(said.contains(&format!("retired:   {old_kid}")), "{said}");
    assert_eq!(
        file.retired().map(|(kid, _)| kid.to_string()).collect::<Vec<_>>(),
        [old_kid]
    );
    let mode = std::fs::metadata(&key_file).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");

    tokio::time::sleep(liaison::auth::keys::RELOAD_EVERY + Duration::from_millis(100)).await;
    let after = token().await;
    assert_ne!(after, before);
    assert_eq!(read(before).await, 200, "the retired key's token still works");
    assert_eq!(read(after.clone()).await, 200);
    let header = after.split('.').next().expect("header");
    let header = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .expect("base64")
    };
    let header: serde_json::Value = serde_json::from_slice(&header).expect("json");
    assert_eq!(header["kid"], file.current_kid(), "the new key signs");
    server.shutdown().await.expect("shutdown");
    store.close().await;
}

#[test]
fn keys_rotate_says_why_when_there_is_no_key_file_to_rotate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let postgres = liaison_output(
        dir.path(),
        &[
            "--database-url",
            "postgres://liaison:s3cret@127.0.0.1:1/liaison",
            "keys",
            "rotate",
        ],
    );
    assert_eq!(postgres.status.code(), Some(1));
    let message = stderr(&postgres);
    assert!(message.contains("--token-key-file PATH"), "{message}");
    assert!(message.contains("--token-key (LIAISON_TOKEN_KEY)"), "{message}");
    assert!(
        !message.to_lowercase().contains("connection refused"),
        "said before connecting: {message}"
    );
    let given = liaison_output(
        dir.path(),
        &[
            "--database-url",
            "sqlite://liaison.db",
            "--token-key",
            "0123456789abcdef0123456789abcdef",
            "keys",
            "rotate",
        ],
    );
    assert_eq!(given.status.code(), Some(1));
    assert!(stderr(&given).contains("no key file to rotate"), "{}", stderr(&given));
}

#[test]
fn a_command_that_only_reads_creates_no_database_and_says_which_it_opened() {
    let dir = tempfile::tempdir().expect("temp dir");
    for what in ["tenants", "clients"] {
        let output = liaison_output(dir.path(), &[what, "list"]);
        assert_eq!(output.status.code(), Some(1), "{what}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("no database at data/liaison.db"),
            "{what}: {}",
            stderr(&output)
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("read dir").count(),
        0,
        "nothing created"
    );
    let created = liaison_output(dir.path(), &["tenants", "create", "acme"]);
    assert!(created.status.success(), "{}", stderr(&created));
    let listed = liaison_output(dir.path(), &["tenants", "list"]);
    assert!(listed.status.success());
    assert!(
        stderr(&listed).contains("using the SQLite database data/liaison.db"),
        "{}",
        stderr(&listed)
    );
    assert_eq!(table(&listed)[1][0], "acme");
    let scopes = liaison_output(
        dir.path(),
        &["clients", "create", "--tenant", "acme", "--scopes", "read write"],
    );
    assert!(!scopes.status.success());
    assert!(
        stderr(&scopes).contains("the scopes are: riskassess.relationship.read"),
        "{}",
        stderr(&scopes)
    );
}
